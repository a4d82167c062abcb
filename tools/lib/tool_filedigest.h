/*
 * sysota host tools: SHA-256 of images, for hex2bin's "Digest:" line and the
 * manifest's "Digest" key. Uses OpenSSL's libcrypto (EVP) directly, so the
 * tools' library needs no port and links the same way into the fuzz targets.
 */
#ifndef SYSOTA_TOOLS_OTA_FILEDIGEST_H
#define SYSOTA_TOOLS_OTA_FILEDIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TOOL_FILEDIGEST_LEN 32
/** Characters of a digest in hex, plus the NUL. */
#define TOOL_FILEDIGEST_HEX_SIZE (2 * TOOL_FILEDIGEST_LEN + 1)

/** One SHA-256 computation in progress. */
typedef struct tool_filedigest {
    void *md; /**< libcrypto's EVP_MD_CTX */
} tool_filedigest_t;

/** Begin a SHA-256. OTA_OK, or OTA_ERR_NO_SPACE when libcrypto cannot allocate. */
int tool_filedigest_start(tool_filedigest_t *d);

/** Hash len more bytes. OTA_OK or OTA_ERR_IO (libcrypto failed). */
int tool_filedigest_update(tool_filedigest_t *d, const void *data, size_t len);

/** Write the digest into out and release d. OTA_OK or OTA_ERR_IO. */
int tool_filedigest_finish(tool_filedigest_t *d, uint8_t out[TOOL_FILEDIGEST_LEN]);

/** Release d without a result (after an error elsewhere). Safe to call twice. */
void tool_filedigest_abort(tool_filedigest_t *d);

/**
 * SHA-256 of the whole file at path into out, its size in *size (may be
 * NULL). OTA_OK, OTA_ERR_NOT_FOUND when the file does not exist, OTA_ERR_IO
 * (errno tells why) or OTA_ERR_NO_SPACE.
 */
int tool_filedigest_file(const char *path, uint8_t out[TOOL_FILEDIGEST_LEN], uint64_t *size);

/** The digest as 64 lowercase hex digits and a NUL, the manifest's form. */
void tool_filedigest_hex(const uint8_t digest[TOOL_FILEDIGEST_LEN], char out[TOOL_FILEDIGEST_HEX_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_FILEDIGEST_H */
