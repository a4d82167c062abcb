/*
 * The OTA service over the real libcurl transport against real servers on
 * loopback: nginx (HTTP, HTTPS with a test CA made at test time, HTTPS with
 * a self-signed certificate), python3 -m http.server (the server Microchip's guide suggests)
 * and bad_server.py (cuts, stalls, error statuses). Each case checks the
 * event and reason, and that nothing unverified is published.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svc_fixture.h"
#include "ota_imgdb.h"
#include "test_server.h"
#include "transport_curl.h"

static char docroot[TEST_SERVER_PATH_MAX];
static test_server_t nginx, pyhttp, bad;
static uint8_t img[10][FIX_IMAGE_SIZE];

static int group_setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(docroot, sizeof docroot, "svc-docroot") != OTA_OK) {
        return -1;
    }
    for (uint32_t v = 1; v < 10; v++) {
        char name[32];
        fix_image(v, img[v], FIX_IMAGE_SIZE);
        snprintf(name, sizeof name, "app_v%u.bin", (unsigned)v);
        if (test_file_write(docroot, name, img[v], FIX_IMAGE_SIZE, NULL, 0) != OTA_OK) {
            return -1;
        }
    }
    if (test_server_start(&nginx, TEST_SERVER_NGINX, docroot) != OTA_OK ||
        test_server_start(&pyhttp, TEST_SERVER_PY_HTTP, docroot) != OTA_OK ||
        test_server_start(&bad, TEST_SERVER_BAD, docroot) != OTA_OK) {
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&nginx);
    test_server_stop(&pyhttp);
    test_server_stop(&bad);
    test_tmpdir_remove(docroot);
    return 0;
}

typedef struct h {
    svc_fix_t f;
    posix_transport_curl_t curl;
    posix_system_t still; /* the transport's idle clock: never moves */
    ota_system_t still_port;
    char mf_url[256];
    char urls[8][256];
} h_t;

/* A connect timeout no test run reaches. */
#define NEVER_MS (3600u * 1000u)

/*
 * The service on the real clock with the real transport. No healthy
 * transfer here may fail because a busy machine starved it for a while: the
 * service has no timeouts (a test that wants one sets it), the transport's
 * idle timeout runs on a clock that never moves, and connecting may take
 * as long as it takes.
 */
static h_t *h_attach(h_t *h)
{
    assert_int_equal(posix_system_init(&h->f.dev.sys_posix, 3), OTA_OK);
    assert_int_equal(posix_system_set_log(&h->f.dev.sys_posix, getenv("SVC_LOG") ? OTA_LOG_DEBUG : OTA_LOG_ERROR, "svc",
                                          true, NULL, NULL),
                     OTA_OK);
    posix_system_init(&h->still, 3);
    posix_system_fake_clock(&h->still, 0);
    posix_system_port(&h->still, &h->still_port);
    posix_transport_curl_config_t tcfg = { .clock = &h->still_port };
    assert_int_equal(posix_transport_curl_init(&h->curl, &tcfg, &h->f.tp), OTA_OK);
    fix_config(&h->f, h->mf_url);
    h->f.cfg.connect_timeout_ms = NEVER_MS;
    h->f.cfg.idle_timeout_ms = 0;
    h->f.cfg.manifest_timeout_ms = 0;
    h->f.cfg.download_timeout_ms = 0;
    return h;
}

static h_t *h_open(uint32_t golden)
{
    h_t *h = calloc(1, sizeof *h);
    assert_non_null(h);
    fix_open(&h->f, golden);
    return h_attach(h);
}

static void h_close(h_t *h)
{
    posix_transport_curl_deinit(&h->curl);
    fix_close(&h->f);
    free(h);
}

/* Write a manifest named `name` into the docroot and point the service at base/name. */
static void h_manifest(h_t *h, const char *base, const char *name, const char *json)
{
    assert_int_equal(test_file_write(docroot, name, json, strlen(json), NULL, 0), OTA_OK);
    assert_int_equal(test_server_url(h->mf_url, sizeof h->mf_url, base, name), OTA_OK);
}

