/*
 * The libcurl transport over plain HTTP against a real nginx and a real
 * python3 -m http.server on loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_server.h"
#include "transport_check.h"
#include "transport_curl.h"

#define BIG_SIZE (3u * 1024u * 1024u + 123u) /* not a multiple of any buffer size */

static check_file_t file;
static test_server_t nginx;
static test_server_t pyhttp;
static uint8_t *big;
static uint8_t *got;

static int group_setup(void **state)
{
    (void)state;
    if (check_file_make(&file, "big.bin", BIG_SIZE, 1) != OTA_OK) {
        return -1;
    }
    big = file.data;
    got = file.got;
    static const char hello[] = "hello, device\n";
    if (test_file_write(file.docroot, "hello.txt", hello, sizeof hello - 1, NULL, 0) != OTA_OK ||
        test_file_write(file.docroot, "empty.bin", "", 0, NULL, 0) != OTA_OK) {
        return -1;
    }
    if (test_server_start(&nginx, TEST_SERVER_NGINX, file.docroot) != OTA_OK) {
        return -1;
    }
    if (test_server_start(&pyhttp, TEST_SERVER_PY_HTTP, file.docroot) != OTA_OK) {
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&nginx);
    test_server_stop(&pyhttp);
    check_file_free(&file);
    return 0;
}

typedef check_transport_t fixture_t;

static void url_of(char *out, size_t cap, const test_server_t *s, const char *path)
{
    assert_int_equal(test_server_url(out, cap, s->url, path), OTA_OK);
}

/* Fetch big.bin from server s with reads of read_cap bytes and compare. */
static void fetch_big_and_compare(fixture_t *f, const test_server_t *s, uint32_t read_cap)
{
    char url[128];
    url_of(url, sizeof url, s, "big.bin");
    check_result_t r;
    memset(got, 0, BIG_SIZE);
    int err = check_fetch(&f->tp, url, NULL, got, BIG_SIZE, read_cap, &r);
    assert_int_equal(err, OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.resp.content_length, BIG_SIZE);
    assert_int_equal(r.len, BIG_SIZE);
    assert_memory_equal(got, big, BIG_SIZE);
}

static void test_get_200_delivers_the_whole_body_byte_for_byte(void **state)
{
    fetch_big_and_compare(*state, &nginx, 64u * 1024u);
}

static void test_small_reads_deliver_the_same_bytes_in_order(void **state)
{
    /* Far smaller than libcurl's chunks: exercises the spill buffer and the
     * pause / resume of the transfer when it fills. */
    fetch_big_and_compare(*state, &nginx, 777u);
}

static void test_reads_larger_than_the_body_deliver_it_exactly(void **state)
{
    fetch_big_and_compare(*state, &nginx, 8u * 1024u * 1024u);
}

static void test_python_http_server_serves_200_with_the_whole_body(void **state)
{
    fetch_big_and_compare(*state, &pyhttp, 100000u);
}

static void test_404_is_reported_as_a_status_and_its_body_is_readable(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "no-such-file.bin");
    uint8_t body[4096];
    check_result_t r;
    int err = check_fetch(&f->tp, url, NULL, body, sizeof body, sizeof body, &r);
    assert_int_equal(err, OTA_OK);
    assert_int_equal(r.resp.status, 404);
    assert_true(r.len > 0);
    assert_int_equal((int64_t)r.len, r.resp.content_length);
    assert_non_null(memmem(body, r.len, "404", 3));
}

static void test_range_start_asks_for_the_tail_and_gets_206(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "big.bin");
    const uint32_t from = 1000001u;
    ota_http_options_t opt = { .range_start = from };
    check_result_t r;
    int err = check_fetch(&f->tp, url, &opt, got, BIG_SIZE, 65536u, &r);
    assert_int_equal(err, OTA_OK);
    assert_int_equal(r.resp.status, 206);
    assert_int_equal(r.resp.content_length, BIG_SIZE - from);
    assert_int_equal(r.len, BIG_SIZE - from);
    assert_memory_equal(got, big + from, BIG_SIZE - from);
}

static void test_extra_headers_are_sent_with_the_request(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    /* nginx honours a Range header only if it really arrived. */
    const char *const headers[] = { "X-Sysota-Test: 1", "Range: bytes=7-", NULL };
    ota_http_options_t opt = { .headers = headers };
    char body[64];
    check_result_t r;
    int err = check_fetch(&f->tp, url, &opt, (uint8_t *)body, sizeof body, sizeof body, &r);
    assert_int_equal(err, OTA_OK);
    assert_int_equal(r.resp.status, 206);
    assert_int_equal(r.len, 7);
    assert_memory_equal(body, "device\n", 7);
}

