/* The detached manifest signature's fixed layout (sysota/ota_security.h). */
#include <string.h>

#include "ota_trust.h"

#define SIGFILE_OFF_FORMAT 4u
#define SIGFILE_OFF_ALGORITHM 5u
#define SIGFILE_OFF_RESERVED 6u
#define SIGFILE_OFF_KEY_ID 8u
#define SIGFILE_OFF_SIG 16u

_Static_assert(SIGFILE_OFF_SIG + OTA_SIG_LEN == OTA_SIGFILE_LEN, "the layout fills the file");

int ota_sigfile_parse(const uint8_t *buf, size_t len, ota_sigfile_t *out, const char **what)
{
    const char *bad = NULL;

    /* One layout, no variants: a file of any other shape is refused whole. */
    if (buf == NULL || out == NULL || len != OTA_SIGFILE_LEN) {
        bad = "length: a signature file is exactly 80 bytes";
    } else if (memcmp(buf, OTA_SIGFILE_MAGIC, 4) != 0) {
        bad = "magic: not \"SOSG\"";
    } else if (buf[SIGFILE_OFF_FORMAT] != OTA_SIGFILE_FORMAT) {
        bad = "format: not 1";
    } else if (buf[SIGFILE_OFF_ALGORITHM] != OTA_SIGFILE_ECDSA_P256) {
        bad = "algorithm: not 1 (ECDSA P-256)";
    } else if (buf[SIGFILE_OFF_RESERVED] != 0 || buf[SIGFILE_OFF_RESERVED + 1] != 0) {
        bad = "reserved bytes: not 0";
    }
    if (what != NULL) {
        *what = bad;
    }
    if (bad != NULL) {
        return OTA_ERR_SIGNATURE;
    }
    memcpy(out->key_id, buf + SIGFILE_OFF_KEY_ID, OTA_KEY_ID_LEN);
    memcpy(out->sig, buf + SIGFILE_OFF_SIG, OTA_SIG_LEN);
    return OTA_OK;
}

void ota_sigfile_encode(const ota_sigfile_t *sf, uint8_t out[OTA_SIGFILE_LEN])
{
    memcpy(out, OTA_SIGFILE_MAGIC, 4);
    out[SIGFILE_OFF_FORMAT] = OTA_SIGFILE_FORMAT;
    out[SIGFILE_OFF_ALGORITHM] = OTA_SIGFILE_ECDSA_P256;
    out[SIGFILE_OFF_RESERVED] = 0;
    out[SIGFILE_OFF_RESERVED + 1] = 0;
    memcpy(out + SIGFILE_OFF_KEY_ID, sf->key_id, OTA_KEY_ID_LEN);
    memcpy(out + SIGFILE_OFF_SIG, sf->sig, OTA_SIG_LEN);
}
