/*
 * The libcurl transport over HTTPS against a real nginx: one port with a
 * certificate signed by a fresh test CA, one with an unrelated self-signed
 * certificate for the same names, and one per certificate with a single
 * fault (expired, not yet valid, wrong name, unknown CA). A refusal must say
 * which fault it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <sys/socket.h>

#include "test_server.h"
#include "transport_check.h"
#include "transport_curl.h"

#define BODY_SIZE (1024u * 1024u + 7u)
#define NEVER_MS (3600u * 1000u) /* a connect timeout no test run reaches */

static check_file_t file;
static test_server_t nginx;
static uint8_t *body;
static uint8_t *got;

static int group_setup(void **state)
{
    (void)state;
    if (check_file_make(&file, "app.bin", BODY_SIZE, 7) != OTA_OK) {
        return -1;
    }
    body = file.data;
    got = file.got;
    return test_server_start(&nginx, TEST_SERVER_NGINX, file.docroot) == OTA_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&nginx);
    check_file_free(&file);
    return 0;
}

typedef check_transport_t fixture_t;

static int setup_default_ca(void **state)
{
    posix_transport_curl_config_t cfg = { .default_ca_file = nginx.ca_file };
    return check_transport_setup(state, &cfg);
}

/* GET base/app.bin with opt; return the outcome, checking the body on success. */
static int fetch_app(fixture_t *f, const char *base, const ota_http_options_t *opt)
{
    char url[128];
    assert_int_equal(test_server_url(url, sizeof url, base, "app.bin"), OTA_OK);
    check_result_t r;
    memset(got, 0, BODY_SIZE);
    int err = check_fetch(&f->tp, url, opt, got, BODY_SIZE, 65536u, &r);
    if (err == OTA_OK) {
        assert_int_equal(r.resp.status, 200);
        assert_int_equal(r.len, BODY_SIZE);
        assert_memory_equal(got, body, BODY_SIZE);
    } else {
        /* A refused handshake never yields a status or a body byte. */
        assert_int_equal(r.len, 0);
    }
    return err;
}

static void test_https_with_the_test_ca_is_verified_and_delivers_the_body(void **state)
{
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_OK);
}

static void test_https_to_localhost_matches_the_certificate_name(void **state)
{
    char base[TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "https://localhost:%d", nginx.tls_port);
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    assert_int_equal(fetch_app(*state, base, &opt), OTA_OK);
}

static void test_https_with_a_self_signed_certificate_is_refused(void **state)
{
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    assert_int_equal(fetch_app(*state, nginx.tls_self_url, &opt), OTA_ERR_TLS_SELF_SIGNED);
    fixture_t *f = *state;
    assert_true(strlen(posix_transport_curl_error_text(&f->curl)) > 0);
}

static void test_https_with_a_self_signed_certificate_is_accepted_when_insecure(void **state)
{
    ota_http_options_t opt = { .insecure = true };
    assert_int_equal(fetch_app(*state, nginx.tls_self_url, &opt), OTA_OK);
}

static void test_https_without_a_ca_file_refuses_the_test_ca(void **state)
{
    /* libcurl's default bundle (the system's) does not know our test CA. */
    assert_int_equal(fetch_app(*state, nginx.tls_url, NULL), OTA_ERR_TLS_UNKNOWN_ISSUER);
}

static void test_https_with_another_ca_file_is_refused(void **state)
{
    ota_http_options_t opt = { .trust_anchor = nginx.self_cert };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_ERR_TLS_UNKNOWN_ISSUER);
}

static void test_https_with_a_missing_ca_file_is_refused(void **state)
{
    /* Not the certificate's fault: the generic code. */
    ota_http_options_t opt = { .trust_anchor = "/nonexistent/sysota-ca.pem" };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_ERR_TLS);
}

