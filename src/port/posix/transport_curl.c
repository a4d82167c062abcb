/*
 * HTTP(S) transport of the host port: libcurl's multi interface, driven a
 * bounded step at a time from response() and read().
 *
 * Data path: during read() the write callback copies straight into the
 * caller's buffer; only what does not fit goes to the spill buffer, which
 * the next read() drains first (so bytes never change order). Once the
 * spill buffer is full the callback pauses the transfer instead of growing
 * it, and read() resumes it when the spill buffer is empty again.
 */
#include "transport_curl.h"

#include <curl/curl.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_POLL_MS 20u
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_IDLE_TIMEOUT_MS 30000u
#define DEFAULT_BUFFER_SIZE (512u * 1024u)
#define DEFAULT_SPILL_MAX (256u * 1024u)

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;
static bool tls_is_openssl;     /* libcurl's verify results are OpenSSL's X509_V_ERR_* codes */
static bool tls_is_our_openssl; /* libcurl's TLS contexts are those of the OpenSSL we link */

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    const char *ssl = v != NULL && v->ssl_version != NULL ? v->ssl_version : "";
    /* The forks keep OpenSSL's verify codes. */
    tls_is_openssl = strncmp(ssl, "OpenSSL", 7) == 0 || strncmp(ssl, "LibreSSL", 8) == 0 ||
                     strncmp(ssl, "BoringSSL", 9) == 0 || strncmp(ssl, "quictls", 7) == 0;
    tls_is_our_openssl = strncmp(ssl, "OpenSSL", 7) == 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The idle timeout's clock: the configured one, else the monotonic clock.
 * Only differences are used, so its 2^32 wrap is harmless. */
static uint32_t idle_clock(const posix_transport_curl_t *t)
{
    const ota_system_t *c = t->cfg.clock;
    return c != NULL ? c->now_ms(c->ctx) : (uint32_t)now_ms();
}

/* What a failed transfer means to the core. */
static int map_curl_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return OTA_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return OTA_ERR_URL;
    case CURLE_OPERATION_TIMEDOUT:
        return OTA_ERR_TIMEOUT;
    case CURLE_PARTIAL_FILE:
        return OTA_ERR_SHORT_BODY;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
        return OTA_ERR_NET;
    case CURLE_TOO_MANY_REDIRECTS:
        return OTA_ERR_REDIRECT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return OTA_ERR_TLS;
    default:
        return OTA_ERR_IO;
    }
}

/*
 * Why a peer certificate was refused, from OpenSSL's verify result of the
 * failed transfer. libcurl checks the host name itself once OpenSSL has
 * accepted the chain, so that refusal leaves the result at its "not
 * verified yet" value (X509_V_ERR_UNSPECIFIED) or at X509_V_OK; a libcurl
 * that leaves the check to OpenSSL reports the *_MISMATCH codes instead.
 */
static int tls_reason(long verify)
{
    switch (verify) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return OTA_ERR_TLS_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return OTA_ERR_TLS_NOT_YET_VALID;
    case X509_V_OK:
    case X509_V_ERR_UNSPECIFIED:
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return OTA_ERR_TLS_NAME;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return OTA_ERR_TLS_SELF_SIGNED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return OTA_ERR_TLS_UNKNOWN_ISSUER;
    default:
        return OTA_ERR_TLS;
    }
}

/* ---- callbacks ------------------------------------------------------- */

