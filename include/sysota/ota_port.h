/*
 * sysota porting surface: everything the portable core needs from a platform.
 *
 * A port is a struct of function pointers plus a context pointer (the way
 * littlefs's struct lfs_config carries read/prog/erase/sync). The core calls
 * nothing else: no malloc, no printf, no OS. A port author reads this header
 * and nothing else.
 *
 * Conventions for every function below:
 *  - the first argument is the port's own `ctx`, passed back unchanged;
 *  - the return value is OTA_OK, a documented non-negative value, or a
 *    negative OTA_ERR_* code from sysota/ota_error.h;
 *  - after a power cut (real or simulated) every call may fail with any error;
 *    the core treats every failure as "stop here, the next boot recovers".
 */
#ifndef SYSOTA_OTA_PORT_H
#define SYSOTA_OTA_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Internal flash (NVM): the boot control sector and the application region. */
/* ------------------------------------------------------------------------ */

/** The value of every byte of an erased sector. */
#define OTA_FLASH_ERASED 0xFFu

/**
 * Internal flash. The core's power-loss argument rests on these rules; the
 * port-conformance suite (tests/port/conformance) checks a port against
 * them.
 *
 *  - Erase sets every byte of one sector to OTA_FLASH_ERASED. A flash that
 *    erases to 0x00 is presented inverted (read and program XOR 0xFF).
 *  - Program only moves bits away from the erased value (1 -> 0); a write
 *    unit is programmed at most once between two erases of its sector (the
 *    core never needs more, so ECC flash such as PIC32MZ or STM32H7 works).
 *  - An interrupted program (a power cut during it) may leave each write
 *    unit it covers anywhere between its old and its new contents (any
 *    subset of the bits the data clears); other write units are untouched.
 *    The core never programs that unit again before an erase.
 *  - An interrupted erase may leave any contents in that one sector; the
 *    core erases it again before programming it, and no other sector is
 *    touched.
 *  - After an interrupted operation, reads return the same bytes every
 *    time (a cell left between states must settle to one value). The boot
 *    control log trusts a record whose CRC matched once.
 *  - Sectors: uniform (sector_size), or of sizes that vary with the address
 *    (STM32F4: 16, 64 and 128 KiB), described by sector(). The boot control
 *    area is one whole sector; the application region starts on a sector
 *    and may span sectors of any size.
 * Every call returns when the operation is complete (or failed): the core
 * does not poll for completion.
 */