static void test_https_checks_the_host_name_not_only_the_chain(void **state)
{
    /* The same server through its IPv4-mapped IPv6 address: the chain is
     * valid, but the certificate names only 127.0.0.1 and localhost. */
    char base[TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "https://[::ffff:127.0.0.1]:%d", nginx.tls_port);
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    int err = fetch_app(*state, base, &opt);
    if (err == OTA_ERR_NET) {
        skip(); /* no IPv6 socket support here */
    }
    assert_int_equal(err, OTA_ERR_TLS_NAME);
    opt.insecure = true;
    assert_int_equal(fetch_app(*state, base, &opt), OTA_OK);
}

static void test_the_configured_default_ca_file_is_used_when_a_request_gives_none(void **state)
{
    assert_int_equal(fetch_app(*state, nginx.tls_url, NULL), OTA_OK);
    /* A request's own CA file still wins over the default. */
    ota_http_options_t opt = { .trust_anchor = nginx.self_cert };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_ERR_TLS_UNKNOWN_ISSUER);
}

static void test_https_to_a_plain_http_port_is_a_tls_error(void **state)
{
    char base[TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "https://127.0.0.1:%d", nginx.port);
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    assert_int_equal(fetch_app(*state, base, &opt), OTA_ERR_TLS);
}

static void test_a_handshake_the_server_never_answers_keeps_response_returning(void **state)
{
    /* A listener that never accepts: the kernel completes the TCP
     * connection, the ClientHello sits unread, no ServerHello ever comes. */
    fixture_t *f = *state;
    check_peer_t peer;
    check_peer_listen(&peer, "https");
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file, .connect_timeout_ms = NEVER_MS };
    assert_int_equal(f->tp.get(f->tp.ctx, peer.url, &opt), OTA_OK);
    check_again(&f->tp, false, 50);
    f->tp.close(f->tp.ctx);
    check_peer_close(&peer);
}

static void test_the_client_hello_is_not_padded_to_512_bytes(void **state)
{
    /* OpenSSL's padding would make the record exactly 512 bytes long; ours
     * is only what the hello needs. */
    fixture_t *f = *state;
    check_peer_t peer;
    check_peer_listen(&peer, "https");
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file, .connect_timeout_ms = NEVER_MS };
    assert_int_equal(f->tp.get(f->tp.ctx, peer.url, &opt), OTA_OK);
    while ((peer.fd = accept4(peer.lfd, NULL, NULL, SOCK_NONBLOCK)) < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        check_again(&f->tp, false, 1);
    }
    uint8_t head[5];
    size_t have = 0;
    while (have < sizeof head) {
        ssize_t n = recv(peer.fd, head + have, sizeof head - have, 0);
        if (n > 0) {
            have += (size_t)n;
        } else {
            assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            check_again(&f->tp, false, 1);
        }
    }
    assert_int_equal(head[0], 0x16); /* a handshake record */
    unsigned len = (unsigned)head[3] << 8 | head[4];
    printf("ClientHello record: %u bytes\n", len);
    assert_true(len < 480);
    f->tp.close(f->tp.ctx);
    check_peer_close(&peer);
}

static void test_https_range_gets_206_and_the_tail(void **state)
{
    fixture_t *f = *state;
    char url[128];
    assert_int_equal(test_server_url(url, sizeof url, nginx.tls_url, "/app.bin"), OTA_OK);
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file, .range_start = BODY_SIZE - 1000u };
    check_result_t r;
    assert_int_equal(check_fetch(&f->tp, url, &opt, got, BODY_SIZE, 4096u, &r), OTA_OK);
    assert_int_equal(r.resp.status, 206);
    assert_int_equal(r.len, 1000);
    assert_memory_equal(got, body + BODY_SIZE - 1000u, 1000);
}

