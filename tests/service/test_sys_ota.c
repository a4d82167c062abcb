/*
 * The SYS_OTA_* compatibility layer: an application written against the
 * original's names drives a whole update on the simulated device.
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
#include "sysota/sys_ota.h"

#define MF_URL "http://ota.test/manifest.json"
#define IMG_URL "http://ota.test/wifi_ota106.bin"

typedef struct app {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[FIX_IMAGE_SIZE];
    char mf[1024];
} app_t;

static uint32_t g_seen[256];
static uint32_t g_version[256];
static unsigned g_nseen;

/* The application's callback, as written for the original. */
static void app_cb(uint32_t event, void *data, void *cookie)
{
    const ota_service_event_data_t *d = data;
    assert_null(cookie);
    assert_non_null(d);
    assert_true(g_nseen < 256);
    g_version[g_nseen] = d->version;
    g_seen[g_nseen++] = event;
}

static int seen(uint32_t status)
{
    for (unsigned i = 0; i < g_nseen; i++) {
        if (g_seen[i] == status) {
            return (int)i;
        }
    }
    return -1;
}

static app_t *app_open(bool auto_update)
{
    app_t *a = calloc(1, sizeof *a);
    assert_non_null(a);
    fix_open(&a->f, 1);
    fake_init(&a->ft, &a->f.tp);
    fix_config(&a->f, MF_URL);
    a->f.cfg.auto_update = auto_update;
    a->f.cfg.auto_reset = false;
    fix_image(6, a->img, FIX_IMAGE_SIZE);
    fake_route_add(&a->ft, IMG_URL, a->img, FIX_IMAGE_SIZE);
    int n = snprintf(a->mf, sizeof a->mf, "{\"ota\": [");
    n += fix_entry(a->mf + n, sizeof a->mf - (size_t)n, 6, IMG_URL, false);
    n += snprintf(a->mf + n, sizeof a->mf - (size_t)n, "]}");
    fake_route_add(&a->ft, MF_URL, a->mf, (uint32_t)n);
    g_nseen = 0;
    assert_int_equal(sys_ota_setup(&a->f.cfg, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_non_null(sys_ota_service());
    return a;
}

static void app_close(app_t *a)
{
    fix_close(&a->f);
    free(a);
}

static void run_tasks(app_t *a, int n)
{
    for (int i = 0; i < n; i++) {
        SYS_OTA_Tasks();
        ota_system_posix_advance(&a->f.dev.sys_posix, 1);
    }
}

static void test_an_application_written_for_sys_ota_checks_downloads_and_resets_through_ctrl_msgs(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, sizeof(uint8_t *)),
                     SYS_OTA_SUCCESS);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 100);
    assert_int_equal(seen(SYS_OTA_UPDATE_CHECK_START), 0);
    int i = seen(SYS_OTA_UPDATE_AVAILABLE);
    assert_true(i > 0);
    assert_int_equal(g_version[i], 6);
    assert_int_equal(seen(SYS_OTA_DOWNLOAD_START), -1);

    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 500);
    static const SYS_OTA_STATUS order[] = {SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                                           SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS,
                                           SYS_OTA_DB_ENTRY_SUCCESS};
    int prev = i;
    for (unsigned k = 0; k < sizeof order / sizeof order[0]; k++) {
        int at = seen(order[k]);
        assert_true(at > prev);
        prev = at;
    }
    assert_int_equal(g_version[seen(SYS_OTA_DB_ENTRY_SUCCESS)], 6);
    assert_int_equal(seen(SYS_OTA_NONE), -1); /* progress is not forwarded */
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_READY);
    assert_int_equal(ota_system_posix_reset_requested(&a->f.dev.sys_posix), 0);

    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_SYSTEM_RESET, NULL, 0), SYS_OTA_SUCCESS);
    assert_int_equal(ota_system_posix_reset_requested(&a->f.dev.sys_posix), 1);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&a->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);
    app_close(a);
}

