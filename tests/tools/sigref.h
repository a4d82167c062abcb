/*
 * The independent reference for the signing tests: the `openssl` command
 * line (Debian's openssl package), never tools/lib/hostsign. Files go to a
 * scratch directory given by the caller. Each helper fails the test when
 * openssl cannot be run or answers something unexpected.
 */
#ifndef SYSOTA_TESTS_SIGREF_H
#define SYSOTA_TESTS_SIGREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SR_POINT_LEN 65
#define SR_SIG_LEN 64
#define SR_DIGEST_LEN 32
#define SR_KEY_ID_LEN 8
#define SR_DER_MAX 72

/** r||s as the DER SEQUENCE { INTEGER r, INTEGER s } openssl reads; returns its length. */
size_t sr_der_of_raw(const uint8_t sig[SR_SIG_LEN], uint8_t der[SR_DER_MAX]);

/** The DER signature openssl writes, as r||s. */
void sr_raw_of_der(const uint8_t *der, size_t len, uint8_t sig[SR_SIG_LEN]);

/** `openssl pkeyutl -verify` of sig over the raw digest with a PEM public key: true when it verifies. */
bool sr_openssl_verifies(const char *dir, const char *pub_pem, const uint8_t digest[SR_DIGEST_LEN],
                         const uint8_t sig[SR_SIG_LEN]);

/** `openssl pkeyutl -sign` of the raw digest with a PEM private key, as r||s. */
void sr_openssl_sign(const char *dir, const char *key_pem, const uint8_t digest[SR_DIGEST_LEN],
                     uint8_t sig[SR_SIG_LEN]);

/** `openssl dgst -sha256 -binary` of a file. */
void sr_openssl_sha256(const char *dir, const char *file, uint8_t digest[SR_DIGEST_LEN]);

/**
 * The uncompressed point of a PEM key (private when is_private, else
 * public): the last 65 bytes of `openssl pkey ... -pubout -outform DER`,
 * where a P-256 SubjectPublicKeyInfo keeps it (checked: 91 bytes).
 */
void sr_openssl_point(const char *dir, const char *pem, bool is_private, uint8_t point[SR_POINT_LEN]);

/** The key id of a point: the first 8 bytes of `openssl dgst -sha256` of it, in lowercase hex. */
void sr_openssl_key_id_hex(const char *dir, const uint8_t point[SR_POINT_LEN], char hex[2 * SR_KEY_ID_LEN + 1]);

/** `openssl genpkey` of an EC key on curve (e.g. "P-256", "P-384") into a PEM file. */
void sr_openssl_genkey(const char *curve, const char *pem);

#endif
