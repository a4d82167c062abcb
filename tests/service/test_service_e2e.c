/*
 * End to end (the "done when"): the service and the bootloader
 * together on the simulated device, with nginx serving the manifest and the
 * images. Factory image v1; the manifest offers v3 and v6; the periodic
 * check finds v6, downloads it and resets; the bootloader installs v6; v6
 * confirms (through ota_app_confirm, or the service's auto_confirm). The
 * database and the boot control record end as the spec says.
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
#include "sysota/ota_app.h"
#include "ota_imgdb.h"
#include "test_server.h"
#include "transport_curl.h"

static char docroot[TEST_SERVER_PATH_MAX];
static test_server_t nginx;

static int group_setup(void **state)
{
    (void)state;
    uint8_t img[FIX_IMAGE_SIZE];
    char json[2048], url[256];
    int n;
    if (test_tmpdir_make(docroot, sizeof docroot, "e2e-docroot") != OTA_OK ||
        test_server_start(&nginx, TEST_SERVER_NGINX, docroot) != OTA_OK) {
        return -1;
    }
    n = snprintf(json, sizeof json, "{\"ota\": [");
    for (uint32_t v = 3; v <= 6; v += 3) {
        char name[32];
        snprintf(name, sizeof name, "wifi_ota10%u.bin", (unsigned)v);
        fix_image(v, img, FIX_IMAGE_SIZE);
        if (test_file_write(docroot, name, img, FIX_IMAGE_SIZE, NULL, 0) != OTA_OK) {
            return -1;
        }
        test_server_url(url, sizeof url, nginx.tls_url, name);
        n += fix_entry(json + n, sizeof json - (size_t)n, v, url, false);
        n += snprintf(json + n, sizeof json - (size_t)n, "%s", v == 3 ? ", " : "]}");
    }
    return test_file_write(docroot, "manifest.json", json, (size_t)n, NULL, 0) == OTA_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    test_server_stop(&nginx);
    test_tmpdir_remove(docroot);
    return 0;
}

typedef struct e2e {
    svc_fix_t f;
    posix_transport_curl_t curl;
    posix_system_t still; /* the transport's idle clock: never moves */
    ota_system_t still_port;
    char mf_url[256];
} e2e_t;

static e2e_t *e2e_open(void)
{
    e2e_t *e = calloc(1, sizeof *e);
    assert_non_null(e);
    fix_open(&e->f, 1); /* factory v1 programmed, first boot keeps the golden copy */
    assert_int_equal(posix_system_init(&e->f.dev.sys_posix, 11), OTA_OK);
    posix_system_set_log(&e->f.dev.sys_posix, getenv("SVC_LOG") ? OTA_LOG_DEBUG : OTA_LOG_ERROR, "e2e", true, NULL,
                         NULL);
    /* No timeout may end a healthy update because the machine is busy:
     * the transport's idle clock stands still, the service has none. */
    posix_system_init(&e->still, 11);
    posix_system_fake_clock(&e->still, 0);
    posix_system_port(&e->still, &e->still_port);
    posix_transport_curl_config_t tcfg = { .clock = &e->still_port };
    assert_int_equal(posix_transport_curl_init(&e->curl, &tcfg, &e->f.tp), OTA_OK);
    test_server_url(e->mf_url, sizeof e->mf_url, nginx.tls_url, "manifest.json");
    fix_config(&e->f, e->mf_url);
    e->f.cfg.connect_timeout_ms = 3600u * 1000u;
    e->f.cfg.idle_timeout_ms = 0;
    e->f.cfg.manifest_timeout_ms = 0;
    e->f.cfg.periodic = true;
    e->f.cfg.first_check_ms = 50;
    e->f.cfg.require_tls = true;
    e->f.cfg.trust_anchor = nginx.ca_file;
    return e;
}

static void e2e_close(e2e_t *e)
{
    posix_transport_curl_deinit(&e->curl);
    fix_close(&e->f);
    free(e);
}

/* The application's main loop until the service resets the device; a
 * failure event ends it too (the service would only wait an hour). */
static void main_loop_until_reset(e2e_t *e)
{
    static const ota_service_event_t failures[] = { OTA_EVENT_CHECK_FAILED, OTA_EVENT_DOWNLOAD_FAILED,
                                                    OTA_EVENT_VERIFY_FAILED, OTA_EVENT_DATABASE_FULL };
    while (!posix_system_reset_requested(&e->f.dev.sys_posix)) {
        ota_service_task(&e->f.svc);
        for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
            const int at = fix_find(&e->f, failures[i], 0);
            if (at >= 0) {
                fail_msg("the update failed: event %d, %s", (int)failures[i], ota_err_name(e->f.events[at].d.reason));
            }
        }
    }
}

