/*
 * Checking signatures against the keys a device trusts (ota_trust.h). The
 * cryptography is the crypto port's; this file only decides which key.
 */
#include <string.h>

#include "ota_trust.h"
#include "ota_util.h"

void ota_sig_name(uint32_t version, char out[OTA_SIG_NAME_MAX])
{
    uint32_t n = 0;
    out[n++] = 'v';
    n += ota_dec_format(version, out + n);
    memcpy(out + n, ".sig", 5);
}

bool ota_trust_provisioned(const ota_keys_t *keys)
{
    return keys != NULL && keys->count > 0;
}

int ota_key_id(const ota_crypto_t *crypto, const uint8_t key[OTA_PUBKEY_LEN], uint8_t id[OTA_KEY_ID_LEN])
{
    ota_sha256_t sha;
    uint8_t digest[OTA_SHA256_LEN];
    int err = crypto->sha256_start(crypto->ctx, &sha);
    if (err != OTA_OK) {
        return err;
    }
    err = crypto->sha256_update(crypto->ctx, &sha, key, OTA_PUBKEY_LEN);
    int fin = crypto->sha256_finish(crypto->ctx, &sha, digest); /* always: it releases what start took */
    if (err == OTA_OK) {
        err = fin;
    }
    if (err == OTA_OK) {
        memcpy(id, digest, OTA_KEY_ID_LEN);
    }
    return err;
}

int ota_trust_verify(const ota_crypto_t *crypto, const ota_keys_t *keys, const uint8_t *key_id,
                     const uint8_t digest[OTA_SHA256_LEN], const uint8_t sig[OTA_SIG_LEN])
{
    if (crypto == NULL || crypto->verify == NULL || !ota_trust_provisioned(keys)) {
        return OTA_ERR_NOT_SUPPORTED;
    }
    uint8_t n = keys->count < OTA_KEYS_MAX ? keys->count : (uint8_t)OTA_KEYS_MAX;
    int result = key_id != NULL ? OTA_ERR_KEY_UNKNOWN : OTA_ERR_SIGNATURE;
    for (uint8_t i = 0; i < n; i++) {
        if (key_id != NULL) {
            uint8_t id[OTA_KEY_ID_LEN];
            int err = ota_key_id(crypto, keys->point[i], id);
            if (err != OTA_OK) {
                return err;
            }
            if (memcmp(id, key_id, OTA_KEY_ID_LEN) != 0) {
                continue;
            }
        }
        if (crypto->verify(crypto->ctx, keys->point[i], digest, sig) == OTA_OK) {
            return OTA_OK;
        }
        result = OTA_ERR_SIGNATURE;
    }
    return result;
}
