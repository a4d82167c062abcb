/*
 * Power-loss sweep of the service: for every mutating store / flash
 * operation k of one update (download, sync, rename, database swap, boot
 * control append, and the clean-ups), cut the power right at k (skip, whole
 * or torn), reboot, and check that
 *  - the bootloader starts a verified image (the old or the new one),
 *  - the golden image is still stored,
 *  - a fresh service finishes the update (resuming or adopting what the cut
 *    left) and the next boot runs it, and then finds no update (a 304 once
 *    the poll state knows the manifest),
 *  - no temporary file is left behind.
 * The same over a delta update (the patch downloaded, the image rebuilt).
 * Then what a cut in the middle of a download costs: the bytes fetched a
 * second time are at most the configured sync interval.
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
#define IMG_URL "http://ota.test/app_v6.bin"

#define PATCH_URL "http://ota.test/v1_to_v6.jdiff"

typedef struct sweep {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[FIX_IMAGE_SIZE];
    char mf[2048];
    bool delta;
    uint8_t base[FIX_IMAGE_SIZE];
    uint8_t patch[2 * FIX_IMAGE_SIZE];
    fix_delta_t d;
} sweep_t;

/* The same update by a JojoDiff patch from the golden v1 (stored and running). */
static void serve_delta(sweep_t *s)
{
    s->delta = true;
    fix_image(1, s->base, FIX_IMAGE_SIZE);
    s->d.version = 6;
    s->d.img = s->img;
    s->d.len = FIX_IMAGE_SIZE;
    s->d.img_url = IMG_URL;
    s->d.plen = fix_jojo_patch(s->base, FIX_IMAGE_SIZE, s->img, FIX_IMAGE_SIZE, s->patch, sizeof s->patch);
    s->d.patch = s->patch;
    s->d.patch_url = PATCH_URL;
    s->d.base_version = 1;
    fix_sha_hex(s->base, FIX_IMAGE_SIZE, s->d.base_hex);
    fix_serve_delta(&s->ft, MF_URL, &s->d, s->mf, sizeof s->mf);
    strcpy(fake_route(&s->ft, PATCH_URL)->etag, "\"patch-6\"");
}

/* The full update's download chunk. */
#define SWEEP_CHUNK 1024u

static sweep_t *sweep_open(bool delta)
{
    sweep_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    fix_open(&s->f, 1);
    fake_init(&s->ft, &s->f.tp);
    fix_config(&s->f, MF_URL);
    s->f.cfg.full_check_every = 0; /* every restart may send the validator */
    fix_serve_update(&s->ft, 6, MF_URL, IMG_URL, s->img, s->mf, sizeof s->mf);
    if (delta) {
        serve_delta(s);
    } else {
        /* 1 KiB chunks: a cut point between every two of them. A delta
         * update needs the whole buffer (its decoder's state is there). */
        s->f.cfg.buf_size = SWEEP_CHUNK;
    }
    /* Validators, so that every cut also meets the poll state's writes
     * (the download's If-Range validator, the manifest's at the end). */
    strcpy(fake_route(&s->ft, IMG_URL)->etag, "\"img-6\"");
    strcpy(fake_route(&s->ft, MF_URL)->etag, "\"mf-6\"");
    return s;
}

static void sweep_close(sweep_t *s)
{
    fix_close(&s->f);
    free(s);
}

/* A new service on the rebooted device: init, check, run until quiet. */
static void service_round(sweep_t *s)
{
    fix_clear_events(&s->f);
    fix_start(&s->f);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
}

static void boot_ok(sweep_t *s, uint32_t *version)
{
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
    assert_true(res.version == 1 || res.version == 6);
    assert_true(fix_flash_holds(&s->f, res.version));
    assert_true(fix_store_has(&s->f, OTA_GOLDEN_NAME, NULL));
    *version = res.version;
}

/* Returns true when the cut at k happened (false: the update needs fewer operations). */
static bool one_cut(uint64_t k, sim_cut_mode_t mode, bool delta)
{
    sweep_t *s = sweep_open(delta);
    uint32_t v;

    fix_start(&s->f);
    fix_run(&s->f, 1);
    assert_int_equal(sim_power_reset_count(&s->f.dev.power), OTA_OK);
    assert_int_equal(sim_power_arm(&s->f.dev.power, k, mode), OTA_OK);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
    bool cut = sim_power_was_cut(&s->f.dev.power);
    if (!cut) {
        assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
    }

    /* power back: the device must boot, then the update must complete */
    boot_ok(s, &v);
    for (int round = 0; v != 6; round++) {
        assert_true(round < 2);
        service_round(s);
        assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
        boot_ok(s, &v);
    }
    assert_int_equal(ota_app_confirm(&s->f.dev.boot_cfg), OTA_OK);

    /* the updated device is clean and stable */
    service_round(s);
    assert_false(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->not_modified); /* a new running version */
    service_round(s);
    assert_true(fix_event(&s->f, OTA_EVENT_NO_UPDATE)->not_modified);
    assert_int_equal(fix_temp_files(&s->f), 0);
    if (s->delta) {
        /* A cut never spoils a patch: it is resumed or applied again, the
         * base untouched, and the full image is never needed. */
        assert_int_equal(fake_gets_of(&s->ft, IMG_URL), 0);
        assert_int_equal(fix_find(&s->f, OTA_EVENT_PATCH_FALLBACK, 0), -1);
    }
    ota_db_t db = fix_db(&s->f);
    assert_int_equal(ota_db_find_version(&db, 6)->status, OTA_STATUS_VALID);
    assert_non_null(ota_db_find_golden(&db));
    ota_bootctl_record_t rec = fix_record(&s->f);
    assert_int_equal(rec.version, 6);
    assert_int_equal(rec.status, OTA_STATUS_VALID);
    sweep_close(s);
    return cut;
}

