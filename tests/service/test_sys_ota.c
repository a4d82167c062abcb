/*
 * The SYS_OTA_* compatibility layer: the original's values, and an
 * application written against the original's names driving each story
 * (update, erase request, rollback, factory reset, a named image) on the
 * simulated device, seeing the statuses in the order the original gives
 * them (docs/service.md, "Event order").
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
#include "sysota/sys_ota.h"

#define MF_URL "http://ota.test/manifest.json"
#define MAX_VER 8

typedef struct app {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[MAX_VER][FIX_IMAGE_SIZE];
    char url[MAX_VER][64];
    char mf[2048];
    uint8_t patch[2 * FIX_IMAGE_SIZE];
    fix_delta_t d;
} app_t;

/* What the application's callback saw. */
static uint32_t g_seen[256];
static uint32_t g_version[256];
static int g_reason[256];
static unsigned g_nseen;

/* The application's callback, as written for the original. */
static void app_cb(uint32_t event, void *data, void *cookie)
{
    const ota_service_event_data_t *d = data;
    assert_null(cookie);
    assert_non_null(d);
    assert_true(g_nseen < 256);
    g_version[g_nseen] = d->version;
    g_reason[g_nseen] = d->reason;
    g_seen[g_nseen++] = event;
}

/* The callback saw exactly `want`, in order; then forget it. */
static void expect_seen(const SYS_OTA_STATUS *want, unsigned n)
{
    for (unsigned i = 0; i < n || i < g_nseen; i++) {
        if (i >= n || i >= g_nseen || g_seen[i] != (uint32_t)want[i]) {
            fail_msg("status %u: saw %d, the original gives %d (saw %u statuses, want %u)", i,
                     i < g_nseen ? (int)g_seen[i] : -1, i < n ? (int)want[i] : -1, g_nseen, n);
        }
    }
    g_nseen = 0;
}
#define EXPECT_SEEN(...)                                       \
    do {                                                       \
        static const SYS_OTA_STATUS want_[] = { __VA_ARGS__ }; \
        expect_seen(want_, sizeof want_ / sizeof want_[0]);    \
    } while (0)

/* Serve {"ota":[...]}: one entry per version, negative for an EraseVer entry. */
static void app_manifest(app_t *a, int n, const int *versions)
{
    size_t len = (size_t)snprintf(a->mf, sizeof a->mf, "{\"ota\": [");
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(versions[i] < 0 ? -versions[i] : versions[i]);
        len += (size_t)fix_entry(a->mf + len, sizeof a->mf - len, v, a->url[v], versions[i] < 0);
        if (i + 1 < n) {
            a->mf[len++] = ',';
        }
    }
    len += (size_t)snprintf(a->mf + len, sizeof a->mf - len, "]}");
    fake_route_add(&a->ft, MF_URL, a->mf, (uint32_t)len);
}

/* Factory v1, `running` installed and confirmed over it (1: none), then the
 * application starts: setup, initialise, register. */
static app_t *app_start(uint32_t running, bool auto_update, bool auto_reset)
{
    app_t *a = calloc(1, sizeof *a);
    assert_non_null(a);
    fix_open(&a->f, 1);
    if (running != 1) {
        fix_install(&a->f, running);
    }
    fake_init(&a->ft, &a->f.tp);
    fix_config(&a->f, MF_URL);
    a->f.cfg.auto_update = auto_update;
    a->f.cfg.auto_reset = auto_reset;
    for (uint32_t v = 1; v < MAX_VER; v++) {
        fix_image(v, a->img[v], FIX_IMAGE_SIZE);
        snprintf(a->url[v], sizeof a->url[v], "http://ota.test/app_v%u.bin", (unsigned)v);
        fake_route_add(&a->ft, a->url[v], a->img[v], FIX_IMAGE_SIZE);
    }
    app_manifest(a, 1, (const int[]){ 6 });
    assert_int_equal(sys_ota_setup(&a->f.cfg, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_non_null(sys_ota_service());
    assert_int_equal(ota_service_running_version(sys_ota_service()), running);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, sizeof(uint8_t *)),
                     SYS_OTA_SUCCESS);
    g_nseen = 0;
    return a;
}

