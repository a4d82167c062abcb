/*
 * The OTA service against a scripted transport on a simulated device (real
 * flash simulator, directory store, image database, boot control log and
 * bootloader): every decision of docs/design.md (the manifest, the service), the failure paths,
 * resume, and the power-loss leftovers. Fast and deterministic (fake clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "svc_fixture.h"
#include "ota_rollout.h"
#include "ota_hex.h"
#include "ota_imgdb.h"
#include "ota_bootctl.h"

#define MF_URL "http://ota.test/manifest.json"
#define MAX_VER 10

typedef struct t {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[MAX_VER][FIX_IMAGE_SIZE];
    char url[MAX_VER][64];
    char mf[OTA_MANIFEST_MAX_SIZE * 2];
} t_t;

static t_t *t_open(uint32_t golden, uint64_t capacity)
{
    t_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    fix_open_cap(&t->f, golden, capacity);
    fake_init(&t->ft, &t->f.tp);
    fix_config(&t->f, MF_URL);
    for (uint32_t v = 1; v < MAX_VER; v++) {
        fix_image(v, t->img[v], FIX_IMAGE_SIZE);
        snprintf(t->url[v], sizeof t->url[v], "http://ota.test/app_v%u.bin", (unsigned)v);
        fake_route_add(&t->ft, t->url[v], t->img[v], FIX_IMAGE_SIZE);
    }
    return t;
}

static void t_close(t_t *t)
{
    fix_close(&t->f);
    free(t);
}

/* Serve {"ota":[...]} with one entry per version; negative = EraseVer entry. */
static fake_route_t *t_manifest(t_t *t, int n, const int *versions)
{
    size_t len = (size_t)snprintf(t->mf, sizeof t->mf, "{\"ota\": [");
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(versions[i] < 0 ? -versions[i] : versions[i]);
        len += (size_t)fix_entry(t->mf + len, sizeof t->mf - len, v, t->url[v], versions[i] < 0);
        if (i + 1 < n) {
            t->mf[len++] = ',';
        }
    }
    len += (size_t)snprintf(t->mf + len, sizeof t->mf - len, "]}");
    return fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)len);
}

static fake_route_t *t_manifest_text(t_t *t, const char *json)
{
    snprintf(t->mf, sizeof t->mf, "%s", json);
    return fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)strlen(t->mf));
}

static void t_check(t_t *t)
{
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
}

static bool store_holds(t_t *t, const char *name, uint32_t version)
{
    uint8_t *buf = malloc(FIX_IMAGE_SIZE + 1);
    const ota_store_t *st = &t->f.dev.store;
    int fh = st->open(st->ctx, name, OTA_STORE_READ);
    uint32_t got = 0;
    int n;
    assert_non_null(buf);
    if (fh < 0) {
        free(buf);
        return false;
    }
    while ((n = st->read(st->ctx, fh, buf + got, FIX_IMAGE_SIZE + 1 - got)) > 0) {
        got += (uint32_t)n;
    }
    st->close(st->ctx, fh);
    bool same = got == FIX_IMAGE_SIZE && memcmp(buf, t->img[version], FIX_IMAGE_SIZE) == 0;
    free(buf);
    return same;
}

static void tmp_name(char out[40], uint32_t version)
{
    char hex[65];
    fix_digest_hex(version, FIX_IMAGE_SIZE, hex);
    snprintf(out, 40, ".dl_%u_%.8s.tmp", (unsigned)version, hex);
}

static void assert_nothing_published(t_t *t, uint32_t version, uint8_t running_status)
{
    ota_db_t db = fix_db(&t->f);
    char name[40];
    snprintf(name, sizeof name, "app_v%u.bin", (unsigned)version);
    assert_null(ota_db_find_version(&db, version));
    assert_false(fix_store_has(&t->f, name, NULL));
    assert_int_equal(fix_record(&t->f).status, running_status);
    assert_int_equal(posix_system_reset_requested(&t->f.dev.sys_posix), 0);
}

/* ------------------------------------------------------------------------ */

static void test_no_update_when_the_manifest_offers_only_the_running_version(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 1 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_NO_UPDATE)->reason, OTA_OK);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_UPDATE_AVAILABLE, 0), -1);
    assert_int_equal(t->ft.gets, 1);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    assert_int_equal(fix_db(&t->f).count, 1);
    t_close(t);
}

static void test_update_takes_the_highest_entry_stores_row_FE_marks_running_F0_and_resets(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 3, 6, 2 };
    t_manifest(t, 3, v);
    fix_start(&t->f);
    assert_int_equal(ota_service_running_version(&t->f.svc), 1);
    t_check(t);

    static const ota_service_event_t order[] = {
        OTA_EVENT_CHECK_START,  OTA_EVENT_UPDATE_AVAILABLE, OTA_EVENT_DOWNLOAD_START, OTA_EVENT_DOWNLOAD_SUCCESS,
        OTA_EVENT_VERIFY_START, OTA_EVENT_VERIFY_SUCCESS,   OTA_EVENT_UPDATE_READY,   OTA_EVENT_RESET,
    };
    assert_int_equal(t->f.nevents, sizeof order / sizeof order[0]);
    for (unsigned i = 0; i < t->f.nevents; i++) {
        assert_int_equal(t->f.events[i].ev, order[i]);
    }
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_SUCCESS)->done, FIX_IMAGE_SIZE);
    assert_true(t->f.progress_events >= FIX_IMAGE_SIZE / sizeof t->f.buf);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 1);
    assert_int_equal(fake_gets_of(&t->ft, t->url[3]), 0);

    ota_db_t db = fix_db(&t->f);
    ota_db_row_t *row = ota_db_find_version(&db, 6);
    assert_non_null(row);
    assert_int_equal(row->status, OTA_STATUS_DOWNLOADED);
    assert_string_equal(row->name, "app_v6.bin");
    assert_true(store_holds(t, "app_v6.bin", 6));
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_DISABLED);
    assert_int_equal(fix_record(&t->f).version, 1);
    assert_int_equal(posix_system_reset_requested(&t->f.dev.sys_posix), 1);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_RESET);
    assert_int_equal(fix_temp_files(&t->f), 0);
    t_close(t);
}

