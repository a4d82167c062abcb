/*
 * Delta updates through the service (docs/delta.md): the choice of a
 * Patch record by the base the device holds (a stored image, or the image
 * in program flash), the patch downloaded and checked, the image rebuilt,
 * checked and published as a download, and the fall back to the full
 * image whenever anything about the patch fails, each with its events.
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
#define IMG_URL "http://ota.test/app_v2.bin"
#define PATCH_URL "http://ota.test/v1_to_v2.jdiff"

typedef struct dcase {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t base[FIX_IMAGE_SIZE];
    uint8_t img[FIX_IMAGE_SIZE];
    uint8_t patch[2 * FIX_IMAGE_SIZE];
    char mf[2048];
    fix_delta_t d;
} dcase_t;

/* v2 is v1 with three stretches changed (one full of 0xA7, JojoDiff's escape byte). */
static void make_next(const uint8_t *base, uint8_t *img, uint32_t salt)
{
    memcpy(img, base, FIX_IMAGE_SIZE);
    memset(img + 5000, 0xA7, 100);
    for (uint32_t i = 0; i < 300; i++) {
        img[12000 + i] = (uint8_t)(i * 7u + salt);
    }
    img[FIX_IMAGE_SIZE - 1] ^= 0x5A;
}

/* A device running golden v1 (in program flash and stored as factory.bin),
 * offered v2 by a JojoDiff patch from v1. */
static dcase_t *dcase_open(void)
{
    dcase_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    fix_open(&c->f, 1);
    fake_init(&c->ft, &c->f.tp);
    fix_config(&c->f, MF_URL);
    fix_image(1, c->base, FIX_IMAGE_SIZE);
    make_next(c->base, c->img, 1);
    c->d.version = 2;
    c->d.img = c->img;
    c->d.len = FIX_IMAGE_SIZE;
    c->d.img_url = IMG_URL;
    c->d.plen = fix_jojo_patch(c->base, FIX_IMAGE_SIZE, c->img, FIX_IMAGE_SIZE, c->patch, sizeof c->patch);
    c->d.patch = c->patch;
    c->d.patch_url = PATCH_URL;
    c->d.base_version = 1;
    fix_sha_hex(c->base, FIX_IMAGE_SIZE, c->d.base_hex);
    return c;
}

static void dcase_close(dcase_t *c)
{
    fix_close(&c->f);
    free(c);
}

static void run_check(dcase_t *c)
{
    fix_serve_delta(&c->ft, MF_URL, &c->d, c->mf, sizeof c->mf);
    fix_start(&c->f);
    assert_int_equal(ota_service_check_now(&c->f.svc), OTA_OK);
    fix_run(&c->f, 1);
}

/* The update is ready, installed by the next boot, and nothing temporary is left. */
static void expect_installed(dcase_t *c)
{
    ota_boot_result_t res;
    assert_int_equal(fix_event(&c->f, OTA_EVENT_UPDATE_READY)->version, 2);
    assert_int_equal(fix_temp_files(&c->f), 0);
    assert_int_equal(fix_boot(&c->f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(fix_flash_equals(&c->f, c->img, FIX_IMAGE_SIZE));
}

/* Fell back to the full image for reason err, and installed it. */
static void expect_fallback(dcase_t *c, int err)
{
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_FALLBACK)->reason, err);
    assert_true(fix_event(&c->f, OTA_EVENT_PATCH_FALLBACK)->patch);
    assert_int_equal(fake_gets_of(&c->ft, IMG_URL), 1);
    assert_true(fix_find(&c->f, OTA_EVENT_DOWNLOAD_START, (unsigned)fix_find(&c->f, OTA_EVENT_PATCH_FALLBACK, 0)) > 0);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_VERIFY_SUCCESS, 0), -1);
    expect_installed(c);
}