static app_t *app_open(bool auto_update)
{
    return app_start(1, auto_update, false);
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
        posix_system_advance(&a->f.dev.sys_posix, 1);
    }
}

/* The application's main loop until the service waits for something: two
 * task calls in a row leave it waiting (a request taken by the first call
 * starts its job in the second at the latest). */
static void run_until_settled(app_t *a)
{
    int waiting = 0;
    for (int i = 0; i < 100000 && waiting < 2; i++) {
        SYS_OTA_Tasks();
        posix_system_advance(&a->f.dev.sys_posix, 1);
        ota_service_state_t st = ota_service_state(sys_ota_service());
        bool settled =
            st == OTA_SERVICE_IDLE || st == OTA_SERVICE_AVAILABLE || st == OTA_SERVICE_READY || st == OTA_SERVICE_RESET;
        waiting = settled ? waiting + 1 : 0;
    }
    if (waiting < 2) {
        fail_msg("the service never settled");
    }
}

static uint32_t resets(app_t *a)
{
    return (uint32_t)posix_system_reset_requested(&a->f.dev.sys_posix);
}

static uint32_t boot(app_t *a)
{
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&a->f, &res), OTA_OK);
    return res.version;
}

/* Name image v (its URL, version and digest) for the next go. */
static void name_image(app_t *a, uint32_t v)
{
    char hex[65];
    fix_digest_hex(v, FIX_IMAGE_SIZE, hex);
    SYS_OTA_SET_PARAMETERS(a->url[v], v, hex);
}

/* The go, taken, and the main loop until it is over. */
static void go(app_t *a)
{
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
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

/* Update, manual: check, go, reset. The store is full, so room is made for
 * the update: the original overwrites its oldest row silently, and so does
 * the compatibility layer (the old image is gone all the same). */
static void test_story_update_check_then_go_then_reset_gives_the_original_order(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    a->f.cfg.max_images = 2;
    fix_store_image(&a->f, 2, NULL, OTA_STATUS_DISABLED);
    assert_int_equal(sys_ota_setup(&a->f.cfg, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();

    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    assert_int_equal(g_version[1], 6);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE);

    go(a);
    assert_int_equal(g_version[4], 6);
    EXPECT_SEEN(SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS, SYS_OTA_IMAGE_DIGEST_VERIFY_START,
                SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    ota_db_t db = fix_db(&a->f);
    assert_null(ota_db_find_version(&db, 2)); /* the room was made */
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_READY);
    assert_int_equal(resets(a), 0);

    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_SYSTEM_RESET, NULL, 0), SYS_OTA_SUCCESS);
    assert_int_equal(resets(a), 0); /* asked for, done by the next task call */
    run_tasks(a, 1);
    assert_int_equal(resets(a), 1);
    EXPECT_SEEN();
    assert_int_equal(boot(a), 6);
    app_close(a);
}

/* Update, automatic: one check downloads and resets by itself. */
static void test_story_update_with_auto_update_and_auto_reset_gives_the_original_order(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(resets(a), 1);
    assert_int_equal(boot(a), 6);
    app_close(a);
}

/* Update that fails: the failure ends the story, as in the original. */
static void test_story_update_of_a_corrupt_image_ends_with_verify_failed(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, false);
    a->img[6][100] ^= 0xFF;
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    assert_int_equal(g_reason[5], OTA_ERR_DIGEST);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED);
    app_close(a);
}

/* Erase: a manifest whose entry asks to erase a stored version. The original
 * answers such a check with the erase alone, no "not available". */