/* {"ota": [...]} of versions (negative: EraseVer) whose URLs are base/app_v<N>.bin. */
static void h_manifest_of(h_t *h, const char *base, const char *name, int n, const int *versions)
{
    char json[4096];
    size_t len = (size_t)snprintf(json, sizeof json, "{\"ota\": [");
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(versions[i] < 0 ? -versions[i] : versions[i]);
        char url[256], file[32];
        snprintf(file, sizeof file, "app_v%u.bin", (unsigned)v);
        test_server_url(url, sizeof url, base, file);
        len += (size_t)fix_entry(json + len, sizeof json - len, v, url, versions[i] < 0);
        if (i + 1 < n) {
            json[len++] = ',';
        }
    }
    snprintf(json + len, sizeof json - len, "]}");
    h_manifest(h, base, name, json);
}

/* A manifest at base/name with one entry: version v served at url (any path). */
static void h_manifest_url_at(h_t *h, const char *base, const char *name, uint32_t v, const char *url)
{
    char json[1024];
    int n = snprintf(json, sizeof json, "{\"ota\": [");
    n += fix_entry(json + n, sizeof json - (size_t)n, v, url, false);
    snprintf(json + n, sizeof json - (size_t)n, "]}");
    h_manifest(h, base, name, json);
}

/* The same, the manifest served by nginx over plain HTTP. */
static void h_manifest_url(h_t *h, const char *name, uint32_t v, const char *url)
{
    h_manifest_url_at(h, nginx.url, name, v, url);
}

static void h_check(h_t *h)
{
    fix_start(&h->f);
    assert_int_equal(ota_service_check_now(&h->f.svc), OTA_OK);
    fix_run(&h->f, 0);
}

static bool stored_is(h_t *h, const char *name, uint32_t v)
{
    static uint8_t buf[FIX_IMAGE_SIZE + 1];
    const ota_store_t *st = &h->f.dev.store;
    int fh = st->open(st->ctx, name, OTA_STORE_READ), n;
    uint32_t got = 0;
    if (fh < 0) {
        return false;
    }
    while ((n = st->read(st->ctx, fh, buf + got, sizeof buf - got)) > 0) {
        got += (uint32_t)n;
    }
    st->close(st->ctx, fh);
    return got == FIX_IMAGE_SIZE && memcmp(buf, img[v], FIX_IMAGE_SIZE) == 0;
}

static void assert_ready(h_t *h, uint32_t v)
{
    char name[32];
    snprintf(name, sizeof name, "app_v%u.bin", (unsigned)v);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_UPDATE_READY)->version, v);
    assert_true(stored_is(h, name, v));
    ota_db_t db = fix_db(&h->f);
    assert_int_equal(ota_db_find_version(&db, v)->status, OTA_STATUS_DOWNLOADED);
    assert_int_equal(fix_record(&h->f).status, OTA_STATUS_DISABLED);
    assert_int_equal(fix_temp_files(&h->f), 0);
}

static void assert_unpublished(h_t *h, uint32_t v)
{
    char name[32];
    snprintf(name, sizeof name, "app_v%u.bin", (unsigned)v);
    ota_db_t db = fix_db(&h->f);
    assert_null(ota_db_find_version(&db, v));
    assert_false(fix_store_has(&h->f, name, NULL));
    assert_int_equal(fix_record(&h->f).status, OTA_STATUS_VALID);
    assert_int_equal(fix_find(&h->f, OTA_EVENT_UPDATE_READY, 0), -1);
    assert_int_equal(posix_system_reset_requested(&h->f.dev.sys_posix), 0);
}

/* A good https manifest offering v6 at image_url: the download fails with
 * reason and leaves nothing behind. */
static void h_image_refused(h_t *h, const char *image_url, int reason)
{
    fix_clear_events(&h->f);
    h_manifest_url_at(h, nginx.tls_url, "image.json", 6, image_url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, reason);
    assert_unpublished(h, 6);
    assert_int_equal(fix_temp_files(&h->f), 0);
}

