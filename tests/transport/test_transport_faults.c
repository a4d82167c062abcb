/*
 * The libcurl transport against servers that misbehave (bad_server.py) or
 * are not there at all: every failure must come back as the right
 * OTA_ERR_* code, promptly, and no call may block for long.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_server.h"
#include "transport_check.h"
#include "transport_curl.h"

#define FILE_SIZE (200u * 1000u)
#define LIMIT_MS 10000u
#define CALL_BOUND_MS 200u
#define IDLE_MS 500u

static check_file_t file;
static test_server_t bad;
static uint8_t *data;
static uint8_t *got;

static int group_setup(void **state)
{
    (void)state;
    if (check_file_make(&file, "app.bin", FILE_SIZE, 3) != OTA_OK) {
        return -1;
    }
    data = file.data;
    got = file.got;
    return test_server_start(&bad, TEST_SERVER_BAD, file.docroot) == OTA_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&bad);
    check_file_free(&file);
    return 0;
}

typedef check_transport_t fixture_t;

static int fetch(fixture_t *f, const char *path, const ota_http_options_t *opt, check_result_t *r)
{
    char url[160];
    assert_int_equal(test_server_url(url, sizeof url, bad.url, path), OTA_OK);
    memset(got, 0, FILE_SIZE);
    int err = check_fetch(&f->tp, url, opt, got, FILE_SIZE, 8192u, LIMIT_MS, r);
    assert_true(r->max_call_ms < CALL_BOUND_MS);
    return err;
}

static void test_the_bad_server_serves_plain_files_intact(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "app.bin", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.len, FILE_SIZE);
    assert_memory_equal(got, data, FILE_SIZE);
}

static void test_a_connection_cut_mid_body_is_a_short_body(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "cut/app.bin?after=70000", NULL, &r), OTA_ERR_SHORT_BODY);
    assert_int_equal(r.resp_err, OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.resp.content_length, FILE_SIZE);
    /* Every byte that did arrive was delivered, in order, before the error. */
    assert_int_equal(r.len, 70000);
    assert_memory_equal(got, data, 70000);
}

static void test_a_stalled_body_times_out_after_the_idle_timeout(void **state)
{
    ota_http_options_t opt = {.idle_timeout_ms = IDLE_MS};
    check_result_t r;
    assert_int_equal(fetch(*state, "stall/app.bin?after=30000&hold=10", &opt, &r), OTA_ERR_TIMEOUT);
    assert_int_equal(r.len, 30000);
    assert_memory_equal(got, data, 30000);
    uint64_t silent = r.total_ms - r.last_byte_ms;
    assert_true(silent >= IDLE_MS - 20u);
    assert_true(silent < IDLE_MS + 500u);
}

static void test_a_server_that_never_answers_times_out_before_headers(void **state)
{
    ota_http_options_t opt = {.idle_timeout_ms = IDLE_MS};
    check_result_t r;
    assert_int_equal(fetch(*state, "silent/app.bin?hold=10", &opt, &r), OTA_ERR_TIMEOUT);
    assert_int_equal(r.resp_err, OTA_ERR_TIMEOUT);
    /* response() kept saying "not yet" until then, without blocking. */
    assert_true(r.calls > 5);
    assert_true(r.total_ms >= IDLE_MS - 20u);
    assert_true(r.total_ms < IDLE_MS + 500u);
}

static void test_a_slow_body_that_keeps_moving_is_not_an_idle_timeout(void **state)
{
    /* 20 KiB per 100 ms: the whole transfer takes far longer than the idle
     * timeout, but no gap between bytes comes close to it. */
    ota_http_options_t opt = {.idle_timeout_ms = IDLE_MS};
    check_result_t r;
    assert_int_equal(fetch(*state, "slow/app.bin?chunk=20000&delay=100", &opt, &r), OTA_OK);
    assert_int_equal(r.len, FILE_SIZE);
    assert_memory_equal(got, data, FILE_SIZE);
    assert_true(r.total_ms > IDLE_MS);
}

static void test_a_reset_mid_body_is_a_network_error(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "reset/app.bin?after=50000", NULL, &r), OTA_ERR_NET);
    assert_true(r.len <= 50000);
    assert_memory_equal(got, data, r.len);
}

static void test_a_connection_closed_without_an_answer_is_a_network_error(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "drop/app.bin", NULL, &r), OTA_ERR_NET);
    assert_int_equal(r.resp_err, OTA_ERR_NET);
}

static void test_status_500_is_reported_and_its_body_is_readable(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "status/500", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 500);
    assert_int_equal(r.len, 11);
    assert_memory_equal(got, "status 500\n", 11);
}

