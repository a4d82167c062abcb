/*
 * Image URLs: the scheme, and the store file name a URL names (its last path
 * segment, checked against the store name rule and the reserved names).
 */
#include "ota_url.h"

#include <string.h>

#include "sysota/ota_config.h"
#include "ota_name.h"
#include "ota_manifest.h"

static bool url_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        if (ascii_lower(*s) != *prefix) {
            return false;
        }
    }
    return true;
}

static bool equal_nocase(const char *a, size_t a_len, const char *b)
{
    size_t b_len = strlen(b);

    if (a_len != b_len) {
        return false;
    }
    for (size_t i = 0; i < a_len; i++) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

int ota_url_name(const char *url, char *name, size_t cap, const char **what)
{
    const char *auth;
    const char *p;

    if (prefix_nocase(url, "http://")) {
        auth = url + 7;
    } else if (prefix_nocase(url, "https://")) {
        auth = url + 8;
    } else {
        *what = "URL: not http:// or https://";
        return OTA_ERR_URL;
    }

    /* Authority: [userinfo@]host[:port], up to the path, query or fragment. */
    const char *auth_end = auth;
    while (*auth_end != '\0' && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') {
        auth_end++;
    }
    const char *host = auth;
    for (p = auth; p < auth_end; p++) {
        if (*p == '@') {
            host = p + 1;
        }
    }
    const char *host_end;
    if (host < auth_end && *host == '[') {
        host_end = host + 1;
        while (host_end < auth_end && *host_end != ']') {
            host_end++;
        }
        if (host_end == auth_end || host_end == host + 1) {
            *what = "URL: no host";
            return OTA_ERR_URL;
        }
        host_end++;
    } else {
        host_end = host;
        while (host_end < auth_end && *host_end != ':') {
            host_end++;
        }
    }
    if (host_end == host) {
        *what = "URL: no host";
        return OTA_ERR_URL;
    }
    if (host_end < auth_end) {
        if (*host_end != ':') {
            *what = "URL: bad port";
            return OTA_ERR_URL;
        }
        for (p = host_end + 1; p < auth_end; p++) {
            if (!url_is_digit(*p)) {
                *what = "URL: bad port";
                return OTA_ERR_URL;
            }
        }
    }

    if (*auth_end != '/') {
        *what = "URL: no file name";
        return OTA_ERR_URL;
    }
    const char *path_end = auth_end;
    while (*path_end != '\0' && *path_end != '?' && *path_end != '#') {
        path_end++;
    }
    const char *seg = path_end;
    while (seg[-1] != '/') {
        seg--; /* stops at auth_end at the latest, which is '/' */
    }
    size_t n = (size_t)(path_end - seg);
    if (n == 0) {
        *what = "URL: no file name";
        return OTA_ERR_URL;
    }

    if (n > cap - 1) {
        *what = "URL: file name longer than the buffer";
        return OTA_ERR_NAME;
    }
    if (ota_name_check_image(seg, n, NULL) != OTA_OK) {
        *what = "URL: file name unsafe for the store (letters, digits and ._+~- only; no leading or "
                "trailing '.', no '~' and a digit; at most OTA_STORE_NAME_MAX)";
        return OTA_ERR_NAME;
    }
    /* Case-insensitive: on a FAT store "FACTORY.BIN" would overwrite the
     * golden image. A name ending in ".sig" could be an image's signature.
     * The service's poll state is not an image either. */
    if (equal_nocase(seg, n, OTA_GOLDEN_NAME) || equal_nocase(seg, n, OTA_DB_NAME) ||
        equal_nocase(seg, n, OTA_POLL_STATE_NAME) || (n >= 4 && equal_nocase(seg + n - 4, 4, ".sig"))) {
        *what = "URL: file name reserved for the store";
        return OTA_ERR_NAME;
    }

    for (p = url; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7F || c == '\\') {
            *what = "URL: space, control, backslash or non-ASCII character";
            return OTA_ERR_URL;
        }
    }

    memcpy(name, seg, n);
    name[n] = '\0';
    return OTA_OK;
}

int ota_url_file_name(const char *url, char *name, size_t cap)
{
    const char *what = NULL;
    int err;

    if (url == NULL || name == NULL || cap == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    err = ota_url_name(url, name, cap, &what);
    if (err != OTA_OK) {
        name[0] = '\0';
    }
    return err;
}

bool ota_url_is_https(const char *url)
{
    return prefix_nocase(url, "https://");
}
