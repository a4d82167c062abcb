/*
 * The libcurl transport against servers that misbehave (bad_server.py, or
 * a peer the test drives by hand) or are not there at all: every failure
 * must come back as the right OTA_ERR_* code, and no call may wait for a
 * silent server. Idle timeouts run on a fake clock that only the test
 * moves, so they fire exactly when the test says, on any machine.
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
#define IDLE_MS 500u
#define NEVER_MS (3600u * 1000u) /* a connect timeout no test run reaches */

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
    char url[600];
    assert_int_equal(test_server_url(url, sizeof url, bad.url, path), OTA_OK);
    memset(got, 0, FILE_SIZE);
    return check_fetch(&f->tp, url, opt, got, FILE_SIZE, 8192u, r);
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

/* GET bad_server's path with the idle timeout; its response must be 200. */
static void start_get(fixture_t *f, const char *path)
{
    char url[160];
    assert_int_equal(test_server_url(url, sizeof url, bad.url, path), OTA_OK);
    ota_http_options_t opt = { .idle_timeout_ms = IDLE_MS };
    assert_int_equal(f->tp.get(f->tp.ctx, url, &opt), OTA_OK);
}

static void test_a_stalled_body_keeps_reads_returning_then_times_out_at_the_idle_time(void **state)
{
    fixture_t *f = *state;
    /* 30000 bytes, then silence (until the server is stopped). */
    start_get(f, "stall/app.bin?after=30000");
    ota_http_response_t resp;
    assert_int_equal(check_response_wait(&f->tp, &resp), OTA_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.content_length, FILE_SIZE);
    assert_int_equal(check_read_exactly(&f->tp, got, 30000), OTA_OK);
    assert_memory_equal(got, data, 30000);
    /* Nothing arrives and the clock stands still: every read comes back empty. */
    check_again(&f->tp, true, 20);
    check_clock_advance(f, IDLE_MS - 1u);
    check_again(&f->tp, true, 1);
    check_clock_advance(f, 1u);
    uint8_t byte;
    assert_int_equal(f->tp.read(f->tp.ctx, &byte, 1), OTA_ERR_TIMEOUT);
    f->tp.close(f->tp.ctx);
}

static void test_a_server_that_never_answers_keeps_response_returning_then_times_out(void **state)
{
    fixture_t *f = *state;
    start_get(f, "silent/app.bin");
    /* The idle clock runs once the connection is up (libcurl's connect
     * timeout covers the time before); wait for that event. */
    while (!f->curl.connected) {
        check_again(&f->tp, false, 1);
    }
    check_again(&f->tp, false, 20);
    check_clock_advance(f, IDLE_MS - 1u);
    check_again(&f->tp, false, 1);
    check_clock_advance(f, 1u);
    ota_http_response_t resp;
    assert_int_equal(f->tp.response(f->tp.ctx, &resp), OTA_ERR_TIMEOUT);
    f->tp.close(f->tp.ctx);
}

static void test_a_body_that_keeps_moving_is_never_idle_however_long_it_takes(void **state)
{
    fixture_t *f = *state;
    enum { CHUNK = 1000, CHUNKS = 5 };
    check_peer_t peer;
    check_peer_listen(&peer, "http");
    ota_http_options_t opt = { .idle_timeout_ms = IDLE_MS };
    assert_int_equal(f->tp.get(f->tp.ctx, peer.url, &opt), OTA_OK);
    check_peer_accept(&peer, &f->tp);
    char head[96];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", CHUNK * CHUNKS);
    check_peer_say(&peer, head);
    ota_http_response_t resp;
    assert_int_equal(check_response_wait(&f->tp, &resp), OTA_OK);
    /* Each chunk comes 1 ms short of the idle timeout after the previous
     * one: five times the timeout in all, never a gap of it. */
    for (int i = 0; i < CHUNKS; i++) {
        check_clock_advance(f, IDLE_MS - 1u);
        check_again(&f->tp, true, 1);
        assert_int_equal(check_peer_send(&peer, data + i * CHUNK, CHUNK), CHUNK);
        assert_int_equal(check_read_exactly(&f->tp, got + i * CHUNK, CHUNK), OTA_OK);
    }
    uint8_t byte;
    int end;
    while ((end = f->tp.read(f->tp.ctx, &byte, 1)) == OTA_ERR_AGAIN) {
    }
    assert_int_equal(end, 0);
    assert_memory_equal(got, data, CHUNK * CHUNKS);
    f->tp.close(f->tp.ctx);
    check_peer_close(&peer);
}