static void test_erase_requests_remove_stored_versions_but_never_the_running_or_golden_one(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_install(&t->f, 5);
    fix_store_image(&t->f, 3, NULL, OTA_STATUS_VALID);
    int v[] = { -3, -5, -1, -8, 5 };
    t_manifest(t, 5, v);
    fix_start(&t->f);
    t_check(t);

    int i = fix_find(&t->f, OTA_EVENT_IMAGE_ERASED, 0);
    assert_true(i >= 0);
    assert_int_equal(t->f.events[i].d.version, 3);
    i = fix_find(&t->f, OTA_EVENT_IMAGE_ERASE_FAILED, 0);
    assert_true(i >= 0);
    assert_int_equal(t->f.events[i].d.version, 5);
    assert_int_equal(t->f.events[i].d.reason, OTA_ERR_STATE);
    i = fix_find(&t->f, OTA_EVENT_IMAGE_ERASE_FAILED, (unsigned)i + 1);
    assert_true(i >= 0);
    assert_int_equal(t->f.events[i].d.version, 1);
    /* v8 is not stored: nothing to say */
    assert_int_equal(fix_find(&t->f, OTA_EVENT_IMAGE_ERASE_FAILED, (unsigned)i + 1), -1);
    assert_true(fix_find(&t->f, OTA_EVENT_NO_UPDATE, 0) >= 0);

    ota_db_t db = fix_db(&t->f);
    assert_null(ota_db_find_version(&db, 3));
    assert_false(fix_store_has(&t->f, "app_v3.bin", NULL));
    assert_non_null(ota_db_find_version(&db, 5));
    assert_true(fix_store_has(&t->f, "app_v5.bin", NULL));
    assert_non_null(ota_db_find_golden(&db));
    assert_true(fix_store_has(&t->f, OTA_GOLDEN_NAME, NULL));
    t_close(t);
}

static void test_auto_update_off_announces_the_update_and_waits_for_download_now(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 4 };
    t_manifest(t, 1, v);
    t->f.cfg.auto_update = false;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_AVAILABLE)->version, 4);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_AVAILABLE);
    assert_int_equal(ota_service_update_version(&t->f.svc), 4);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(ota_service_task(&t->f.svc), 0);
    }
    assert_int_equal(fix_find(&t->f, OTA_EVENT_DOWNLOAD_START, 0), -1);
    assert_nothing_published(t, 4, OTA_STATUS_VALID);

    assert_int_equal(ota_service_download_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 4);
    assert_true(store_holds(t, "app_v4.bin", 4));
    t_close(t);
}

static void test_download_now_when_idle_checks_and_downloads_with_auto_update_off(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 4 };
    t_manifest(t, 1, v);
    t->f.cfg.auto_update = false;
    fix_start(&t->f);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_download_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 4);
    t_close(t);
}

static void test_download_now_while_busy_is_refused_with_a_trigger_failed_event(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 4 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    assert_int_equal(ota_service_task(&t->f.svc), 1); /* the manifest GET is out */
    assert_int_equal(ota_service_download_now(&t->f.svc), OTA_ERR_STATE);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_ERR_STATE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_TRIGGER_FAILED)->reason, OTA_ERR_STATE);
    fix_run(&t->f, 1);
    t_close(t);
}

static void test_auto_reset_off_waits_in_ready_until_reset_now(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 4 };
    t_manifest(t, 1, v);
    t->f.cfg.auto_reset = false;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 4);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_READY);
    assert_int_equal(posix_system_reset_requested(&t->f.dev.sys_posix), 0);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_RESET, 0), -1);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_ERR_STATE);
    assert_int_equal(ota_service_reset_now(&t->f.svc), OTA_OK);
    assert_int_equal(posix_system_reset_requested(&t->f.dev.sys_posix), 1);
    assert_true(fix_find(&t->f, OTA_EVENT_RESET, 0) >= 0);
    t_close(t);
}

static void test_digest_mismatch_deletes_the_download_and_publishes_nothing(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fake_route_add(&t->ft, t->url[6], t->img[7], FIX_IMAGE_SIZE); /* wrong bytes */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_VERIFY_FAILED)->reason, OTA_ERR_DIGEST);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_VERIFY_SUCCESS, 0), -1);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_UPDATE_READY, 0), -1);
    assert_int_equal(ota_service_last_error(&t->f.svc), OTA_ERR_DIGEST);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    assert_int_equal(fix_temp_files(&t->f), 0);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    t_close(t);
}

static void test_http_404_on_the_manifest_and_500_on_the_image_fail_with_HTTP_STATUS(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_start(&t->f);
    t_check(t); /* no route: 404 */
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_HTTP_STATUS);

    fix_clear_events(&t->f);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fake_route_add(&t->ft, t->url[6], "oops", 4)->status = 500;
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_HTTP_STATUS);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    assert_int_equal(fix_temp_files(&t->f), 0);
    t_close(t);
}