/* Make room for n more bytes at the end of the spill buffer. */
static int spill_reserve(posix_transport_curl_t *t, size_t n)
{
    if (t->spill_off > 0 && t->spill_off + t->spill_len + n > t->spill_cap) {
        memmove(t->spill, t->spill + t->spill_off, t->spill_len);
        t->spill_off = 0;
    }
    if (t->spill_len + n <= t->spill_cap) {
        return 0;
    }
    size_t cap = t->spill_len + n;
    if (cap < t->cfg.spill_max) {
        cap = t->cfg.spill_max;
    }
    uint8_t *p = realloc(t->spill, cap);
    if (p == NULL) {
        return -1;
    }
    t->spill = p;
    t->spill_cap = cap;
    return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    posix_transport_curl_t *t = arg;
    size_t len = size * nmemb;
    if (len == 0) {
        return 0;
    }
    /* Bytes already spilled must reach the caller first, so the caller's
     * buffer is used only while the spill buffer is empty. */
    size_t direct = 0;
    if (t->direct != NULL && t->spill_len == 0) {
        direct = t->direct_cap - t->direct_len;
        if (direct > len) {
            direct = len;
        }
    }
    size_t rest = len - direct;
    /* Pausing means "none of this chunk was taken": decide before copying
     * anything. An empty spill buffer always takes one whole chunk, so a
     * chunk larger than spill_max cannot stall the transfer forever. */
    if (rest > 0 && t->spill_len > 0 && t->spill_len + rest > t->cfg.spill_max) {
        t->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (rest > 0 && spill_reserve(t, rest) != 0) {
        return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
    }
    if (direct > 0) {
        memcpy(t->direct + t->direct_len, ptr, direct);
        t->direct_len += direct;
    }
    if (rest > 0) {
        memcpy(t->spill + t->spill_off + t->spill_len, ptr + direct, rest);
        t->spill_len += rest;
    }
    t->progress = true;
    return len;
}

static bool is_blank_line(const char *p, size_t n)
{
    return (n == 2 && p[0] == '\r' && p[1] == '\n') || (n == 1 && p[0] == '\n');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* When the header line buf (len bytes, CRLF included) is `name: value`,
 * keep its value (spaces around it removed) in field, of cap bytes with the
 * NUL. A value that does not fit is never cut short: the field is left
 * empty and bit set in truncated. A later line of the same name wins. */
static void take_header(ota_http_response_t *h, const char *buf, size_t len, const char *name, char *field, size_t cap,
                        uint8_t bit)
{
    size_t n = strlen(name);
    if (len <= n || buf[n] != ':' || strncasecmp(buf, name, n) != 0) {
        return;
    }
    const char *v = buf + n + 1;
    size_t vlen = len - n - 1;
    while (vlen > 0 && is_space(v[0])) {
        v++;
        vlen--;
    }
    while (vlen > 0 && is_space(v[vlen - 1])) {
        vlen--;
    }
    field[0] = '\0';
    if (vlen >= cap) {
        h->truncated |= bit;
        return;
    }
    memcpy(field, v, vlen);
    field[vlen] = '\0';
    h->truncated &= (uint8_t)~bit;
}

static void take_headers(ota_http_response_t *h, const char *buf, size_t len)
{
    take_header(h, buf, len, "ETag", h->etag, sizeof h->etag, OTA_HTTP_HDR_ETAG);
    take_header(h, buf, len, "Last-Modified", h->last_modified, sizeof h->last_modified, OTA_HTTP_HDR_LAST_MODIFIED);
    take_header(h, buf, len, "Retry-After", h->retry_after, sizeof h->retry_after, OTA_HTTP_HDR_RETRY_AFTER);
    take_header(h, buf, len, "Content-Range", h->content_range, sizeof h->content_range, OTA_HTTP_HDR_CONTENT_RANGE);
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *arg)
{
    posix_transport_curl_t *t = arg;
    size_t len = size * nitems;
    t->progress = true;
    if (t->headers_done) {
        return len; /* trailers of a chunked body */
    }
    if (len >= 9 && strncasecmp(buf, "Location:", 9) == 0) {
        t->location = true;
    }
    if (!is_blank_line(buf, len)) {
        take_headers(&t->hdr, buf, len);
        return len;
    }
    /* The end of one header block. It is final unless it is a 1xx, or a
     * redirect that libcurl is about to follow. */
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    bool redirect = t->max_redirects > 0 && code >= 300 && code < 400 && code != 304 && t->location;
    t->location = false;
    if (redirect || code < 200) {
        /* Only the final response's headers are reported. */
        memset(&t->hdr, 0, sizeof t->hdr);
    }
    if (redirect) {
        t->redirected = true;
    } else if (code >= 200) {
        curl_off_t cl = -1;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        t->status = (int)code;
        t->content_length = cl;
        t->headers_done = true;
    }
    return len;
}

/* ---- the engine ------------------------------------------------------ */

static void finish(posix_transport_curl_t *t, int result)
{
    t->done = true;
    t->result = result;
}

/* What the end of a transfer means, with what only this transfer knows. */
static int transfer_error(const posix_transport_curl_t *t, CURLcode rc)
{
    /* get() let only well-formed http(s) URLs through, so a bad or
     * forbidden URL at this point is a Location libcurl would not follow
     * (https -> http among them). */
    if (t->redirected && (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)) {
        return OTA_ERR_REDIRECT;
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION && tls_is_openssl) {
        long verify = X509_V_OK;
        if (curl_easy_getinfo(t->easy, CURLINFO_SSL_VERIFYRESULT, &verify) == CURLE_OK) {
            return tls_reason(verify);
        }
    }
    return map_curl_error(rc);
}

static void collect_messages(posix_transport_curl_t *t)
{
    int queued;
    CURLMsg *m;
    while ((m = curl_multi_info_read(t->multi, &queued)) != NULL) {
        if (m->msg == CURLMSG_DONE && m->easy_handle == t->easy && !t->done) {
            finish(t, transfer_error(t, m->data.result));
        }
    }
}

/*
 * Idle timeout on our own clock: libcurl's low-speed limit counts whole
 * seconds, and would also fire while we keep the transfer paused because
 * the caller is not reading. The clock runs only once the connection is up
 * (before that, libcurl's connect timeout applies) and restarts whenever we
 * resume a paused transfer.
 */
static void check_idle(posix_transport_curl_t *t)
{
    uint32_t now = idle_clock(t);
    if (!t->connected) {
        curl_off_t pre_us = 0;
        curl_easy_getinfo(t->easy, CURLINFO_PRETRANSFER_TIME_T, &pre_us);
        if (pre_us <= 0) {
            t->t_active_ms = now;
            return;
        }
        t->connected = true;
        /* libcurl measures real time; a clock of the caller's (a test's
         * fake one) may have moved less since get(): never past now. */
        uint32_t at = t->t_start_ms + (uint32_t)((uint64_t)pre_us / 1000u);
        if ((int32_t)(now - at) < 0) {
            at = now;
        }
        if ((int32_t)(at - t->t_active_ms) > 0) {
            t->t_active_ms = at;
        }
    }
    if (now - t->t_active_ms >= t->idle_ms) {
        snprintf(t->errbuf, sizeof t->errbuf, "no data received for %u ms", (unsigned)t->idle_ms);
        finish(t, OTA_ERR_TIMEOUT);
    }
}

/* One bounded round: run what is ready; if nothing moved and the caller has
 * nothing to take home yet (may_wait), wait at most poll_ms for the network
 * and run again. */
static void drive(posix_transport_curl_t *t, bool may_wait)
{
    int running = 0;
    t->progress = false;
    CURLMcode mc = curl_multi_perform(t->multi, &running);
    if (mc == CURLM_OK && !t->progress && may_wait) {
        collect_messages(t);
        if (t->done) {
            return;
        }
        mc = curl_multi_poll(t->multi, NULL, 0, (int)t->cfg.poll_ms, NULL);
        if (mc == CURLM_OK) {
            mc = curl_multi_perform(t->multi, &running);
        }
    }
    if (mc != CURLM_OK) {
        snprintf(t->errbuf, sizeof t->errbuf, "%s", curl_multi_strerror(mc));
        finish(t, OTA_ERR_IO);
        return;
    }
    collect_messages(t);
    if (t->progress) {
        t->t_active_ms = idle_clock(t);
    } else if (!t->done && !t->paused) {
        check_idle(t);
    }
}

/* ---- ota_transport_t ------------------------------------------------- */

/*
 * OpenSSL pads a ClientHello of 256..511 bytes to 512 (SSL_OP_ALL includes
 * the padding, a workaround for one load balancer of 2014): some 200 bytes
 * on every handshake, a third of a resumed poll's. Our ClientHello goes
 * unpadded.
 */
static CURLcode tls_context(CURL *easy, void *ssl_ctx, void *arg)
{
    (void)easy;
    (void)arg;
    SSL_CTX_clear_options((SSL_CTX *)ssl_ctx, SSL_OP_TLSEXT_PADDING);
    return CURLE_OK;
}

static bool is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static bool url_parses(const char *url)
{
    CURLU *u = curl_url();
    if (u == NULL) {
        return false;
    }
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
    curl_url_cleanup(u);
    return rc == CURLUE_OK;
}

/* Append "name: value" to *list; false when out of memory. */
static bool header_add(struct curl_slist **list, const char *name, const char *value)
{
    char line[OTA_HTTP_VALIDATOR_MAX + 32];
    if (value == NULL) {
        return true;
    }
    if ((size_t)snprintf(line, sizeof line, "%s: %s", name, value) >= sizeof line) {
        return true; /* longer than any validator the core keeps: not ours to send */
    }
    struct curl_slist *n = curl_slist_append(*list, line); /* copies the line */
    if (n == NULL) {
        return false;
    }
    *list = n;
    return true;
}

/* The request's header lines into t->headers: the caller's extra ones, the
 * conditional ones, and "Accept:" (no value), which makes libcurl leave out
 * the "Accept: *\/\*" it would add, 13 bytes no server needs. */
static int request_headers(posix_transport_curl_t *t, const ota_http_options_t *opt)
{
    struct curl_slist *list = NULL;
    bool ok = header_add(&list, "Accept", "") && header_add(&list, "If-None-Match", opt->if_none_match) &&
              header_add(&list, "If-Modified-Since", opt->if_modified_since) &&
              header_add(&list, "If-Range", opt->range_start > 0 ? opt->if_range : NULL);
    for (const char *const *h = opt->headers; ok && h != NULL && *h != NULL; h++) {
        struct curl_slist *n = curl_slist_append(list, *h);
        ok = n != NULL;
        list = ok ? n : list;
    }
    if (!ok) {
        curl_slist_free_all(list);
        return OTA_ERR_IO;
    }
    t->headers = list;
    return OTA_OK;
}

static int set_options(posix_transport_curl_t *t, const char *url, const ota_http_options_t *opt)
{
    CURL *e = t->easy;
    bool https = strncasecmp(url, "https://", 8) == 0;
    uint32_t connect_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms : t->cfg.connect_timeout_ms;
    /* This port's trust anchor is the path of a PEM CA bundle. */
    const char *ca = opt->trust_anchor != NULL ? (const char *)opt->trust_anchor : t->cfg.default_ca_file;
    CURLcode rc = CURLE_OK;

#define SET(option, value)                           \
    do {                                             \
        if (rc == CURLE_OK) {                        \
            rc = curl_easy_setopt(e, option, value); \
        }                                            \
    } while (0)

    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    /* A redirect may keep or raise the protection, never drop TLS. */
    SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long)(https ? CURLPROTO_HTTPS : (CURLPROTO_HTTP | CURLPROTO_HTTPS)));
#endif
    SET(CURLOPT_FOLLOWLOCATION, opt->max_redirects > 0 ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, (long)opt->max_redirects);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_NOSIGNAL, 1L);
    /* A device has no proxy; an inherited http_proxy must not reroute tests. */
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_BUFFERSIZE, (long)t->cfg.buffer_size);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (tls_is_our_openssl) {
        SET(CURLOPT_SSL_CTX_FUNCTION, tls_context); /* the context is an SSL_CTX only then */
    }
    SET(CURLOPT_SSL_VERIFYPEER, opt->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, opt->insecure ? 0L : 2L);
    if (ca != NULL) {
        SET(CURLOPT_CAINFO, ca);
    }
    if (opt->range_start > 0) {
        char range[24];
        snprintf(range, sizeof range, "%lu-", (unsigned long)opt->range_start);
        SET(CURLOPT_RANGE, range); /* libcurl copies option strings */
    }
    int err = request_headers(t, opt);
    if (err != OTA_OK) {
        return err;
    }
    SET(CURLOPT_HTTPHEADER, (struct curl_slist *)t->headers);
    SET(CURLOPT_SHARE, (CURLSH *)t->share);
    SET(CURLOPT_USERAGENT, t->cfg.user_agent != NULL ? t->cfg.user_agent : "sysota");
    SET(CURLOPT_VERBOSE, t->cfg.verbose ? 1L : 0L);