static void test_an_empty_body_ends_at_once(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "empty.bin");
    uint8_t body[16];
    check_result_t r;
    assert_int_equal(check_fetch(&f->tp, url, NULL, body, sizeof body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.resp.content_length, 0);
    assert_int_equal(r.len, 0);
}

static void test_counters_count_body_and_wire_bytes(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    uint8_t body[64];
    check_result_t r;
    posix_transport_curl_stats_reset(&f->curl);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(check_fetch(&f->tp, url, NULL, body, sizeof body, sizeof body, &r), OTA_OK);
    }
    posix_transport_curl_stats_t last, total;
    assert_int_equal(posix_transport_curl_stats(&f->curl, &last, &total), OTA_OK);
    assert_int_equal(last.requests, 1);
    assert_int_equal(last.body_bytes, 14);
    /* "GET /hello.txt HTTP/1.1" and a Host line at least; a status line
     * and a Content-Length header at least. */
    assert_true(last.wire_sent > 40);
    assert_true(last.wire_received > 14 + 40);
    assert_int_equal(total.requests, 2);
    assert_int_equal(total.body_bytes, 28);
    assert_int_equal(total.wire_sent, 2 * last.wire_sent);
    assert_int_equal(total.wire_received, 2 * last.wire_received);
    posix_transport_curl_stats_reset(&f->curl);
    assert_int_equal(posix_transport_curl_stats(&f->curl, NULL, &total), OTA_OK);
    assert_int_equal(total.requests, 0);
    assert_int_equal(total.wire_received, 0);
}

static void test_get_refuses_urls_that_are_not_http_or_https(void **state)
{
    fixture_t *f = *state;
    static const char *const bad[] = {
        "ftp://127.0.0.1/x.bin", "file:///etc/passwd", "gopher://127.0.0.1/", "127.0.0.1/x.bin", "http://", "",
        "http://exa mple.com/x"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(f->tp.get(f->tp.ctx, bad[i], NULL), OTA_ERR_URL);
    }
    /* Nothing was started: reading is a state error. */
    uint8_t b[4];
    assert_int_equal(f->tp.read(f->tp.ctx, b, sizeof b), OTA_ERR_STATE);
}

static void test_a_second_get_while_one_is_active_is_refused(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    assert_int_equal(f->tp.get(f->tp.ctx, url, NULL), OTA_OK);
    assert_int_equal(f->tp.get(f->tp.ctx, url, NULL), OTA_ERR_STATE);
    f->tp.close(f->tp.ctx);
    /* After close the transport is ready again, and closing twice is harmless. */
    f->tp.close(f->tp.ctx);
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(check_fetch(&f->tp, url, NULL, body, sizeof body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.len, 14);
}

static void test_closing_in_the_middle_of_a_body_leaves_the_transport_usable(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "big.bin");
    assert_int_equal(f->tp.get(f->tp.ctx, url, NULL), OTA_OK);
    ota_http_response_t resp;
    assert_int_equal(check_response_wait(&f->tp, &resp), OTA_OK);
    uint8_t chunk[1000];
    assert_true(f->tp.read(f->tp.ctx, chunk, sizeof chunk) > 0);
    f->tp.close(f->tp.ctx);
    fetch_big_and_compare(f, &nginx, 65536u);
}

static void test_fetch_to_buffer_returns_the_body_and_refuses_one_too_large(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    char body[14];
    size_t len = 99;
    ota_http_response_t resp;
    assert_int_equal(posix_transport_fetch_to_buffer(&f->tp, url, NULL, body, sizeof body, &len, &resp, 0), OTA_OK);
    assert_int_equal(len, 14);
    assert_int_equal(resp.status, 200);
    assert_memory_equal(body, "hello, device\n", 14);
    assert_int_equal(posix_transport_fetch_to_buffer(&f->tp, url, NULL, body, 13, &len, &resp, 0), OTA_ERR_TOO_LARGE);
    assert_int_equal(len, 0);
}

/* GET path from nginx's plain port with opt into body; the outcome. */
static int fetch_small(fixture_t *f, const char *path, const ota_http_options_t *opt, uint8_t *body, size_t cap,
                       check_result_t *r)
{
    char url[160];
    url_of(url, sizeof url, &nginx, path);
    return check_fetch(&f->tp, url, opt, body, cap, (uint32_t)cap, r);
}

static void test_every_redirect_status_nginx_sends_is_followed_to_the_file(void **state)
{
    static const char *const paths[] = { "r301/hello.txt", "r302/hello.txt", "r303/hello.txt", "r307/hello.txt",
                                         "r308/hello.txt" };
    ota_http_options_t opt = { .max_redirects = 1 };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        uint8_t body[64];
        check_result_t r;
        assert_int_equal(fetch_small(*state, paths[i], &opt, body, sizeof body, &r), OTA_OK);
        /* The final response's status and length, never the 3xx's. */
        assert_int_equal(r.resp.status, 200);
        assert_int_equal(r.resp.content_length, 14);
        assert_int_equal(r.len, 14);
        assert_memory_equal(body, "hello, device\n", 14);
    }
}