static void test_a_manifest_over_the_limit_fails_TOO_LARGE_and_never_writes_past_the_limit(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6, 3, 2 };
    fake_route_t *r = t_manifest(t, 3, v);
    assert_true(r->len > 300);
    t->f.cfg.manifest_max = 256;
    memset(t->f.mbuf, 0xAA, sizeof t->f.mbuf);
    fix_start(&t->f);
    t_check(t); /* announced length over the limit */
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TOO_LARGE);

    fix_clear_events(&t->f);
    r->announce = -1; /* chunked: found out while reading */
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TOO_LARGE);
    for (size_t i = 256; i < sizeof t->f.mbuf; i++) {
        assert_int_equal((uint8_t)t->f.mbuf[i], 0xAA);
    }
    assert_int_equal(fix_find(&t->f, OTA_EVENT_DOWNLOAD_START, 0), -1);

    /* exactly at the limit is fine */
    fix_clear_events(&t->f);
    int one[] = { 1 };
    r = t_manifest(t, 1, one);
    t->f.cfg.manifest_max = r->len;
    fix_start(&t->f);
    t_check(t);
    assert_true(fix_find(&t->f, OTA_EVENT_NO_UPDATE, 0) >= 0);
    t_close(t);
}

static void test_malformed_json_fails_the_check_with_OTA_ERR_JSON(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    t_manifest_text(t, "{\"ota\": [ {\"Version\": 6, \"URL\": \"http://x/a.bin\" ");
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_JSON);
    fix_clear_events(&t->f);
    t_manifest_text(t, "{\"firmware\": []}");
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_MANIFEST);
    t_close(t);
}

static void test_a_digest_of_the_wrong_length_rejects_the_entry(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    t_manifest_text(t, "{\"ota\": [{\"Version\": 6, \"URL\": \"http://ota.test/app_v6.bin\", "
                       "\"Digest\": \"745189cbb24b752a0175de1f9d5d61433ba47d89aff5b5a3686f54ca2d5dfb2\"}]}");
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_ENTRY);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 0);

    /* next to a good entry, the good one is used and the bad one reported */
    fix_clear_events(&t->f);
    char good[400];
    fix_entry(good, sizeof good, 3, t->url[3], false);
    snprintf(t->mf, sizeof t->mf,
             "{\"ota\": [%s, {\"Version\": 6, \"URL\": \"http://ota.test/app_v6.bin\", \"Digest\": \"abc\"}]}", good);
    fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)strlen(t->mf));
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 3);
    t_close(t);
}

static void test_urls_with_dotdot_or_without_a_file_name_are_refused(void **state)
{
    (void)state;
    static const char *bad[] = { "http://ota.test/..",   "http://ota.test/",    "http://ota.test",
                                 "http://ota.test/a/..", "http://ota.test/a/.", "ftp://ota.test/app.bin" };
    t_t *t = t_open(1, 0);
    fix_start(&t->f);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char hex[65];
        fix_digest_hex(6, FIX_IMAGE_SIZE, hex);
        snprintf(t->mf, sizeof t->mf, "{\"ota\": [{\"Version\": 6, \"URL\": \"%s\", \"Digest\": \"%s\"}]}", bad[i],
                 hex);
        fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)strlen(t->mf));
        fix_clear_events(&t->f);
        t_check(t);
        int reason = fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason;
        assert_true(reason == OTA_ERR_URL || reason == OTA_ERR_NAME);
        assert_int_equal(fix_find(&t->f, OTA_EVENT_DOWNLOAD_START, 0), -1);
    }
    assert_int_equal(t->ft.gets, sizeof bad / sizeof bad[0]); /* manifests only */
    t_close(t);
}

static void test_a_full_store_fails_the_download_and_leaves_no_temp_file(void **state)
{
    (void)state;
    /* room for the golden copy and the database, not for another image */
    t_t *t = t_open(1, FIX_IMAGE_SIZE + 4000);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NO_SPACE);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    assert_int_equal(fix_temp_files(&t->f), 0);
    t_close(t);
}

static void test_an_image_larger_than_the_application_region_is_refused_before_it_is_stored(void **state)
{
    (void)state;
    for (int announced = 0; announced < 2; announced++) {
        t_t *t = t_open(1, 0);
        uint32_t big = t->f.cfg.layout.app_size + 1u;
        uint8_t *body = calloc(1, big);
        uint8_t d[32];
        char hex[65], json[512];
        posix_crypto_sha256_buffer(&t->f.dev.crypto, body, big, d);
        ota_hex_encode(d, 32, hex);
        snprintf(json, sizeof json, "{\"ota\":[{\"Version\":6,\"URL\":\"%s\",\"Digest\":\"%s\"}]}", t->url[6], hex);
        t_manifest_text(t, json);
        fake_route_t *r = fake_route_add(&t->ft, t->url[6], body, big);
        r->announce = announced ? FAKE_ANNOUNCE_LEN : -1;
        fix_start(&t->f);
        t_check(t);
        assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TOO_LARGE);
        assert_nothing_published(t, 6, OTA_STATUS_VALID);
        assert_int_equal(fix_temp_files(&t->f), 0);
        t_close(t);
        free(body);
    }
}

static void test_a_failing_store_write_fails_the_download_and_leaves_no_temp_file(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    fix_run(&t->f, 1);
    /* mutating ops from here: open temp (1), write (2), write (3) ... */
    sim_power_reset_count(&t->f.dev.power);
    assert_int_equal(sim_power_fail_at(&t->f.dev.power, 3, OTA_ERR_IO), OTA_OK);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_IO);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    assert_int_equal(fix_temp_files(&t->f), 0);
    /* the next check succeeds */
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_require_tls_refuses_http_manifest_and_image_urls(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t->f.cfg.require_tls = true;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TLS_REQUIRED);
    assert_int_equal(t->ft.gets, 0);

    /* https manifest naming an http image */
    fix_clear_events(&t->f);
    fake_route_add(&t->ft, "https://ota.test/manifest.json", t->mf, (uint32_t)strlen(t->mf));
    t->f.cfg.manifest_url = "https://ota.test/manifest.json";
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TLS_REQUIRED);
    assert_int_equal(t->ft.gets, 1);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    t_close(t);
}