#undef SET
    return rc == CURLE_OK ? OTA_OK : OTA_ERR_IO;
}

static int tc_get(void *ctx, const char *url, const ota_http_options_t *opt)
{
    posix_transport_curl_t *t = ctx;
    static const ota_http_options_t no_options;
    if (t == NULL || url == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (t->active) {
        return OTA_ERR_STATE;
    }
    if (!is_http_url(url) || !url_parses(url)) {
        return OTA_ERR_URL;
    }
    if (opt == NULL) {
        opt = &no_options;
    }

    /* curl_easy_reset keeps live connections and TLS sessions: a manifest
     * and its image from the same server share one connection. */
    curl_easy_reset(t->easy);
    /* libcurl (7.88) keeps the receive buffer of a transfer that ended on a
     * redirect it refused, and then refuses CURLOPT_BUFFERSIZE on that
     * handle for good. A fresh handle clears it; the connection cache
     * belongs to the multi handle, so no connection is lost. */
    if (curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, (long)t->cfg.buffer_size) != CURLE_OK) {
        CURL *fresh = curl_easy_init();
        if (fresh == NULL) {
            return OTA_ERR_IO;
        }
        curl_easy_cleanup(t->easy);
        t->easy = fresh;
    }
    t->errbuf[0] = '\0';
    t->done = t->headers_done = t->paused = t->connected = t->location = t->redirected = false;
    t->max_redirects = opt->max_redirects;
    t->result = OTA_OK;
    t->status = 0;
    t->content_length = -1;
    memset(&t->hdr, 0, sizeof t->hdr);
    t->spill_off = t->spill_len = 0;
    t->direct = NULL;
    t->direct_cap = t->direct_len = 0;
    t->idle_ms = opt->idle_timeout_ms ? opt->idle_timeout_ms : t->cfg.idle_timeout_ms;
    t->t_start_ms = t->t_active_ms = idle_clock(t);
    memset(&t->last, 0, sizeof t->last);
    t->last.requests = 1;
    t->total.requests++;

    int err = set_options(t, url, opt);
    if (err == OTA_OK && curl_multi_add_handle(t->multi, t->easy) != CURLM_OK) {
        err = OTA_ERR_IO;
    }
    if (err != OTA_OK) {
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        return err;
    }
    t->attached = true;
    t->active = true;
    return OTA_OK;
}

