/*
 * Names and descriptions of the error codes. One table, so a new code is
 * added in exactly one place besides the enum.
 */
#include "sysota/ota_error.h"

#include <stddef.h>

struct err_text {
    int code;
    const char *name;
    const char *text;
};

#define E(code, text) { code, #code, text }
static const struct err_text err_table[] = {
    E(OTA_OK, "success"),
    E(OTA_ERR_INVALID_ARG, "invalid argument"),
    E(OTA_ERR_IO, "I/O error in a port"),
    E(OTA_ERR_POWER_LOST, "power lost (simulated cut)"),
    E(OTA_ERR_STATE, "not allowed in the current state"),
    E(OTA_ERR_NOT_SUPPORTED, "not supported by this port or build"),
    E(OTA_ERR_AGAIN, "not ready yet, call again"),
    E(OTA_ERR_FULL, "fixed-size table is full"),
    E(OTA_ERR_ALIGN, "address or length not aligned"),
    E(OTA_ERR_RANGE, "address range outside the device or region"),
    E(OTA_ERR_FLASH_BITS, "program would turn a 0 bit back into 1"),
    E(OTA_ERR_FLASH_REPROGRAM, "write unit programmed twice without an erase"),
    E(OTA_ERR_VERIFY, "flash read-back differs from the data programmed"),
    E(OTA_ERR_NOT_FOUND, "not found"),
    E(OTA_ERR_EXISTS, "already exists"),
    E(OTA_ERR_NO_SPACE, "store is full"),
    E(OTA_ERR_NAME, "file name empty, too long or unsafe"),
    E(OTA_ERR_TOO_LARGE, "larger than the configured limit"),
    E(OTA_ERR_CORRUPT, "stored data is corrupt"),
    E(OTA_ERR_DIGEST, "SHA-256 digest mismatch"),
    E(OTA_ERR_SIGNATURE, "signature does not verify"),
    E(OTA_ERR_DOWNGRADE, "version not above the running one, or below the floor"),
    E(OTA_ERR_UNSIGNED, "a signature is required and there is none"),
    E(OTA_ERR_KEY_UNKNOWN, "signed with a key the device does not trust"),
    E(OTA_ERR_REPLAY, "manifest older than the last one accepted (replay)"),
    E(OTA_ERR_HARDWARE, "manifest for other hardware"),
    E(OTA_ERR_EXPIRED, "manifest expired"),
    E(OTA_ERR_NET, "network error"),
    E(OTA_ERR_TIMEOUT, "timed out"),
    E(OTA_ERR_TLS, "TLS handshake or certificate verification failed"),
    E(OTA_ERR_TLS_REQUIRED, "plain HTTP refused: TLS is enforced"),
    E(OTA_ERR_HTTP_STATUS, "unexpected HTTP status"),
    E(OTA_ERR_SHORT_BODY, "body shorter than announced"),
    E(OTA_ERR_URL, "URL malformed or names no file"),
    E(OTA_ERR_REDIRECT, "redirect refused: a loop, too many hops, or from https to http"),
    E(OTA_ERR_JSON, "manifest is not well-formed JSON"),
    E(OTA_ERR_MANIFEST, "not a manifest (no \"ota\" array)"),
    E(OTA_ERR_ENTRY, "manifest entry missing a key or with a bad value"),
    E(OTA_ERR_NO_IMAGE, "no valid image to boot"),
    E(OTA_ERR_TLS_EXPIRED, "TLS: the server's certificate (or its CA's) has expired"),
    E(OTA_ERR_TLS_NOT_YET_VALID, "TLS: the server's certificate is not valid yet (is the clock right?)"),
    E(OTA_ERR_TLS_NAME, "TLS: the certificate does not name the host of the URL"),
    E(OTA_ERR_TLS_UNKNOWN_ISSUER, "TLS: the certificate is not from a trusted CA"),
    E(OTA_ERR_TLS_SELF_SIGNED, "TLS: the server's certificate is self-signed"),
};
#undef E

static const struct err_text *err_find(int err)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++) {
        if (err_table[i].code == err) {
            return &err_table[i];
        }
    }
    return NULL;
}

const char *ota_err_name(int err)
{
    const struct err_text *e = err_find(err);
    return e ? e->name : "OTA_ERR_?";
}

bool ota_err_is_tls(int err)
{
    return err == OTA_ERR_TLS || (err <= OTA_ERR_TLS_REASON_FIRST && err >= OTA_ERR_TLS_REASON_LAST);
}

const char *ota_err_describe(int err)
{
    const struct err_text *e = err_find(err);
    return e ? e->text : "unknown error";
}