static void test_making_room_evicts_the_lowest_version_that_is_neither_running_nor_golden(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_install(&t->f, 4);
    fix_store_image(&t->f, 2, NULL, OTA_STATUS_VALID);
    fix_store_image(&t->f, 3, NULL, OTA_STATUS_DISABLED);
    assert_int_equal(fix_db(&t->f).count, 4);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t->f.cfg.max_images = 4;
    fix_start(&t->f);
    t_check(t);
    const ota_service_event_data_t *e = fix_event(&t->f, OTA_EVENT_IMAGE_ERASED);
    assert_int_equal(e->version, 2);
    assert_true(fix_find(&t->f, OTA_EVENT_IMAGE_ERASED, 0) < fix_find(&t->f, OTA_EVENT_UPDATE_READY, 0));
    ota_db_t db = fix_db(&t->f);
    assert_int_equal(db.count, 4);
    assert_null(ota_db_find_version(&db, 2));
    assert_false(fix_store_has(&t->f, "app_v2.bin", NULL));
    assert_non_null(ota_db_find_version(&db, 1));
    assert_non_null(ota_db_find_version(&db, 3));
    assert_non_null(ota_db_find_version(&db, 4));
    assert_int_equal(ota_db_find_version(&db, 6)->status, OTA_STATUS_DOWNLOADED);
    t_close(t);
}

static void test_database_full_when_only_the_running_and_golden_images_are_stored(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_install(&t->f, 2);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t->f.cfg.max_images = 2;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DATABASE_FULL)->reason, OTA_ERR_FULL);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_IMAGE_ERASED, 0), -1);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    assert_int_equal(fix_temp_files(&t->f), 0);
    assert_int_equal(fix_db(&t->f).count, 2);
    t_close(t);
}

static void test_an_interrupted_download_resumes_with_a_range_request(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    char tmp[40];
    uint32_t size;
    t_manifest(t, 1, v);
    fake_route_t *r = fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE);
    r->range = true;
    r->cut_after = 7000;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NET);
    tmp_name(tmp, 6);
    assert_true(fix_store_has(&t->f, tmp, &size));
    assert_int_equal(size, 7000);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);

    fix_clear_events(&t->f);
    r->cut_after = 0;
    t_check(t);
    assert_int_equal(t->ft.last_range, 7000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_START)->done, 7000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_SUCCESS)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    assert_int_equal(fix_temp_files(&t->f), 0);
    t_close(t);
}

static void test_resume_falls_back_to_a_full_download_when_the_server_answers_200(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fake_route_t *r = fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE);
    r->cut_after = 5000;
    fix_start(&t->f);
    t_check(t);
    fix_clear_events(&t->f);
    r->cut_after = 0; /* r->range stays false: Range is ignored */
    t_check(t);
    assert_int_equal(t->ft.last_range, 5000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_SUCCESS)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    t_close(t);
}

static void test_a_complete_temp_file_is_verified_on_416_without_downloading_again(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    char tmp[40];
    t_manifest(t, 1, v);
    fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE)->range = true;
    tmp_name(tmp, 6);
    fix_store_write(&t->f, tmp, t->img[6], FIX_IMAGE_SIZE); /* a cut right after the last write */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(t->ft.last_range, FIX_IMAGE_SIZE);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_DOWNLOAD_SUCCESS, 0), -1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    t_close(t);
}

static void test_a_corrupt_partial_download_fails_the_digest_and_the_next_check_starts_over(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    char tmp[40];
    t_manifest(t, 1, v);
    fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE)->range = true;
    tmp_name(tmp, 6);
    fix_store_write(&t->f, tmp, t->img[5], 3000);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_VERIFY_FAILED)->reason, OTA_ERR_DIGEST);
    assert_int_equal(fix_temp_files(&t->f), 0);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(t->ft.last_range, 0);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

/* v6 on offer; its image route cut after `cut` bytes, with a validator. */
static fake_route_t *t_cut_download(t_t *t, uint32_t cut, const char *etag, const char *date)
{
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fake_route_t *r = fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE);
    r->range = true;
    r->cut_after = cut;
    strcpy(r->etag, etag);
    strcpy(r->last_modified, date);
    return r;
}

static void test_a_resume_asks_for_the_rest_of_the_very_file_it_started_with(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fake_route_t *r = t_cut_download(t, 7000, "\"i1\"", "Wed, 02 Dec 2026 05:19:30 GMT");
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NET);
    assert_string_equal(r->sent_if_range, ""); /* a download from byte 0 has nothing to compare */
    r->cut_after = 0;
    fix_start(&t->f); /* across a restart: the validator is in the poll state */
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(t->ft.last_range, 7000);
    assert_string_equal(r->sent_if_range, "\"i1\"");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_START)->done, 7000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_a_file_changed_since_the_cut_starts_over_from_byte_0_instead_of_mixing(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    /* The server first sends a build that is not the manifest's (v5's bytes). */
    fake_route_t *r = t_cut_download(t, 7000, "\"old\"", "");
    r->body = t->img[5];
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NET);
    /* Then the right one, under a new ETag: If-Range "old" no longer holds. */
    r->body = t->img[6];
    strcpy(r->etag, "\"new\"");
    r->cut_after = 0;
    fix_clear_events(&t->f);
    t_check(t);
    assert_string_equal(r->sent_if_range, "\"old\"");
    /* 200: the stored part goes, the whole file comes; no digest failure
     * at the end of a spliced file. */
    assert_int_equal(fix_find(&t->f, OTA_EVENT_VERIFY_FAILED, 0), -1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_SUCCESS)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    t_close(t);
}

