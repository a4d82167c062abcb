/*
 * sysota: the one error enum of the whole project.
 *
 * Every function of the core and of every port returns an int that is either
 * OTA_OK (0), a documented non-negative value (a byte count, a handle), or one
 * of the negative OTA_ERR_* codes below. Codes are stable: a port author may
 * rely on their values, and events carry them as "reason" codes.
 */
#ifndef SYSOTA_OTA_ERROR_H
#define SYSOTA_OTA_ERROR_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ota_err {
    OTA_OK = 0,
    /* generic */
    OTA_ERR_INVALID_ARG = -1,      /* a caller passed something the API forbids */
    OTA_ERR_IO = -2,               /* a port failed for a reason it could not name better */
    OTA_ERR_POWER_LOST = -3,       /* (simulation) power was cut: nothing works until reboot */
    OTA_ERR_STATE = -4,            /* the call is not allowed in the current state */
    OTA_ERR_NOT_SUPPORTED = -5,    /* the port or build does not provide this */
    OTA_ERR_AGAIN = -6,            /* non-blocking call: nothing yet, call again later */
    OTA_ERR_FULL = -7,             /* a fixed-size table (database rows, entries) is full */
    /* internal flash */
    OTA_ERR_ALIGN = -10,           /* address or length not aligned to sector / write unit */
    OTA_ERR_RANGE = -11,           /* address range outside the device or region */
    OTA_ERR_FLASH_BITS = -12,      /* a program would turn a 0 bit back into 1 */
    OTA_ERR_FLASH_REPROGRAM = -13, /* a write unit programmed twice between erases (ECC flash) */
    OTA_ERR_VERIFY = -14,          /* flash read back differs from what was programmed */
    /* external store */
    OTA_ERR_NOT_FOUND = -20,       /* no such file, row, entry or version */
    OTA_ERR_EXISTS = -21,          /* already present */
    OTA_ERR_NO_SPACE = -22,        /* the store is full */
    OTA_ERR_NAME = -23,            /* a file name is empty, too long, or unsafe */
    OTA_ERR_TOO_LARGE = -24,       /* input larger than its configured limit or region */
    OTA_ERR_CORRUPT = -25,         /* stored data fails its format or CRC check */
    /* integrity */
    OTA_ERR_DIGEST = -30,          /* SHA-256 does not match the expected digest */
    OTA_ERR_SIGNATURE = -31,       /* a signature does not verify */
    OTA_ERR_DOWNGRADE = -32,       /* a version not above the running one, or below the floor, was refused */
    OTA_ERR_UNSIGNED = -33,        /* a signature is required and there is none */
    OTA_ERR_KEY_UNKNOWN = -34,     /* signed with a key the device does not trust */
    OTA_ERR_REPLAY = -35,          /* a signed manifest older than the last one accepted */
    OTA_ERR_HARDWARE = -36,        /* a manifest for other hardware */
    OTA_ERR_EXPIRED = -37,         /* a manifest past its Expires time */
    /* network */
    OTA_ERR_NET = -40,             /* connection refused, reset or DNS failure */
    OTA_ERR_TIMEOUT = -41,         /* no progress within the configured timeout */
    OTA_ERR_TLS = -42,             /* TLS handshake or certificate failure (no reason below fits) */
    OTA_ERR_TLS_REQUIRED = -43,    /* plain http:// refused because TLS is enforced */
    OTA_ERR_HTTP_STATUS = -44,     /* the server answered other than 200 / 206 */
    OTA_ERR_SHORT_BODY = -45,      /* the body ended before its announced length */
    OTA_ERR_URL = -46,             /* a URL is malformed or names no usable file */
    OTA_ERR_REDIRECT = -47,        /* redirect refused: a loop, too many hops, or https to http */
    /* manifest */
    OTA_ERR_JSON = -50,            /* the manifest is not well-formed JSON */
    OTA_ERR_MANIFEST = -51,        /* well-formed, but not a manifest (no "ota" array) */
    OTA_ERR_ENTRY = -52,           /* an entry lacks a mandatory key or has a bad value */
    /* boot */
    OTA_ERR_NO_IMAGE = -60,        /* no valid image anywhere: the bootloader halts */
    /* TLS: why the server's certificate was refused, when the port can tell.
     * The block -70 .. -79 is reserved for such reasons; with OTA_ERR_TLS it
     * makes up every TLS failure (ota_err_is_tls). */
    OTA_ERR_TLS_EXPIRED = -70,        /* a certificate of the chain has expired */
    OTA_ERR_TLS_NOT_YET_VALID = -71,  /* a certificate of the chain is not valid yet (check the clock) */
    OTA_ERR_TLS_NAME = -72,           /* the certificate is for another host name or address */
    OTA_ERR_TLS_UNKNOWN_ISSUER = -73, /* the chain does not lead to a CA the device trusts */
    OTA_ERR_TLS_SELF_SIGNED = -74     /* the server's certificate is self-signed and not trusted */
} ota_err_t;

/** The block of TLS reasons: OTA_ERR_TLS_REASON_FIRST down to _LAST. */
#define OTA_ERR_TLS_REASON_FIRST (-70)
#define OTA_ERR_TLS_REASON_LAST (-79)

/**
 * True for OTA_ERR_TLS and every TLS reason (-70 .. -79): for a caller that
 * treats any TLS failure alike, whatever reason the port could name.
 */
bool ota_err_is_tls(int err);

/** Name of an error code, e.g. "OTA_ERR_DIGEST"; "OTA_ERR_?" for an unknown code. */
const char *ota_err_name(int err);

/** One-line human description of an error code, for logs and tools. */
const char *ota_err_describe(int err);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_ERROR_H */
