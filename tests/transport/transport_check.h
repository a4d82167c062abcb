/*
 * Drives an ota_transport_t the way the service does (get, response until
 * ready, read until the end) and records what a test wants to assert on.
 * Nothing here reads a clock: a stalled fetch ends by the transport's own
 * timeouts (or, if those were broken, by CTest's), and the idle timeout of
 * a transport set up with a fake clock moves only when a test advances it.
 */
#ifndef SYSOTA_TRANSPORT_CHECK_H
#define SYSOTA_TRANSPORT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "system_posix.h"
#include "test_server.h"
#include "transport_curl.h"

typedef struct check_result {
    int get_err;  /**< what get() returned */
    int resp_err; /**< what response() finally returned (OTA_OK or an error) */
    int read_err; /**< the read() that ended the body: 0 or an error */
    ota_http_response_t resp;
    size_t len;     /**< body bytes stored in the caller's buffer */
    unsigned calls; /**< response() and read() calls made */
} check_result_t;

/**
 * GET url and read the body into buf (at most cap bytes; more is a test
 * failure) with reads of at most read_cap bytes. Returns the first error
 * seen (get, response or read), or OTA_OK when the body ended cleanly. The
 * request is closed before returning.
 */
int check_fetch(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt, uint8_t *buf, size_t cap,
                uint32_t read_cap, check_result_t *r);

/** response() until it says something else than OTA_ERR_AGAIN; that answer. */
int check_response_wait(const ota_transport_t *tp, ota_http_response_t *resp);

/** read() until len bytes are in buf: OTA_OK, or the first error (0 too early is OTA_ERR_SHORT_BODY). */
int check_read_exactly(const ota_transport_t *tp, uint8_t *buf, size_t len);

/**
 * Call response() (body false) or read() (body true) n times: each must
 * return OTA_ERR_AGAIN. Against a peer that sends nothing this proves that
 * no call waits for the network beyond its own bounded poll, however slow
 * the machine: a call that blocked would never come back.
 */
void check_again(const ota_transport_t *tp, bool body, unsigned n);

/** The transport under test, one per test (cmocka state). */
typedef struct check_transport {
    posix_transport_curl_t curl;
    ota_transport_t tp;
    bool fake;            /**< the idle timeout runs on `clock` */
    posix_system_t clock; /**< fake clock: stands still until check_clock_advance() */
    ota_system_t clock_port;
} check_transport_t;

/** cmocka setup: a fresh curl transport with cfg (NULL: defaults) in *state. */
int check_transport_setup(void **state, const posix_transport_curl_config_t *cfg);

/** cmocka setup: check_transport_setup with the default configuration. */
int check_transport_setup_defaults(void **state);

/** cmocka setup: the defaults, but the idle timeout runs on a fake clock. */
int check_transport_setup_fake_clock(void **state);

/** Start t's transport again with cfg, keeping its fake clock if it has one. */
void check_transport_reinit(check_transport_t *t, posix_transport_curl_config_t cfg);

/** Move t's fake clock forward by ms. */
void check_clock_advance(check_transport_t *t, uint32_t ms);

/** cmocka teardown of check_transport_setup. */
int check_transport_teardown(void **state);

/**
 * A hand-driven peer on a loopback port: the test decides when it accepts,
 * what it answers and when, so that "the server says nothing now" is an
 * event, not a time.
 */
typedef struct check_peer {
    int lfd; /**< listening socket (the kernel completes connections before accept) */
    int fd;  /**< the accepted connection, -1 before */
    int port;
    char url[64]; /**< "<scheme>://127.0.0.1:<port>/file.bin" */
} check_peer_t;

/** Listen on a free loopback port; url uses scheme ("http" or "https"). */
void check_peer_listen(check_peer_t *p, const char *scheme);

/**
 * Accept the transport's connection and read its whole request, driving
 * the transport with response() meanwhile (which must say OTA_ERR_AGAIN).
 */
void check_peer_accept(check_peer_t *p, const ota_transport_t *tp);

/** Send what fits into the socket now (never blocks); the count sent. */
size_t check_peer_send(check_peer_t *p, const void *data, size_t len);

/** Send all of a short text (it must fit at once). */
void check_peer_say(check_peer_t *p, const char *text);

/** Close both sockets. */
void check_peer_close(check_peer_t *p);

/** A file of reproducible random bytes in a fresh docroot, and a buffer to fetch it into. */
typedef struct check_file {
    char docroot[TEST_SERVER_PATH_MAX];
    uint8_t *data; /**< the file's bytes */
    uint8_t *got;  /**< as large, for what a test fetches */
    size_t size;
} check_file_t;

/** Make docroot/name of size random bytes (seed). OTA_OK or an error. */
int check_file_make(check_file_t *f, const char *name, size_t size, uint32_t seed);

/** Remove the docroot and free the buffers. */
void check_file_free(check_file_t *f);

#endif /* SYSOTA_TRANSPORT_CHECK_H */