static char *tmp_of(uint32_t v, char out[40])
{
    char hex[65];
    fix_digest_hex(v, FIX_IMAGE_SIZE, hex);
    snprintf(out, 40, ".dl_%u_%.8s.tmp", (unsigned)v, hex);
    return out;
}

/* ------------------------------------------------------------------------ */

static void test_nginx_http_no_update_when_only_the_running_version_is_offered(void **state)
{
    (void)state;
    h_t *h = h_open(3);
    int v[] = { 1, 3 };
    h_manifest_of(h, nginx.url, "none.json", 2, v);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_NO_UPDATE)->reason, OTA_OK);
    assert_int_equal(fix_db(&h->f).count, 1);
    h_close(h);
}

static void test_nginx_http_update_to_the_highest_of_several_entries_then_reset(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 3, 6, 2 };
    h_manifest_of(h, nginx.url, "multi.json", 3, v);
    h_check(h);
    assert_ready(h, 6);
    assert_false(fix_store_has(&h->f, "app_v3.bin", NULL));
    assert_int_equal(posix_system_reset_requested(&h->f.dev.sys_posix), 1);
    h_close(h);
}

/* The connection serial numbers of nginx's last n requests, oldest first. */
static void last_connections(unsigned *conn, int n)
{
    static char log[1 << 20];
    assert_int_equal(test_server_access_log(&nginx, log, sizeof log), OTA_OK);
    size_t at = strlen(log);
    int ends = 0;
    while (at > 0 && !(log[at - 1] == '\n' && ++ends > n)) {
        at--;
    }
    const char *line = log + at;
    for (int i = 0; i < n; i++) {
        assert_int_equal(sscanf(line, "%u", &conn[i]), 1);
        line = strchr(line, '\n') + 1;
    }
}

static void test_a_checks_manifest_and_image_travel_on_one_connection(void **state)
{
    (void)state;
    const char *bases[] = { nginx.url, nginx.tls_url };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        h_t *h = h_open(1);
        h->f.cfg.trust_anchor = nginx.ca_file;
        int v[] = { 6 };
        h_manifest_of(h, bases[i], "one.json", 1, v);
        h_check(h);
        assert_ready(h, 6);
        unsigned conn[2];
        last_connections(conn, 2); /* the manifest's GET, then the image's */
        assert_int_equal(conn[1], conn[0]);
        h_close(h);
    }
}

static void test_nginx_https_with_the_test_ca_and_tls_required_updates(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 6 };
    h_manifest_of(h, nginx.tls_url, "tls.json", 1, v);
    h->f.cfg.require_tls = true;
    h->f.cfg.trust_anchor = nginx.ca_file;
    h_check(h);
    assert_ready(h, 6);
    h_close(h);
}

static void test_https_with_a_self_signed_or_wrong_ca_certificate_is_refused(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 6 };
    h_manifest_of(h, nginx.tls_self_url, "self.json", 1, v);
    h->f.cfg.trust_anchor = nginx.ca_file;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TLS_SELF_SIGNED);

    /* the CA-signed server checked against an unrelated certificate as CA */
    fix_clear_events(&h->f);
    h_manifest_of(h, nginx.tls_url, "self.json", 1, v);
    h->f.cfg.trust_anchor = nginx.self_cert;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TLS_UNKNOWN_ISSUER);

    /* a good manifest naming an image on the self-signed server */
    char url[256];
    test_server_url(url, sizeof url, nginx.tls_self_url, "app_v6.bin");
    h->f.cfg.trust_anchor = nginx.ca_file;
    h_image_refused(h, url, OTA_ERR_TLS_SELF_SIGNED);
    h_close(h);
}