static int tc_response(void *ctx, ota_http_response_t *resp)
{
    posix_transport_curl_t *t = ctx;
    if (t == NULL || resp == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!t->active) {
        return OTA_ERR_STATE;
    }
    if (!t->headers_done && !t->done) {
        drive(t, true); /* body bytes that come with the headers wait in the spill buffer */
    }
    if (t->headers_done) {
        *resp = t->hdr;
        resp->status = t->status;
        resp->content_length = t->content_length;
        const char *url = NULL;
        if (curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != NULL) {
            if (strlen(url) < sizeof resp->final_url) {
                strcpy(resp->final_url, url);
            } else {
                resp->truncated |= OTA_HTTP_HDR_FINAL_URL;
            }
        }
        return OTA_OK;
    }
    if (t->done) {
        /* Ended without a final header block: libcurl always reports that
         * as an error, but never claim success here whatever it said. */
        return t->result != OTA_OK ? t->result : OTA_ERR_NET;
    }
    return OTA_ERR_AGAIN;
}

static size_t spill_drain(posix_transport_curl_t *t, uint8_t *buf, size_t cap)
{
    size_t n = t->spill_len < cap ? t->spill_len : cap;
    if (n > 0) {
        memcpy(buf, t->spill + t->spill_off, n);
        t->spill_off += n;
        t->spill_len -= n;
        if (t->spill_len == 0) {
            t->spill_off = 0;
        }
    }
    return n;
}

