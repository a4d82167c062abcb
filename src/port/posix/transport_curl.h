/*
 * The host port's HTTP(S) transport (ota_transport_t) on libcurl's multi
 * interface: non-blocking, one GET at a time, streamed.
 *
 * Behaviour a caller can rely on:
 *  - get() only sets the request up; connecting, TLS and receiving happen in
 *    later response() / read() calls, each of which waits at most poll_ms
 *    for the network and does a bounded amount of work. get() fails with
 *    OTA_ERR_STATE while a request is active (close() it first) and with
 *    OTA_ERR_URL for a URL that is not a well-formed http(s) URL; read()
 *    with cap 0 fails with OTA_ERR_INVALID_ARG. Proxies from the
 *    environment are ignored (a device has none).
 *  - Only http:// and https:// are allowed. HTTP/1.1 is used. Redirects are
 *    followed as the request's max_redirects says (0: not at all, the 3xx
 *    is the response), never from https:// down to http://; a longer chain
 *    or a refused Location fails with OTA_ERR_REDIRECT.
 *  - TLS verifies both the peer's chain and the host name unless the
 *    request's `insecure` option is set (tests only). The CA bundle is the
 *    request's trust_anchor (here: the path of a PEM CA bundle, a
 *    const char *), else the config's default_ca_file, else libcurl's
 *    built-in default.
 *  - An HTTP error status is not a transport error: response() reports it
 *    and the body can still be read. response() fills every field of
 *    ota_http_response_t: the ETag, Last-Modified, Retry-After and
 *    Content-Range of the final response (a value too long for its field
 *    leaves it empty with its truncated bit) and the final URL
 *    (CURLINFO_EFFECTIVE_URL). The request's if_none_match,
 *    if_modified_since and if_range (the last with a Range only) are sent
 *    as those headers; "Accept" is not sent at all (a poll's bytes count).
 *  - Connections, TLS sessions and DNS answers live in a share handle of
 *    the transport: the manifest and the image of one check travel on one
 *    connection, and a later poll that needs a new connection resumes the
 *    TLS session (an abbreviated handshake) for as long as the transport
 *    lives. With libcurl on OpenSSL, the ClientHello is not padded to 512
 *    bytes (OpenSSL's workaround for one old load balancer): some 200
 *    bytes less on every handshake.
 *  - Errors: OTA_ERR_NET (refused, reset, DNS, malformed reply),
 *    OTA_ERR_TIMEOUT (connect timeout, or no byte received for
 *    idle_timeout_ms while the caller kept reading), a TLS failure
 *    (ota_err_is_tls: with libcurl on OpenSSL, a refused certificate says
 *    why: OTA_ERR_TLS_EXPIRED, _NOT_YET_VALID, _NAME, _UNKNOWN_ISSUER,
 *    _SELF_SIGNED; OTA_ERR_TLS for any other handshake or certificate
 *    failure), OTA_ERR_SHORT_BODY (connection ended before the
 *    announced Content-Length), OTA_ERR_URL (malformed or non-http(s) URL),
 *    OTA_ERR_REDIRECT (see above).
 *
 * Memory: the port allocates (libcurl handles and one spill buffer for data
 * that arrives while the caller's buffer is full). When that buffer reaches
 * spill_max, the transfer is paused until the caller has read it, so memory
 * stays bounded however slowly the caller reads.
 */
#ifndef SYSOTA_TRANSPORT_CURL_H
#define SYSOTA_TRANSPORT_CURL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tunables of one transport. Zero-initialise: every 0 / NULL field takes its default. */
typedef struct posix_transport_curl_config {
    uint32_t poll_ms;            /**< longest wait for the network per call; default 20 */
    uint32_t connect_timeout_ms; /**< when the request gives 0; default 10000 (includes TLS) */
    uint32_t idle_timeout_ms;    /**< when the request gives 0; default 30000 */
    uint32_t buffer_size;        /**< CURLOPT_BUFFERSIZE (socket read size); default 512 KiB */
    uint32_t spill_max;          /**< spill buffer bytes before pausing; default 256 KiB */
    const char *default_ca_file; /**< CA bundle when a request gives none; NULL: libcurl's */
    const char *user_agent;      /**< NULL: "sysota" */
    /**
     * The clock of the idle timeout (its now_ms); NULL: the host's monotonic
     * clock. Tests give a fake one (posix_system_fake_clock) so that
     * "no byte for idle_timeout_ms" happens when they say, not when a busy
     * machine happens to be slow. libcurl's connect timeout stays real time.
     */
    const ota_system_t *clock;
    bool verbose; /**< libcurl's debug output on stderr */
} posix_transport_curl_config_t;