static void test_story_erase_request_gives_check_start_then_erased_or_erase_failed(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    fix_store_image(&a->f, 3, NULL, OTA_STATUS_DOWNLOADED);
    app_manifest(a, 1, (const int[]){ -3 });
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    assert_int_equal(g_version[1], 3);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_IMAGE_ERASED);
    ota_db_t db = fix_db(&a->f);
    assert_null(ota_db_find_version(&db, 3));
    assert_false(fix_store_has(&a->f, "app_v3.bin", NULL));

    /* the running (and golden) image is never erased */
    app_manifest(a, 1, (const int[]){ -1 });
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    assert_int_equal(g_reason[1], OTA_ERR_STATE);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_IMAGE_ERASE_FAILED);

    /* a version that is not stored: nothing to erase is not a failure */
    app_manifest(a, 1, (const int[]){ -5 });
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_NOTAVAILABLE);

    /* a check with nothing to erase nor to update still says so */
    app_manifest(a, 1, (const int[]){ 1 });
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_NOTAVAILABLE);
    app_close(a);
}

/* An update already stored and recorded, its mark lost to a cut: the check
 * only redoes the mark, so the download statuses are skipped. */
static void test_story_update_already_stored_goes_from_available_to_db_entry(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    fix_store_image(&a->f, 6, NULL, OTA_STATUS_DOWNLOADED);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(fake_gets_of(&a->ft, a->url[6]), 0);
    assert_int_equal(fix_record(&a->f).status, OTA_STATUS_DISABLED);
    app_close(a);
}

/* Rollback of an installed update: one status, then (auto reset) the reset
 * and the bootloader goes back to the factory image. */
static void test_story_rollback_gives_rollback_success_then_the_previous_image_runs(void **state)
{
    (void)state;
    app_t *a = app_start(4, true, true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_ROLLBACK, NULL, 0), SYS_OTA_SUCCESS);
    EXPECT_SEEN(); /* nothing from inside the call */
    run_tasks(a, 1);
    EXPECT_SEEN(SYS_OTA_ROLLBACK_SUCCESS);
    assert_int_equal(resets(a), 1);
    assert_int_equal(boot(a), 1);
    app_close(a);
}

/* Rollback of the factory image: refused. The original says nothing at all
 * there; ours says ROLLBACK_FAILED (docs/service.md). */
static void test_story_rollback_of_the_factory_image_gives_rollback_failed(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_ROLLBACK, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 1);
    assert_int_equal(g_reason[0], OTA_ERR_STATE);
    EXPECT_SEEN(SYS_OTA_ROLLBACK_FAILED);
    assert_int_equal(resets(a), 0);
    app_close(a);
}

/* Factory reset: one status; the next boot runs the factory image and the
 * update is gone from the store. */
static void test_story_factory_reset_gives_factory_reset_success_then_the_factory_image_runs(void **state)
{
    (void)state;
    app_t *a = app_start(4, true, false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_FACTORY_RESET, NULL, 0), SYS_OTA_SUCCESS);
    EXPECT_SEEN();
    run_tasks(a, 1);
    EXPECT_SEEN(SYS_OTA_FACTORY_RESET_SUCCESS);
    assert_int_equal(resets(a), 0); /* auto reset off: the application resets */
    SYS_OTA_SystemReset();
    assert_int_equal(resets(a), 1);
    assert_int_equal(boot(a), 1);
    assert_false(fix_store_has(&a->f, "app_v4.bin", NULL));
    app_close(a);
}

/* A named image: parameters, then the go. The original goes from the go
 * straight to the download; the manifest is never fetched. */
static void test_story_named_image_downloads_verifies_and_installs_in_the_original_order(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    name_image(a, 4);
    run_tasks(a, 3);
    EXPECT_SEEN(); /* parameters alone start nothing */
    go(a);
    assert_int_equal(g_version[0], 4);
    EXPECT_SEEN(SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS, SYS_OTA_IMAGE_DIGEST_VERIFY_START,
                SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(fake_gets_of(&a->ft, MF_URL), 0);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_SYSTEM_RESET, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 1);
    assert_int_equal(boot(a), 4);
    app_close(a);
}