static void sweep(sim_cut_mode_t mode, bool delta)
{
    uint64_t k = 1;
    while (one_cut(k, mode, delta)) {
        k++;
        assert_true(k < 1000);
    }
    /* an update is at least: open, writes, sync, close, rename, database swap, mark */
    assert_true(k > FIX_IMAGE_SIZE / (delta ? FIX_BUF_SIZE : SWEEP_CHUNK) + 8);
    printf("power-cut sweep service %s update (%s) %llu cuts checked\n", delta ? "delta" : "full",
           sim_power_mode_name(mode), (unsigned long long)(k - 1));
}

static void test_a_cut_skipping_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it(void **state)
{
    (void)state;
    sweep(SIM_CUT_SKIP, false);
}

static void test_a_cut_right_after_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it(void **state)
{
    (void)state;
    sweep(SIM_CUT_WHOLE, false);
}

static void test_a_cut_tearing_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it(void **state)
{
    (void)state;
    sweep(SIM_CUT_TORN, false);
}

/* The same three sweeps over a delta update: the patch's download, its
 * rebuilding into a temporary file, and the publishing. */
static void test_a_cut_at_any_write_of_a_delta_update_leaves_a_bootable_device_that_finishes_it(void **state)
{
    (void)state;
    sweep(SIM_CUT_SKIP, true);
    sweep(SIM_CUT_WHOLE, true);
    sweep(SIM_CUT_TORN, true);
}

/* A cut of the store operation that follows the moment the download
 * has stored `at` bytes. */
typedef struct cut_plan {
    sweep_t *s;
    uint32_t at;
    bool armed;
    ota_service_event_cb record; /* the fixture's own event log */
} cut_plan_t;

static cut_plan_t g_plan;

static void cut_when_reached(void *arg, ota_service_event_t ev, const ota_service_event_data_t *d)
{
    g_plan.record(arg, ev, d);
    if (ev == OTA_EVENT_DOWNLOAD_PROGRESS && !g_plan.armed && d->done >= g_plan.at) {
        sim_power_t *p = &g_plan.s->f.dev.power;
        g_plan.armed = true;
        assert_int_equal(sim_power_arm(p, sim_power_ops(p) + 1u, SIM_CUT_SKIP), OTA_OK);
    }
}

/* Image bytes served again to finish an update whose download lost its
 * power at `at` bytes, with syncs every `interval` bytes. */
static uint64_t refetched_after_a_cut_at(uint32_t at, uint32_t interval)
{
    sweep_t *s = sweep_open(false);
    uint32_t v;
    s->f.cfg.sync_interval = interval;
    g_plan = (cut_plan_t){ .s = s, .at = at, .record = s->f.cfg.on_event };
    s->f.cfg.on_event = cut_when_reached;
    fix_start(&s->f);
    assert_int_equal(sim_power_reset_count(&s->f.dev.power), OTA_OK);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
    assert_true(sim_power_was_cut(&s->f.dev.power));
    boot_ok(s, &v);
    assert_int_equal(v, 1);
    service_round(s);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_true(fix_event(&s->f, OTA_EVENT_DOWNLOAD_START)->done > 0); /* resumed, not restarted */
    uint64_t again = fake_route(&s->ft, IMG_URL)->served - FIX_IMAGE_SIZE;
    sweep_close(s);
    return again;
}

static void test_a_cut_at_half_or_nine_tenths_of_a_download_costs_at_most_the_sync_interval_again(void **state)
{
    (void)state;
    static const uint32_t at[] = { FIX_IMAGE_SIZE / 2u, FIX_IMAGE_SIZE * 9u / 10u };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        uint64_t again = refetched_after_a_cut_at(at[i], 4096);
        printf("cut at %u of %u bytes, synced every 4096: %llu bytes fetched again\n", (unsigned)at[i], FIX_IMAGE_SIZE,
               (unsigned long long)again);
        assert_true(again <= 4096u);
        /* The chunk buffer is 1 KiB: syncing at most every interval, not every chunk. */
        again = refetched_after_a_cut_at(at[i], 0);
        printf("cut at %u of %u bytes, never synced: %llu bytes fetched again\n", (unsigned)at[i], FIX_IMAGE_SIZE,
               (unsigned long long)again);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_cut_skipping_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it),
        cmocka_unit_test(test_a_cut_right_after_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it),
        cmocka_unit_test(test_a_cut_tearing_any_write_of_an_update_leaves_a_bootable_device_that_finishes_it),
        cmocka_unit_test(test_a_cut_at_any_write_of_a_delta_update_leaves_a_bootable_device_that_finishes_it),
        cmocka_unit_test(test_a_cut_at_half_or_nine_tenths_of_a_download_costs_at_most_the_sync_interval_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
