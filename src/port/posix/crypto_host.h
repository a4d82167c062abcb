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
 * Signatures: ECDSA P-256 over a SHA-256 hash, signature in DER, verified by
 * mbedTLS's pk layer with a public key loaded into an posix_crypto_key_t
 * and attached with posix_crypto_set_key(). Without a key, verify is NULL
 * (the core then knows the build has no signature support).
 */
#ifndef SYSOTA_CRYPTO_HOST_H
#define SYSOTA_CRYPTO_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A public key for verify. Zero-initialise or load; fields are private. */
typedef struct posix_crypto_key {
    void *pk; /* mbedtls_pk_context *, NULL when no key is loaded */
} posix_crypto_key_t;

/** Fill *out with the mbedTLS SHA-256 provider (verify NULL). Returns OTA_OK. */
int posix_crypto_mbedtls(ota_crypto_t *out);

/** Fill *out with the OpenSSL SHA-256 provider (verify NULL). Returns OTA_OK. */
int posix_crypto_openssl(ota_crypto_t *out);

/**
 * Fill *out with the provider chosen at build time (CMake option
 * SYSOTA_SHA256: openssl or mbedtls). Returns OTA_OK.
 */
int posix_crypto_default(ota_crypto_t *out);

/** Name of the build-time default provider: "openssl" or "mbedtls". */
const char *posix_crypto_default_name(void);

/**
 * Parse an EC P-256 public key, PEM (with or without a terminating NUL) or
 * DER (SubjectPublicKeyInfo), into key (which must be zeroed or freed).
 * Returns OTA_OK, OTA_ERR_INVALID_ARG (not a key), or OTA_ERR_NOT_SUPPORTED
 * (a key, but not EC P-256).
 */
int posix_crypto_key_load(posix_crypto_key_t *key, const uint8_t *data, size_t len);

/** posix_crypto_key_load from a file. OTA_ERR_NOT_FOUND if it cannot be read. */
int posix_crypto_key_load_file(posix_crypto_key_t *key, const char *path);

/** Release the key (safe on a zeroed or freed key). Returns OTA_OK. */
int posix_crypto_key_free(posix_crypto_key_t *key);

/**
 * Attach key to a provider filled by one of the constructors above: sets
 * crypto->ctx = key and crypto->verify. key NULL detaches (verify NULL).
 * key must outlive crypto's use. verify with a key that holds nothing
 * returns OTA_ERR_NOT_SUPPORTED; a signature that does not verify returns
 * OTA_ERR_SIGNATURE. Returns OTA_OK.
 */
int posix_crypto_set_key(ota_crypto_t *crypto, posix_crypto_key_t *key);

/**
 * One-shot SHA-256 of len bytes through any provider (start, update,
 * finish). Returns OTA_OK or the provider's error.
 */
int posix_crypto_sha256_buffer(const ota_crypto_t *crypto, const void *data, size_t len,
                             uint8_t out[OTA_SHA256_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_CRYPTO_HOST_H */
