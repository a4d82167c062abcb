/*
 * sysota host port: SHA-256 and ECDSA P-256 verification behind an
 * ota_crypto_t.
 *
 * Two SHA-256 providers, both always built and tested:
 *  - mbedTLS (the device-side choice): the context lives inside
 *    ota_sha256_t's opaque space, nothing is allocated;
 *  - OpenSSL libcrypto (EVP; SHA-NI makes it the fast host choice): the
 *    EVP context is allocated by sha256_start and its pointer kept in
 *    the opaque space; sha256_finish frees it.
 * Every sha256_start MUST be followed by exactly one sha256_finish, also when
 * the caller abandons the computation (call finish and ignore the digest):
 * with OpenSSL that is what releases the context. There is no separate abort.
 * update/finish on an ota_sha256_t that was not started (or already
 * finished) fail with OTA_ERR_STATE for OpenSSL; with mbedTLS that is
 * undefined, as for any use of an uninitialised context.
 *
 * Signatures: ECDSA P-256 over a SHA-256 digest (raw r||s, the key an
 * uncompressed point, ota_port.h), verified by mbedTLS's ecdsa layer, the
 * device-side library, with either provider.
 */
#ifndef SYSOTA_CRYPTO_HOST_H
#define SYSOTA_CRYPTO_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fill *out with the mbedTLS SHA-256 provider (and ECDSA P-256 verify). Returns OTA_OK. */
int posix_crypto_mbedtls(ota_crypto_t *out);

/** Fill *out with the OpenSSL SHA-256 provider (and ECDSA P-256 verify). Returns OTA_OK. */
int posix_crypto_openssl(ota_crypto_t *out);

/**
 * Fill *out with the provider chosen at build time (CMake option
 * SYSOTA_SHA256: openssl or mbedtls). Returns OTA_OK.
 */
int posix_crypto_default(ota_crypto_t *out);

/** Name of the build-time default provider: "openssl" or "mbedtls". */
const char *posix_crypto_default_name(void);

/**
 * The uncompressed point (OTA_PUBKEY_LEN bytes) of an EC P-256 public key,
 * PEM (with or without a terminating NUL) or DER (SubjectPublicKeyInfo): what
 * a device is provisioned with (ota_keys_t). Returns OTA_OK,
 * OTA_ERR_INVALID_ARG (not a key), or OTA_ERR_NOT_SUPPORTED (a key, but not
 * EC P-256).
 */
int posix_crypto_pubkey_load(const uint8_t *data, size_t len, uint8_t point[OTA_PUBKEY_LEN]);

/** posix_crypto_pubkey_load from a file. OTA_ERR_NOT_FOUND if it cannot be read. */
int posix_crypto_pubkey_load_file(const char *path, uint8_t point[OTA_PUBKEY_LEN]);

/**
 * One-shot SHA-256 of len bytes through any provider (start, update,
 * finish). Returns OTA_OK or the provider's error.
 */
int posix_crypto_sha256_buffer(const ota_crypto_t *crypto, const void *data, size_t len, uint8_t out[OTA_SHA256_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_CRYPTO_HOST_H */