static void test_a_refused_certificate_is_reported_with_its_reason(void **state)
{
    (void)state;
    static const int want[TEST_CERT_BAD_COUNT] = {
        [TEST_CERT_EXPIRED] = OTA_ERR_TLS_EXPIRED,
        [TEST_CERT_NOT_YET_VALID] = OTA_ERR_TLS_NOT_YET_VALID,
        [TEST_CERT_WRONG_NAME] = OTA_ERR_TLS_NAME,
        [TEST_CERT_UNKNOWN_CA] = OTA_ERR_TLS_UNKNOWN_ISSUER,
    };
    h_t *h = h_open(1);
    h->f.cfg.require_tls = true;
    h->f.cfg.trust_anchor = nginx.ca_file;
    int v[] = { 6 };
    for (int i = 0; i < TEST_CERT_BAD_COUNT; i++) {
        fix_clear_events(&h->f);
        h_manifest_of(h, nginx.tls_bad_url[i], "cert.json", 1, v);
        h_check(h);
        assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, want[i]);
        assert_int_equal(ota_service_last_error(&h->f.svc), want[i]);
    }

    /* a good manifest whose image sits behind an expired certificate */
    char url[256];
    test_server_url(url, sizeof url, nginx.tls_bad_url[TEST_CERT_EXPIRED], "app_v6.bin");
    h_image_refused(h, url, OTA_ERR_TLS_EXPIRED);
    h_close(h);
}

static void test_require_tls_refuses_a_plain_http_manifest(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 6 };
    h_manifest_of(h, nginx.url, "plain.json", 1, v);
    h->f.cfg.require_tls = true;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TLS_REQUIRED);
    h_close(h);
}

static void test_python_http_server_as_in_the_seed_serves_an_update(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 3, 6 };
    h_manifest_of(h, pyhttp.url, "py.json", 2, v);
    h_check(h);
    assert_ready(h, 6);
    h_close(h);
}

static void test_erase_ver_removes_a_stored_version_over_nginx(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    fix_store_image(&h->f, 4, NULL, OTA_STATUS_VALID);
    int v[] = { -4, -1 };
    h_manifest_of(h, nginx.url, "erase.json", 2, v);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_IMAGE_ERASED)->version, 4);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_IMAGE_ERASE_FAILED)->version, 1);
    assert_false(fix_store_has(&h->f, "app_v4.bin", NULL));
    assert_true(fix_store_has(&h->f, OTA_GOLDEN_NAME, NULL));
    h_close(h);
}

static void test_auto_update_off_then_download_now_and_auto_reset_off_then_reset_now(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 5 };
    h_manifest_of(h, nginx.url, "manual.json", 1, v);
    h->f.cfg.auto_update = false;
    h->f.cfg.auto_reset = false;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_UPDATE_AVAILABLE)->version, 5);
    assert_int_equal(ota_service_state(&h->f.svc), OTA_SERVICE_AVAILABLE);
    assert_unpublished(h, 5);
    assert_int_equal(ota_service_download_now(&h->f.svc), OTA_OK);
    fix_run(&h->f, 0);
    assert_ready(h, 5);
    assert_int_equal(ota_service_state(&h->f.svc), OTA_SERVICE_READY);
    assert_int_equal(posix_system_reset_requested(&h->f.dev.sys_posix), 0);
    assert_int_equal(ota_service_reset_now(&h->f.svc), OTA_OK);
    assert_int_equal(posix_system_reset_requested(&h->f.dev.sys_posix), 1);
    h_close(h);
}