static void test_status_404_with_a_file_body_delivers_that_body(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "status/404/app.bin", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 404);
    assert_int_equal(r.len, FILE_SIZE);
    assert_memory_equal(got, data, FILE_SIZE);
}

static void test_range_against_the_bad_server_gets_the_tail(void **state)
{
    ota_http_options_t opt = {.range_start = FILE_SIZE - 5000u};
    check_result_t r;
    assert_int_equal(fetch(*state, "app.bin", &opt, &r), OTA_OK);
    assert_int_equal(r.resp.status, 206);
    assert_int_equal(r.len, 5000);
    assert_memory_equal(got, data + FILE_SIZE - 5000u, 5000);
}

static void test_a_redirect_is_reported_not_followed_by_default(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "redirect/app.bin", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 302);
    assert_int_equal(r.len, 6);
    assert_memory_equal(got, "moved\n", 6);
}

static void test_a_redirect_is_followed_when_the_request_allows_enough_hops(void **state)
{
    ota_http_options_t opt = {.max_redirects = 2};
    check_result_t r;
    /* Two hops; the final status and body are the target's. */
    assert_int_equal(fetch(*state, "redirect/redirect/app.bin", &opt, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.resp.content_length, FILE_SIZE);
    assert_int_equal(r.len, FILE_SIZE);
    assert_memory_equal(got, data, FILE_SIZE);
}

static void test_one_hop_more_than_the_request_allows_fails_with_REDIRECT(void **state)
{
    ota_http_options_t opt = {.max_redirects = 1};
    check_result_t r;
    assert_int_equal(fetch(*state, "redirect/redirect/app.bin", &opt, &r), OTA_ERR_REDIRECT);
    assert_int_equal(r.resp_err, OTA_ERR_REDIRECT); /* no 3xx passed off as the answer */
    assert_int_equal(r.len, 0);
}

/* A loopback port with nothing listening on it. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd); /* bound, never listened: connections are refused */
    return ntohs(a.sin_port);
}

static void test_a_refused_connection_is_a_network_error(void **state)
{
    fixture_t *f = *state;
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.bin", closed_port());
    check_result_t r;
    assert_int_equal(check_fetch(&f->tp, url, NULL, got, FILE_SIZE, 8192u, LIMIT_MS, &r), OTA_ERR_NET);
    assert_int_equal(r.get_err, OTA_OK); /* get() only starts: the refusal comes later */
    assert_int_equal(r.resp_err, OTA_ERR_NET);
    assert_true(r.max_call_ms < CALL_BOUND_MS);
}

static void test_an_unresolvable_host_is_a_network_error(void **state)
{
    fixture_t *f = *state;
    check_result_t r;
    /* .invalid is reserved (RFC 6761): it never resolves, and the resolver
     * answers at once without any network. */
    assert_int_equal(check_fetch(&f->tp, "http://sysota-test.invalid/app.bin", NULL, got, FILE_SIZE,
                                 8192u, LIMIT_MS, &r),
                     OTA_ERR_NET);
}

static void test_a_connect_that_never_completes_times_out(void **state)
{
    /* A listener whose backlog is full and that never accepts: further
     * SYNs are dropped, so the connect hangs until our timeout. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(listen(lfd, 0), 0);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assert_true(fill[i] >= 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a); /* EINPROGRESS is expected */
    }
    fixture_t *f = *state;
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.bin", ntohs(a.sin_port));
    ota_http_options_t opt = {.connect_timeout_ms = 400};
    check_result_t r;
    int err = check_fetch(&f->tp, url, &opt, got, FILE_SIZE, 8192u, LIMIT_MS, &r);
    for (int i = 0; i < 4; i++) {
        close(fill[i]);
    }
    close(lfd);
    assert_int_equal(err, OTA_ERR_TIMEOUT);
    assert_true(r.total_ms >= 380u);
    assert_true(r.total_ms < 1500u);
    assert_true(r.max_call_ms < CALL_BOUND_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_bad_server_serves_plain_files_intact, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connection_cut_mid_body_is_a_short_body, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_stalled_body_times_out_after_the_idle_timeout, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_server_that_never_answers_times_out_before_headers, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_slow_body_that_keeps_moving_is_not_an_idle_timeout, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_reset_mid_body_is_a_network_error, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connection_closed_without_an_answer_is_a_network_error, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_status_500_is_reported_and_its_body_is_readable, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_status_404_with_a_file_body_delivers_that_body, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_range_against_the_bad_server_gets_the_tail, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_is_reported_not_followed_by_default, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_is_followed_when_the_request_allows_enough_hops, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_one_hop_more_than_the_request_allows_fails_with_REDIRECT, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_refused_connection_is_a_network_error, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_an_unresolvable_host_is_a_network_error, check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connect_that_never_completes_times_out, check_transport_setup_defaults, check_transport_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