static void test_without_max_redirects_the_3xx_is_the_response(void **state)
{
    uint8_t body[512];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "r301/hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 301);
}

static void test_five_hops_are_followed_and_a_sixth_fails_with_REDIRECT(void **state)
{
    ota_http_options_t opt = { .max_redirects = 5 };
    uint8_t body[512];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "r301/r302/r307/r308/r303/hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.len, 14);
    assert_int_equal(fetch_small(*state, "r301/r302/r307/r308/r303/r301/hello.txt", &opt, body, sizeof body, &r),
                     OTA_ERR_REDIRECT);
    assert_int_equal(r.resp_err, OTA_ERR_REDIRECT);
    assert_int_equal(r.len, 0);
}

static void test_a_redirect_loop_fails_with_REDIRECT(void **state)
{
    ota_http_options_t opt = { .max_redirects = 5 };
    uint8_t body[512];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "loop", &opt, body, sizeof body, &r), OTA_ERR_REDIRECT);
    assert_int_equal(r.len, 0);
}

static void test_a_range_request_keeps_its_range_across_a_redirect(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "r307/big.bin");
    const uint32_t from = 2000003u;
    ota_http_options_t opt = { .range_start = from, .max_redirects = 1 };
    check_result_t r;
    assert_int_equal(check_fetch(&f->tp, url, &opt, got, BIG_SIZE, 65536u, &r), OTA_OK);
    assert_int_equal(r.resp.status, 206);
    assert_int_equal(r.len, BIG_SIZE - from);
    assert_memory_equal(got, big + from, BIG_SIZE - from);
}

static void test_a_redirect_from_http_up_to_https_is_followed(void **state)
{
    ota_http_options_t opt = { .max_redirects = 1, .trust_anchor = nginx.ca_file };
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "other/hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_memory_equal(body, "hello, device\n", 14);
}

/* ---- response headers and conditional requests ------------------------------ */

static void test_the_final_response_reports_its_validators_and_url(void **state)
{
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    /* nginx's strong ETag, quotes included, and its Last-Modified date */
    assert_true(strlen(r.resp.etag) > 2);
    assert_int_equal(r.resp.etag[0], '"');
    assert_int_equal(r.resp.etag[strlen(r.resp.etag) - 1], '"');
    assert_int_equal(strlen(r.resp.last_modified), 29);
    assert_non_null(strstr(r.resp.last_modified, " GMT"));
    assert_string_equal(r.resp.retry_after, "");
    assert_string_equal(r.resp.content_range, "");
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    assert_string_equal(r.resp.final_url, url);
    assert_int_equal(r.resp.truncated, 0);
}

static void test_a_redirect_reports_the_url_it_ended_at(void **state)
{
    ota_http_options_t opt = { .max_redirects = 2 };
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "r302/r307/hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    char url[128];
    url_of(url, sizeof url, &nginx, "hello.txt");
    assert_string_equal(r.resp.final_url, url);
    assert_true(r.resp.etag[0] == '"'); /* the file's, not a redirect's */
}