static void test_a_digest_mismatch_over_nginx_publishes_nothing(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char url[256];
    test_server_url(url, sizeof url, nginx.url, "app_v7.bin"); /* v7's bytes under v6's digest */
    h_manifest_url(h, "mismatch.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_VERIFY_FAILED)->reason, OTA_ERR_DIGEST);
    assert_unpublished(h, 6);
    assert_false(fix_store_has(&h->f, "app_v7.bin", NULL));
    assert_int_equal(fix_temp_files(&h->f), 0);
    h_close(h);
}

static void test_404_and_500_fail_with_HTTP_STATUS(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    test_server_url(h->mf_url, sizeof h->mf_url, nginx.url, "no-such-manifest.json");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_HTTP_STATUS);

    fix_clear_events(&h->f);
    char url[256];
    test_server_url(url, sizeof url, nginx.url, "missing/app_v6.bin");
    h_manifest_url(h, "404.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    assert_unpublished(h, 6);

    fix_clear_events(&h->f);
    test_server_url(url, sizeof url, bad.url, "status/500/app_v6.bin");
    h_manifest_url(h, "500.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    assert_unpublished(h, 6);
    assert_int_equal(fix_temp_files(&h->f), 0);

    fix_clear_events(&h->f);
    test_server_url(h->mf_url, sizeof h->mf_url, bad.url, "status/500/none.json");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    h_close(h);
}

static void test_a_connection_cut_mid_body_then_resume_with_range_from_nginx(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char url[256], tmp[40];
    uint32_t size = 0;
    test_server_url(url, sizeof url, bad.url, "cut/app_v6.bin?after=8000");
    h_manifest_url(h, "cut.json", 6, url);
    h_check(h);
    int reason = fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason;
    assert_true(reason == OTA_ERR_SHORT_BODY || reason == OTA_ERR_NET);
    assert_unpublished(h, 6);
    assert_true(fix_store_has(&h->f, tmp_of(6, tmp), &size));
    assert_int_equal(size, 8000);

    /* same version and digest, now from nginx: only the rest travels */
    fix_clear_events(&h->f);
    test_server_url(url, sizeof url, nginx.url, "app_v6.bin");
    h_manifest_url(h, "resume.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_START)->done, 8000);
    posix_transport_curl_stats_t last;
    posix_transport_curl_stats(&h->curl, &last, NULL);
    assert_int_equal(last.body_bytes, FIX_IMAGE_SIZE - 8000);
    assert_ready(h, 6);
    h_close(h);
}

static void test_resume_from_python_http_server_falls_back_to_a_full_download(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char url[256], tmp[40];
    fix_store_write(&h->f, tmp_of(6, tmp), img[6], 5000); /* left by a cut */
    test_server_url(url, sizeof url, pyhttp.url, "app_v6.bin");
    h_manifest_url(h, "pyresume.json", 6, url);
    h_check(h);
    posix_transport_curl_stats_t last;
    posix_transport_curl_stats(&h->curl, &last, NULL);
    assert_int_equal(last.body_bytes, FIX_IMAGE_SIZE); /* no Range support: 200, all of it */
    assert_ready(h, 6);
    h_close(h);
}

static void test_an_unchanged_manifest_is_answered_304_by_nginx_and_python_http_server(void **state)
{
    (void)state;
    const char *bases[] = { nginx.url, nginx.tls_url, pyhttp.url };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        h_t *h = h_open(3);
        h->f.cfg.full_check_every = 0;
        h->f.cfg.trust_anchor = nginx.ca_file;
        int v[] = { 1, 3 };
        h_manifest_of(h, bases[i], "unchanged.json", 2, v);
        h_check(h);
        assert_false(fix_event(&h->f, OTA_EVENT_NO_UPDATE)->not_modified);
        fix_clear_events(&h->f);
        h_check(h);
        assert_true(fix_event(&h->f, OTA_EVENT_NO_UPDATE)->not_modified);
        posix_transport_curl_stats_t last;
        posix_transport_curl_stats(&h->curl, &last, NULL);
        assert_int_equal(last.requests, 1);
        assert_int_equal(last.body_bytes, 0);
        h_close(h);
    }
}

/* nginx's ETag of docroot/name. */
static void nginx_etag(h_t *h, const char *name, char out[OTA_HTTP_VALIDATOR_MAX + 1])
{
    char url[256];
    uint8_t body[FIX_IMAGE_SIZE];
    size_t len;
    ota_http_response_t r;
    test_server_url(url, sizeof url, nginx.url, name);
    assert_int_equal(posix_transport_fetch_to_buffer(&h->f.tp, url, NULL, body, sizeof body, &len, &r, 0), OTA_OK);
    assert_true(r.etag[0] == '"');
    memcpy(out, r.etag, sizeof r.etag);
}

/* The first 8000 bytes of v6 from bad_server under ETag etag (quotes
 * included), then the resume from nginx: the body bytes that second GET
 * brought. */
static uint32_t resume_from_nginx_after_a_cut_under(h_t *h, const char *etag)
{
    char url[512], tag[OTA_HTTP_VALIDATOR_MAX + 1];
    snprintf(tag, sizeof tag, "%.*s", (int)strlen(etag) - 2, etag + 1);
    snprintf(url, sizeof url, "%s/cut/app_v6.bin?after=8000&h=ETag:%%22%s%%22", bad.url, tag);
    h_manifest_url(h, "cut.json", 6, url);
    h_check(h);
    assert_int_equal(fix_find(&h->f, OTA_EVENT_DOWNLOAD_FAILED, 0) >= 0, 1);
    fix_clear_events(&h->f);
    test_server_url(url, sizeof url, nginx.url, "app_v6.bin");
    h_manifest_url(h, "resume.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_START)->done, 8000);
    assert_ready(h, 6);
    posix_transport_curl_stats_t last;
    posix_transport_curl_stats(&h->curl, &last, NULL);
    return (uint32_t)last.body_bytes;
}

static void test_nginx_honours_if_range_the_rest_of_the_same_file_or_all_of_a_changed_one(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char etag[OTA_HTTP_VALIDATOR_MAX + 1];
    nginx_etag(h, "app_v6.bin", etag);
    /* The part came under nginx's own ETag: 206, the rest only. */
    assert_int_equal(resume_from_nginx_after_a_cut_under(h, etag), FIX_IMAGE_SIZE - 8000);
    h_close(h);
    /* Under another one: the file is not the one the part came from, so
     * nginx sends all of it and the download starts over. */
    h = h_open(1);
    assert_int_equal(resume_from_nginx_after_a_cut_under(h, "\"5f000000-4e20\""), FIX_IMAGE_SIZE);
    h_close(h);
}

static void test_a_stalled_server_times_out(void **state)
{
    (void)state;
    /* The servers stay silent until they are stopped, so however long the
     * machine takes, the only possible end is the service's idle timeout. */
    h_t *h = h_open(1);
    h->f.cfg.idle_timeout_ms = 300;
    char url[256];
    test_server_url(url, sizeof url, bad.url, "stall/app_v6.bin?after=4000");
    h_manifest_url(h, "stall.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TIMEOUT);
    assert_unpublished(h, 6);

    /* a server that never answers the manifest request */
    fix_clear_events(&h->f);
    test_server_url(h->mf_url, sizeof h->mf_url, bad.url, "silent/x.json");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TIMEOUT);
    h_close(h);
}

static void test_manifest_problems_fail_the_check_with_their_reason(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char big[OTA_MANIFEST_MAX_SIZE + 200];
    memset(big, ' ', sizeof big);
    memcpy(big, "{\"ota\": []", 10);
    big[sizeof big - 2] = '}';
    big[sizeof big - 1] = '\0';
    h_manifest(h, nginx.url, "big.json", big);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TOO_LARGE);

    fix_clear_events(&h->f);
    h_manifest(h, nginx.url, "broken.json", "{\"ota\": [ {\"Version\": 6,, } ]");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_JSON);

    fix_clear_events(&h->f);
    h_manifest(h, nginx.url, "shortdigest.json",
               "{\"ota\": [{\"Version\": 6, \"URL\": \"http://127.0.0.1:1/app_v6.bin\", "
               "\"Digest\": \"885189cbb24b7b1a0175deef9d5d61f53c247d89a095b5a3686f54ca2d5dfba\"}]}");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_ENTRY);

    static const char *urls[] = { "http://127.0.0.1/a/..", "http://127.0.0.1/" };
    for (unsigned i = 0; i < 2; i++) {
        fix_clear_events(&h->f);
        h_manifest_url(h, "badurl.json", 6, urls[i]);
        h_check(h);
        int reason = fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason;
        assert_true(reason == OTA_ERR_URL || reason == OTA_ERR_NAME);
    }
    assert_unpublished(h, 6);
    h_close(h);
}

