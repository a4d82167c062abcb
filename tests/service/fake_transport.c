/* The scripted transport of fake_transport.h. */
#include "fake_transport.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct fake_count {
    char url[256];
    unsigned n;
} fake_count_t;

static fake_count_t g_counts[32];

static fake_route_t *find(fake_transport_t *ft, const char *url)
{
    for (int i = 0; i < ft->nroutes; i++) {
        if (strcmp(ft->routes[i].url, url) == 0) {
            return &ft->routes[i];
        }
    }
    return NULL;
}

fake_route_t *fake_route(fake_transport_t *ft, const char *url)
{
    return find(ft, url);
}

static void count(const char *url)
{
    for (unsigned i = 0; i < sizeof g_counts / sizeof g_counts[0]; i++) {
        if (g_counts[i].url[0] == '\0') {
            snprintf(g_counts[i].url, sizeof g_counts[i].url, "%s", url);
        }
        if (strcmp(g_counts[i].url, url) == 0) {
            g_counts[i].n++;
            return;
        }
    }
}

unsigned fake_gets_of(const fake_transport_t *ft, const char *url)
{
    (void)ft;
    for (unsigned i = 0; i < sizeof g_counts / sizeof g_counts[0]; i++) {
        if (strcmp(g_counts[i].url, url) == 0) {
            return g_counts[i].n;
        }
    }
    return 0;
}

static void copy_sent(char *out, size_t cap, const char *value)
{
    snprintf(out, cap, "%s", value != NULL ? value : "");
}

/* The opaque tag of an ETag, without a weak marker: If-None-Match compares so. */
static const char *opaque(const char *etag)
{
    return strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
}

static bool not_modified(const fake_route_t *r, const ota_http_options_t *opt)
{
    if (opt->if_none_match != NULL) {
        return r->etag[0] != '\0' && strcmp(opaque(r->etag), opaque(opt->if_none_match)) == 0;
    }
    return opt->if_modified_since != NULL && r->last_modified[0] != '\0' &&
           strcmp(r->last_modified, opt->if_modified_since) == 0;
}

/* If-Range holds when it names the file as it is (a strong ETag or the date). */
static bool range_holds(const fake_route_t *r, const ota_http_options_t *opt)
{
    const char *v = opt->if_range;
    return v == NULL || (r->etag[0] != '\0' && strncmp(r->etag, "W/", 2) != 0 && strcmp(r->etag, v) == 0) ||
           (r->last_modified[0] != '\0' && strcmp(r->last_modified, v) == 0);
}

static int f_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    static const ota_http_options_t none;
    fake_transport_t *ft = ctx;
    if (ft->active) {
        return OTA_ERR_STATE; /* one request at a time: the service must close first */
    }
    if (opt == NULL) {
        opt = &none;
    }
    ft->gets++;
    count(url);
    snprintf(ft->last_url, sizeof ft->last_url, "%s", url);
    ft->last_range = opt->range_start;
    fake_route_t *r = find(ft, url);
    ft->cur = r;
    if (r) {
        copy_sent(r->sent_if_none_match, sizeof r->sent_if_none_match, opt->if_none_match);
        copy_sent(r->sent_if_modified_since, sizeof r->sent_if_modified_since, opt->if_modified_since);
        copy_sent(r->sent_if_range, sizeof r->sent_if_range, opt->range_start ? opt->if_range : NULL);
    }
    if (ft->cur && ft->cur->get_err) {
        return ft->cur->get_err;
    }
    ft->active = true;
    ft->toggle = false;
    ft->sent = 0;
    ft->pos = 0;
    if (!ft->cur) {
        ft->status = 404;
        ft->end = 0;
        ft->announce = 0;
        return OTA_OK;
    }
    ft->status = ft->cur->status;
    ft->end = ft->cur->status == 200 || ft->cur->status == 206 ? ft->cur->len : 0;
    ft->announce = ft->cur->announce == FAKE_ANNOUNCE_LEN ? (int64_t)ft->end : ft->cur->announce;
    ft->first = 0;
    if (ft->cur->status == 200 && not_modified(ft->cur, opt)) {
        ft->status = 304;
        ft->end = 0;
        ft->announce = -1;
    } else if (ft->cur->range && ft->last_range && ft->cur->status == 200 && range_holds(ft->cur, opt)) {
        if (ft->last_range >= ft->cur->len) {
            ft->status = 416;
            ft->end = 0;
            ft->announce = 0;
        } else {
            ft->status = 206;
            ft->first = ft->last_range + ft->cur->range_shift;
            ft->pos = ft->first;
            ft->announce = ft->cur->len - ft->pos;
        }
    }
    return OTA_OK;
}