static void test_a_jojodiff_patch_from_a_stored_base_is_applied_and_the_image_never_fetched(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    assert_true(c->d.plen < FIX_IMAGE_SIZE / 10);
    /* Running v3: the base v1 is only in the store (the golden factory.bin). */
    fix_install(&c->f, 3);
    c->d.version = 4;
    c->d.img_url = "http://ota.test/app_v4.bin";
    run_check(c);

    assert_int_equal(fake_gets_of(&c->ft, PATCH_URL), 1);
    assert_int_equal(fake_gets_of(&c->ft, c->d.img_url), 0);
    assert_int_equal(fake_route(&c->ft, PATCH_URL)->served, c->d.plen);
    /* The patch's download and digest are the download's events, marked as a patch's. */
    const ota_service_event_data_t *dl = fix_event(&c->f, OTA_EVENT_DOWNLOAD_SUCCESS);
    assert_true(dl->patch);
    assert_int_equal(dl->done, c->d.plen);
    assert_true(fix_event(&c->f, OTA_EVENT_VERIFY_SUCCESS)->patch);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_START)->total, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_COMPLETED)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_VERIFY_SUCCESS)->version, 4);
    assert_true(fix_find(&c->f, OTA_EVENT_PATCH_START, 0) < fix_find(&c->f, OTA_EVENT_PATCH_COMPLETED, 0));
    assert_true(fix_find(&c->f, OTA_EVENT_PATCH_COMPLETED, 0) < fix_find(&c->f, OTA_EVENT_PATCH_VERIFY_START, 0));
    assert_true(fix_find(&c->f, OTA_EVENT_PATCH_VERIFY_SUCCESS, 0) < fix_find(&c->f, OTA_EVENT_UPDATE_READY, 0));
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_FALLBACK, 0), -1);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_BASE_NOT_FOUND, 0), -1);
    /* The rebuilt image is published as a download: its row, the base still stored. */
    ota_db_t db = fix_db(&c->f);
    assert_int_equal(ota_db_find_version(&db, 4)->status, OTA_STATUS_DOWNLOADED);
    assert_non_null(ota_db_find_golden(&db));
    assert_int_equal(fix_temp_files(&c->f), 0);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&c->f, &res), OTA_OK);
    assert_int_equal(res.version, 4);
    assert_true(fix_flash_equals(&c->f, c->img, FIX_IMAGE_SIZE));
    dcase_close(c);
}

static void test_a_patch_from_the_image_in_program_flash_is_applied(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    /* Running v2 (installed), its stored copy gone: program flash holds the base
     * (and would be taken first anyway). */
    fix_install(&c->f, 2);
    ota_db_t db = fix_db(&c->f);
    const ota_db_row_t *row = ota_db_find_version(&db, 2);
    assert_non_null(row);
    assert_int_equal(c->f.dev.store.remove(c->f.dev.store.ctx, row->name), OTA_OK);
    fix_image(2, c->base, FIX_IMAGE_SIZE);
    make_next(c->base, c->img, 9);
    c->d.version = 3;
    c->d.base_version = 2;
    fix_sha_hex(c->base, FIX_IMAGE_SIZE, c->d.base_hex);
    c->d.plen = fix_jojo_patch(c->base, FIX_IMAGE_SIZE, c->img, FIX_IMAGE_SIZE, c->patch, sizeof c->patch);
    c->d.img_url = "http://ota.test/app_v3.bin";
    run_check(c);

    assert_int_equal(fake_gets_of(&c->ft, "http://ota.test/app_v3.bin"), 0);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_UPDATE_READY)->version, 3);
    assert_int_equal(fix_temp_files(&c->f), 0);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&c->f, &res), OTA_OK);
    assert_int_equal(res.version, 3);
    assert_true(fix_flash_equals(&c->f, c->img, FIX_IMAGE_SIZE));
    dcase_close(c);
}

static void test_a_base_the_device_does_not_hold_with_that_digest_means_the_full_image(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    c->d.base_hex[0] = c->d.base_hex[0] == '0' ? '1' : '0';
    run_check(c);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_BASE_NOT_FOUND)->version, 2);
    assert_int_equal(fake_gets_of(&c->ft, PATCH_URL), 0);
    assert_int_equal(fake_gets_of(&c->ft, IMG_URL), 1);
    assert_false(fix_event(&c->f, OTA_EVENT_DOWNLOAD_SUCCESS)->patch);
    expect_installed(c);
    dcase_close(c);
}

