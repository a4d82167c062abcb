/*
 * HTTP(S) transport port: one GET at a time, streamed, non-blocking. Here
 * a table of URLs and RAM bodies stands for the server (port_transport_serve
 * fills it); on a board this is your TCP/IP and TLS stack (lwIP with
 * mbedTLS, a Wi-Fi module's HTTP client, ...), driven as a state machine so
 * that no call blocks the application's main loop.
 */
#include <string.h>

#include "ports.h"
#include "sysota/ota_config.h"

#define SERVED_MAX 4
#define READ_CHUNK 512u /* a real stack hands over what one TCP segment brought */

static struct {
    char url[OTA_URL_MAX + 1];
    const uint8_t *data;
    uint32_t len;
} served[SERVED_MAX];

/* The current request: its body (NULL: 404) and how far it was read. */
static struct {
    bool open;
    const uint8_t *body;
    uint32_t len;
    uint32_t pos;
    int status;
} req;

int port_transport_serve(const char *url, const void *data, uint32_t len)
{
    for (int i = 0; i < SERVED_MAX; i++) {
        if (served[i].data == NULL || strcmp(served[i].url, url) == 0) {
            if (strlen(url) > OTA_URL_MAX) {
                return OTA_ERR_TOO_LARGE;
            }
            strcpy(served[i].url, url);
            served[i].data = data;
            served[i].len = len;
            return OTA_OK;
        }
    }
    return OTA_ERR_FULL;
}

/*
 * Start a GET of url and return at once: connecting, the TLS handshake and
 * the request happen in later calls. The real driver: for https://, verify
 * the server's certificate against opt->trust_anchor (NULL: the
 * firmware's built-in CA set) unless opt->insecure, and map a refusal to
 * OTA_ERR_TLS or a reason (OTA_ERR_TLS_EXPIRED, ...); send
 * "Range: bytes=<range_start>-" when range_start > 0 and the extra header
 * lines, and "If-None-Match", "If-Modified-Since" and (with a Range)
 * "If-Range" when those options are set (the strings stay valid until
 * close()); follow up to max_redirects redirects, never from https to http
 * (OTA_ERR_REDIRECT); honour the connect and idle timeouts (OTA_ERR_TIMEOUT).
 * Keep the socket open after the response when the server allows it (HTTP
 * keep-alive), and the TLS session (mbedtls_ssl_get_session after the
 * handshake, mbedtls_ssl_set_session before the next one; with
 * MBEDTLS_SSL_SESSION_TICKETS the server's ticket rides along): the next
 * poll then costs an abbreviated handshake instead of a full one.
 */
static int tp_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    (void)ctx;
    if (req.open) {
        return OTA_ERR_STATE;
    }
    req.open = true;
    req.body = NULL;
    req.len = 0;
    req.pos = 0;
    req.status = 404;
    for (int i = 0; i < SERVED_MAX; i++) {
        if (served[i].data != NULL && strcmp(served[i].url, url) == 0) {
            req.body = served[i].data;
            req.len = served[i].len;
            req.status = 200;
        }
    }
    if (req.body != NULL && opt->range_start > 0u) {
        if (opt->range_start >= req.len) {
            req.status = 416;
            req.body = NULL;
            req.len = 0;
        } else {
            req.status = 206;
            req.pos = opt->range_start;
        }
    }
    return OTA_OK;
}

/*
 * The final response's status and announced body length (-1 when the
 * server gave none), once its headers have arrived: OTA_ERR_AGAIN before,
 * an error if the request failed (OTA_ERR_NET, OTA_ERR_TLS..., OTA_ERR_TIMEOUT).
 * The caller zeroed *resp: the real driver copies the values of ETag,
 * Last-Modified, Retry-After and Content-Range into their fields as the
 * header lines go by (a value too long for its field: leave it empty and
 * set its OTA_HTTP_HDR_* bit in truncated), and the URL it ended at into
 * final_url. A driver that leaves them empty costs full polls, not safety.
 */
static int tp_response(void *ctx, ota_http_response_t *resp)
{
    (void)ctx;
    if (!req.open) {
        return OTA_ERR_STATE;
    }
    resp->status = req.status;
    resp->content_length = (int64_t)(req.len - req.pos);
    /* No validators here: every poll is a full one, every resume plain. */
    return OTA_OK;
}

/*
 * The next body bytes: a count > 0, 0 at the end of the body,
 * OTA_ERR_AGAIN when nothing has arrived yet, or an error
 * (OTA_ERR_SHORT_BODY when the connection closed before the announced
 * length). A bounded amount of work per call: never wait for data here.
 */
static int tp_read(void *ctx, void *buf, uint32_t cap)
{
    (void)ctx;
    if (!req.open) {
        return OTA_ERR_STATE;
    }
    uint32_t left = req.len - req.pos;
    uint32_t n = left < cap ? left : cap;
    if (n > READ_CHUNK) {
        n = READ_CHUNK;
    }
    if (req.body != NULL) {
        memcpy(buf, req.body + req.pos, n);
    }
    req.pos += n;
    return (int)n;
}

/* End the request, complete or not, and free what it holds (socket, TLS session). */
static void tp_close(void *ctx)
{
    (void)ctx;
    req.open = false;
}

const ota_transport_t port_transport = {
    .ctx = NULL,
    .get = tp_get,
    .response = tp_response,
    .read = tp_read,
    .close = tp_close,
};