static void test_a_full_or_failing_store_fails_the_download_cleanly(void **state)
{
    (void)state;
    h_t *h = calloc(1, sizeof *h);
    assert_non_null(h);
    /* room for the golden copy and the database only */
    fix_open_cap(&h->f, 1, FIX_IMAGE_SIZE + 4000);
    h_attach(h);
    int v[] = { 6 };
    h_manifest_of(h, nginx.url, "full.json", 1, v);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NO_SPACE);
    assert_unpublished(h, 6);
    assert_int_equal(fix_temp_files(&h->f), 0);
    h_close(h);

    h = h_open(1);
    h_manifest_of(h, nginx.url, "failing.json", 1, v);
    fix_start(&h->f);
    fix_run(&h->f, 0);
    sim_power_reset_count(&h->f.dev.power);
    sim_power_fail_at(&h->f.dev.power, 4, OTA_ERR_IO); /* the third write of the image */
    assert_int_equal(ota_service_check_now(&h->f.svc), OTA_OK);
    fix_run(&h->f, 0);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_IO);
    assert_unpublished(h, 6);
    assert_int_equal(fix_temp_files(&h->f), 0);
    h_close(h);
}

static void test_power_loss_leftovers_are_finished_without_downloading_again(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    int v[] = { 6 };
    h_manifest_of(h, nginx.url, "leftover.json", 1, v);

    /* row 0xFE present, boot control mark lost */
    fix_store_image(&h->f, 6, NULL, OTA_STATUS_DOWNLOADED);
    h_check(h);
    assert_ready(h, 6);
    posix_transport_curl_stats_t total;
    posix_transport_curl_stats(&h->curl, NULL, &total);
    assert_int_equal(total.requests, 1); /* the manifest only */
    h_close(h);

    /* the file renamed into place, its row lost */
    h = h_open(1);
    h_manifest_of(h, nginx.url, "leftover.json", 1, v);
    fix_store_write(&h->f, "app_v6.bin", img[6], FIX_IMAGE_SIZE);
    h_check(h);
    assert_ready(h, 6);
    posix_transport_curl_stats(&h->curl, NULL, &total);
    assert_int_equal(total.requests, 1);
    h_close(h);
}