static void test_a_transfer_paused_because_the_caller_stopped_reading_is_not_idle(void **state)
{
    fixture_t *f = *state;
    /* A small spill buffer, so that one busy socket is enough to pause. */
    posix_transport_curl_config_t cfg = { .spill_max = 4096, .buffer_size = 16384 };
    check_transport_reinit(f, cfg);
    check_peer_t peer;
    check_peer_listen(&peer, "http");
    ota_http_options_t opt = { .idle_timeout_ms = IDLE_MS };
    assert_int_equal(f->tp.get(f->tp.ctx, peer.url, &opt), OTA_OK);
    check_peer_accept(&peer, &f->tp);
    char head[96];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", FILE_SIZE);
    check_peer_say(&peer, head);
    size_t sent = check_peer_send(&peer, data, FILE_SIZE);
    assert_true(sent > 64u * 1024u); /* loopback queues this much at once */
    ota_http_response_t resp;
    assert_int_equal(check_response_wait(&f->tp, &resp), OTA_OK);
    /* Read small pieces until the transfer pauses: more arrived than the
     * caller's buffer and the spill buffer take. */
    size_t len = 0;
    while (!f->curl.paused) {
        assert_true(len < sent);
        int n = f->tp.read(f->tp.ctx, got + len, 1024);
        assert_true(n > 0 || n == OTA_ERR_AGAIN);
        len += n > 0 ? (size_t)n : 0u;
    }
    /* The caller stops reading for three idle timeouts: its own doing, not
     * the server's silence. */
    check_clock_advance(f, 3u * IDLE_MS);
    while (len < FILE_SIZE) {
        sent += check_peer_send(&peer, data + sent, FILE_SIZE - sent);
        int n = f->tp.read(f->tp.ctx, got + len, 1024);
        if (n == OTA_ERR_AGAIN) {
            continue;
        }
        assert_true(n > 0);
        len += (size_t)n;
    }
    assert_memory_equal(got, data, FILE_SIZE);
    /* Memory stayed bounded: at most one chunk over the spill limit. */
    assert_true(f->curl.spill_cap <= 4096u + 16384u);
    f->tp.close(f->tp.ctx);
    check_peer_close(&peer);
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
    ota_http_options_t opt = { .range_start = FILE_SIZE - 5000u };
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
    ota_http_options_t opt = { .max_redirects = 2 };
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
    ota_http_options_t opt = { .max_redirects = 1 };
    check_result_t r;
    assert_int_equal(fetch(*state, "redirect/redirect/app.bin", &opt, &r), OTA_ERR_REDIRECT);
    assert_int_equal(r.resp_err, OTA_ERR_REDIRECT); /* no 3xx passed off as the answer */
    assert_int_equal(r.len, 0);
}

static void test_a_503_reports_the_retry_after_it_carries(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "status/503?h=Retry-After:120", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 503);
    assert_string_equal(r.resp.retry_after, "120");
    assert_int_equal(fetch(*state, "status/429?h=Retry-After:Wed,%2002%20Dec%202026%2005:21:00%20GMT", NULL, &r),
                     OTA_OK);
    assert_int_equal(r.resp.status, 429);
    assert_string_equal(r.resp.retry_after, "Wed, 02 Dec 2026 05:21:00 GMT");
}

static void test_header_values_lose_the_spaces_around_them_and_names_match_in_any_case(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "app.bin?h=etag:%20%20%22v1%22%20%20&h=LAST-MODIFIED:%09x", NULL, &r), OTA_OK);
    assert_string_equal(r.resp.etag, "\"v1\"");
    assert_string_equal(r.resp.last_modified, "x");
    /* A header sent twice: the last one counts. */
    assert_int_equal(fetch(*state, "app.bin?h=ETag:%22a%22&h=ETag:%22b%22", NULL, &r), OTA_OK);
    assert_string_equal(r.resp.etag, "\"b\"");
}