static void test_a_weak_etag_is_never_an_if_range_the_date_is(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fake_route_t *r = t_cut_download(t, 7000, "W/\"i1\"", "Wed, 02 Dec 2026 05:19:30 GMT");
    fix_start(&t->f);
    t_check(t);
    r->cut_after = 0;
    t_check(t);
    assert_string_equal(r->sent_if_range, "Wed, 02 Dec 2026 05:19:30 GMT");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_a_download_without_a_validator_takes_back_an_older_one(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    char tmp[40];
    fake_route_t *r = t_cut_download(t, 7000, "\"a\"", "");
    fix_start(&t->f);
    t_check(t); /* the part of 7000 bytes belongs to "a" */
    tmp_name(tmp, 6);
    assert_int_equal(t->f.dev.store.remove(t->f.dev.store.ctx, tmp), OTA_OK);
    /* From byte 0 again, from a server that now gives no validator. */
    strcpy(r->etag, "");
    r->cut_after = 5000;
    t_check(t);
    strcpy(r->etag, "\"a\""); /* whatever the server says now, the part is not "a"'s */
    r->cut_after = 0;
    t_check(t);
    assert_int_equal(t->ft.last_range, 5000);
    assert_string_equal(r->sent_if_range, "");
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_a_206_for_another_range_than_asked_keeps_the_part_and_fails(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    char tmp[40];
    uint32_t size;
    fake_route_t *r = t_cut_download(t, 7000, "\"i1\"", "");
    fix_start(&t->f);
    t_check(t);
    r->cut_after = 0;
    r->range_shift = 100;
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NET);
    tmp_name(tmp, 6);
    assert_true(fix_store_has(&t->f, tmp, &size));
    assert_int_equal(size, 7000);
    r->range_shift = 0;
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_an_image_already_downloaded_is_only_marked_when_the_mark_was_lost(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_store_image(&t->f, 6, NULL, OTA_STATUS_DOWNLOADED); /* row FE, record still F8 */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 0);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_DOWNLOAD_START, 0), -1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_DISABLED);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);
    t_close(t);
}

static void test_a_file_without_its_row_is_adopted_when_its_digest_matches(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_store_write(&t->f, "app_v6.bin", t->img[6], FIX_IMAGE_SIZE); /* cut between rename and row */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 0);
    assert_true(fix_find(&t->f, OTA_EVENT_VERIFY_SUCCESS, 0) >= 0);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    ota_db_t db = fix_db(&t->f);
    assert_int_equal(ota_db_find_version(&db, 6)->status, OTA_STATUS_DOWNLOADED);
    t_close(t);
}

static void test_a_file_without_its_row_is_replaced_when_its_digest_differs(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_store_write(&t->f, "app_v6.bin", t->img[6], FIX_IMAGE_SIZE / 2); /* truncated */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    t_close(t);
}

static void test_stale_temp_files_go_at_init_while_interrupted_downloads_wait_for_the_next_check(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_store_write(&t->f, ".junk", "x", 1);
    fix_store_write(&t->f, ".image_database.tmp", "y", 1);
    fix_store_write(&t->f, ".dl_9_deadbeef.tmp", "z", 1);
    fix_start(&t->f);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_MAINTENANCE);
    fix_run(&t->f, 1);
    assert_false(fix_store_has(&t->f, ".junk", NULL));
    assert_false(fix_store_has(&t->f, ".image_database.tmp", NULL));
    assert_true(fix_store_has(&t->f, ".dl_9_deadbeef.tmp", NULL));
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t_check(t);
    assert_false(fix_store_has(&t->f, ".dl_9_deadbeef.tmp", NULL));
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_periodic_checks_start_after_the_network_comes_up_then_follow_interval_and_jitter(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 1 };
    t_manifest(t, 1, v);
    t->f.cfg.periodic = true;
    t->f.cfg.interval_ms = 60000;
    t->f.cfg.jitter_ms = 10000;
    t->f.cfg.first_check_ms = 2000;
    posix_system_set_network(&t->f.dev.sys_posix, false);
    fix_start(&t->f);
    for (int i = 0; i < 500; i++) { /* 500 s without network */
        ota_service_task(&t->f.svc);
        posix_system_advance(&t->f.dev.sys_posix, 1000);
    }
    assert_int_equal(fix_find(&t->f, OTA_EVENT_CHECK_START, 0), -1);
    posix_system_set_network(&t->f.dev.sys_posix, true);
    ota_service_task(&t->f.svc);
    posix_system_advance(&t->f.dev.sys_posix, 1999);
    ota_service_task(&t->f.svc);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_CHECK_START, 0), -1);
    posix_system_advance(&t->f.dev.sys_posix, 1);
    fix_run(&t->f, 0);
    assert_true(fix_find(&t->f, OTA_EVENT_NO_UPDATE, 0) >= 0);

    /* the following checks: each 50..70 s after the previous one, not all equal */
    uint32_t gaps[8];
    for (int k = 0; k < 8; k++) {
        uint32_t waited = 0;
        unsigned before = t->ft.gets;
        while (t->ft.gets == before) {
            posix_system_advance(&t->f.dev.sys_posix, 100);
            waited += 100;
            fix_run(&t->f, 0);
            assert_true(waited <= 70000);
        }
        assert_true(waited >= 50000);
        gaps[k] = waited;
    }
    bool differ = false;
    for (int k = 1; k < 8; k++) {
        differ |= gaps[k] != gaps[0];
    }
    assert_true(differ);
    t_close(t);
}

static void test_the_clock_wrapping_around_does_not_stop_periodic_checks(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 1 };
    t_manifest(t, 1, v);
    t->f.cfg.periodic = true;
    t->f.cfg.interval_ms = 10000;
    t->f.cfg.jitter_ms = 0;
    t->f.cfg.first_check_ms = 1000;
    posix_system_advance(&t->f.dev.sys_posix, UINT32_MAX - 1000 - 5000); /* 5 s before the wrap */
    fix_start(&t->f);
    for (int i = 0; i < 40; i++) { /* 40 s across the wrap: checks at 1, 11, 21, 31 s */
        fix_run(&t->f, 0);
        posix_system_advance(&t->f.dev.sys_posix, 1000);
    }
    fix_run(&t->f, 0);
    assert_int_equal(t->ft.gets, 4);
    t_close(t);
}