static void test_a_refused_certificate_does_not_poison_the_next_request(void **state)
{
    ota_http_options_t bad = { .trust_anchor = nginx.self_cert };
    ota_http_options_t good = { .trust_anchor = nginx.ca_file };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &bad), OTA_ERR_TLS_UNKNOWN_ISSUER);
    assert_int_equal(fetch_app(*state, nginx.tls_url, &good), OTA_OK);
    /* And a verified connection is not reused for a request that would
     * have refused it. */
    assert_int_equal(fetch_app(*state, nginx.tls_url, &bad), OTA_ERR_TLS_UNKNOWN_ISSUER);
}

static void test_each_faulty_certificate_is_refused_with_its_reason(void **state)
{
    static const int want[TEST_CERT_BAD_COUNT] = {
        [TEST_CERT_EXPIRED] = OTA_ERR_TLS_EXPIRED,
        [TEST_CERT_NOT_YET_VALID] = OTA_ERR_TLS_NOT_YET_VALID,
        [TEST_CERT_WRONG_NAME] = OTA_ERR_TLS_NAME,
        [TEST_CERT_UNKNOWN_CA] = OTA_ERR_TLS_UNKNOWN_ISSUER,
    };
    fixture_t *f = *state;
    for (int i = 0; i < TEST_CERT_BAD_COUNT; i++) {
        ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
        int err = fetch_app(f, nginx.tls_bad_url[i], &opt);
        if (err != want[i]) {
            fail_msg("%s: %s (%s), want %s", nginx.tls_bad_url[i], ota_err_name(err),
                     posix_transport_curl_error_text(&f->curl), ota_err_name(want[i]));
        }
        /* A caller that only asks "was it TLS?" still gets yes. */
        assert_true(ota_err_is_tls(err));
        /* The certificate is the only fault: without verification it serves. */
        opt.insecure = true;
        assert_int_equal(fetch_app(f, nginx.tls_bad_url[i], &opt), OTA_OK);
    }
}

static void test_every_tls_failure_and_only_those_count_as_tls(void **state)
{
    (void)state;
    static const int tls[] = { OTA_ERR_TLS,      OTA_ERR_TLS_EXPIRED,        OTA_ERR_TLS_NOT_YET_VALID,
                               OTA_ERR_TLS_NAME, OTA_ERR_TLS_UNKNOWN_ISSUER, OTA_ERR_TLS_SELF_SIGNED };
    for (size_t i = 0; i < sizeof tls / sizeof tls[0]; i++) {
        assert_true(ota_err_is_tls(tls[i]));
        assert_string_not_equal(ota_err_name(tls[i]), "OTA_ERR_?");
    }
    /* Refusing plain http, or a redirect to it, is policy, not a TLS failure. */
    static const int other[] = {
        OTA_OK,           OTA_ERR_NET,      OTA_ERR_TIMEOUT, OTA_ERR_TLS_REQUIRED, OTA_ERR_HTTP_STATUS,
        OTA_ERR_REDIRECT, OTA_ERR_MANIFEST, OTA_ERR_NO_IMAGE
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        assert_false(ota_err_is_tls(other[i]));
    }
}

static void test_a_redirect_from_https_down_to_http_is_refused(void **state)
{
    /* nginx's TLS port sends /other/app.bin to its plain port. */
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file, .max_redirects = 5 };
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_OK); /* the server is fine */
    char base[2 * TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "%s/other", nginx.tls_url);
    assert_int_equal(fetch_app(*state, base, &opt), OTA_ERR_REDIRECT);
    /* Through an https redirect first: still refused at the downgrade. */
    snprintf(base, sizeof base, "%s/r301/other", nginx.tls_url);
    assert_int_equal(fetch_app(*state, base, &opt), OTA_ERR_REDIRECT);
    /* The refusal leaves the transport fit for the next request. */
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_OK);
}

/* The last two lines of nginx's access log: the connection serial number
 * and the session-reused flag ('r' or '.') of each. */