/* Digest text that is not 64 hex digits: refused when the go comes, before
 * anything is fetched. */
static void test_named_image_with_bad_digest_text_is_refused_with_trigger_failed(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    char hex[65], bad[66];
    fix_digest_hex(4, FIX_IMAGE_SIZE, hex);
    const char *cases[4];
    snprintf(bad, sizeof bad, "%.63s", hex); /* 63 digits */
    cases[0] = bad;
    static char nonhex[65];
    memcpy(nonhex, hex, sizeof nonhex);
    nonhex[10] = 'g';
    cases[1] = nonhex;
    static char longer[67];
    snprintf(longer, sizeof longer, "%s\n", hex); /* 64 digits and a newline */
    cases[2] = longer;
    cases[3] = NULL;
    for (unsigned i = 0; i < 4; i++) {
        SYS_OTA_SET_PARAMETERS(a->url[4], 4, (char *)(uintptr_t)cases[i]);
        assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
        run_until_settled(a);
        assert_int_equal(g_reason[0], OTA_ERR_INVALID_ARG);
        assert_int_equal(g_version[0], 4);
        EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    }
    assert_int_equal(a->ft.gets, 0);
    app_close(a);
}

/* A version not above the running one would never be installed (the
 * bootloader runs the highest): refused before anything is fetched. The
 * original skips the version check here. */
static void test_named_image_not_above_the_running_version_is_refused_as_a_downgrade(void **state)
{
    (void)state;
    app_t *a = app_start(5, true, false);
    name_image(a, 4);
    go(a);
    assert_int_equal(g_reason[0], OTA_ERR_DOWNGRADE);
    EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    name_image(a, 5); /* the running version itself */
    go(a);
    assert_int_equal(g_reason[0], OTA_ERR_DOWNGRADE);
    EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    assert_int_equal(a->ft.gets, 0);
    app_close(a);
}

/* Larger than the application region: the bootloader could never install
 * it; the download stops at the announced length, before a byte is stored. */
static void test_named_image_larger_than_the_application_region_is_refused_by_the_download(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    uint32_t size = a->f.cfg.layout.app_size + 1;
    uint8_t *big = calloc(1, size);
    char hex[65];
    assert_non_null(big);
    fake_route_add(&a->ft, "http://ota.test/big.bin", big, size);
    fix_digest_hex(4, FIX_IMAGE_SIZE, hex);
    SYS_OTA_SET_PARAMETERS("http://ota.test/big.bin", 4, hex);
    go(a);
    assert_int_equal(g_reason[1], OTA_ERR_TOO_LARGE);
    EXPECT_SEEN(SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_FAILED);
    assert_false(fix_store_has(&a->f, "big.bin", NULL));
    assert_int_equal(fix_temp_files(&a->f), 0);

    /* a URL longer than the service keeps: refused at the go */
    char url[OTA_URL_MAX + 20];
    memset(url, 'a', sizeof url);
    memcpy(url, "http://h/", 9);
    url[sizeof url - 1] = '\0';
    SYS_OTA_SET_PARAMETERS(url, 4, hex);
    go(a);
    assert_int_equal(g_reason[0], OTA_ERR_TOO_LARGE);
    EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    free(big);
    app_close(a);
}

/* Busy: during a check the go is not taken (FAILURE, no status, as the
 * original); with an update ready it is taken and refused by the service. */
static void test_named_image_while_busy_is_refused(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    fake_route_t *r = fake_route_add(&a->ft, MF_URL, a->mf, (uint32_t)strlen(a->mf));
    r->stall_after = 5;
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 5);
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_CHECKING);
    name_image(a, 4);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_FAILURE);
    run_tasks(a, 5);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START);
    app_close(a);

    a = app_open(false);
    name_image(a, 4);
    go(a);
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_READY);
    g_nseen = 0;
    name_image(a, 5);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 1);
    assert_int_equal(g_reason[0], OTA_ERR_STATE);
    EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    assert_int_equal(fake_gets_of(&a->ft, a->url[5]), 0);
    app_close(a);
}