static void test_a_stalled_image_transfer_fails_with_a_timeout_and_keeps_the_part_for_resume(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    char tmp[40];
    uint32_t size;
    t_manifest(t, 1, v);
    fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE)->stall_after = 4096;
    t->f.cfg.idle_timeout_ms = 2000;
    fix_start(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 100);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TIMEOUT);
    tmp_name(tmp, 6);
    assert_true(fix_store_has(&t->f, tmp, &size));
    assert_int_equal(size, 4096);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);
    t_close(t);
}

static void test_a_manifest_that_never_completes_fails_with_the_overall_timeout(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v)->stall_after = 10;
    t->f.cfg.idle_timeout_ms = 0;
    t->f.cfg.manifest_timeout_ms = 5000;
    fix_start(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    int calls = fix_run(&t->f, 10);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TIMEOUT);
    assert_true(calls >= 500 && calls <= 520);
    t_close(t);
}

static void test_a_server_trickling_a_byte_every_5_s_fails_with_a_timeout_and_the_download_resumes(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    char tmp[40];
    uint32_t size;
    t_manifest(t, 1, v);
    fake_route_t *img = fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE);
    img->range = true;
    img->chunk = 1; /* one byte per read, and each task() call is 5 s later */
    fix_start(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    int calls = fix_run(&t->f, 5000);

    /* The idle timer (20 s) never fires; 1 KiB/s averaged over 30 s does. */
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TIMEOUT);
    assert_true(calls < 20);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    tmp_name(tmp, 6);
    assert_true(fix_store_has(&t->f, tmp, &size)); /* kept for the resume */
    assert_true(size > 0 && size < 10);
    assert_nothing_published(t, 6, OTA_STATUS_VALID);

    /* A manual check works at once, and a healthy server finishes the same file. */
    img->chunk = 0;
    fix_clear_events(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(t->ft.last_range, size);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_a_manifest_trickling_a_byte_every_5_s_fails_with_a_timeout(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v)->chunk = 1;
    fix_start(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    int calls = fix_run(&t->f, 5000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TIMEOUT);
    assert_true(calls < 20);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    t_close(t);
}

static void test_the_whole_download_limit_is_derived_from_the_announced_length(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fake_route_t *img = fake_route_add(&t->ft, t->url[6], t->img[6], FIX_IMAGE_SIZE);
    img->range = true;
    img->chunk = 500;            /* 500 B per 1 s call */
    t->f.cfg.min_rate = 1000;    /* 20000 B at 1000 B/s: the whole download within 20 s */
    t->f.cfg.rate_window_ms = 0; /* no window check: the whole limit alone */
    fix_start(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1000);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TIMEOUT);
    uint32_t size;
    char tmp[40];
    tmp_name(tmp, 6);
    assert_true(fix_store_has(&t->f, tmp, &size));
    assert_true(size >= 9000 && size <= 11000); /* about 20 s worth */

    /* Faster, the rest comes in time. */
    img->chunk = 0;
    fix_clear_events(&t->f);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 100);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_each_task_call_reads_the_transport_at_most_once_and_writes_at_most_one_chunk(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t->ft.again_first = true;
    fix_start(&t->f);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    int calls = 0;
    for (;;) {
        sim_store_counters_t before, after;
        unsigned reads = t->ft.reads;
        sim_store_counters(&t->f.dev.store_sim, &before);
        int r = ota_service_task(&t->f.svc);
        sim_store_counters(&t->f.dev.store_sim, &after);
        assert_true(t->ft.reads - reads <= 1);
        assert_true(after.bytes_written - before.bytes_written <= sizeof t->f.buf + 1024); /* a chunk, or a database */
        calls++;
        if (r == 0) {
            break;
        }
    }
    assert_true(calls > 2 * (int)(FIX_IMAGE_SIZE / sizeof t->f.buf));
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_a_version_disabled_after_a_failed_install_is_not_downloaded_again(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_store_image(&t->f, 6, NULL, OTA_STATUS_DISABLED);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_NO_UPDATE)->reason, OTA_ERR_STATE);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 0);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_VALID);
    t_close(t);
}

static void test_a_file_name_taken_by_another_version_gets_a_name_of_its_own(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_store_image(&t->f, 3, "firmware.bin", OTA_STATUS_VALID);
    fake_route_add(&t->ft, "http://ota.test/v6/firmware.bin", t->img[6], FIX_IMAGE_SIZE);
    char e[400];
    fix_entry(e, sizeof e, 6, "http://ota.test/v6/firmware.bin", false);
    snprintf(t->mf, sizeof t->mf, "{\"ota\": [%s]}", e);
    fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)strlen(t->mf));
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    ota_db_t db = fix_db(&t->f);
    assert_string_equal(ota_db_find_version(&db, 6)->name, "app_v6.bin");
    assert_true(store_holds(t, "app_v6.bin", 6));
    assert_true(store_holds(t, "firmware.bin", 3));
    t_close(t);
}

static void test_a_republished_version_with_a_new_digest_replaces_the_stored_one(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    /* v6's row holds v7's digest and bytes: the server now offers other bytes for 6 */
    uint8_t d[32];
    ota_db_t db;
    fix_store_write(&t->f, "app_v6.bin", t->img[7], FIX_IMAGE_SIZE);
    fix_digest(7, FIX_IMAGE_SIZE, d);
    assert_int_equal(ota_db_load(&db, &t->f.dev.store, NULL), OTA_OK);
    assert_int_equal(ota_db_add(&db, &t->f.dev.store, "app_v6.bin", OTA_STATUS_DOWNLOADED, 6, d), OTA_OK);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fake_gets_of(&t->ft, t->url[6]), 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(store_holds(t, "app_v6.bin", 6));
    db = fix_db(&t->f);
    fix_digest(6, FIX_IMAGE_SIZE, d);
    assert_memory_equal(ota_db_find_version(&db, 6)->digest, d, 32);
    t_close(t);
}