static void test_redirected_manifest_and_image_urls_are_followed_by_default(void **state)
{
    (void)state;
    /* nginx answers 301 for the manifest and for the image: both lead to the files. */
    h_t *h = h_open(1);
    char base[2 * TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "%s/r301", nginx.url);
    int v[] = { 6 };
    h_manifest_of(h, base, "moved.json", 1, v);
    h_check(h);
    assert_ready(h, 6);
    h_close(h);

    /* 308 then 307 for the manifest, bad_server.py's 302 for the image. */
    h = h_open(1);
    char url[256];
    test_server_url(url, sizeof url, bad.url, "redirect/app_v5.bin");
    h_manifest_url(h, "moved2.json", 5, url);
    snprintf(h->mf_url, sizeof h->mf_url, "%s/r308/r307/moved2.json", nginx.url);
    h_check(h);
    assert_ready(h, 5);
    h_close(h);
}

static void test_a_resumed_download_keeps_its_range_through_a_redirect(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char url[256], tmp[40];
    fix_store_write(&h->f, tmp_of(6, tmp), img[6], 5000); /* left by a cut */
    snprintf(url, sizeof url, "%s/r302/app_v6.bin", nginx.url);
    h_manifest_url(h, "moved_resume.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_START)->done, 5000);
    posix_transport_curl_stats_t last;
    posix_transport_curl_stats(&h->curl, &last, NULL);
    assert_int_equal(last.body_bytes, FIX_IMAGE_SIZE - 5000);
    assert_ready(h, 6);
    h_close(h);
}

static void test_a_redirect_loop_or_too_many_hops_fails_with_REDIRECT(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    test_server_url(h->mf_url, sizeof h->mf_url, nginx.url, "loop");
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_REDIRECT);

    /* six hops, one more than the default allows */
    fix_clear_events(&h->f);
    char url[256];
    test_server_url(url, sizeof url, nginx.url, "r301/r302/r307/r308/r301/r302/app_v6.bin");
    h_manifest_url(h, "hops.json", 6, url);
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_REDIRECT);
    assert_unpublished(h, 6);
    assert_int_equal(fix_temp_files(&h->f), 0);

    /* the configured limit is the one used */
    fix_clear_events(&h->f);
    h->f.cfg.max_redirects = 6;
    h_check(h);
    assert_ready(h, 6);
    h_close(h);
}

