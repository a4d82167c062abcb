/*
 * SHA-256 for the target: mbedTLS's sha256.c (built with
 * mbedtls_footprint_config.h: SHA-256 only, smaller variant). The context
 * lives in the caller's ota_sha256_t, so nothing is allocated. Built with
 * FOOTPRINT_ECDSA (the signed bootloader image) it also verifies signatures
 * (stub_ecdsa.c).
 */
#include "mbedtls/sha256.h"
#include "stub_ports.h"

_Static_assert(sizeof(mbedtls_sha256_context) <= sizeof(ota_sha256_t), "mbedTLS context must fit ota_sha256_t");

static mbedtls_sha256_context *ctx_of(ota_sha256_t *sha)
{
    return (mbedtls_sha256_context *)(void *)&sha->opaque;
}

static int sha_start(void *ctx, ota_sha256_t *sha)
{
    (void)ctx;
    mbedtls_sha256_init(ctx_of(sha));
    return mbedtls_sha256_starts_ret(ctx_of(sha), 0) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int sha_update(void *ctx, ota_sha256_t *sha, const void *data, size_t len)
{
    (void)ctx;
    return mbedtls_sha256_update_ret(ctx_of(sha), data, len) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int sha_finish(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN])
{
    (void)ctx;
    int rc = mbedtls_sha256_finish_ret(ctx_of(sha), out);
    mbedtls_sha256_free(ctx_of(sha));
    return rc == 0 ? OTA_OK : OTA_ERR_IO;
}

const ota_crypto_t stub_crypto = {
    .ctx = NULL,
    .sha256_start = sha_start,
    .sha256_update = sha_update,
    .sha256_finish = sha_finish,
#if defined(FOOTPRINT_ECDSA)
    .verify = stub_ecdsa_verify,
#else
    .verify = NULL, /* no signature support: a device with keys refuses everything */
#endif
};
