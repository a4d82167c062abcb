/*
 * ota_service_update_image(): one image named by the application (URL,
 * version, SHA-256), no manifest. It goes the way a manifest update goes
 * from the decision on, and is refused before anything is fetched when the
 * bootloader could never install it or the service is busy.
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
#include "ota_imgdb.h"

#define MF_URL "http://ota.test/manifest.json"
#define IMG_URL "http://ota.test/app_v4.bin"
#define BIG_URL "http://ota.test/big.bin"

typedef struct t {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[FIX_IMAGE_SIZE];
    uint8_t digest[32];
    char mf[512];
} t_t;

static t_t *t_open_tls(bool auto_update, bool require_tls)
{
    t_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    fix_open(&t->f, 1);
    fake_init(&t->ft, &t->f.tp);
    fix_config(&t->f, require_tls ? "https://ota.test/manifest.json" : MF_URL);
    t->f.cfg.require_tls = require_tls;
    t->f.cfg.auto_update = auto_update;
    t->f.cfg.auto_reset = false;
    fix_image(4, t->img, FIX_IMAGE_SIZE);
    fix_digest(4, FIX_IMAGE_SIZE, t->digest);
    fake_route_add(&t->ft, IMG_URL, t->img, FIX_IMAGE_SIZE);
    fix_start(&t->f);
    fix_run(&t->f, 1); /* the start-up clean pass */
    fix_clear_events(&t->f);
    return t;
}

static t_t *t_open(bool auto_update)
{
    return t_open_tls(auto_update, false);
}

static void t_close(t_t *t)
{
    fix_close(&t->f);
    free(t);
}

/* The refusal: the returned code, one TRIGGER_FAILED event with it, no
 * request sent, nothing stored, the service as it was. */
static void assert_refused(t_t *t, int got, int want, ota_service_state_t state)
{
    assert_int_equal(got, want);
    assert_int_equal(t->f.nevents, 1);
    assert_int_equal(t->f.events[0].ev, OTA_EVENT_TRIGGER_FAILED);
    assert_int_equal(t->f.events[0].d.reason, want);
    assert_int_equal(fake_gets_of(&t->ft, IMG_URL), 0);
    assert_int_equal(ota_service_state(&t->f.svc), state);
    assert_false(fix_store_has(&t->f, "app_v4.bin", NULL));
}

static void test_a_named_image_is_downloaded_verified_published_and_installed_without_a_manifest(void **state)
{
    (void)state;
    t_t *t = t_open(false); /* auto update off: the call is the go */
    static const ota_service_event_t order[] = { OTA_EVENT_UPDATE_AVAILABLE, OTA_EVENT_DOWNLOAD_START,
                                                 OTA_EVENT_DOWNLOAD_SUCCESS, OTA_EVENT_VERIFY_START,
                                                 OTA_EVENT_VERIFY_SUCCESS,   OTA_EVENT_UPDATE_READY };

    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(t->f.nevents, sizeof order / sizeof order[0]);
    for (unsigned i = 0; i < t->f.nevents; i++) {
        assert_int_equal(t->f.events[i].ev, order[i]);
        assert_int_equal(t->f.events[i].d.version, 4);
    }
    assert_int_equal(fake_gets_of(&t->ft, MF_URL), 0);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_READY);
    ota_db_t db = fix_db(&t->f);
    ota_db_row_t *row = ota_db_find_version(&db, 4);
    assert_non_null(row);
    assert_string_equal(row->name, "app_v4.bin");
    assert_int_equal(row->status, OTA_STATUS_DOWNLOADED);
    assert_memory_equal(row->digest, t->digest, 32);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_DISABLED);
    assert_int_equal(fix_temp_files(&t->f), 0);

    ota_boot_result_t res;
    assert_int_equal(fix_boot(&t->f, &res), OTA_OK);
    assert_int_equal(res.version, 4);
    assert_true(fix_flash_holds(&t->f, 4));
    t_close(t);
}

static void test_a_named_image_whose_bytes_do_not_match_its_digest_is_deleted(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    t->digest[31] ^= 1;
    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_VERIFY_FAILED)->reason, OTA_ERR_DIGEST);
    assert_int_equal(fix_find(&t->f, OTA_EVENT_UPDATE_READY, 0), -1);
    ota_db_t db = fix_db(&t->f);
    assert_null(ota_db_find_version(&db, 4));
    assert_false(fix_store_has(&t->f, "app_v4.bin", NULL));
    assert_int_equal(fix_temp_files(&t->f), 0);
    assert_int_equal(fix_record(&t->f).status, OTA_STATUS_VALID);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    t_close(t);
}

static void test_a_version_not_above_the_running_one_is_refused_before_anything_is_fetched(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    /* running v1: v1 itself, and anything lower, would never be installed */
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 1, t->digest), OTA_ERR_DOWNGRADE, OTA_SERVICE_IDLE);
    assert_int_equal(t->f.events[0].d.version, 1);
    fix_clear_events(&t->f);
    fix_install(&t->f, 5);
    fix_start(&t->f);
    fix_run(&t->f, 1);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_ERR_DOWNGRADE, OTA_SERVICE_IDLE);
    t_close(t);
}

static void test_an_image_larger_than_the_application_region_is_refused_before_it_is_stored(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    uint32_t size = t->f.cfg.layout.app_size + 1;
    uint8_t *big = calloc(1, size);
    assert_non_null(big);
    fake_route_add(&t->ft, BIG_URL, big, size);
    assert_int_equal(ota_service_update_image(&t->f.svc, BIG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_TOO_LARGE);
    assert_int_equal(t->f.progress_events, 0); /* not a byte stored */
    assert_false(fix_store_has(&t->f, "big.bin", NULL));
    assert_int_equal(fix_temp_files(&t->f), 0);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_IDLE);
    free(big);
    t_close(t);
}