static void test_confirm_rollback_and_factory_reset_pass_through_to_the_boot_api(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    fix_install(&t->f, 3);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    t->f.cfg.auto_reset = false;
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(ota_service_reset_now(&t->f.svc), OTA_OK);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_UNBOOTED);

    /* confirm */
    fix_clear_events(&t->f);
    fix_start(&t->f);
    assert_int_equal(ota_service_running_version(&t->f.svc), 6);
    assert_int_equal(ota_service_confirm(&t->f.svc), OTA_OK);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CONFIRMED)->version, 6);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_VALID);

    /* rollback: back to 3 */
    assert_int_equal(ota_service_rollback(&t->f.svc), OTA_OK);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_ROLLBACK)->reason, OTA_OK);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_READY);
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 3);

    /* factory reset: back to 1 with only the golden image stored */
    fix_clear_events(&t->f);
    fix_start(&t->f);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_factory_reset(&t->f.svc), OTA_OK);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_FACTORY_RESET)->reason, OTA_OK);
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(fix_db(&t->f).count, 1);
    t_close(t);
}

static void test_rollback_while_downloading_is_refused(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6 };
    t_manifest(t, 1, v);
    fix_start(&t->f);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    while (ota_service_state(&t->f.svc) != OTA_SERVICE_DOWNLOADING) {
        assert_int_equal(ota_service_task(&t->f.svc), 1);
    }
    assert_int_equal(ota_service_rollback(&t->f.svc), OTA_ERR_STATE);
    assert_int_equal(ota_service_factory_reset(&t->f.svc), OTA_ERR_STATE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_ROLLBACK)->reason, OTA_ERR_STATE);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);
    t_close(t);
}

static void test_auto_confirm_confirms_a_first_boot_image_at_init(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    ota_boot_result_t res;
    ota_bootctl_t bc;
    fix_store_image(&t->f, 4, NULL, OTA_STATUS_DOWNLOADED);
    assert_int_equal(ota_bootctl_init(&bc, &t->f.dev.flash, 0, 0), OTA_OK);
    assert_int_equal(ota_bootctl_set_status(&bc, OTA_STATUS_DISABLED), OTA_OK);
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 4);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_UNBOOTED);
    t->f.cfg.auto_confirm = true;
    fix_start(&t->f);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CONFIRMED)->version, 4);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_VALID);
    ota_db_t db = fix_db(&t->f);
    assert_int_equal(ota_db_find_version(&db, 4)->status, OTA_STATUS_VALID);
    t_close(t);
}

static void test_init_refuses_missing_ports_urls_and_buffers(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    ota_service_config_t c = t->f.cfg;
    ota_service_ports_t p = t->f.ports;
    c.manifest_url = NULL;
    assert_int_equal(ota_service_init(&t->f.svc, &c, &p), OTA_ERR_INVALID_ARG);
    c = t->f.cfg;
    c.buf_size = 16;
    assert_int_equal(ota_service_init(&t->f.svc, &c, &p), OTA_ERR_INVALID_ARG);
    c = t->f.cfg;
    p.transport = NULL;
    assert_int_equal(ota_service_init(&t->f.svc, &c, &p), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_service_task(NULL), OTA_ERR_INVALID_ARG);
    t_close(t);
}

static void test_a_shared_manifest_buffer_limits_the_manifest_to_the_chunk_buffer(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    int v[] = { 6, 3, 2, 4 };
    fake_route_t *r = t_manifest(t, 4, v);
    t->f.cfg.buf_size = 1024;
    assert_true(r->len > t->f.cfg.buf_size / 2 && r->len <= t->f.cfg.buf_size);
    t->f.cfg.manifest_buf = NULL; /* share the 1 KiB chunk buffer */
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 6);

    int many[] = { 6, 3, 2, 4, 5, 7, 8 };
    assert_true(t_manifest(t, 7, many)->len > t->f.cfg.buf_size);
    fix_clear_events(&t->f);
    fix_start(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_CHECK_FAILED)->reason, OTA_ERR_TOO_LARGE);
    t_close(t);
}

/* A staged rollout: the service hashes the system port's device id; raising
 * Rollout in the file brings the same device in, nothing else changes. */