/* As in the original, the go downloads what was named last: a check that
 * found an update after the parameters replaces them. */
static void test_a_check_that_finds_an_update_replaces_the_named_image(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    name_image(a, 4);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE);
    go(a);
    assert_int_equal(g_version[g_nseen - 1], 6);
    assert_int_equal(fake_gets_of(&a->ft, a->url[4]), 0);
    app_close(a);
}

static void test_initiate_ota_when_idle_checks_and_downloads(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    go(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    /* an update is ready, waiting for the reset: a go or a check is taken
     * and refused by the service */
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_INITIATE_OTA, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 1);
    assert_int_equal(g_reason[0], OTA_ERR_STATE);
    EXPECT_SEEN(SYS_OTA_TRIGGER_OTA_FAILED);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_tasks(a, 1);
    assert_int_equal(g_reason[0], OTA_ERR_STATE);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_FAILED);
    app_close(a);
}

/* Requests are queued one at a time and run by SYS_OTA_Tasks(), never
 * inside SYS_OTA_CtrlMsg(). */
static void test_ctrl_msgs_run_in_the_next_task_call_one_at_a_time(void **state)
{
    (void)state;
    app_t *a = app_open(false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_FACTORY_RESET, NULL, 0), SYS_OTA_FAILURE);
    EXPECT_SEEN();
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE);
    /* a request dropped by a new initialisation never runs */
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_SYSTEM_RESET, NULL, 0), SYS_OTA_SUCCESS);
    SYS_OTA_Initialize();
    run_tasks(a, 3);
    assert_int_equal(resets(a), 0);
    app_close(a);
}

static void test_ctrl_msgs_fail_before_initialisation_and_for_bad_arguments(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, NULL, sizeof(void *)), SYS_OTA_FAILURE);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, (void *)(uintptr_t)app_cb, 1), SYS_OTA_FAILURE);
    assert_int_equal(SYS_OTA_CtrlMsg(99, NULL, 0), SYS_OTA_FAILURE);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_ROLLBACK + 1, NULL, 0), SYS_OTA_FAILURE);
    /* an initialisation that fails (no manifest URL) leaves every action refused */
    ota_service_config_t bad = a->f.cfg;
    bad.manifest_url = NULL;
    assert_int_equal(sys_ota_setup(&bad, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_null(sys_ota_service());
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_FAILURE);
    SYS_OTA_Tasks(); /* harmless */
    EXPECT_SEEN();
    app_close(a);
}

/* The original resets at once; ours goes through the service so that an open
 * transfer is released first, or straight to the port when there is no
 * service to go through. */
static void test_system_reset_resets_now_through_the_service_or_the_port(void **state)
{
    (void)state;
    app_t *a = app_open(true);
    SYS_OTA_SystemReset();
    assert_int_equal(resets(a), 1);
    assert_int_equal(ota_service_state(sys_ota_service()), OTA_SERVICE_RESET);

    ota_service_config_t bad = a->f.cfg;
    bad.manifest_url = NULL;
    assert_int_equal(sys_ota_setup(&bad, &a->f.ports), OTA_OK);
    SYS_OTA_Initialize();
    assert_null(sys_ota_service());
    SYS_OTA_SystemReset();
    assert_int_equal(resets(a), 2);
    app_close(a);
}