static void test_a_named_image_is_refused_while_a_check_runs_or_an_update_is_ready(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    fake_route_add(&t->ft, MF_URL, "{\"ota\": []}", 11)->stall_after = 1;
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    for (int i = 0; i < 3; i++) {
        ota_service_task(&t->f.svc);
    }
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_CHECKING);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_ERR_STATE, OTA_SERVICE_CHECKING);
    t_close(t);

    t = t_open(true);
    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_READY);
    fix_clear_events(&t->f);
    int err = ota_service_update_image(&t->f.svc, IMG_URL, 5, t->digest);
    assert_int_equal(err, OTA_ERR_STATE);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_TRIGGER_FAILED)->reason, OTA_ERR_STATE);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_READY);
    t_close(t);
}

static void test_a_named_image_with_an_unusable_url_or_arguments_is_refused(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    char long_url[OTA_URL_MAX + 40];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "http://h/", 9);
    long_url[sizeof long_url - 1] = '\0';

    assert_refused(t, ota_service_update_image(&t->f.svc, "ftp://ota.test/a.bin", 4, t->digest), OTA_ERR_URL,
                   OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, "http://ota.test/", 4, t->digest), OTA_ERR_URL,
                   OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, "http://ota.test/.dl_4.tmp", 4, t->digest), OTA_ERR_NAME,
                   OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, long_url, 4, t->digest), OTA_ERR_TOO_LARGE, OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, NULL, 4, t->digest), OTA_ERR_INVALID_ARG, OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 4, NULL), OTA_ERR_INVALID_ARG, OTA_SERVICE_IDLE);
    fix_clear_events(&t->f);
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 0, t->digest), OTA_ERR_INVALID_ARG,
                   OTA_SERVICE_IDLE);
    assert_int_equal(ota_service_update_image(NULL, IMG_URL, 4, t->digest), OTA_ERR_INVALID_ARG);
    t_close(t);

    t = t_open_tls(true, true);
    assert_refused(t, ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_ERR_TLS_REQUIRED,
                   OTA_SERVICE_IDLE);
    t_close(t);
}

static void test_a_named_image_replaces_an_offer_waiting_for_the_go(void **state)
{
    (void)state;
    t_t *t = t_open(false);
    static const char v3_url[] = "http://ota.test/app_v3.bin";
    uint8_t *img3 = malloc(FIX_IMAGE_SIZE);
    assert_non_null(img3);
    fix_image(3, img3, FIX_IMAGE_SIZE);
    fake_route_add(&t->ft, v3_url, img3, FIX_IMAGE_SIZE);
    int n = snprintf(t->mf, sizeof t->mf, "{\"ota\": [");
    n += fix_entry(t->mf + n, sizeof t->mf - (size_t)n, 3, v3_url, false);
    n += snprintf(t->mf + n, sizeof t->mf - (size_t)n, "]}");
    fake_route_add(&t->ft, MF_URL, t->mf, (uint32_t)n);
    assert_int_equal(ota_service_check_now(&t->f.svc), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(ota_service_state(&t->f.svc), OTA_SERVICE_AVAILABLE);
    assert_int_equal(ota_service_update_version(&t->f.svc), 3);

    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 4);
    assert_int_equal(fake_gets_of(&t->ft, v3_url), 0);
    ota_db_t db = fix_db(&t->f);
    assert_null(ota_db_find_version(&db, 3));
    assert_non_null(ota_db_find_version(&db, 4));
    free(img3);
    t_close(t);
}

/* A cut between the rename and the row left the image without its row, and
 * a cut elsewhere left a temporary file: asked for right at start-up, the
 * image is adopted without a download, and the start-up clean pass still
 * runs first (adoption has no download clean to catch the leftover). */
static void test_a_named_image_asked_for_at_start_up_waits_for_the_leftovers_of_a_cut_to_go(void **state)
{
    (void)state;
    t_t *t = t_open(true);
    fix_store_write(&t->f, "app_v4.bin", t->img, FIX_IMAGE_SIZE);
    fix_store_write(&t->f, ".db_swap.tmp", "x", 1);
    fix_start(&t->f); /* its clean pass is pending */
    assert_int_equal(ota_service_update_image(&t->f.svc, IMG_URL, 4, t->digest), OTA_OK);
    fix_run(&t->f, 1);
    assert_int_equal(fix_event(&t->f, OTA_EVENT_UPDATE_READY)->version, 4);
    assert_int_equal(fake_gets_of(&t->ft, IMG_URL), 0);
    assert_false(fix_store_has(&t->f, ".db_swap.tmp", NULL));
    assert_int_equal(fix_temp_files(&t->f), 0);
    t_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_named_image_is_downloaded_verified_published_and_installed_without_a_manifest),
        cmocka_unit_test(test_a_named_image_whose_bytes_do_not_match_its_digest_is_deleted),
        cmocka_unit_test(test_a_version_not_above_the_running_one_is_refused_before_anything_is_fetched),
        cmocka_unit_test(test_an_image_larger_than_the_application_region_is_refused_before_it_is_stored),
        cmocka_unit_test(test_a_named_image_is_refused_while_a_check_runs_or_an_update_is_ready),
        cmocka_unit_test(test_a_named_image_with_an_unusable_url_or_arguments_is_refused),
        cmocka_unit_test(test_a_named_image_replaces_an_offer_waiting_for_the_go),
        cmocka_unit_test(test_a_named_image_asked_for_at_start_up_waits_for_the_leftovers_of_a_cut_to_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