static void last_two_requests(unsigned conn[2], char reused[2])
{
    static char log[65536];
    assert_int_equal(test_server_access_log(&nginx, log, sizeof log), OTA_OK);
    size_t at = strlen(log);
    int ends = 0;
    while (at > 0 && !(log[at - 1] == '\n' && ++ends > 2)) {
        at--;
    }
    unsigned n;
    assert_int_equal(sscanf(log + at, "%u %u %c", &conn[0], &n, &reused[0]), 3);
    const char *second = strchr(log + at, '\n');
    assert_non_null(second);
    assert_int_equal(sscanf(second + 1, "%u %u %c", &conn[1], &n, &reused[1]), 3);
}

static void test_a_new_connection_to_the_same_server_resumes_the_tls_session(void **state)
{
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file };
    char closing[2 * TEST_SERVER_URL_MAX];
    snprintf(closing, sizeof closing, "%s/close", nginx.tls_url);
    /* The server closes the first connection after its answer, as it would
     * between two polls an hour apart. */
    assert_int_equal(fetch_app(*state, closing, &opt), OTA_OK);
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_OK);
    unsigned conn[2];
    char reused[2];
    last_two_requests(conn, reused);
    assert_int_not_equal(conn[1], conn[0]);
    assert_int_equal(reused[0], '.'); /* a fresh transport: a full handshake */
    assert_int_equal(reused[1], 'r'); /* then an abbreviated one */
}

static void test_tls_sessions_outlive_a_request_that_ended_on_a_refused_redirect(void **state)
{
    ota_http_options_t opt = { .trust_anchor = nginx.ca_file, .max_redirects = 5 };
    char closing[2 * TEST_SERVER_URL_MAX], down[2 * TEST_SERVER_URL_MAX];
    snprintf(closing, sizeof closing, "%s/close", nginx.tls_url);
    snprintf(down, sizeof down, "%s/other", nginx.tls_url);
    assert_int_equal(fetch_app(*state, closing, &opt), OTA_OK);
    /* libcurl cannot reuse the handle of a transfer that ended like this
     * one: the transport takes a fresh one, and its sessions must not go
     * with the old one. */
    assert_int_equal(fetch_app(*state, down, &opt), OTA_ERR_REDIRECT);
    assert_int_equal(fetch_app(*state, closing, &opt), OTA_OK);
    assert_int_equal(fetch_app(*state, nginx.tls_url, &opt), OTA_OK);
    unsigned conn[2];
    char reused[2];
    last_two_requests(conn, reused);
    assert_int_not_equal(conn[1], conn[0]);
    assert_int_equal(reused[1], 'r');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_https_with_the_test_ca_is_verified_and_delivers_the_body,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_new_connection_to_the_same_server_resumes_the_tls_session,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_the_client_hello_is_not_padded_to_512_bytes,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_tls_sessions_outlive_a_request_that_ended_on_a_refused_redirect,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_to_localhost_matches_the_certificate_name,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_with_a_self_signed_certificate_is_refused,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_with_a_self_signed_certificate_is_accepted_when_insecure,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_without_a_ca_file_refuses_the_test_ca,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_with_another_ca_file_is_refused, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_with_a_missing_ca_file_is_refused, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_checks_the_host_name_not_only_the_chain,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_the_configured_default_ca_file_is_used_when_a_request_gives_none,
                                        setup_default_ca, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_to_a_plain_http_port_is_a_tls_error, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_handshake_the_server_never_answers_keeps_response_returning,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_https_range_gets_206_and_the_tail, check_transport_setup_defaults,
                                        check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_a_refused_certificate_does_not_poison_the_next_request,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test_setup_teardown(test_each_faulty_certificate_is_refused_with_its_reason,
                                        check_transport_setup_defaults, check_transport_teardown),
        cmocka_unit_test(test_every_tls_failure_and_only_those_count_as_tls),
        cmocka_unit_test_setup_teardown(test_a_redirect_from_https_down_to_http_is_refused,
                                        check_transport_setup_defaults, check_transport_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