static void test_every_service_event_maps_to_the_original_status_or_is_not_forwarded(void **state)
{
    (void)state;
    assert_int_equal(sys_ota_status_of(OTA_EVENT_CHECK_START, OTA_OK), SYS_OTA_UPDATE_CHECK_START);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_CHECK_FAILED, OTA_ERR_NET), SYS_OTA_UPDATE_CHECK_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_UPDATE_AVAILABLE, OTA_OK), SYS_OTA_UPDATE_AVAILABLE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_NO_UPDATE, OTA_OK), SYS_OTA_UPDATE_NOTAVAILABLE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_START, OTA_OK), SYS_OTA_DOWNLOAD_START);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_PROGRESS, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_SUCCESS, OTA_OK), SYS_OTA_DOWNLOAD_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DOWNLOAD_FAILED, OTA_ERR_NET), SYS_OTA_DOWNLOAD_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_VERIFY_START, OTA_OK), SYS_OTA_IMAGE_DIGEST_VERIFY_START);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_VERIFY_SUCCESS, OTA_OK), SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_VERIFY_FAILED, OTA_ERR_DIGEST), SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_UPDATE_READY, OTA_OK), SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_IMAGE_ERASED, OTA_OK), SYS_OTA_IMAGE_ERASED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_IMAGE_ERASE_FAILED, OTA_ERR_STATE), SYS_OTA_IMAGE_ERASE_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_DATABASE_FULL, OTA_ERR_FULL), SYS_OTA_IMAGE_DATABASE_FULL);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_FACTORY_RESET, OTA_OK), SYS_OTA_FACTORY_RESET_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_FACTORY_RESET, OTA_ERR_IO), SYS_OTA_FACTORY_RESET_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_ROLLBACK, OTA_OK), SYS_OTA_ROLLBACK_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_ROLLBACK, OTA_ERR_STATE), SYS_OTA_ROLLBACK_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_CONFIRMED, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_TRIGGER_FAILED, OTA_ERR_STATE), SYS_OTA_TRIGGER_OTA_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_RESET, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_BASE_NOT_FOUND, OTA_ERR_NOT_FOUND),
                     SYS_OTA_PATCH_BASEVERSION_NOTFOUND);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_START, OTA_OK), SYS_OTA_PATCH_EVENT_START);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_PROGRESS, OTA_OK), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_COMPLETED, OTA_OK), SYS_OTA_PATCH_EVENT_COMPLETED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_VERIFY_START, OTA_OK), SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_VERIFY_SUCCESS, OTA_OK),
                     SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_VERIFY_FAILED, OTA_ERR_DIGEST),
                     SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED);
    assert_int_equal(sys_ota_status_of(OTA_EVENT_PATCH_FALLBACK, OTA_ERR_DIGEST), SYS_OTA_NONE);
    assert_int_equal(sys_ota_status_of((ota_service_event_t)200, OTA_OK), SYS_OTA_NONE);
}

/* v6 offered with a JojoDiff patch from v1 (the running golden image); target: the image's digest or another. */
static void app_delta(app_t *a, bool wrong_target, bool foreign_base)
{
    uint8_t *base = malloc(FIX_IMAGE_SIZE);
    assert_non_null(base);
    fix_image(1, base, FIX_IMAGE_SIZE);
    a->d.version = 6;
    a->d.img = a->img[6];
    a->d.len = FIX_IMAGE_SIZE;
    a->d.img_url = a->url[6];
    a->d.plen = fix_jojo_patch(base, FIX_IMAGE_SIZE, wrong_target ? a->img[5] : a->img[6], FIX_IMAGE_SIZE, a->patch,
                               sizeof a->patch);
    a->d.patch = a->patch;
    a->d.patch_url = "http://ota.test/v1_to_v6.jdiff";
    a->d.base_version = 1;
    fix_sha_hex(foreign_base ? a->img[2] : base, FIX_IMAGE_SIZE, a->d.base_hex);
    free(base);
    fix_serve_delta(&a->ft, MF_URL, &a->d, a->mf, sizeof a->mf);
}

/* A delta update: the patch is downloaded and checked like an image, then
 * the original's PATCH statuses around its application and the check of
 * the image it built. */
static void test_story_delta_update_gives_the_patch_statuses_in_order(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, false);
    app_delta(a, false, false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_PATCH_EVENT_START,
                SYS_OTA_PATCH_EVENT_COMPLETED, SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START,
                SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(fake_gets_of(&a->ft, a->url[6]), 0);
    assert_int_equal(boot(a), 6);
    app_close(a);
}

