/*
 * sysota compile-time limits. Each may be overridden with -D at build time;
 * they size the fixed buffers of the core (there is no malloc).
 */
#ifndef SYSOTA_OTA_CONFIG_H
#define SYSOTA_OTA_CONFIG_H

/** Largest manifest accepted, in bytes (default 4 KiB). */
#ifndef OTA_MANIFEST_MAX_SIZE
#define OTA_MANIFEST_MAX_SIZE 4096
#endif

/** Most entries considered in one manifest's "ota" array; more are rejected. */
#ifndef OTA_MANIFEST_MAX_ENTRIES
#define OTA_MANIFEST_MAX_ENTRIES 16
#endif

/**
 * Most "Patch" records kept per manifest entry (the first usable ones, in
 * manifest order; later ones are checked and ignored). Each costs about
 * 276 bytes (OTA_URL_MAX + 76) in the service's RAM and as much on the
 * stack of a manifest parse. 0: "Patch" is a key the parser ignores (no
 * code to read it is built) and every update is a full image.
 */
#ifndef OTA_MANIFEST_MAX_PATCHES
#define OTA_MANIFEST_MAX_PATCHES 4
#endif

/**
 * 1: the service applies delta patches (docs/delta.md) and links both
 * decoders; a decoder's state (about 1.8 KB) lives in the service's buffer
 * while an image is rebuilt, so buf_size must exceed it for patches to be
 * used (ota_service_config_t.buf). 0: patches are ignored and every update downloads its full image.
 */
#ifndef OTA_DELTA_UPDATES
#define OTA_DELTA_UPDATES 1
#endif

/**
 * Most bytes of the service's buffer (ota_service_config_t.buf) a delta
 * patch's decoder works in, beside its state: the rebuilt image is written
 * in pieces of this size (one flash page is the natural choice; the rest of
 * a smaller buf is used whole).
 */
#ifndef OTA_DELTA_WORK_MAX
#define OTA_DELTA_WORK_MAX 4096
#endif

/** Longest image URL, in bytes without the NUL. */
#ifndef OTA_URL_MAX
#define OTA_URL_MAX 200
#endif

/** Longest device identity a staged rollout hashes (ota_system_t.device_id), in bytes. */
#ifndef OTA_DEVICE_ID_MAX
#define OTA_DEVICE_ID_MAX 64
#endif

/** Longest "HardwareId" of a manifest (and of a device's own id), in bytes without the NUL. */
#ifndef OTA_HARDWARE_ID_MAX
#define OTA_HARDWARE_ID_MAX 32
#endif

/**
 * Longest HTTP validator kept, in bytes without the NUL: an "ETag" (quotes
 * and a "W/" prefix included) or a "Last-Modified" date. A longer one is
 * treated as absent: the poll is then unconditional and a resume has no
 * If-Range, never a cut-short validator.
 */
#ifndef OTA_HTTP_VALIDATOR_MAX
#define OTA_HTTP_VALIDATOR_MAX 64
#endif

/** Longest "Retry-After" value kept (delta-seconds or an HTTP date), in bytes without the NUL. */
#ifndef OTA_HTTP_RETRY_AFTER_MAX
#define OTA_HTTP_RETRY_AFTER_MAX 32
#endif

/** Longest "Content-Range" value kept ("bytes 0-99/100"), in bytes without the NUL. */
#ifndef OTA_HTTP_CONTENT_RANGE_MAX
#define OTA_HTTP_CONTENT_RANGE_MAX 48
#endif

/** Longest final URL (after redirects) a transport reports, in bytes without the NUL. */
#ifndef OTA_HTTP_URL_MAX
#define OTA_HTTP_URL_MAX OTA_URL_MAX
#endif

/** Most rows in the image database (stored images, golden included). */
#ifndef OTA_DB_MAX_ROWS
#define OTA_DB_MAX_ROWS 8
#endif

/** Name of the golden (factory) image in the store; reserved for it alone. */
#ifndef OTA_GOLDEN_NAME
#define OTA_GOLDEN_NAME "factory.bin"
#endif

/** Name of the image database in the store. */
#ifndef OTA_DB_NAME
#define OTA_DB_NAME "image_database.csv"
#endif

/**
 * Name of the service's poll state in the store: the validators of the
 * last manifest processed and of the download in progress (docs/service.md).
 * Reserved: no image may take it.
 */
#ifndef OTA_POLL_STATE_NAME
#define OTA_POLL_STATE_NAME "poll.state"
#endif

/** Default number of boots of an unconfirmed (0xFC) image before rollback. */
#ifndef OTA_BOOT_MAX_ATTEMPTS
#define OTA_BOOT_MAX_ATTEMPTS 3
#endif

/** Bytes of the copy / hash buffer the bootloader uses (a multiple of the write unit). */
#ifndef OTA_BOOT_BUF_SIZE
#define OTA_BOOT_BUF_SIZE 256
#endif

/**
 * 1: the core's log lines carry their text; 0: they carry "" and only their
 * level and value, which drops about 800 bytes of strings from a
 * bootloader with no console to print them on.
 */
#ifndef OTA_LOG_TEXT
#define OTA_LOG_TEXT 1
#endif

#endif /* SYSOTA_OTA_CONFIG_H */