static void test_initiate_ota_when_idle_checks_and_downloads(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, sizeof(void *)),
                     SYS_OTA_SUCCESS);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 500);
    assert_true(seen(SYS_OTA_DB_ENTRY_SUCCESS) > seen(SYS_OTA_UPDATE_AVAILABLE));
    /* busy (ready, waiting for a reset): a second trigger is refused */
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_FAILURE);
    assert_true(seen(SYS_OTA_TRIGGER_OTA_FAILED) >= 0);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_FAILURE);
    app_close(a);
}

static void test_rollback_of_the_golden_image_reports_rollback_failed_and_factory_reset_succeeds(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, sizeof(void *)),
                     SYS_OTA_SUCCESS);
    run_tasks(a, 5);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_ROLLBACK, NULL, 0), SYS_OTA_FAILURE);
    assert_true(seen(SYS_OTA_ROLLBACK_FAILED) >= 0);
    assert_int_equal(seen(SYS_OTA_ROLLBACK_SUCCESS), -1);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_FACTORY_RESET, NULL, 0), SYS_OTA_SUCCESS);
    assert_true(seen(SYS_OTA_FACTORY_RESET_SUCCESS) >= 0);
    app_close(a);
}

static void test_ctrl_msgs_fail_before_initialisation_and_for_bad_arguments(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, NULL, sizeof(void *)), SYS_OTA_FAILURE);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, 1), SYS_OTA_FAILURE);
    assert_int_equal(SYS_OTA_CtrlMsg(99, NULL, 0), SYS_OTA_FAILURE);
    /* an initialisation that fails (no manifest URL) leaves every action refused */
    ota_service_config_t bad = a->f.cfg;
    bad.manifest_url = NULL;
    assert_int_equal(sys_ota_setup(&bad, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_null(sys_ota_service());
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_FAILURE);
    SYS_OTA_Tasks(); /* harmless */
    app_close(a);
}

static void test_every_service_event_maps_to_the_original_status_or_is_not_forwarded(void **state)
{
    (void)state;
    assert_int_equal(sys_ota_status_of(OTA_EVENT_CHECK_FAILED, OTA_ERR_NET), SYS_OTA_UPDATE_CHECK_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_NO_UPDATE, OTA_OK), SYS_OTA_UPDATE_NOTAVAILABLE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_FAILED, OTA_ERR_NET), SYS_OTA_DOWNLOAD_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_VERIFY_FAILED, OTA_ERR_DIGEST), SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_IMAGE_ERASED, OTA_OK), SYS_OTA_IMAGE_ERASED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_IMAGE_ERASE_FAILED, OTA_ERR_STATE), SYS_OTA_IMAGE_ERASE_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DATABASE_FULL, OTA_ERR_FULL), SYS_OTA_IMAGE_DATABASE_FULL);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_FACTORY_RESET, OTA_ERR_IO), SYS_OTA_FACTORY_RESET_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_ROLLBACK, OTA_OK), SYS_OTA_ROLLBACK_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_PROGRESS, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_CONFIRMED, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of((ota_service_event_t)200, OTA_OK), SYS_OTA_NONE);
}

/* The numbers an application built for the original (v3.6.0 and later,
 * v3.9.1 included) compiled in: each name keeps its value, one line each. */