static void update_v1_to_v6(e2e_t *e)
{
    ota_boot_result_t res;
    ota_bootctl_record_t rec;

    fix_start(&e->f);
    assert_int_equal(ota_service_running_version(&e->f.svc), 1);
    main_loop_until_reset(e);
    assert_int_equal(fix_event(&e->f, OTA_EVENT_UPDATE_READY)->version, 6);
    rec = fix_record(&e->f);
    assert_int_equal(rec.version, 1);
    assert_int_equal(rec.status, OTA_STATUS_DISABLED);

    /* reset: the bootloader installs v6 */
    assert_int_equal(fix_boot(&e->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);
    assert_true(res.installed);
    assert_int_equal(res.status, OTA_STATUS_UNBOOTED);
    assert_true(fix_flash_holds(&e->f, 6));
}

static void assert_final_state(e2e_t *e)
{
    ota_db_t db = fix_db(&e->f);
    ota_bootctl_record_t rec = fix_record(&e->f);
    ota_db_row_t *row = ota_db_find_version(&db, 6);
    ota_boot_result_t res;
    uint8_t d[32];

    assert_non_null(row);
    assert_int_equal(row->status, OTA_STATUS_VALID);
    assert_string_equal(row->name, "wifi_ota106.bin");
    assert_non_null(ota_db_find_golden(&db));
    assert_int_equal(ota_db_find_golden(&db)->version, 1);
    assert_null(ota_db_find_version(&db, 3));
    assert_int_equal(rec.status, OTA_STATUS_VALID);
    assert_int_equal(rec.version, 6);
    assert_int_equal(rec.type, OTA_TYPE_PRODUCTION);
    fix_digest(6, FIX_IMAGE_SIZE, d);
    assert_memory_equal(rec.digest, d, 32);
    assert_int_equal(rec.golden_version, 1);
    assert_true(fix_store_has(&e->f, OTA_GOLDEN_NAME, NULL));

    /* the next boot jumps straight to v6, and v6 finds nothing newer */
    assert_int_equal(fix_boot(&e->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);
    assert_true(res.direct);
    fix_clear_events(&e->f);
    fix_start(&e->f);
    assert_int_equal(ota_service_check_now(&e->f.svc), OTA_OK);
    fix_run(&e->f, 0);
    assert_int_equal(fix_event(&e->f, OTA_EVENT_NO_UPDATE)->reason, OTA_OK);
    assert_int_equal(fix_temp_files(&e->f), 0);
}

static void test_factory_v1_updates_to_v6_and_v6_confirms_through_ota_app_confirm(void **state)
{
    (void)state;
    e2e_t *e = e2e_open();
    update_v1_to_v6(e);
    assert_int_equal(ota_app_confirm(&e->f.dev.boot_cfg), OTA_OK);
    assert_final_state(e);
    e2e_close(e);
}

static void test_factory_v1_updates_to_v6_and_the_service_auto_confirms_v6(void **state)
{
    (void)state;
    e2e_t *e = e2e_open();
    update_v1_to_v6(e);
    fix_clear_events(&e->f);
    e->f.cfg.auto_confirm = true;
    fix_start(&e->f);
    assert_int_equal(fix_event(&e->f, OTA_EVENT_CONFIRMED)->version, 6);
    assert_int_equal(ota_service_running_version(&e->f.svc), 6);
    assert_final_state(e);
    e2e_close(e);
}

static void test_an_unconfirmed_v6_rolls_back_to_v1_after_the_boot_attempts(void **state)
{
    (void)state;
    e2e_t *e = e2e_open();
    ota_boot_result_t res;
    update_v1_to_v6(e);
    /* v6 never confirms: after the attempt limit the bootloader gives up on it */
    for (int i = 0; i < OTA_BOOT_MAX_ATTEMPTS + 1; i++) {
        assert_int_equal(fix_boot(&e->f, &res), OTA_OK);
    }
    assert_int_equal(res.version, 1);
    assert_true(fix_flash_holds(&e->f, 1));
    /* the application's start writes the bootloader's decision into the database */
    assert_int_equal(ota_app_sync(&e->f.dev.boot_cfg), OTA_OK);
    ota_db_t db = fix_db(&e->f);
    assert_int_equal(ota_db_find_version(&db, 6)->status, OTA_STATUS_DISABLED);
    /* and the service does not fetch the failed v6 again */
    fix_clear_events(&e->f);
    e->f.cfg.periodic = false;
    fix_start(&e->f);
    assert_int_equal(ota_service_check_now(&e->f.svc), OTA_OK);
    fix_run(&e->f, 0);
    assert_int_equal(fix_event(&e->f, OTA_EVENT_NO_UPDATE)->reason, OTA_ERR_STATE);
    e2e_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_v1_updates_to_v6_and_v6_confirms_through_ota_app_confirm),
        cmocka_unit_test(test_factory_v1_updates_to_v6_and_the_service_auto_confirms_v6),
        cmocka_unit_test(test_an_unconfirmed_v6_rolls_back_to_v1_after_the_boot_attempts),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