static void test_max_redirects_0_reports_the_3xx_as_an_HTTP_status(void **state)
{
    (void)state;
    h_t *h = h_open(1);
    char base[2 * TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "%s/r301", nginx.url);
    int v[] = { 6 };
    h_manifest_of(h, base, "moved0.json", 1, v);
    h->f.cfg.max_redirects = 0;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    h_close(h);
}

static void test_a_redirect_from_https_down_to_http_is_refused(void **state)
{
    (void)state;
    /* nginx's TLS port sends /other/... to its plain port. */
    h_t *h = h_open(1);
    char base[2 * TEST_SERVER_URL_MAX];
    snprintf(base, sizeof base, "%s/other", nginx.tls_url);
    int v[] = { 6 };
    h_manifest_of(h, base, "down.json", 1, v);
    h->f.cfg.require_tls = true;
    h->f.cfg.trust_anchor = nginx.ca_file;
    h_check(h);
    assert_int_equal(fix_event(&h->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_REDIRECT);

    /* a good https manifest whose image URL is sent down to http */
    char url[256];
    snprintf(url, sizeof url, "%s/other/app_v6.bin", nginx.tls_url);
    h_image_refused(h, url, OTA_ERR_REDIRECT);
    h_close(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nginx_http_no_update_when_only_the_running_version_is_offered),
        cmocka_unit_test(test_nginx_http_update_to_the_highest_of_several_entries_then_reset),
        cmocka_unit_test(test_a_checks_manifest_and_image_travel_on_one_connection),
        cmocka_unit_test(test_nginx_https_with_the_test_ca_and_tls_required_updates),
        cmocka_unit_test(test_https_with_a_self_signed_or_wrong_ca_certificate_is_refused),
        cmocka_unit_test(test_a_refused_certificate_is_reported_with_its_reason),
        cmocka_unit_test(test_require_tls_refuses_a_plain_http_manifest),
        cmocka_unit_test(test_python_http_server_as_in_the_seed_serves_an_update),
        cmocka_unit_test(test_erase_ver_removes_a_stored_version_over_nginx),
        cmocka_unit_test(test_auto_update_off_then_download_now_and_auto_reset_off_then_reset_now),
        cmocka_unit_test(test_a_digest_mismatch_over_nginx_publishes_nothing),
        cmocka_unit_test(test_404_and_500_fail_with_HTTP_STATUS),
        cmocka_unit_test(test_a_connection_cut_mid_body_then_resume_with_range_from_nginx),
        cmocka_unit_test(test_resume_from_python_http_server_falls_back_to_a_full_download),
        cmocka_unit_test(test_an_unchanged_manifest_is_answered_304_by_nginx_and_python_http_server),
        cmocka_unit_test(test_nginx_honours_if_range_the_rest_of_the_same_file_or_all_of_a_changed_one),
        cmocka_unit_test(test_a_stalled_server_times_out),
        cmocka_unit_test(test_manifest_problems_fail_the_check_with_their_reason),
        cmocka_unit_test(test_a_full_or_failing_store_fails_the_download_cleanly),
        cmocka_unit_test(test_power_loss_leftovers_are_finished_without_downloading_again),
        cmocka_unit_test(test_redirected_manifest_and_image_urls_are_followed_by_default),
        cmocka_unit_test(test_a_resumed_download_keeps_its_range_through_a_redirect),
        cmocka_unit_test(test_a_redirect_loop_or_too_many_hops_fails_with_REDIRECT),
        cmocka_unit_test(test_max_redirects_0_reports_the_3xx_as_an_HTTP_status),
        cmocka_unit_test(test_a_redirect_from_https_down_to_http_is_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
