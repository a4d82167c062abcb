/*
 * A scripted ota_transport_t for the service's unit tests: each URL has a
 * route saying what the "server" answers (status, body, announced length,
 * Range support) and how the connection misbehaves (cut, stall, errors).
 * A route may carry validators (ETag, Last-Modified), answered as a server
 * does: 304 to a matching If-None-Match or If-Modified-Since, 206 to a
 * Range whose If-Range matches and the whole body (200) when it does not,
 * with a Content-Range on every 206. It also counts what the service asked
 * for, so a test can check the requests (Range start, conditional headers,
 * number of GETs, body bytes served) and the per-call work.
 */
#ifndef SYSOTA_TEST_FAKE_TRANSPORT_H
#define SYSOTA_TEST_FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"

#define FAKE_ROUTES 16
#define FAKE_ANNOUNCE_LEN (-2) /* announce the body's real length */

typedef struct fake_route {
    char url[256];
    int status; /* 200 by default (fake_route_add) */
    const uint8_t *body;
    uint32_t len;
    int64_t announce;   /* Content-Length: FAKE_ANNOUNCE_LEN, -1 (unknown) or a value */
    bool range;         /* answer "Range: bytes=N-" with 206 (416 when N >= len) */
    uint32_t cut_after; /* 0: never; else fail with cut_err after this many body bytes */
    int cut_err;
    uint32_t stall_after;                  /* 0: never; else OTA_ERR_AGAIN forever after this many body bytes */
    uint32_t chunk;                        /* most body bytes per read() of this route, 0: no limit of its own */
    int get_err;                           /* get() fails with this (0: no) */
    int response_err;                      /* response() fails with this (0: no) */
    char etag[OTA_HTTP_VALIDATOR_MAX + 1]; /* "" : none */
    char last_modified[OTA_HTTP_VALIDATOR_MAX + 1]; /* "" : none */
    char retry_after[OTA_HTTP_RETRY_AFTER_MAX + 1]; /* sent with any status */
    bool no_content_range;                          /* a 206 without Content-Range (a port that does not report it) */
    uint32_t range_shift;                           /* a 206 that starts this many bytes after the range asked for */
    uint64_t served;                                /* body bytes of this route handed out, every GET together */
    /* what the last GET of this route sent ("" for a header not sent) */
    char sent_if_none_match[OTA_HTTP_VALIDATOR_MAX + 1];
    char sent_if_modified_since[OTA_HTTP_VALIDATOR_MAX + 1];
    char sent_if_range[OTA_HTTP_VALIDATOR_MAX + 1];
} fake_route_t;

typedef struct fake_transport {
    fake_route_t routes[FAKE_ROUTES];
    int nroutes;
    uint32_t max_chunk; /* most bytes per read(), 0: the caller's capacity */
    bool again_first;   /* response() and every other read() answer AGAIN first */
    /* current request */
    fake_route_t *cur;
    bool active;
    bool toggle;
    uint32_t pos, end, sent;
    uint32_t first; /* first byte of a 206 */
    int status;
    int64_t announce;
    /* what the service did */
    unsigned gets, reads, closes;
    char last_url[256];
    uint32_t last_range;
    uint64_t body_bytes; /* body bytes read() handed out, every request together */
} fake_transport_t;

void fake_init(fake_transport_t *ft, ota_transport_t *port);
/* Add (or replace) the route of url: 200, the body, its real length announced, no Range. */
fake_route_t *fake_route_add(fake_transport_t *ft, const char *url, const void *body, uint32_t len);
/* The route of url, or NULL. */
fake_route_t *fake_route(fake_transport_t *ft, const char *url);
/* GETs of url so far. */
unsigned fake_gets_of(const fake_transport_t *ft, const char *url);

#endif
