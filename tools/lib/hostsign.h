/*
 * sysota host tools: the signing side of sysota/ota_security.h, on OpenSSL's
 * libcrypto (no cryptography of our own).
 *
 * Keys are ECDSA P-256. A private key is kept in a PEM file (PKCS#8,
 * unencrypted, mode 0600); a public key in a PEM SubjectPublicKeyInfo file.
 * What a device holds of a key is its uncompressed point 04||X||Y
 * (OTA_PUBKEY_LEN bytes), and what names it is its key id: the first
 * OTA_KEY_ID_LEN bytes of the SHA-256 of that point.
 *
 * A signature is raw r||s (OTA_SIG_LEN bytes, each half big-endian) over a
 * SHA-256 digest that is the ECDSA input as it stands: never hashed again.
 * That is what the manifest's "Signature" (over the image's digest) and the
 * detached manifest signature file (over the manifest's digest) carry.
 */
#ifndef SYSOTA_TOOLS_HOSTSIGN_H
#define SYSOTA_TOOLS_HOSTSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"
#include "sysota/ota_security.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hex characters of a key id, plus the NUL. */
#define TOOL_KEY_ID_HEX_SIZE (2 * OTA_KEY_ID_LEN + 1)

/** A P-256 key: a private one (which also gives its public half) or a public one. */
typedef struct tool_key {
    void *pkey; /**< libcrypto's EVP_PKEY; NULL when empty */
} tool_key_t;

/** A new random P-256 private key. OTA_OK, or OTA_ERR_IO when libcrypto fails. */
int tool_key_generate(tool_key_t *key);

/**
 * Read an unencrypted PEM private key. OTA_OK; OTA_ERR_NOT_FOUND (no such
 * file); OTA_ERR_IO (errno tells why); OTA_ERR_INVALID_ARG (no unencrypted
 * PEM private key in it); OTA_ERR_NOT_SUPPORTED (a key, but not P-256).
 */
int tool_key_load_private(tool_key_t *key, const char *path);

/**
 * Read a PEM public key (SubjectPublicKeyInfo), or take the public half of
 * a PEM private key: whoever holds only the public file and whoever holds
 * the signing key both get the point. Errors as tool_key_load_private.
 */
int tool_key_load_public(tool_key_t *key, const char *path);

/** What a tool_key_load_* error means, for a message after the file's name (errno for OTA_ERR_IO). */
const char *tool_key_load_error_text(int err);

/**
 * Write key's private half as PEM to path, atomically (tool_hostfile.h) and
 * readable by its owner only. OTA_OK, OTA_ERR_INVALID_ARG (a public key
 * only), OTA_ERR_IO (errno tells why).
 */
int tool_key_save_private(const tool_key_t *key, const char *path);

/** Write key's public half as PEM SubjectPublicKeyInfo to path, atomically. OTA_OK or OTA_ERR_IO. */
int tool_key_save_public(const tool_key_t *key, const char *path);

/** key's public half as PEM SubjectPublicKeyInfo text in *text (malloc'ed, *len bytes, no NUL). OTA_OK or OTA_ERR_IO. */
int tool_key_public_pem(const tool_key_t *key, char **text, size_t *len);

/** The uncompressed point 04||X||Y of key. OTA_OK or OTA_ERR_IO. */
int tool_key_point(const tool_key_t *key, uint8_t point[OTA_PUBKEY_LEN]);

/** The key id of a point: the first OTA_KEY_ID_LEN bytes of its SHA-256. OTA_OK or OTA_ERR_IO. */
int tool_key_id(const uint8_t point[OTA_PUBKEY_LEN], uint8_t id[OTA_KEY_ID_LEN]);

/** The key id as lowercase hex, the form the tools print. */
void tool_key_id_hex(const uint8_t id[OTA_KEY_ID_LEN], char out[TOOL_KEY_ID_HEX_SIZE]);

/** What names a key: its point, its key id, and the id in hex. */
typedef struct tool_key_info {
    uint8_t point[OTA_PUBKEY_LEN];
    uint8_t id[OTA_KEY_ID_LEN];
    char id_hex[TOOL_KEY_ID_HEX_SIZE];
} tool_key_info_t;

/** tool_key_point, tool_key_id and tool_key_id_hex at once. OTA_OK or OTA_ERR_IO. */
int tool_key_info(const tool_key_t *key, tool_key_info_t *info);

/** Release the key; it is empty again. Safe on an empty key. */
void tool_key_free(tool_key_t *key);

/** SHA-256 of len bytes in memory. OTA_OK, OTA_ERR_NO_SPACE or OTA_ERR_IO. */
int tool_sign_sha256(const void *data, size_t len, uint8_t digest[OTA_SHA256_LEN]);

/**
 * Sign a digest with a private key: r||s. OTA_OK, OTA_ERR_INVALID_ARG (a
 * public key only), OTA_ERR_IO (libcrypto failed).
 */
int tool_sign_digest(const tool_key_t *key, const uint8_t digest[OTA_SHA256_LEN], uint8_t sig[OTA_SIG_LEN]);

/**
 * Verify r||s over a digest with a public point, as a device does.
 * OTA_OK; OTA_ERR_SIGNATURE (it does not verify, r or s out of range
 * included); OTA_ERR_INVALID_ARG (the point is not an uncompressed point of
 * P-256); OTA_ERR_IO (libcrypto failed).
 */
int tool_sign_verify(const uint8_t point[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                     const uint8_t sig[OTA_SIG_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_HOSTSIGN_H */