static int tc_read(void *ctx, void *buf, uint32_t cap)
{
    posix_transport_curl_t *t = ctx;
    if (t == NULL || buf == NULL || cap == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!t->active) {
        return OTA_ERR_STATE;
    }
    size_t want = cap > (uint32_t)INT_MAX ? (size_t)INT_MAX : cap;
    uint8_t *out = buf;
    size_t n = spill_drain(t, out, want);

    if (n < want && !t->done) {
        t->direct = out + n;
        t->direct_cap = want - n;
        t->direct_len = 0;
        if (t->paused && t->spill_len == 0) {
            /* libcurl hands the data it held back to on_body right here,
             * which copies it into the caller's buffer. */
            t->paused = false;
            t->t_active_ms = idle_clock(t);
            if (curl_easy_pause(t->easy, CURLPAUSE_CONT) != CURLE_OK) {
                finish(t, OTA_ERR_IO);
            }
        }
        if (!t->done && t->direct_len < t->direct_cap) {
            drive(t, n == 0 && t->direct_len == 0);
        }
        n += t->direct_len;
        t->direct = NULL;
        t->direct_cap = t->direct_len = 0;
    }
    if (n > 0) {
        t->last.body_bytes += n;
        t->total.body_bytes += n;
        return (int)n;
    }
    if (t->done) {
        return t->result; /* OTA_OK (0) is the end of the body */
    }
    return OTA_ERR_AGAIN;
}

