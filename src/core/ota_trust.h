/*
 * Internal to the core: signatures and keys (sigfile.c, trust.c): the
 * detached manifest signature's layout and the checks against the keys a
 * device trusts (sysota/ota_security.h).
 */
#ifndef SYSOTA_OTA_TRUST_H
#define SYSOTA_OTA_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "sysota/ota_security.h"

/** A detached manifest signature, decoded. */
typedef struct ota_sigfile {
    uint8_t key_id[OTA_KEY_ID_LEN];
    uint8_t sig[OTA_SIG_LEN];
} ota_sigfile_t;

/**
 * Decode the len bytes of a ".sig" file. OTA_OK, or OTA_ERR_SIGNATURE for
 * anything but exactly OTA_SIGFILE_LEN bytes of the documented layout
 * (magic, format 1, algorithm 1, zero reserved bytes), with *what (when
 * not NULL) naming the field that is wrong.
 */
int ota_sigfile_parse(const uint8_t *buf, size_t len, ota_sigfile_t *out, const char **what);

/** Encode sf into the OTA_SIGFILE_LEN bytes of a ".sig" file. */
void ota_sigfile_encode(const ota_sigfile_t *sf, uint8_t out[OTA_SIGFILE_LEN]);

/** The key id of a public key: the first OTA_KEY_ID_LEN bytes of its SHA-256. */
int ota_key_id(const ota_crypto_t *crypto, const uint8_t key[OTA_PUBKEY_LEN], uint8_t id[OTA_KEY_ID_LEN]);

/**
 * Check sig (r||s) over digest against the trusted keys. With key_id (a
 * manifest's signature names its key): only that key, OTA_ERR_KEY_UNKNOWN
 * when no trusted key has that id. Without (an image's signature, as the
 * original writes it, names none): any trusted key. Returns OTA_OK,
 * OTA_ERR_SIGNATURE, or OTA_ERR_NOT_SUPPORTED when the crypto port cannot
 * verify or no key is trusted (a device with keys then refuses, never
 * accepts, what it cannot check).
 */
int ota_trust_verify(const ota_crypto_t *crypto, const ota_keys_t *keys, const uint8_t *key_id,
                     const uint8_t digest[OTA_SHA256_LEN], const uint8_t sig[OTA_SIG_LEN]);

/**
 * The store name of the signature kept beside a stored image of version:
 * "v<version>.sig" (at most OTA_SIG_NAME_MAX bytes with its NUL). Image names
 * taken from URLs never end in ".sig", so the two never collide.
 */
#define OTA_SIG_NAME_MAX 16
void ota_sig_name(uint32_t version, char out[OTA_SIG_NAME_MAX]);

/** The temporary name of a new golden copy while it replaces the old one (see the service). */
#define OTA_GOLDEN_NEW_NAME ".golden.new"

/** True when keys holds at least one key: the device takes signed updates only. */
bool ota_trust_provisioned(const ota_keys_t *keys);

#endif /* SYSOTA_OTA_TRUST_H */
