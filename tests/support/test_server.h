/*
 * Real HTTP(S) servers for sysota's tests, on 127.0.0.1 and free ports,
 * started with fork/exec and stopped by PID.
 *
 *   TEST_SERVER_NGINX  nginx with a private configuration: plain HTTP on
 *                      `port`, HTTPS with a certificate signed by a fresh
 *                      test CA on `tls_port`, and HTTPS with an unrelated
 *                      self-signed certificate on `tls_self_port`. Range
 *                      requests are answered by nginx itself. `port` and
 *                      `tls_port` also redirect: /rCODE/PATH answers CODE
 *                      (301, 302, 303, 307, 308) with Location /PATH, /loop
 *                      redirects to itself, /other/PATH sends PATH to the
 *                      other scheme's port (http <-> https), /close/PATH
 *                      serves PATH and closes the connection after it. Each
 *                      `tls_bad_port[i]` serves HTTPS with a certificate
 *                      that has one thing wrong (test_bad_cert_t).
 *   TEST_SERVER_PY_HTTP `python3 -m http.server` (what Microchip's guide suggests).
 *   TEST_SERVER_BAD    tests/support/bad_server.py: serves the docroot, and
 *                      misbehaves on /cut/, /stall/, /silent/, /slow/,
 *                      /status/CODE/, /drop/ and /reset/ paths (see the
 *                      script's header). It exits by itself after
 *                      TEST_SERVER_BAD_LIMIT_S seconds.
 *
 * Every server runs with PR_SET_PDEATHSIG, so it goes away with the test
 * process even if the test crashes before test_server_stop().
 * Scripts are found through $SYSOTA_SOURCE_DIR (set by sysota_add_test),
 * else the source directory this library was compiled from.
 *
 * Functions return OTA_OK or a negative OTA_ERR_* code (OTA_ERR_IO when a
 * server could not be started; a line on stderr says why).
 */
#ifndef SYSOTA_TEST_SERVER_H
#define SYSOTA_TEST_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test_tmpdir.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TEST_SERVER_PATH_MAX 512
#define TEST_SERVER_URL_MAX 64

/**
 * Seconds after which bad_server.py exits on its own: a safety net for a
 * server nobody stopped, longer than any test using it may run (its holds
 * and stalls last until then, so a slow test never sees them end).
 */
#define TEST_SERVER_BAD_LIMIT_S 900

typedef enum test_server_kind {
    TEST_SERVER_NGINX = 1, /**< nginx: HTTP + HTTPS (CA-signed) + HTTPS (self-signed) */
    TEST_SERVER_PY_HTTP,   /**< python3 -m http.server: HTTP only, no Range */
    TEST_SERVER_BAD        /**< bad_server.py: HTTP only, misbehaviour by path */
} test_server_kind_t;

/** nginx's certificates with exactly one fault each (make_test_ca.sh makes them). */
typedef enum test_bad_cert {
    TEST_CERT_EXPIRED = 0,   /**< signed by ca_file, right names, valid only in 2020 */
    TEST_CERT_NOT_YET_VALID, /**< signed by ca_file, right names, valid from 2090 */
    TEST_CERT_WRONG_NAME,    /**< signed by ca_file, for wrong.example and 192.0.2.1 */
    TEST_CERT_UNKNOWN_CA,    /**< right names and dates, signed by a CA nobody trusts */
    TEST_CERT_BAD_COUNT
} test_bad_cert_t;

typedef struct test_server {
    test_server_kind_t kind;
    pid_t pid;                              /**< the server process; 0 when stopped */
    int port;                               /**< plain HTTP port */
    int tls_port;                           /**< nginx: HTTPS, certificate signed by ca_file; else 0 */
    int tls_self_port;                      /**< nginx: HTTPS, self-signed certificate; else 0 */
    char url[TEST_SERVER_URL_MAX];          /**< "http://127.0.0.1:<port>" (no trailing slash) */
    char tls_url[TEST_SERVER_URL_MAX];      /**< "https://127.0.0.1:<tls_port>", or "" */
    char tls_self_url[TEST_SERVER_URL_MAX]; /**< "https://127.0.0.1:<tls_self_port>", or "" */
    int tls_bad_port[TEST_CERT_BAD_COUNT];  /**< nginx: HTTPS with each faulty certificate; else 0 */
    char tls_bad_url[TEST_CERT_BAD_COUNT][TEST_SERVER_URL_MAX]; /**< "https://127.0.0.1:<port>", or "" */
    char ca_file[TEST_SERVER_PATH_MAX];   /**< nginx: PEM of the CA that signed tls_port's certificate */
    char self_cert[TEST_SERVER_PATH_MAX]; /**< nginx: PEM of the self-signed certificate (a "wrong CA") */
    char dir[TEST_SERVER_PATH_MAX];       /**< private state directory (config, logs, keys), removed by stop */
    char docroot[TEST_SERVER_PATH_MAX];   /**< the served directory (owned by the caller) */
} test_server_t;

/**
 * Start a server of `kind` serving `docroot` and wait until it accepts
 * connections (a few seconds at most). Fills *s. The caller keeps docroot.
 */
int test_server_start(test_server_t *s, test_server_kind_t kind, const char *docroot);

/** Stop the server (SIGTERM, then SIGKILL if it lingers), reap it, remove s->dir. */
int test_server_stop(test_server_t *s);

/**
 * nginx's access log so far into out (NUL-terminated, at most cap-1 bytes),
 * one line per request: "<connection> <request on it> <r|.> <status>
 * "<request line>" inm="..." ims="..." ir="..." range="..." accept="..."
 * sent=N rlen=N", the five quoted ones the request's If-None-Match,
 * If-Modified-Since, If-Range, Range and Accept ("" when not sent), "r"
 * when TLS resumed a session, sent the bytes nginx sent (status line,
 * headers, body) and rlen the request's (request line, headers).
 * The file itself is "<dir>/access.log".
 */
int test_server_access_log(const test_server_t *s, char *out, size_t cap);

/** True when nginx can be found (tests that need it may skip otherwise). */
int test_server_have_nginx(void);

/** Write "<base>/<path>" into out (path may start with '/' or not). */
int test_server_url(char *out, size_t cap, const char *base, const char *path);

/* ---- small helpers for tests -------------------------------------------- */

/** The sysota source tree: $SYSOTA_SOURCE_DIR, else the compile-time path. */
const char *test_source_dir(void);

/** Write len bytes to dir/name, replacing it. The path in path_out if not NULL. */
int test_file_write(const char *dir, const char *name, const void *data, size_t len, char *path_out, size_t path_cap);

/** Fill buf with len bytes of a reproducible pseudo-random sequence for seed. */
void test_fill_random(void *buf, size_t len, uint32_t seed);

/** Milliseconds of a monotonic clock (start/stop waits). No test may judge by elapsed time. */
uint64_t test_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TEST_SERVER_H */