/** Byte counters. Wire counts are HTTP-level (request line + headers sent;
 *  response headers + body received), excluding TLS and TCP overhead. */
typedef struct posix_transport_curl_stats {
    uint64_t requests;      /**< GETs started */
    uint64_t body_bytes;    /**< body bytes handed to the caller by read() */
    uint64_t wire_sent;     /**< CURLINFO_REQUEST_SIZE */
    uint64_t wire_received; /**< CURLINFO_HEADER_SIZE + CURLINFO_SIZE_DOWNLOAD_T */
} posix_transport_curl_stats_t;

/** State of one transport. Allocate it anywhere; treat every field as private. */
typedef struct posix_transport_curl {
    posix_transport_curl_config_t cfg;
    void *multi;             /* CURLM* */
    void *easy;              /* CURL*, reused so connections and TLS sessions are too */
    void *share;             /* CURLSH*: connections, TLS sessions and DNS outlive any one easy handle */
    void *headers;           /* struct curl_slist* of the current request */
    bool active;             /* between get() and close() */
    bool attached;           /* easy is in multi */
    bool done;               /* libcurl finished the transfer */
    bool headers_done;       /* a final (non-1xx) header block has arrived */
    bool paused;             /* we paused receiving: spill buffer full */
    bool connected;          /* seen the connection established (idle clock may run) */
    bool location;           /* the current header block has a Location: line */
    bool redirected;         /* a header block of this request was a redirect libcurl follows */
    uint8_t max_redirects;   /* this request's limit (0: a 3xx is the final response) */
    bool progress;           /* a callback saw a byte during this round of work */
    int status;              /* final HTTP status, once headers_done */
    int64_t content_length;  /* announced body length, -1 unknown, once headers_done */
    ota_http_response_t hdr; /* header fields of the current header block (the final one once headers_done) */
    int result;              /* OTA_OK or the error the transfer ended with */
    uint32_t idle_ms;        /* this request's idle timeout */
    uint32_t t_start_ms;     /* get() time, on the idle clock */
    uint32_t t_active_ms;    /* last byte received, or last time we resumed, on the idle clock */
    uint8_t *direct;         /* caller's buffer during read(): callback copies here */
    size_t direct_cap;
    size_t direct_len;
    uint8_t *spill; /* data received beyond the caller's buffer */
    size_t spill_cap;
    size_t spill_off;
    size_t spill_len;
    posix_transport_curl_stats_t last;  /* the current / last request */
    posix_transport_curl_stats_t total; /* since init or stats_reset */
    char errbuf[256];                   /* CURLOPT_ERRORBUFFER: libcurl's words for the last failure */
} posix_transport_curl_t;

/**
 * Set up t with cfg (NULL: all defaults) and fill *port_out with the
 * ota_transport_t the core uses (port_out->ctx == t). Initialises libcurl
 * globally on first use (thread-safe, once per process).
 * Returns OTA_OK, OTA_ERR_INVALID_ARG or OTA_ERR_IO (libcurl failed).
 */
int posix_transport_curl_init(posix_transport_curl_t *t, const posix_transport_curl_config_t *cfg,
                              ota_transport_t *port_out);

/** End any request and free everything t holds. t may be initialised again. */
void posix_transport_curl_deinit(posix_transport_curl_t *t);

/**
 * Counters: *last for the current or last request (wire counts are filled
 * when it ends, at close()), *total summed since init or the last reset.
 * Either pointer may be NULL. Returns OTA_OK.
 */
int posix_transport_curl_stats(const posix_transport_curl_t *t, posix_transport_curl_stats_t *last,
                               posix_transport_curl_stats_t *total);

/** Zero the summed counters (e.g. before measuring one update check). */
void posix_transport_curl_stats_reset(posix_transport_curl_t *t);

/** libcurl's description of the last failure ("" if none): for logs and tests. */
const char *posix_transport_curl_error_text(const posix_transport_curl_t *t);

/**
 * Blocking convenience for tools and tests, over any ota_transport_t whose
 * read() waits for the network (as this one does): GET url into buf.
 * On OTA_OK, *len is the body length and *resp (if not NULL) the response;
 * any HTTP status is OTA_OK here (the caller judges it). A body larger than
 * cap fails with OTA_ERR_TOO_LARGE; a fetch not finished within timeout_ms
 * (0: no limit beyond the transport's own timeouts) fails with
 * OTA_ERR_TIMEOUT. The request is always closed before returning.
 */
int posix_transport_fetch_to_buffer(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt,
                                    void *buf, size_t cap, size_t *len, ota_http_response_t *resp, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TRANSPORT_CURL_H */