static void test_a_patch_that_is_not_its_patch_digest_falls_back_to_the_full_image(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    fix_sha_hex("another patch", 13, c->d.patch_hex);
    run_check(c);
    const ota_service_event_data_t *v = fix_event(&c->f, OTA_EVENT_VERIFY_FAILED);
    assert_true(v->patch);
    assert_int_equal(v->reason, OTA_ERR_DIGEST);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_START, 0), -1); /* never applied */
    expect_fallback(c, OTA_ERR_DIGEST);
    dcase_close(c);
}

static void test_a_patch_that_builds_another_image_fails_its_target_digest_and_falls_back(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    uint8_t *wrong = malloc(FIX_IMAGE_SIZE);
    assert_non_null(wrong);
    make_next(c->base, wrong, 77); /* the patch serves v2' while the manifest says v2 */
    c->d.plen = fix_jojo_patch(c->base, FIX_IMAGE_SIZE, wrong, FIX_IMAGE_SIZE, c->patch, sizeof c->patch);
    free(wrong);
    run_check(c);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_COMPLETED)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_VERIFY_FAILED)->reason, OTA_ERR_DIGEST);
    expect_fallback(c, OTA_ERR_DIGEST);
    dcase_close(c);
}

static void test_a_patch_the_decoder_refuses_falls_back_to_the_full_image(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    /* EQL of 60000 bytes from a 20000-byte base: malformed. */
    static const uint8_t bad[] = { 0xA7, 0xA3, 253, 0xEA, 0x60 };
    memcpy(c->patch, bad, sizeof bad);
    c->d.plen = sizeof bad;
    run_check(c);
    expect_fallback(c, OTA_ERR_CORRUPT);
    dcase_close(c);
}

static void test_a_patch_the_server_does_not_have_falls_back_to_the_full_image(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    fix_serve_delta(&c->ft, MF_URL, &c->d, c->mf, sizeof c->mf);
    fake_route(&c->ft, PATCH_URL)->status = 404;
    fix_start(&c->f);
    assert_int_equal(ota_service_check_now(&c->f.svc), OTA_OK);
    fix_run(&c->f, 1);
    expect_fallback(c, OTA_ERR_HTTP_STATUS);
    dcase_close(c);
}

static void test_a_patch_cut_by_the_network_is_resumed_by_the_next_check(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    fix_serve_delta(&c->ft, MF_URL, &c->d, c->mf, sizeof c->mf);
    fake_route(&c->ft, PATCH_URL)->cut_after = c->d.plen / 2;
    fake_route(&c->ft, PATCH_URL)->cut_err = OTA_ERR_NET;
    fix_start(&c->f);
    assert_int_equal(ota_service_check_now(&c->f.svc), OTA_OK);
    fix_run(&c->f, 1);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_DOWNLOAD_FAILED)->reason, OTA_ERR_NET);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_FALLBACK, 0), -1);
    assert_int_equal(fake_gets_of(&c->ft, IMG_URL), 0);

    fake_route(&c->ft, PATCH_URL)->cut_after = 0;
    fix_clear_events(&c->f);
    assert_int_equal(ota_service_check_now(&c->f.svc), OTA_OK);
    fix_run(&c->f, 1);
    assert_true(fix_event(&c->f, OTA_EVENT_DOWNLOAD_START)->done > 0);
    assert_int_equal(fake_route(&c->ft, PATCH_URL)->served, c->d.plen); /* no byte twice */
    expect_installed(c);
    dcase_close(c);
}

static void test_without_seek_in_the_store_port_the_full_image_is_taken(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    c->f.dev.store.seek = NULL;
    run_check(c);
    assert_int_equal(fake_gets_of(&c->ft, PATCH_URL), 0);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_BASE_NOT_FOUND, 0), -1);
    expect_installed(c);
    dcase_close(c);
}

