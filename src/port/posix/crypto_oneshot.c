/*
 * One-shot SHA-256 through any crypto port (see crypto_host.h). Apart from
 * the providers so that a build without OpenSSL (the target build's
 * simulator) has it too.
 */
#include "crypto_host.h"

int posix_crypto_sha256_buffer(const ota_crypto_t *crypto, const void *data, size_t len, uint8_t out[OTA_SHA256_LEN])
{
    ota_sha256_t sha;
    int rc = crypto->sha256_start(crypto->ctx, &sha);
    if (rc != OTA_OK) {
        return rc;
    }
    rc = crypto->sha256_update(crypto->ctx, &sha, data, len);
    /* Finish even after a failed update: it releases the context. */
    int frc = crypto->sha256_finish(crypto->ctx, &sha, out);
    return rc != OTA_OK ? rc : frc;
}
