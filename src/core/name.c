/*
 * The store file name rule (see sysota/ota_name.h). A whitelist rather than
 * a list of dangers: what is not known to be safe on every store is refused.
 */
#include "ota_name.h"

static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '+' || c == '~';
}

static int name_refuse(const char **what, const char *why)
{
    if (what != NULL) {
        *what = why;
    }
    return OTA_ERR_NAME;
}

int ota_name_check(const char *name, size_t len, const char **what)
{
    if (name == NULL || len == 0) {
        return name_refuse(what, "name: empty");
    }
    if (len > OTA_STORE_NAME_MAX) {
        return name_refuse(what, "name: longer than OTA_STORE_NAME_MAX");
    }
    for (size_t i = 0; i < len; i++) {
        if (!name_char_ok(name[i])) {
            return name_refuse(what, "name: unsafe character");
        }
        if (name[i] == '~' && i + 1 < len && name[i + 1] >= '0' && name[i + 1] <= '9') {
            return name_refuse(what, "name: '~' and a digit (a FAT short-name alias)");
        }
    }
    /* Also rules out "." and "..". */
    if (name[len - 1] == '.') {
        return name_refuse(what, "name: ends with '.'");
    }
    return OTA_OK;
}

int ota_name_check_image(const char *name, size_t len, const char **what)
{
    int err = ota_name_check(name, len, what);
    if (err == OTA_OK && name[0] == '.') {
        err = name_refuse(what, "name: starts with '.' (temporary files only)");
    }
    return err;
}