/* A patch building another image: PATCH_IMAGE_DIGEST_VERIFY_FAILED, then the full image. */
static void test_story_delta_update_whose_image_is_wrong_fails_its_verify_then_downloads_the_image(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, false);
    app_delta(a, true, false);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    assert_int_equal(g_reason[9], OTA_ERR_DIGEST);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_PATCH_EVENT_START,
                SYS_OTA_PATCH_EVENT_COMPLETED, SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START,
                SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED, SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS,
                SYS_OTA_IMAGE_DIGEST_VERIFY_START, SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(boot(a), 6);
    app_close(a);
}

/* No base with that digest: BASEVERSION_NOTFOUND, then the full image. */
static void test_story_delta_update_without_its_base_gives_baseversion_notfound_then_the_image(void **state)
{
    (void)state;
    app_t *a = app_start(1, true, false);
    app_delta(a, false, true);
    assert_int_equal(SYS_OTA_CtrlMsg(SYS_OTA_UPDATECHCK, NULL, 0), SYS_OTA_SUCCESS);
    run_until_settled(a);
    EXPECT_SEEN(SYS_OTA_UPDATE_CHECK_START, SYS_OTA_UPDATE_AVAILABLE, SYS_OTA_PATCH_BASEVERSION_NOTFOUND,
                SYS_OTA_DOWNLOAD_START, SYS_OTA_DOWNLOAD_SUCCESS, SYS_OTA_IMAGE_DIGEST_VERIFY_START,
                SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, SYS_OTA_DB_ENTRY_SUCCESS);
    assert_int_equal(boot(a), 6);
    app_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_control_message_and_result_keeps_the_value_of_the_original),
        cmocka_unit_test(test_story_update_check_then_go_then_reset_gives_the_original_order),
        cmocka_unit_test(test_story_update_with_auto_update_and_auto_reset_gives_the_original_order),
        cmocka_unit_test(test_story_update_of_a_corrupt_image_ends_with_verify_failed),
        cmocka_unit_test(test_story_delta_update_gives_the_patch_statuses_in_order),
        cmocka_unit_test(test_story_delta_update_whose_image_is_wrong_fails_its_verify_then_downloads_the_image),
        cmocka_unit_test(test_story_delta_update_without_its_base_gives_baseversion_notfound_then_the_image),
        cmocka_unit_test(test_story_erase_request_gives_check_start_then_erased_or_erase_failed),
        cmocka_unit_test(test_story_update_already_stored_goes_from_available_to_db_entry),
        cmocka_unit_test(test_story_rollback_gives_rollback_success_then_the_previous_image_runs),
        cmocka_unit_test(test_story_rollback_of_the_factory_image_gives_rollback_failed),
        cmocka_unit_test(test_story_factory_reset_gives_factory_reset_success_then_the_factory_image_runs),
        cmocka_unit_test(test_story_named_image_downloads_verifies_and_installs_in_the_original_order),
        cmocka_unit_test(test_named_image_with_bad_digest_text_is_refused_with_trigger_failed),
        cmocka_unit_test(test_named_image_not_above_the_running_version_is_refused_as_a_downgrade),
        cmocka_unit_test(test_named_image_larger_than_the_application_region_is_refused_by_the_download),
        cmocka_unit_test(test_named_image_while_busy_is_refused),
        cmocka_unit_test(test_a_check_that_finds_an_update_replaces_the_named_image),
        cmocka_unit_test(test_initiate_ota_when_idle_checks_and_downloads),
        cmocka_unit_test(test_ctrl_msgs_run_in_the_next_task_call_one_at_a_time),
        cmocka_unit_test(test_ctrl_msgs_fail_before_initialisation_and_for_bad_arguments),
        cmocka_unit_test(test_system_reset_resets_now_through_the_service_or_the_port),
        cmocka_unit_test(test_every_service_event_maps_to_the_original_status_or_is_not_forwarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