static void test_if_none_match_with_the_current_etag_gets_304_and_no_body(void **state)
{
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    char etag[OTA_HTTP_VALIDATOR_MAX + 1];
    strcpy(etag, r.resp.etag);

    ota_http_options_t opt = { .if_none_match = etag };
    assert_int_equal(fetch_small(*state, "hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 304);
    assert_int_equal(r.len, 0);
    assert_string_equal(r.resp.etag, etag);

    opt.if_none_match = "\"another\"";
    assert_int_equal(fetch_small(*state, "hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.len, 14);
}

static void test_if_modified_since_the_last_modified_date_gets_304(void **state)
{
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(*state, "hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    char date[OTA_HTTP_VALIDATOR_MAX + 1];
    strcpy(date, r.resp.last_modified);
    ota_http_options_t opt = { .if_modified_since = date };
    assert_int_equal(fetch_small(*state, "hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 304);
    assert_int_equal(r.len, 0);
    opt.if_modified_since = "Thu, 01 Jan 1970 00:00:00 GMT";
    assert_int_equal(fetch_small(*state, "hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
}

static void test_if_range_gets_the_tail_of_the_same_file_and_all_of_a_changed_one(void **state)
{
    fixture_t *f = *state;
    char url[128];
    url_of(url, sizeof url, &nginx, "big.bin");
    uint8_t body[64];
    check_result_t r;
    assert_int_equal(fetch_small(f, "hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    char hello_etag[OTA_HTTP_VALIDATOR_MAX + 1];
    strcpy(hello_etag, r.resp.etag);
    ota_http_options_t head = { .range_start = BIG_SIZE - 10u };
    assert_int_equal(check_fetch(&f->tp, url, &head, got, BIG_SIZE, 65536u, &r), OTA_OK);
    char etag[OTA_HTTP_VALIDATOR_MAX + 1];
    strcpy(etag, r.resp.etag);

    const uint32_t from = 1234567u;
    ota_http_options_t opt = { .range_start = from, .if_range = etag };
    assert_int_equal(check_fetch(&f->tp, url, &opt, got, BIG_SIZE, 65536u, &r), OTA_OK);
    assert_int_equal(r.resp.status, 206);
    char expect[OTA_HTTP_CONTENT_RANGE_MAX + 1];
    snprintf(expect, sizeof expect, "bytes %u-%u/%u", from, BIG_SIZE - 1u, BIG_SIZE);
    assert_string_equal(r.resp.content_range, expect);
    assert_memory_equal(got, big + from, BIG_SIZE - from);

    /* Another file's validator stands for a changed file: all of it, 200. */
    opt.if_range = hello_etag;
    assert_int_equal(check_fetch(&f->tp, url, &opt, got, BIG_SIZE, 65536u, &r), OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_string_equal(r.resp.content_range, "");
    assert_int_equal(r.len, BIG_SIZE);
    assert_memory_equal(got, big, BIG_SIZE);
}

/* The last n lines of nginx's access log (a static buffer). */
static const char *log_tail(int n)
{
    static char log[65536];
    assert_int_equal(test_server_access_log(&nginx, log, sizeof log), OTA_OK);
    size_t at = strlen(log);
    int ends = 0;
    while (at > 0 && !(log[at - 1] == '\n' && ++ends > n)) {
        at--;
    }
    return log + at;
}

static void test_consecutive_requests_share_one_connection_and_send_only_what_is_asked(void **state)
{
    uint8_t body[64];
    check_result_t r;
    ota_http_options_t opt = { .if_none_match = "\"x\"", .if_range = "\"y\"" };
    assert_int_equal(fetch_small(*state, "hello.txt", NULL, body, sizeof body, &r), OTA_OK);
    assert_int_equal(fetch_small(*state, "hello.txt", &opt, body, sizeof body, &r), OTA_OK);
    const char *tail = log_tail(2);
    unsigned c1, n1, c2, n2;
    const char *second = strchr(tail, '\n');
    assert_non_null(second);
    assert_int_equal(sscanf(tail, "%u %u", &c1, &n1), 2);
    assert_int_equal(sscanf(second + 1, "%u %u", &c2, &n2), 2);
    assert_int_equal(c2, c1);     /* the same connection */
    assert_int_equal(n2, n1 + 1); /* its next request */
    /* no Accept line; If-Range only with a Range */
    assert_non_null(strstr(second + 1, "inm=\"\\x22x\\x22\" ims=\"-\" ir=\"-\" range=\"-\" accept=\"-\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_200_delivers_the_whole_body_byte_for_byte,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_small_reads_deliver_the_same_bytes_in_order,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_reads_larger_than_the_body_deliver_it_exactly,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_python_http_server_serves_200_with_the_whole_body,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_404_is_reported_as_a_status_and_its_body_is_readable,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_range_start_asks_for_the_tail_and_gets_206, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_extra_headers_are_sent_with_the_request, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_an_empty_body_ends_at_once, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_counters_count_body_and_wire_bytes, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_get_refuses_urls_that_are_not_http_or_https,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_second_get_while_one_is_active_is_refused,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_closing_in_the_middle_of_a_body_leaves_the_transport_usable,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_fetch_to_buffer_returns_the_body_and_refuses_one_too_large,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_every_redirect_status_nginx_sends_is_followed_to_the_file,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_without_max_redirects_the_3xx_is_the_response,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_five_hops_are_followed_and_a_sixth_fails_with_REDIRECT,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_loop_fails_with_REDIRECT, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_range_request_keeps_its_range_across_a_redirect,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_from_http_up_to_https_is_followed,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_the_final_response_reports_its_validators_and_url,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_redirect_reports_the_url_it_ended_at, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_if_none_match_with_the_current_etag_gets_304_and_no_body,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_if_modified_since_the_last_modified_date_gets_304,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_if_range_gets_the_tail_of_the_same_file_and_all_of_a_changed_one,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_consecutive_requests_share_one_connection_and_send_only_what_is_asked,
                                        check_transport_setup_defaults, check_transport_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