static void test_a_value_too_long_for_its_field_is_absent_and_flagged_never_cut_short(void **state)
{
    char path[600];
    char tag[OTA_HTTP_VALIDATOR_MAX + 2];
    check_result_t r;
    /* Exactly the limit fits. */
    memset(tag, 'a', OTA_HTTP_VALIDATOR_MAX);
    tag[OTA_HTTP_VALIDATOR_MAX] = '\0';
    snprintf(path, sizeof path, "app.bin?h=ETag:%s", tag);
    assert_int_equal(fetch(*state, path, NULL, &r), OTA_OK);
    assert_string_equal(r.resp.etag, tag);
    assert_int_equal(r.resp.truncated, 0);
    /* One more does not: no ETag at all, rather than a wrong one. */
    strcat(tag, "a");
    snprintf(path, sizeof path, "app.bin?h=ETag:%s&h=Retry-After:5", tag);
    assert_int_equal(fetch(*state, path, NULL, &r), OTA_OK);
    assert_string_equal(r.resp.etag, "");
    assert_int_equal(r.resp.truncated, OTA_HTTP_HDR_ETAG);
    assert_string_equal(r.resp.retry_after, "5"); /* the others are unharmed */
    assert_int_equal(r.len, FILE_SIZE);
    /* The final URL too. */
    int n = snprintf(path, sizeof path, "app.bin?pad=");
    memset(path + n, 'p', OTA_HTTP_URL_MAX);
    path[n + OTA_HTTP_URL_MAX] = '\0';
    assert_int_equal(fetch(*state, path, NULL, &r), OTA_OK);
    assert_string_equal(r.resp.final_url, "");
    assert_int_equal(r.resp.truncated, OTA_HTTP_HDR_FINAL_URL);
}

static void test_a_redirect_answer_keeps_its_headers_to_itself(void **state)
{
    check_result_t r;
    assert_int_equal(fetch(*state, "redirect/app.bin?h=Retry-After:9", NULL, &r), OTA_OK);
    assert_int_equal(r.resp.status, 302);
    assert_string_equal(r.resp.retry_after, "9");
    ota_http_options_t opt = { .max_redirects = 1 };
    assert_int_equal(fetch(*state, "redirect/app.bin?h=Retry-After:9", &opt, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_string_equal(r.resp.retry_after, ""); /* the file's answer carried none */
    char url[160];
    assert_int_equal(test_server_url(url, sizeof url, bad.url, "app.bin"), OTA_OK);
    assert_string_equal(r.resp.final_url, url);
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
    assert_int_equal(check_fetch(&f->tp, url, NULL, got, FILE_SIZE, 8192u, &r), OTA_ERR_NET);
    assert_int_equal(r.get_err, OTA_OK); /* get() only starts: the refusal comes later */
    assert_int_equal(r.resp_err, OTA_ERR_NET);
}

static void test_an_unresolvable_host_is_a_network_error(void **state)
{
    fixture_t *f = *state;
    check_result_t r;
    /* .invalid is reserved (RFC 6761): it never resolves, and the resolver
     * answers at once without any network. */
    assert_int_equal(check_fetch(&f->tp, "http://sysota-test.invalid/app.bin", NULL, got, FILE_SIZE, 8192u, &r),
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
    /* The transport's own default would outlast any test run: only the
     * request's timeout can end this fetch. */
    posix_transport_curl_config_t cfg = { .connect_timeout_ms = NEVER_MS };
    check_transport_reinit(f, cfg);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.bin", ntohs(a.sin_port));
    ota_http_options_t opt = { .connect_timeout_ms = 400 };
    check_result_t r;
    int err = check_fetch(&f->tp, url, &opt, got, FILE_SIZE, 8192u, &r);
    for (int i = 0; i < 4; i++) {
        close(fill[i]);
    }
    close(lfd);
    assert_int_equal(err, OTA_ERR_TIMEOUT);
    assert_int_equal(r.resp_err, OTA_ERR_TIMEOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_503_reports_the_retry_after_it_carries, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_header_values_lose_the_spaces_around_them_and_names_match_in_any_case,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_value_too_long_for_its_field_is_absent_and_flagged_never_cut_short,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_answer_keeps_its_headers_to_itself,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_the_bad_server_serves_plain_files_intact, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connection_cut_mid_body_is_a_short_body, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_stalled_body_keeps_reads_returning_then_times_out_at_the_idle_time,
                                        check_transport_setup_fake_clock, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_server_that_never_answers_keeps_response_returning_then_times_out,
                                        check_transport_setup_fake_clock, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_body_that_keeps_moving_is_never_idle_however_long_it_takes,
                                        check_transport_setup_fake_clock, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_transfer_paused_because_the_caller_stopped_reading_is_not_idle,
                                        check_transport_setup_fake_clock, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_reset_mid_body_is_a_network_error, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connection_closed_without_an_answer_is_a_network_error,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_status_500_is_reported_and_its_body_is_readable,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_status_404_with_a_file_body_delivers_that_body,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_range_against_the_bad_server_gets_the_tail, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_is_reported_not_followed_by_default,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_is_followed_when_the_request_allows_enough_hops,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_one_hop_more_than_the_request_allows_fails_with_REDIRECT,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_refused_connection_is_a_network_error, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_an_unresolvable_host_is_a_network_error, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_connect_that_never_completes_times_out, check_transport_setup_defaults,
                                        check_transport_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
