/*
 * The semihosting "server" (see transport_semihost.h).
 */
#include "transport_semihost.h"

#include <string.h>

#include "semihost.h"

#define PATH_CAP 256

/* root + the URL's path, or -1 when the URL has no path or it is too long. */
static int url_path(const char *root, const char *url, char out[PATH_CAP])
{
    const char *p = strstr(url, "://");
    p = p != NULL ? strchr(p + 3, '/') : NULL;
    size_t rlen = strlen(root);
    if (p == NULL || p[1] == '\0' || rlen + strlen(p) + 1u > PATH_CAP) {
        return -1;
    }
    memcpy(out, root, rlen);
    memcpy(out + rlen, p, strlen(p) + 1u);
    out[rlen + strcspn(p, "?#")] = '\0'; /* a query or fragment names no file */
    return 0;
}

static int tp_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    ota_transport_semihost_t *t = ctx;
    char path[PATH_CAP];
    if (t->open) {
        return OTA_ERR_STATE;
    }
    if (url == NULL || url_path(t->root, url, path) != 0) {
        return OTA_ERR_URL;
    }
    t->open = true;
    t->len = 0;
    t->status = 404;
    t->fh = semihost_open(path, SEMIHOST_RB);
    if (t->fh < 0) {
        return OTA_OK;
    }
    int32_t size = semihost_flen(t->fh);
    uint32_t from = opt != NULL ? opt->range_start : 0u;
    if (size < 0) {
        return OTA_ERR_NET;
    }
    if (from == 0u) {
        t->status = 200;
        t->len = (uint32_t)size;
    } else if (from < (uint32_t)size && semihost_seek(t->fh, from) == 0) {
        t->status = 206;
        t->len = (uint32_t)size - from;
    } else {
        t->status = 416;
        (void)semihost_close(t->fh);
        t->fh = -1;
    }
    return OTA_OK;
}

static int tp_response(void *ctx, ota_http_response_t *resp)
{
    ota_transport_semihost_t *t = ctx;
    if (!t->open) {
        return OTA_ERR_STATE;
    }
    resp->status = t->status;
    resp->content_length = (int64_t)t->len;
    return OTA_OK;
}

static int tp_read(void *ctx, void *buf, uint32_t cap)
{
    ota_transport_semihost_t *t = ctx;
    if (!t->open) {
        return OTA_ERR_STATE;
    }
    if (t->fh < 0) {
        return 0;
    }
    if (cap > (uint32_t)INT32_MAX) {
        cap = (uint32_t)INT32_MAX;
    }
    int32_t n = semihost_read(t->fh, buf, cap);
    return n < 0 ? OTA_ERR_NET : (int)n;
}

static void tp_close(void *ctx)
{
    ota_transport_semihost_t *t = ctx;
    if (t->fh >= 0) {
        (void)semihost_close(t->fh);
    }
    t->fh = -1;
    t->open = false;
}

int ota_transport_semihost_init(ota_transport_semihost_t *t, const char *root)
{
    memset(t, 0, sizeof *t);
    t->root = root;
    t->fh = -1;
    return OTA_OK;
}

int ota_transport_semihost_port(ota_transport_semihost_t *t, ota_transport_t *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = t;
    out->get = tp_get;
    out->response = tp_response;
    out->read = tp_read;
    out->close = tp_close;
    return OTA_OK;
}