static void tc_close(void *ctx)
{
    posix_transport_curl_t *t = ctx;
    if (t == NULL || !t->active) {
        return;
    }
    long req = 0, hdr = 0;
    curl_off_t body = 0;
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &req);
    curl_easy_getinfo(t->easy, CURLINFO_HEADER_SIZE, &hdr);
    curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &body);
    t->last.wire_sent = req > 0 ? (uint64_t)req : 0u;
    t->last.wire_received = (hdr > 0 ? (uint64_t)hdr : 0u) + (body > 0 ? (uint64_t)body : 0u);
    t->total.wire_sent += t->last.wire_sent;
    t->total.wire_received += t->last.wire_received;

    if (t->attached) {
        /* Removing an unfinished transfer makes libcurl drop its connection
         * rather than reuse one with unread bytes in flight. */
        curl_multi_remove_handle(t->multi, t->easy);
        t->attached = false;
    }
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    t->spill_off = t->spill_len = 0;
    t->paused = false;
    t->active = false;
}

/* ---- public ---------------------------------------------------------- */

int posix_transport_curl_init(posix_transport_curl_t *t, const posix_transport_curl_config_t *cfg,
                              ota_transport_t *port_out)
{
    if (t == NULL || port_out == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(t, 0, sizeof *t);
    if (cfg != NULL) {
        t->cfg = *cfg;
    }
    if (t->cfg.poll_ms == 0) {
        t->cfg.poll_ms = DEFAULT_POLL_MS;
    }
    if (t->cfg.connect_timeout_ms == 0) {
        t->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    }
    if (t->cfg.idle_timeout_ms == 0) {
        t->cfg.idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
    }
    if (t->cfg.buffer_size == 0) {
        t->cfg.buffer_size = DEFAULT_BUFFER_SIZE;
    }
    if (t->cfg.buffer_size < CURL_MAX_WRITE_SIZE) {
        t->cfg.buffer_size = CURL_MAX_WRITE_SIZE;
    }
    if (t->cfg.buffer_size > CURL_MAX_READ_SIZE) {
        t->cfg.buffer_size = CURL_MAX_READ_SIZE;
    }
    if (t->cfg.spill_max == 0) {
        t->cfg.spill_max = DEFAULT_SPILL_MAX;
    }
    if (t->cfg.poll_ms > (uint32_t)INT_MAX) {
        return OTA_ERR_INVALID_ARG;
    }

    if (pthread_once(&global_once, global_init) != 0 || global_rc != CURLE_OK) {
        return OTA_ERR_IO;
    }
    t->multi = curl_multi_init();
    t->easy = curl_easy_init();
    t->share = curl_share_init();
    /* One transport is driven from one thread at a time: the share needs
     * no locks. */
    if (t->multi == NULL || t->easy == NULL || t->share == NULL ||
        curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
        curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
        posix_transport_curl_deinit(t);
        return OTA_ERR_IO;
    }
    port_out->ctx = t;
    port_out->get = tc_get;
    port_out->response = tc_response;
    port_out->read = tc_read;
    port_out->close = tc_close;
    return OTA_OK;
}

void posix_transport_curl_deinit(posix_transport_curl_t *t)
{
    if (t == NULL) {
        return;
    }
    tc_close(t);
    if (t->easy != NULL) {
        curl_easy_cleanup(t->easy);
    }
    if (t->multi != NULL) {
        curl_multi_cleanup(t->multi);
    }
    if (t->share != NULL) {
        curl_share_cleanup(t->share); /* after every handle that used it */
    }
    free(t->spill);
    memset(t, 0, sizeof *t);
}

int posix_transport_curl_stats(const posix_transport_curl_t *t, posix_transport_curl_stats_t *last,
                               posix_transport_curl_stats_t *total)
{
    if (t == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (last != NULL) {
        *last = t->last;
    }
    if (total != NULL) {
        *total = t->total;
    }
    return OTA_OK;
}

void posix_transport_curl_stats_reset(posix_transport_curl_t *t)
{
    if (t != NULL) {
        memset(&t->total, 0, sizeof t->total);
    }
}

const char *posix_transport_curl_error_text(const posix_transport_curl_t *t)
{
    return t != NULL ? t->errbuf : "";
}

/* ---- blocking convenience -------------------------------------------- */

int posix_transport_fetch_to_buffer(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt,
                                    void *buf, size_t cap, size_t *len, ota_http_response_t *resp, uint32_t timeout_ms)
{
    if (tp == NULL || url == NULL || len == NULL || (buf == NULL && cap > 0)) {
        return OTA_ERR_INVALID_ARG;
    }
    *len = 0;
    int err = tp->get(tp->ctx, url, opt);
    if (err != OTA_OK) {
        return err;
    }
    uint64_t deadline = timeout_ms ? now_ms() + timeout_ms : UINT64_MAX;
    ota_http_response_t r;
    while ((err = tp->response(tp->ctx, &r)) == OTA_ERR_AGAIN) {
        if (now_ms() >= deadline) {
            err = OTA_ERR_TIMEOUT;
            break;
        }
    }
    size_t got = 0;
    while (err == OTA_OK) {
        uint8_t probe;
        /* With the buffer full, one more byte would mean the body is too big. */
        uint8_t *dst = got < cap ? (uint8_t *)buf + got : &probe;
        size_t room = got < cap ? cap - got : 1u;
        uint32_t ask = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
        int n = tp->read(tp->ctx, dst, ask);
        if (n == 0) {
            break;
        }
        if (n > 0) {
            if (got >= cap) {
                err = OTA_ERR_TOO_LARGE;
                break;
            }
            got += (size_t)n;
            continue;
        }
        if (n != OTA_ERR_AGAIN) {
            err = n;
        } else if (now_ms() >= deadline) {
            err = OTA_ERR_TIMEOUT;
        }
    }
    tp->close(tp->ctx);
    if (err == OTA_OK) {
        *len = got;
        if (resp != NULL) {
            *resp = r;
        }
    }
    return err;
}
