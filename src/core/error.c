/*
 * Names and descriptions of the error codes, made from the one list in
 * sysota/ota_error.h.
 */
#include "sysota/ota_error.h"

#include <stddef.h>

struct err_text {
    int code;
    const char *name;
    const char *text;
};

#define OTA_ERR_TEXT_(name, value, text) { (value), #name, text },
static const struct err_text err_table[] = { OTA_ERR_LIST(OTA_ERR_TEXT_) };
#undef OTA_ERR_TEXT_

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
