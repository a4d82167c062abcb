/*
 * Drives an ota_transport_t the way the service does (get, response until
 * ready, read until the end) and records what a test wants to assert on:
 * the outcome, the bytes, and the longest time any single call took.
 */
#ifndef SYSOTA_TRANSPORT_CHECK_H
#define SYSOTA_TRANSPORT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "test_server.h"
#include "transport_curl.h"

typedef struct check_result {
    int get_err;             /**< what get() returned */
    int resp_err;            /**< what response() finally returned (OTA_OK or an error) */
    int read_err;            /**< the read() that ended the body: 0 or an error */
    ota_http_response_t resp;
    size_t len;              /**< body bytes stored in the caller's buffer */
    uint64_t max_call_ms;    /**< longest single response() / read() call */
    uint64_t total_ms;       /**< from get() to the end */
    uint64_t last_byte_ms;   /**< from get() to the last body byte */
    unsigned calls;          /**< response() and read() calls made */
} check_result_t;

/**
 * GET url and read the body into buf (at most cap bytes; more is a test
 * failure) with reads of at most read_cap bytes. Gives up after limit_ms
 * (the test fails then, rather than hang). Returns the first error seen
 * (get, response or read), or OTA_OK when the body ended cleanly. The
 * request is closed before returning.
 */
int check_fetch(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt,
                uint8_t *buf, size_t cap, uint32_t read_cap, uint32_t limit_ms,
                check_result_t *r);

/** The transport under test, one per test (cmocka state). */
typedef struct check_transport {
    ota_transport_curl_t curl;
    ota_transport_t tp;
} check_transport_t;

/** cmocka setup: a fresh curl transport with cfg (NULL: defaults) in *state. */
int check_transport_setup(void **state, const ota_transport_curl_config_t *cfg);

/** cmocka setup: check_transport_setup with the default configuration. */
int check_transport_setup_defaults(void **state);

/** cmocka teardown of check_transport_setup. */
int check_transport_teardown(void **state);

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