static void test_every_status_control_message_and_result_keeps_the_value_of_the_original(void **state)
{
    (void)state;
    assert_int_equal(SYS_OTA_IDLE, 0);
    assert_int_equal(SYS_OTA_WAITING_FOR_NETWORK_CONNECTION, 1);
    assert_int_equal(SYS_OTA_WAITING_FOR_OTACORE_IDLE, 2);
    assert_int_equal(SYS_OTA_WAITING_FOR_USER_DEFINED_PERIOD, 3);
    assert_int_equal(SYS_OTA_UPDATE_CHECK_START, 4);
    assert_int_equal(SYS_OTA_UPDATE_CHECK_FAILED, 5);
    assert_int_equal(SYS_OTA_UPDATE_AVAILABLE, 6);
    assert_int_equal(SYS_OTA_UPDATE_NOTAVAILABLE, 7);
    assert_int_equal(SYS_OTA_TRIGGER_OTA_FAILED, 8);
    assert_int_equal(SYS_OTA_FACTORY_RESET_SUCCESS, 9);
    assert_int_equal(SYS_OTA_FACTORY_RESET_FAILED, 10);
    assert_int_equal(SYS_OTA_ROLLBACK_SUCCESS, 11);
    assert_int_equal(SYS_OTA_ROLLBACK_FAILED, 12);
    assert_int_equal(SYS_OTA_PATCH_BASEVERSION_NOTFOUND, 13);
    assert_int_equal(SYS_OTA_PATCH_EVENT_START, 14);
    assert_int_equal(SYS_OTA_PATCH_EVENT_COMPLETED, 15);
    assert_int_equal(SYS_OTA_DOWNLOAD_START, 16);
    assert_int_equal(SYS_OTA_DOWNLOAD_SUCCESS, 17);
    assert_int_equal(SYS_OTA_DOWNLOAD_FAILED, 18);
    assert_int_equal(SYS_OTA_IMAGE_DIGEST_VERIFY_START, 19);
    assert_int_equal(SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, 20);
    assert_int_equal(SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED, 21);
    assert_int_equal(SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START, 22);
    assert_int_equal(SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS, 23);
    assert_int_equal(SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED, 24);
    assert_int_equal(SYS_OTA_DB_ENTRY_SUCCESS, 25);
    assert_int_equal(SYS_OTA_IMAGE_ERASE_FAILED, 26);
    assert_int_equal(SYS_OTA_IMAGE_ERASED, 27);
    assert_int_equal(SYS_OTA_IMAGE_DATABASE_FULL, 28);
    assert_int_equal(SYS_OTA_NONE, 29);
    assert_int_equal(SYS_OTA_REGCALLBACK, 0);
    assert_int_equal(SYS_OTA_UPDATECHCK, 1);
    assert_int_equal(SYS_OTA_INITIATE_OTA, 2);
    assert_int_equal(SYS_OTA_TRIGGER_SYSTEM_RESET, 3);
    assert_int_equal(SYS_OTA_TRIGGER_FACTORY_RESET, 4);
    assert_int_equal(SYS_OTA_TRIGGER_ROLLBACK, 5);
    assert_int_equal(SYS_OTA_SUCCESS, 0);
    assert_int_equal(SYS_OTA_FAILURE, 1);
}

/* The original resets at once; ours goes through the service so that an open
 * transfer is released first, or straight to the port when there is no
 * service to go through. */
static void test_system_reset_resets_now_through_the_service_or_the_port(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    SYS_OTA_SystemReset();
    assert_int_equal(ota_system_posix_reset_requested(&a->f.dev.sys_posix), 1);
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_RESET);

    ota_service_config_t bad = a->f.cfg;
    bad.manifest_url = NULL;
    assert_int_equal(sys_ota_setup(&bad, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_null(sys_ota_service());
    SYS_OTA_SystemReset();
    assert_int_equal(ota_system_posix_reset_requested(&a->f.dev.sys_posix), 2);
    app_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_control_message_and_result_keeps_the_value_of_the_original),
        cmocka_unit_test(test_an_application_written_for_sys_ota_checks_downloads_and_resets_through_ctrl_msgs),
        cmocka_unit_test(test_initiate_ota_when_idle_checks_and_downloads),
        cmocka_unit_test(test_rollback_of_the_golden_image_reports_rollback_failed_and_factory_reset_succeeds),
        cmocka_unit_test(test_ctrl_msgs_fail_before_initialisation_and_for_bad_arguments),
        cmocka_unit_test(test_system_reset_resets_now_through_the_service_or_the_port),
        cmocka_unit_test(test_every_service_event_maps_to_the_original_status_or_is_not_forwarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
