/*
 * Host crypto providers: SHA-256 through mbedTLS (src/port/mbedtls, shared
 * with the devices) or OpenSSL, ECDSA P-256 verification through mbedTLS's
 * ecdsa layer with either; public keys read through mbedTLS's pk layer.
 */
#include "crypto_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <openssl/evp.h>

#include "crypto_mbedtls.h"

/* ---- OpenSSL SHA-256 ------------------------------------------------------ */

static int ossl_start(void *ctx, ota_sha256_t *sha)
{
    (void)ctx;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL) {
        sha->opaque.ptr = NULL;
        return OTA_ERR_IO;
    }
    if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        sha->opaque.ptr = NULL;
        return OTA_ERR_IO;
    }
    sha->opaque.ptr = c;
    return OTA_OK;
}

static int ossl_update(void *ctx, ota_sha256_t *sha, const void *data, size_t len)
{
    (void)ctx;
    if (sha->opaque.ptr == NULL) {
        return OTA_ERR_STATE;
    }
    if (len == 0) {
        return OTA_OK;
    }
    if (data == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    return EVP_DigestUpdate(sha->opaque.ptr, data, len) == 1 ? OTA_OK : OTA_ERR_IO;
}

static int ossl_finish(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN])
{
    (void)ctx;
    EVP_MD_CTX *c = sha->opaque.ptr;
    if (c == NULL) {
        return OTA_ERR_STATE;
    }
    unsigned int n = 0;
    int rc = EVP_DigestFinal_ex(c, out, &n) == 1 && n == OTA_SHA256_LEN ? OTA_OK : OTA_ERR_IO;
    EVP_MD_CTX_free(c);
    sha->opaque.ptr = NULL;
    return rc;
}

/* ---- constructors ------------------------------------------------------- */

int posix_crypto_mbedtls(ota_crypto_t *out)
{
    return ota_crypto_mbedtls_port(out);
}

int posix_crypto_openssl(ota_crypto_t *out)
{
    /* mbedTLS's signature check, the one a device runs, with OpenSSL's hash. */
    (void)ota_crypto_mbedtls_port(out);
    out->sha256_start = ossl_start;
    out->sha256_update = ossl_update;
    out->sha256_finish = ossl_finish;
    return OTA_OK;
}

int posix_crypto_default(ota_crypto_t *out)
{
#if defined(SYSOTA_SHA256_DEFAULT_MBEDTLS)
    return posix_crypto_mbedtls(out);
#else
    return posix_crypto_openssl(out);
#endif
}

const char *posix_crypto_default_name(void)
{
#if defined(SYSOTA_SHA256_DEFAULT_MBEDTLS)
    return "mbedtls";
#else
    return "openssl";
#endif
}

/* ---- public keys ------------------------------------------------------------ */

static bool looks_like_pem(const uint8_t *data, size_t len)
{
    static const char tag[] = "-----BEGIN";
    const size_t n = sizeof tag - 1;
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(data + i, tag, n) == 0) {
            return true;
        }
    }
    return false;
}

int posix_crypto_pubkey_load(const uint8_t *data, size_t len, uint8_t point[OTA_PUBKEY_LEN])
{
    if (data == NULL || point == NULL || len == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    mbedtls_pk_context *pk = malloc(sizeof *pk);
    if (pk == NULL) {
        return OTA_ERR_IO;
    }
    mbedtls_pk_init(pk);
    int prc;
    if (looks_like_pem(data, len) && data[len - 1] != '\0') {
        /* mbedTLS's PEM reader wants the NUL counted in the length. */
        uint8_t *z = malloc(len + 1);
        if (z == NULL) {
            free(pk);
            return OTA_ERR_IO;
        }
        memcpy(z, data, len);
        z[len] = '\0';
        prc = mbedtls_pk_parse_public_key(pk, z, len + 1);
        free(z);
    } else {
        prc = mbedtls_pk_parse_public_key(pk, data, len);
    }
    int rc = OTA_OK;
    if (prc != 0) {
        rc = OTA_ERR_INVALID_ARG;
    } else if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA) || mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
        rc = OTA_ERR_NOT_SUPPORTED;
    }
    size_t olen = 0;
    if (rc == OTA_OK &&
        (mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(*pk)->grp, &mbedtls_pk_ec(*pk)->Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                        &olen, point, OTA_PUBKEY_LEN) != 0 ||
         olen != OTA_PUBKEY_LEN)) {
        rc = OTA_ERR_NOT_SUPPORTED;
    }
    mbedtls_pk_free(pk);
    free(pk);
    return rc;
}

int posix_crypto_pubkey_load_file(const char *path, uint8_t point[OTA_PUBKEY_LEN])
{
    if (point == NULL || path == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    /* A public key file is a few hundred bytes; 16 KiB bounds a wrong path. */
    enum { KEY_FILE_MAX = 16384 };
    uint8_t *buf = malloc(KEY_FILE_MAX);
    if (buf == NULL) {
        fclose(f);
        return OTA_ERR_IO;
    }
    size_t n = fread(buf, 1, KEY_FILE_MAX, f);
    int err = ferror(f);
    fclose(f);
    int rc;
    if (err || n == 0) {
        rc = OTA_ERR_NOT_FOUND;
    } else if (n == KEY_FILE_MAX) {
        rc = OTA_ERR_TOO_LARGE;
    } else {
        rc = posix_crypto_pubkey_load(buf, n, point);
    }
    free(buf);
    return rc;
}
