/*
 * Internal to the core: signatures and keys (sigfile.c, trust.c): the
 * detached manifest signature's layout and the checks against the keys a
 * device trusts (sysota/ota_security.h).
 */
#ifndef SYSOTA_OTA_TRUST_H
#define SYSOTA_OTA_TRUST_H

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

#endif /* SYSOTA_OTA_TRUST_H */