/* The decoder's state borrows the service's buffer: a buffer too small for
 * it and a work buffer means full images, with no patch fetched. */
static void test_a_buffer_too_small_for_a_decoder_means_the_full_image(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    c->f.cfg.buf_size = 1024;
    run_check(c);
    assert_int_equal(fake_gets_of(&c->ft, PATCH_URL), 0);
    assert_int_equal(fake_gets_of(&c->ft, IMG_URL), 1);
    assert_int_equal(fix_find(&c->f, OTA_EVENT_PATCH_START, 0), -1);
    expect_installed(c);
    dcase_close(c);
}

/* ---- VCDIFF, made by xdelta3 ------------------------------------------------------- */

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    bool ok = fp != NULL && fwrite(data, 1, len, fp) == len;
    return fp != NULL && fclose(fp) == 0 && ok;
}

/* xdelta3 -S none's patch from base to img into c->patch; false when xdelta3 is missing. */
static bool xdelta3_patch(dcase_t *c)
{
    char a[400], b[400], p[400], cmd[1400];
    snprintf(a, sizeof a, "%s/base.bin", c->f.dir);
    snprintf(b, sizeof b, "%s/new.bin", c->f.dir);
    snprintf(p, sizeof p, "%s/patch.vcdiff", c->f.dir);
    assert_true(write_file(a, c->base, FIX_IMAGE_SIZE) && write_file(b, c->img, FIX_IMAGE_SIZE));
    snprintf(cmd, sizeof cmd, "xdelta3 -e -9 -S none -f -s '%s' '%s' '%s' 2>/dev/null", a, b, p);
    if (system(cmd) != 0) {
        return false;
    }
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    c->d.plen = (uint32_t)fread(c->patch, 1, sizeof c->patch, fp);
    fclose(fp);
    remove(a);
    remove(b);
    remove(p);
    return c->d.plen > 0;
}

static void test_a_vcdiff_patch_is_applied_reading_back_what_it_rebuilt(void **state)
{
    (void)state;
    dcase_t *c = dcase_open();
    /* Repeats inside the new image, so that the patch copies from its own output. */
    for (uint32_t i = 0; i < 4; i++) {
        memcpy(c->img + 14000 + i * 1000, c->img + 12000, 300);
    }
    if (!xdelta3_patch(c)) {
        dcase_close(c);
        skip();
    }
    c->d.format = "vcdiff";
    c->d.patch_url = "http://ota.test/v1_to_v2.vcdiff";
    run_check(c);
    assert_int_equal(fake_gets_of(&c->ft, IMG_URL), 0);
    assert_int_equal(fix_event(&c->f, OTA_EVENT_PATCH_COMPLETED)->done, FIX_IMAGE_SIZE);
    expect_installed(c);
    dcase_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_jojodiff_patch_from_a_stored_base_is_applied_and_the_image_never_fetched),
        cmocka_unit_test(test_a_patch_from_the_image_in_program_flash_is_applied),
        cmocka_unit_test(test_a_base_the_device_does_not_hold_with_that_digest_means_the_full_image),
        cmocka_unit_test(test_a_patch_that_is_not_its_patch_digest_falls_back_to_the_full_image),
        cmocka_unit_test(test_a_patch_that_builds_another_image_fails_its_target_digest_and_falls_back),
        cmocka_unit_test(test_a_patch_the_decoder_refuses_falls_back_to_the_full_image),
        cmocka_unit_test(test_a_patch_the_server_does_not_have_falls_back_to_the_full_image),
        cmocka_unit_test(test_a_patch_cut_by_the_network_is_resumed_by_the_next_check),
        cmocka_unit_test(test_without_seek_in_the_store_port_the_full_image_is_taken),
        cmocka_unit_test(test_a_buffer_too_small_for_a_decoder_means_the_full_image),
        cmocka_unit_test(test_a_vcdiff_patch_is_applied_reading_back_what_it_rebuilt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