static int f_response(void *ctx, ota_http_response_t *resp)
{
    fake_transport_t *ft = ctx;
    if (!ft->active) {
        return OTA_ERR_STATE;
    }
    if (ft->again_first && !ft->toggle) {
        ft->toggle = true;
        return OTA_ERR_AGAIN;
    }
    if (ft->cur && ft->cur->response_err) {
        return ft->cur->response_err;
    }
    resp->status = ft->status;
    resp->content_length = ft->announce;
    if (strlen(ft->last_url) < sizeof resp->final_url) {
        memcpy(resp->final_url, ft->last_url, strlen(ft->last_url) + 1);
    } else {
        resp->truncated |= OTA_HTTP_HDR_FINAL_URL;
    }
    if (ft->cur) {
        memcpy(resp->etag, ft->cur->etag, sizeof resp->etag);
        memcpy(resp->last_modified, ft->cur->last_modified, sizeof resp->last_modified);
        memcpy(resp->retry_after, ft->cur->retry_after, sizeof resp->retry_after);
        if (ft->status == 206 && !ft->cur->no_content_range) {
            snprintf(resp->content_range, sizeof resp->content_range, "bytes %u-%u/%u", (unsigned)ft->first,
                     (unsigned)(ft->cur->len - 1u), (unsigned)ft->cur->len);
        }
    }
    return OTA_OK;
}

static int f_read(void *ctx, void *buf, uint32_t cap)
{
    fake_transport_t *ft = ctx;
    if (!ft->active) {
        return OTA_ERR_STATE;
    }
    ft->reads++;
    if (ft->again_first) {
        ft->toggle = !ft->toggle;
        if (ft->toggle) {
            return OTA_ERR_AGAIN;
        }
    }
    const fake_route_t *r = ft->cur;
    if (r && r->cut_after && ft->sent >= r->cut_after) {
        return r->cut_err ? r->cut_err : OTA_ERR_NET;
    }
    if (r && r->stall_after && ft->sent >= r->stall_after) {
        return OTA_ERR_AGAIN;
    }
    uint32_t n = ft->end - ft->pos;
    if (n > cap) {
        n = cap;
    }
    if (ft->max_chunk && n > ft->max_chunk) {
        n = ft->max_chunk;
    }
    if (r && r->chunk && n > r->chunk) {
        n = r->chunk;
    }
    if (r && r->cut_after && n > r->cut_after - ft->sent) {
        n = r->cut_after - ft->sent;
    }
    if (r && r->stall_after && n > r->stall_after - ft->sent) {
        n = r->stall_after - ft->sent;
    }
    if (n == 0) {
        return 0;
    }
    memcpy(buf, r->body + ft->pos, n);
    ft->pos += n;
    ft->sent += n;
    ft->body_bytes += n;
    ft->cur->served += n;
    return (int)n;
}

static void f_close(void *ctx)
{
    fake_transport_t *ft = ctx;
    ft->active = false;
    ft->closes++;
}

void fake_init(fake_transport_t *ft, ota_transport_t *port)
{
    memset(ft, 0, sizeof *ft);
    memset(g_counts, 0, sizeof g_counts);
    port->ctx = ft;
    port->get = f_get;
    port->response = f_response;
    port->read = f_read;
    port->close = f_close;
}

fake_route_t *fake_route_add(fake_transport_t *ft, const char *url, const void *body, uint32_t len)
{
    fake_route_t *r = find(ft, url);
    if (!r) {
        if (ft->nroutes >= FAKE_ROUTES) {
            return NULL;
        }
        r = &ft->routes[ft->nroutes++];
    }
    memset(r, 0, sizeof *r);
    snprintf(r->url, sizeof r->url, "%s", url);
    r->status = 200;
    r->body = body;
    r->len = len;
    r->announce = FAKE_ANNOUNCE_LEN;
    return r;
}
