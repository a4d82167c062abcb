/*
 * An application written the way the original's generated OTA application
 * is (PIC32MZ W1, v3.9.1): one callback with a case for every status the
 * original reports, PATCH_* included, and registration by passing the bare
 * function name to SYS_OTA_CtrlMsg() with the size of a data pointer. It
 * builds against our header unchanged: a missing name would not compile, and
 * two names sharing a value would be a duplicate case label. Then the same
 * application drives an update on the simulated device.
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
#define IMG_URL "http://ota.test/app_v4.bin"

/* What the application keeps of the service's reports. */
typedef enum { APP_OTA_QUIET, APP_OTA_BUSY, APP_OTA_READY, APP_OTA_TROUBLE } app_ota_mood_t;

static app_ota_mood_t g_mood;
static unsigned g_reports, g_unknown;

static void app_ota_events(uint32_t event, void *data, void *cookie)
{
    (void)data;
    (void)cookie;
    g_reports++;
    switch (event) {
    case SYS_OTA_UPDATE_CHECK_START:
    case SYS_OTA_UPDATE_AVAILABLE:
    case SYS_OTA_PATCH_EVENT_START:
    case SYS_OTA_PATCH_EVENT_COMPLETED:
    case SYS_OTA_DOWNLOAD_START:
    case SYS_OTA_DOWNLOAD_SUCCESS:
    case SYS_OTA_IMAGE_DIGEST_VERIFY_START:
    case SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS:
    case SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START:
    case SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS:
        g_mood = APP_OTA_BUSY;
        break;
    case SYS_OTA_UPDATE_NOTAVAILABLE:
    case SYS_OTA_IMAGE_ERASED:
    case SYS_OTA_FACTORY_RESET_SUCCESS:
    case SYS_OTA_ROLLBACK_SUCCESS:
        g_mood = APP_OTA_QUIET;
        break;
    case SYS_OTA_DB_ENTRY_SUCCESS:
        g_mood = APP_OTA_READY; /* reset when the application is ready for it */
        break;
    case SYS_OTA_UPDATE_CHECK_FAILED:
    case SYS_OTA_TRIGGER_OTA_FAILED:
    case SYS_OTA_FACTORY_RESET_FAILED:
    case SYS_OTA_ROLLBACK_FAILED:
    case SYS_OTA_PATCH_BASEVERSION_NOTFOUND:
    case SYS_OTA_DOWNLOAD_FAILED:
    case SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED:
    case SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED:
    case SYS_OTA_IMAGE_ERASE_FAILED:
    case SYS_OTA_IMAGE_DATABASE_FULL:
        g_mood = APP_OTA_TROUBLE;
        break;
    default:
        g_unknown++;
        break;
    }
}

static bool app_ota_register(void)
{
    /* As the original's applications do: the function itself, no cast. */
    return SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, app_ota_events, sizeof(uint8_t *)) == SYS_OTA_SUCCESS;
}

static void test_every_reported_status_is_a_case_of_the_application(void **state)
{
    (void)state;
    g_unknown = g_reports = 0;
    for (uint32_t s = SYS_OTA_UPDATE_CHECK_START; s < SYS_OTA_NONE; s++) {
        app_ota_events(s, NULL, NULL);
    }
    assert_int_equal(g_reports, 25);
    assert_int_equal(g_unknown, 0);
}

static void test_the_application_registers_its_callback_and_follows_an_update(void **state)
{
    (void)state;
    svc_fix_t *f = calloc(1, sizeof *f);
    fake_transport_t *ft = calloc(1, sizeof *ft);
    uint8_t *img = malloc(FIX_IMAGE_SIZE);
    char mf[512];
    int n;
    assert_non_null(f);
    assert_non_null(ft);
    assert_non_null(img);
    fix_open(f, 1);
    fake_init(ft, &f->tp);
    fix_config(f, MF_URL);
    f->cfg.auto_reset = false;
    fix_image(4, img, FIX_IMAGE_SIZE);
    fake_route_add(ft, IMG_URL, img, FIX_IMAGE_SIZE);
    n = snprintf(mf, sizeof mf, "{\"ota\": [");
    n += fix_entry(mf + n, sizeof mf - (size_t)n, 4, IMG_URL, false);
    n += snprintf(mf + n, sizeof mf - (size_t)n, "]}");
    fake_route_add(ft, MF_URL, mf, (uint32_t)n);

    assert_int_equal(sys_ota_setup(&f->cfg, &f->ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_true(app_ota_register());
    g_mood = APP_OTA_QUIET;
    g_unknown = g_reports = 0;
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    for (int i = 0; i < 1000 && g_mood != APP_OTA_READY; i++) {
        SYS_OTA_Tasks();
    }
    assert_int_equal(g_mood, APP_OTA_READY);
    assert_int_equal(g_unknown, 0);
    assert_int_equal(g_reports, 7); /* check start, available, download x2, verify x2, DB entry */

    fix_close(f);
    free(img);
    free(ft);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_reported_status_is_a_case_of_the_application),
        cmocka_unit_test(test_the_application_registers_its_callback_and_follows_an_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