static void test_a_device_takes_a_staged_entry_once_the_rollout_reaches_it(void **state)
{
    (void)state;
    t_t *t = t_open(1, 0);
    /* An id whose bucket for v2 is 60: out at Rollout 50, in at 70. */
    char id[32];
    size_t n = 0;
    for (unsigned i = 0;; i++) {
        n = (size_t)snprintf(id, sizeof id, "serial-%u", i);
        if (ota_rollout_bucket(id, n, 2) == 60) {
            break;
        }
    }
    assert_int_equal(posix_system_set_device_id(&t->f.dev.sys_posix, id, n), OTA_OK);
    char entry[512];
    char json[700];
    int len = fix_entry(entry, sizeof entry, 2, t->url[2], false);
    assert_true(len > 1);
    entry[len - 1] = '\0'; /* drop the closing brace: a key follows */

    snprintf(json, sizeof json, "{\"ota\": [%s, \"Rollout\": 50}]}", entry);
    t_manifest_text(t, json);
    fix_start(&t->f);
    t_check(t);
    assert_true(fix_find(&t->f, OTA_EVENT_NO_UPDATE, 0) >= 0);
    assert_int_equal(ota_service_last_error(&t->f.svc), OTA_OK);
    assert_nothing_published(t, 2, OTA_STATUS_VALID);

    snprintf(json, sizeof json, "{\"ota\": [%s, \"Rollout\": 70}]}", entry);
    t_manifest_text(t, json);
    fix_clear_events(&t->f);
    t_check(t);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 2);

    /* Without an id the device waits for 100. */
    t_t *u = t_open(1, 0);
    snprintf(json, sizeof json, "{\"ota\": [%s, \"Rollout\": 99}]}", entry);
    t_manifest_text(u, json);
    fix_start(&u->f);
    t_check(u);
    assert_true(fix_find(&u->f, OTA_EVENT_NO_UPDATE, 0) >= 0);
    t_close(u);
    t_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_device_takes_a_staged_entry_once_the_rollout_reaches_it),
        cmocka_unit_test(test_no_update_when_the_manifest_offers_only_the_running_version),
        cmocka_unit_test(test_update_takes_the_highest_entry_stores_row_FE_marks_running_F0_and_resets),
        cmocka_unit_test(test_erase_requests_remove_stored_versions_but_never_the_running_or_golden_one),
        cmocka_unit_test(test_auto_update_off_announces_the_update_and_waits_for_download_now),
        cmocka_unit_test(test_download_now_when_idle_checks_and_downloads_with_auto_update_off),
        cmocka_unit_test(test_download_now_while_busy_is_refused_with_a_trigger_failed_event),
        cmocka_unit_test(test_auto_reset_off_waits_in_ready_until_reset_now),
        cmocka_unit_test(test_digest_mismatch_deletes_the_download_and_publishes_nothing),
        cmocka_unit_test(test_http_404_on_the_manifest_and_500_on_the_image_fail_with_HTTP_STATUS),
        cmocka_unit_test(test_a_manifest_over_the_limit_fails_TOO_LARGE_and_never_writes_past_the_limit),
        cmocka_unit_test(test_malformed_json_fails_the_check_with_OTA_ERR_JSON),
        cmocka_unit_test(test_a_digest_of_the_wrong_length_rejects_the_entry),
        cmocka_unit_test(test_urls_with_dotdot_or_without_a_file_name_are_refused),
        cmocka_unit_test(test_a_full_store_fails_the_download_and_leaves_no_temp_file),
        cmocka_unit_test(test_an_image_larger_than_the_application_region_is_refused_before_it_is_stored),
        cmocka_unit_test(test_a_failing_store_write_fails_the_download_and_leaves_no_temp_file),
        cmocka_unit_test(test_require_tls_refuses_http_manifest_and_image_urls),
        cmocka_unit_test(test_making_room_evicts_the_lowest_version_that_is_neither_running_nor_golden),
        cmocka_unit_test(test_database_full_when_only_the_running_and_golden_images_are_stored),
        cmocka_unit_test(test_an_interrupted_download_resumes_with_a_range_request),
        cmocka_unit_test(test_resume_falls_back_to_a_full_download_when_the_server_answers_200),
        cmocka_unit_test(test_a_complete_temp_file_is_verified_on_416_without_downloading_again),
        cmocka_unit_test(test_a_corrupt_partial_download_fails_the_digest_and_the_next_check_starts_over),
        cmocka_unit_test(test_a_resume_asks_for_the_rest_of_the_very_file_it_started_with),
        cmocka_unit_test(test_a_file_changed_since_the_cut_starts_over_from_byte_0_instead_of_mixing),
        cmocka_unit_test(test_a_weak_etag_is_never_an_if_range_the_date_is),
        cmocka_unit_test(test_a_download_without_a_validator_takes_back_an_older_one),
        cmocka_unit_test(test_a_206_for_another_range_than_asked_keeps_the_part_and_fails),
        cmocka_unit_test(test_an_image_already_downloaded_is_only_marked_when_the_mark_was_lost),
        cmocka_unit_test(test_a_file_without_its_row_is_adopted_when_its_digest_matches),
        cmocka_unit_test(test_a_file_without_its_row_is_replaced_when_its_digest_differs),
        cmocka_unit_test(test_stale_temp_files_go_at_init_while_interrupted_downloads_wait_for_the_next_check),
        cmocka_unit_test(test_periodic_checks_start_after_the_network_comes_up_then_follow_interval_and_jitter),
        cmocka_unit_test(test_the_clock_wrapping_around_does_not_stop_periodic_checks),
        cmocka_unit_test(test_a_stalled_image_transfer_fails_with_a_timeout_and_keeps_the_part_for_resume),
        cmocka_unit_test(test_a_manifest_that_never_completes_fails_with_the_overall_timeout),
        cmocka_unit_test(test_a_server_trickling_a_byte_every_5_s_fails_with_a_timeout_and_the_download_resumes),
        cmocka_unit_test(test_a_manifest_trickling_a_byte_every_5_s_fails_with_a_timeout),
        cmocka_unit_test(test_the_whole_download_limit_is_derived_from_the_announced_length),
        cmocka_unit_test(test_each_task_call_reads_the_transport_at_most_once_and_writes_at_most_one_chunk),
        cmocka_unit_test(test_a_version_disabled_after_a_failed_install_is_not_downloaded_again),
        cmocka_unit_test(test_a_file_name_taken_by_another_version_gets_a_name_of_its_own),
        cmocka_unit_test(test_a_republished_version_with_a_new_digest_replaces_the_stored_one),
        cmocka_unit_test(test_confirm_rollback_and_factory_reset_pass_through_to_the_boot_api),
        cmocka_unit_test(test_rollback_while_downloading_is_refused),
        cmocka_unit_test(test_auto_confirm_confirms_a_first_boot_image_at_init),
        cmocka_unit_test(test_init_refuses_missing_ports_urls_and_buffers),
        cmocka_unit_test(test_a_shared_manifest_buffer_limits_the_manifest_to_the_chunk_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
