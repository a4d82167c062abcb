/*
 * The crypto port over mbedTLS: see crypto_mbedtls.h.
 */
#include "crypto_mbedtls.h"

#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

_Static_assert(sizeof(mbedtls_sha256_context) <= sizeof(((ota_sha256_t *)0)->opaque),
               "mbedtls_sha256_context must fit in ota_sha256_t");

/* mbedTLS 3 renamed the *_ret functions back to the plain names. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS mbedtls_sha256_starts
#define SHA256_UPDATE mbedtls_sha256_update
#define SHA256_FINISH mbedtls_sha256_finish
#else
#define SHA256_STARTS mbedtls_sha256_starts_ret
#define SHA256_UPDATE mbedtls_sha256_update_ret
#define SHA256_FINISH mbedtls_sha256_finish_ret
#endif

static mbedtls_sha256_context *mbed_ctx(ota_sha256_t *sha)
{
    return (mbedtls_sha256_context *)(void *)sha->opaque.u64;
}

static int mbed_start(void *ctx, ota_sha256_t *sha)
{
    (void)ctx;
    mbedtls_sha256_context *c = mbed_ctx(sha);
    mbedtls_sha256_init(c);
    if (SHA256_STARTS(c, 0) != 0) {
        mbedtls_sha256_free(c);
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int mbed_update(void *ctx, ota_sha256_t *sha, const void *data, size_t len)
{
    (void)ctx;
    if (len == 0) {
        return OTA_OK;
    }
    if (data == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    return SHA256_UPDATE(mbed_ctx(sha), data, len) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int mbed_finish(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN])
{
    (void)ctx;
    mbedtls_sha256_context *c = mbed_ctx(sha);
    int rc = SHA256_FINISH(c, out) == 0 ? OTA_OK : OTA_ERR_IO;
    mbedtls_sha256_free(c);
    return rc;
}

/* ECDSA P-256 over a digest as it stands: the key must be a point of the
 * curve, r and s in range, and the signature valid. */
static int mbed_verify(void *ctx, const uint8_t key[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                       const uint8_t sig[OTA_SIG_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r;
    mbedtls_mpi s;
    (void)ctx;
    if (key == NULL || digest == NULL || sig == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0) {
        rc = mbedtls_ecp_point_read_binary(&grp, &q, key, OTA_PUBKEY_LEN);
    }
    if (rc == 0) {
        rc = mbedtls_ecp_check_pubkey(&grp, &q);
    }
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary(&r, sig, OTA_SIG_LEN / 2);
    }
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary(&s, sig + OTA_SIG_LEN / 2, OTA_SIG_LEN / 2);
    }
    if (rc == 0) {
        rc = mbedtls_ecdsa_verify(&grp, digest, OTA_SHA256_LEN, &q, &r, &s);
    }
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc == 0 ? OTA_OK : OTA_ERR_SIGNATURE;
}

int ota_crypto_mbedtls_port(ota_crypto_t *out)
{
    memset(out, 0, sizeof *out);
    out->sha256_start = mbed_start;
    out->sha256_update = mbed_update;
    out->sha256_finish = mbed_finish;
    out->verify = mbed_verify;
    return OTA_OK;
}
