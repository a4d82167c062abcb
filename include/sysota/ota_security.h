/*
 * sysota trust: the public keys a device is provisioned with, and the
 * formats that carry signatures (docs/security.md has the threat model).
 *
 * Signatures are ECDSA P-256 over a SHA-256 digest, as raw r||s (64 bytes,
 * each big-endian): the 32-byte digest is the ECDSA input as it stands, not
 * hashed again. A public key is the uncompressed point 04||X||Y (65 bytes);
 * its key id is the first 8 bytes of the SHA-256 of those 65 bytes.
 *
 * A device holds up to OTA_KEYS_MAX keys at once, so that a fleet can move
 * to a new signing key while it still trusts the old one. A device with no
 * key behaves as the original does: unsigned manifests and images.
 */
#ifndef SYSOTA_OTA_SECURITY_H
#define SYSOTA_OTA_SECURITY_H

#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_KEY_ID_LEN 8 /**< first bytes of the SHA-256 of the public key (OTA_PUBKEY_LEN bytes) */
#define OTA_KEYS_MAX 2   /**< keys trusted at once (the old and the new during a rotation) */

/** The keys a device trusts. count 0: no key, the compatibility mode. */
typedef struct ota_keys {
    uint8_t count;
    uint8_t point[OTA_KEYS_MAX][OTA_PUBKEY_LEN];
} ota_keys_t;

/*
 * The detached signature of a manifest: the file at the manifest's URL with
 * ".sig" appended, OTA_SIGFILE_LEN bytes, all fields fixed:
 *
 *    0  magic "SOSG"
 *    4  format, 1
 *    5  algorithm, 1: ECDSA P-256 over the SHA-256 of the manifest's bytes
 *    6  two bytes 0
 *    8  key id (OTA_KEY_ID_LEN bytes)
 *   16  signature r||s (OTA_SIG_LEN bytes)
 *
 * The signature covers the manifest exactly as served (no
 * canonicalisation): a changed byte, even whitespace, breaks it.
 */
#define OTA_SIGFILE_LEN 80
#define OTA_SIGFILE_MAGIC "SOSG"
#define OTA_SIGFILE_FORMAT 1u
#define OTA_SIGFILE_ECDSA_P256 1u

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_SECURITY_H */