typedef struct ota_flash {
    void *ctx;
    uint32_t size;        /**< bytes in the device, addresses 0 .. size-1 */
    uint32_t sector_size; /**< erase granularity in bytes, a power of two; when sector() is set, ignored */
    uint32_t write_unit;  /**< program granularity in bytes, a power of two <= every sector's size */

    /** Read len bytes at addr into buf. Any alignment. */
    int (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
    /** Erase the one sector that starts at addr to OTA_FLASH_ERASED. */
    int (*erase)(void *ctx, uint32_t addr);
    /**
     * Program len bytes at addr. addr and len are multiples of write_unit.
     * Programming a bit back to its erased value is an error
     * (OTA_ERR_FLASH_BITS), never silently ignored.
     */
    int (*program)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
    /**
     * Optional, for sectors of varying size: the sector holding addr, as its
     * first byte (*start) and size (*size, a multiple of write_unit).
     * OTA_ERR_RANGE for an address outside the device. NULL: uniform
     * sectors of sector_size.
     */
    int (*sector)(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size);
} ota_flash_t;

/* ------------------------------------------------------------------------ */
/* External store: a small file API (a littlefs, FatFs or host directory).  */
/* ------------------------------------------------------------------------ */

/** Open flags for ota_store_t.open. Exactly one of READ, WRITE, APPEND. */
#define OTA_STORE_READ 0x1u   /**< open an existing file for reading from its start */
#define OTA_STORE_WRITE 0x2u  /**< create, or truncate, a file for writing */
#define OTA_STORE_APPEND 0x4u /**< open an existing file (or create it) to write at its end */

/** Longest file name the core ever passes, without the terminating NUL. */
#define OTA_STORE_NAME_MAX 32

/** Called by ota_store_t.list once per file; return non-zero to stop early. */
typedef int (*ota_store_list_cb)(void *arg, const char *name, uint32_t size);

/**
 * External store: flat files. What the core's power-loss reasoning assumes:
 *  - data written to a file is durable once sync() on that handle returned
 *    OTA_OK; a cut before that may lose any suffix of the unsynced data,
 *    never change a byte that sync() made durable;
 *  - rename() and remove() are atomic and durable when they return: after
 *    a cut exactly one of the old and the new state is visible, and the new
 *    one for certain once the call returned OTA_OK (the core writes the
 *    database and then the boot control record, on two devices, and relies
 *    on that order); a file renamed over an existing name replaces it;
 *  - opening with OTA_STORE_WRITE truncates at once (a cut after the open
 *    may leave an empty file or the old one, nothing in between).
 * The core holds at most one handle open at a time, except while the
 * service applies a delta patch (docs/delta.md): then four, the patch, the
 * base image (both READ), the new image (WRITE) and, for a VCDIFF patch
 * only, a READ handle on that same new image, which must see every byte
 * written through the writer at once, synced or not. A port with fewer
 * handles fails the extra open (OTA_ERR_FULL) and the service falls back to
 * the full image. It never calls the store from inside a list() callback: a
 * port may forbid reentrance. File names are flat (no directories) and
 * always satisfy the store name rule: 1..OTA_STORE_NAME_MAX bytes of
 * letters, digits and "._+~-", not "." or "..", no trailing '.', no '~'
 * followed by a digit (so they are safe on FAT with 8.3 aliases). Names
 * starting with '.' are the core's temporary files.
 */
typedef struct ota_store {
    void *ctx;
    /** Open name with OTA_STORE_* flags. Returns a handle >= 0, or an error. */
    int (*open)(void *ctx, const char *name, unsigned flags);
    /** Read up to len bytes. Returns the count read (0 at end of file) or an error. */
    int (*read)(void *ctx, int fh, void *buf, uint32_t len);
    /** Write all len bytes, or fail (OTA_ERR_NO_SPACE when the store is full). */
    int (*write)(void *ctx, int fh, const void *buf, uint32_t len);
    /** Make everything written so far on fh durable. */
    int (*sync)(void *ctx, int fh);
    /** Release fh. Does not imply sync. */
    int (*close)(void *ctx, int fh);
    /** Atomically rename from to to, replacing to if it exists. */
    int (*rename)(void *ctx, const char *from, const char *to);
    /** Remove a file. OTA_ERR_NOT_FOUND if it does not exist. */
    int (*remove)(void *ctx, const char *name);
    /** Size of a file in *size. OTA_ERR_NOT_FOUND if it does not exist. */
    int (*stat)(void *ctx, const char *name, uint32_t *size);
    /** Call cb for every file, in no particular order, until cb returns non-zero. */
    int (*list)(void *ctx, ota_store_list_cb cb, void *arg);
    /**
     * Move a READ handle to byte off (0 .. the file's size): the next read
     * starts there. OTA_ERR_INVALID_ARG past the end or on a writer. May be
     * NULL: the service then takes no delta patch, only full images.
     */
    int (*seek)(void *ctx, int fh, uint32_t off);
} ota_store_t;

/* ------------------------------------------------------------------------ */
/* HTTP(S) transport: one GET at a time, streamed, non-blocking.            */
/* ------------------------------------------------------------------------ */

/** Options of one GET. Zero-initialise, then set what you need. */
typedef struct ota_http_options {
    uint32_t range_start;       /**< > 0: send "Range: bytes=<range_start>-" */
    const char *const *headers; /**< NULL-terminated list of extra "Name: value" lines, or NULL */
    /**
     * What the server's certificate must chain to, for https: an opaque
     * reference the port interprets (a CA bundle's path on a host, a
     * certificate slot or a DER blob in flash on an MCU). NULL: the port's
     * default trust anchors.
     */
    const void *trust_anchor;
    bool insecure; /**< true: skip TLS peer verification (tests only) */
    /**
     * Redirects (301, 302, 303, 307, 308 with a Location) to follow before the
     * final response; 0: none, the 3xx itself is the response. A port never
     * follows one from https:// to http:// (TLS, once asked for, holds for
     * the final URL too). A chain longer than this, a loop, or a refused
     * target fails the request with OTA_ERR_REDIRECT. Range and headers go
     * to every hop; status and content_length are the final response's.
     */
    uint8_t max_redirects;
    uint32_t connect_timeout_ms; /**< 0: port default */
    uint32_t idle_timeout_ms;    /**< abort when no byte arrives for this long; 0: port default */
    /*
     * Conditional requests. Each value is a validator exactly as a server
     * sent it in an earlier response (ETag with its quotes and any "W/",
     * or a Last-Modified date); NULL: the header is not sent. Like the URL,
     * the strings stay valid until close(), so a port may send the request
     * in a later call.
     */
    const char *if_none_match;     /**< send "If-None-Match: <value>"; a match gives 304 and no body */
    const char *if_modified_since; /**< send "If-Modified-Since: <value>"; not newer gives 304 */
    const char *if_range;          /**< with range_start > 0: send "If-Range: <value>"; a changed
                                        file then answers 200 with the whole body instead of 206 */
} ota_http_options_t;

/** Bits of ota_http_response_t.truncated, one per header field. */
#define OTA_HTTP_HDR_ETAG 0x01u
#define OTA_HTTP_HDR_LAST_MODIFIED 0x02u
#define OTA_HTTP_HDR_RETRY_AFTER 0x04u
#define OTA_HTTP_HDR_CONTENT_RANGE 0x08u
#define OTA_HTTP_HDR_FINAL_URL 0x10u

/**
 * What the server said, once its headers have arrived. The core zeroes the
 * whole struct before every response() call, so a port fills only what it
 * knows: a field it leaves empty reads as "header absent", and the core
 * then works without it (an unconditional poll, a resume without If-Range,
 * the backoff's own delay). Header fields are those of the final response
 * (after redirects), NUL-terminated, with the spaces around the value
 * removed and nothing else changed. A value too long for its field is never
 * cut short: the field stays empty and its OTA_HTTP_HDR_* bit is set in
 * truncated. A header sent twice: the last one counts.
 */
typedef struct ota_http_response {
    int status;             /**< HTTP status code, e.g. 200, 206, 304, 404 */
    int64_t content_length; /**< body length announced by the server, -1 if unknown */
    /** "ETag" (the port fills it for every status, 304 included) */
    char etag[OTA_HTTP_VALIDATOR_MAX + 1];
    /** "Last-Modified" */
    char last_modified[OTA_HTTP_VALIDATOR_MAX + 1];
    /** "Retry-After" as sent: delta-seconds or an HTTP date (the core reads it on 429 and 503) */
    char retry_after[OTA_HTTP_RETRY_AFTER_MAX + 1];
    /** "Content-Range" of a 206 (or 416): "bytes <first>-<last>/<length>" */
    char content_range[OTA_HTTP_CONTENT_RANGE_MAX + 1];
    /** The URL the final response came from (the request's own without redirects); "" if unknown */
    char final_url[OTA_HTTP_URL_MAX + 1];
    uint8_t truncated; /**< OTA_HTTP_HDR_* of the headers that came but did not fit */
} ota_http_response_t;

typedef struct ota_transport {
    void *ctx;
    /**
     * Start a GET of url (http:// or https://). Returns quickly: connecting
     * and receiving happen in later read() calls. One request at a time.
     * Keep the connection (and the TLS session) for the next request to the
     * same host where the stack allows: a check's manifest and image GETs
     * then share one connection, and a poll resumes the last TLS session
     * instead of a full handshake (docs/service.md, "What a poll costs").
     */
    int (*get)(void *ctx, const char *url, const ota_http_options_t *opt);
    /**
     * Status, announced length and headers of the current response, in
     * *resp (zeroed by the caller). OTA_ERR_AGAIN until the headers have
     * arrived; an error if the request failed.
     */
    int (*response)(void *ctx, ota_http_response_t *resp);
    /**
     * Next bytes of the body. Returns a count > 0, 0 at the end of the body,
     * OTA_ERR_AGAIN when nothing is available yet, or an error (OTA_ERR_NET,
     * OTA_ERR_TIMEOUT, OTA_ERR_TLS, OTA_ERR_SHORT_BODY, ...). Does a bounded
     * amount of work per call.
     */
    int (*read)(void *ctx, void *buf, uint32_t cap);
    /** End the current request (complete or not) and free its resources. */
    void (*close)(void *ctx);
} ota_transport_t;

/* ------------------------------------------------------------------------ */
/* Crypto: SHA-256 (and, optionally, signature verification).               */
/* ------------------------------------------------------------------------ */

#define OTA_SHA256_LEN 32
#define OTA_PUBKEY_LEN 65 /**< an uncompressed P-256 public key: 0x04, X, Y */
#define OTA_SIG_LEN 64    /**< a raw ECDSA P-256 signature: r then s, 32 bytes each, big-endian */

/** Caller-owned storage for one SHA-256 computation; the port casts it. */
typedef struct ota_sha256 {
    union {
        uint64_t u64[28];
        void *ptr;
    } opaque; /* 224 bytes: room for mbedTLS's and OpenSSL's contexts */
} ota_sha256_t;

typedef struct ota_crypto {
    void *ctx;
    int (*sha256_start)(void *ctx, ota_sha256_t *sha);
    int (*sha256_update)(void *ctx, ota_sha256_t *sha, const void *data, size_t len);
    /** Write the digest and release anything sha256_start acquired. */
    int (*sha256_finish)(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN]);
    /**
     * Verify an ECDSA P-256 signature sig (raw r||s) over digest, which is
     * the ECDSA input as it stands (not hashed again), with the public key
     * key (an uncompressed point). OTA_OK, or OTA_ERR_SIGNATURE for a
     * signature that does not verify, a key that is not a point of the
     * curve, or r or s out of range. NULL when the build has no signature
     * support: a device provisioned with keys then refuses everything.
     */
    int (*verify)(void *ctx, const uint8_t key[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                  const uint8_t sig[OTA_SIG_LEN]);
} ota_crypto_t;

/* ------------------------------------------------------------------------ */
/* System: clock, randomness, reset, network state, log.                    */
/* ------------------------------------------------------------------------ */

typedef enum ota_log_level { OTA_LOG_ERROR = 0, OTA_LOG_WARN = 1, OTA_LOG_INFO = 2, OTA_LOG_DEBUG = 3 } ota_log_level_t;

typedef struct ota_system {
    void *ctx;
    /** Milliseconds from an arbitrary origin; wraps at 2^32. */
    uint32_t (*now_ms)(void *ctx);
    /** A random 32-bit number (need not be cryptographic: used for poll jitter). */
    uint32_t (*random)(void *ctx);
    /**
     * Reset the device. On hardware this does not return; a simulator may
     * return, and the caller then stops calling the service until reboot.
     */
    void (*reset)(void *ctx);
    /** True when the network is up (an IP address is held). NULL: always up. */
    bool (*network_up)(void *ctx);
    /** One log line: a constant message and one number (a version, a code, a line). NULL: silent. */
    void (*log)(void *ctx, ota_log_level_t level, const char *msg, int32_t value);
    /**
     * Optional: the current time in seconds since 1970-01-01 UTC, from a
     * source the device trusts (a secure RTC, an authenticated time
     * protocol). OTA_OK, or an error while it has none yet. NULL: the device
     * has no trusted time, and a manifest's "Expires" is not checked.
     */
    int (*utc_time)(void *ctx, uint64_t *seconds);
    /**
     * Optional: this device's identity for staged rollouts (a serial
     * number, a MAC address): copy it into buf (at most cap bytes, no NUL
     * needed) and return its length, 1..cap; it must never change over the
     * device's life, or the device may move between cohorts. An error or
     * NULL: no identity, and the device takes only entries rolled out to
     * everyone.
     */
    int (*device_id)(void *ctx, char *buf, uint32_t cap);
} ota_system_t;

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_PORT_H */
