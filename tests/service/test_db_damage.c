/*
 * A damaged image database never stops a device, as a property:
 *
 *   for every byte of a realistic database (the golden row and two image
 *   rows), replace it by a changed digit, a comma, a newline, 0x00 or 0xFF,
 *   or delete it; then
 *     - the next boot hands over to a verified image (program flash holds,
 *       byte for byte, the image the boot control record names);
 *     - once the application has started, the golden row agrees with the
 *       record again;
 *     - the next update (manifest check, download, publish, install,
 *       confirm) still works and ends on the new image.
 *
 * The database is the CSV in the external store: it has no checksum, so a
 * damaged character may still parse. The boot control record (CRC-checked)
 * is the authority on what program flash holds and on the golden image.
 *
 * One byte is damaged per case, on a device built afresh each time.
 * The next update's version is 10: no single damaged digit of the
 * database can name a version that high (a row whose version was raised
 * by damage may make the device report that version for the bytes it
 * runs; see docs/boot-control.md).
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
#include "sysota/ota_app.h"

#define MF_URL "http://ota.test/manifest.json"
#define IMG_URL "http://ota.test/app_v10.bin"
#define NEXT 10u

typedef struct damage_case {
    uint32_t at; /* byte index */
    int with;    /* replacement byte, or -1: delete */
} damage_case_t;

typedef struct damage_env {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[FIX_IMAGE_SIZE];
    char mf[512];
    char csv[1024];
    uint32_t csv_len;
} damage_env_t;

/* Golden v1, v2 stored and confirmed once, v3 running and confirmed:
 * factory.bin,F8,1,... / app_v2.bin,F8,2,... / app_v3.bin,F8,3,... */
static void device_build(damage_env_t *e)
{
    fix_open(&e->f, 1);
    fix_install(&e->f, 2);
    fix_install(&e->f, 3);
}

static uint32_t store_read(damage_env_t *e, const char *name, char *buf, uint32_t cap)
{
    const ota_store_t *st = &e->f.dev.store;
    uint32_t len = 0;
    int fh = st->open(st->ctx, name, OTA_STORE_READ);
    assert_true(fh >= 0);
    for (int n; (n = st->read(st->ctx, fh, buf + len, cap - len)) > 0;) {
        len += (uint32_t)n;
        assert_true(len < cap);
    }
    assert_int_equal(st->close(st->ctx, fh), OTA_OK);
    return len;
}

/* What the byte becomes: a digit is changed to the next one, any other byte to '0'. */
static char changed_digit(char c)
{
    return c >= '0' && c <= '9' ? (char)('0' + (c - '0' + 1) % 10) : '0';
}

static void damage_apply(damage_env_t *e, const damage_case_t *dc)
{
    char bad[1024];
    uint32_t len = 0;
    for (uint32_t i = 0; i < e->csv_len; i++) {
        if (i != dc->at) {
            bad[len++] = e->csv[i];
        } else if (dc->with >= 0) {
            bad[len++] = (char)dc->with;
        }
    }
    fix_store_write(&e->f, OTA_DB_NAME, bad, len);
}

/* The bootloader hands over to the image the record names, and program
 * flash holds exactly that image. */
static uint32_t boot_verified(damage_env_t *e, const damage_case_t *dc)
{
    ota_boot_result_t res;
    int err = fix_boot(&e->f, &res);
    if (err != OTA_OK) {
        fail_msg("byte %u -> %d: boot failed %d", dc->at, dc->with, err);
    }
    ota_bootctl_record_t rec = fix_record(&e->f);
    assert_int_equal(rec.version, res.version);
    if (rec.version < 1 || rec.version > NEXT || !fix_flash_holds(&e->f, rec.version)) {
        fail_msg("byte %u -> %d: record names v%u, flash does not hold it", dc->at, dc->with, (unsigned)rec.version);
    }
    /* The application starts: the database is brought in line with the record. */
    err = ota_app_sync(&e->f.dev.boot_cfg);
    if (err != OTA_OK) {
        fail_msg("byte %u -> %d: the application's start failed %d", dc->at, dc->with, err);
    }
    if (res.status == OTA_STATUS_UNBOOTED) {
        assert_int_equal(ota_app_confirm(&e->f.dev.boot_cfg), OTA_OK); /* its self-test passes */
    }
    return res.version;
}

static void golden_row_agrees(damage_env_t *e, const damage_case_t *dc)
{
    ota_bootctl_record_t rec = fix_record(&e->f);
    ota_db_t db = fix_db(&e->f);
    const ota_db_row_t *g = ota_db_find_golden(&db);
    if (g == NULL || g->version != rec.golden_version || memcmp(g->digest, rec.golden_digest, 32) != 0 ||
        g->status != OTA_STATUS_VALID) {
        fail_msg("byte %u -> %d: golden row does not agree with the record", dc->at, dc->with);
    }
}

static void next_update_works(damage_env_t *e, const damage_case_t *dc)
{
    fix_clear_events(&e->f);
    fix_start(&e->f);
    assert_int_equal(ota_service_check_now(&e->f.svc), OTA_OK);
    fix_run(&e->f, 1);
    if (fix_find(&e->f, OTA_EVENT_UPDATE_READY, 0) < 0) {
        fail_msg("byte %u -> %d: the next update was not published (last error %d)", dc->at, dc->with,
                 ota_service_last_error(&e->f.svc));
    }
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&e->f, &res), OTA_OK);
    assert_int_equal(res.version, NEXT);
    assert_true(fix_flash_holds(&e->f, NEXT));
    assert_int_equal(ota_app_confirm(&e->f.dev.boot_cfg), OTA_OK);
    assert_int_equal(fix_boot(&e->f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(res.version, NEXT);
}

static void env_open(damage_env_t *e)
{
    device_build(e);
    fake_init(&e->ft, &e->f.tp);
    fix_config(&e->f, MF_URL);
    fix_image(NEXT, e->img, FIX_IMAGE_SIZE);
    fake_route_add(&e->ft, IMG_URL, e->img, FIX_IMAGE_SIZE);
    int n = snprintf(e->mf, sizeof e->mf, "{\"ota\": [");
    n += fix_entry(e->mf + n, sizeof e->mf - (size_t)n, NEXT, IMG_URL, false);
    n += snprintf(e->mf + n, sizeof e->mf - (size_t)n, "]}");
    fake_route_add(&e->ft, MF_URL, e->mf, (uint32_t)n);
}

static void run_case(damage_env_t *e, const char *csv, uint32_t csv_len, const damage_case_t *dc)
{
    env_open(e);
    memcpy(e->csv, csv, csv_len);
    e->csv_len = csv_len;
    damage_apply(e, dc);
    (void)boot_verified(e, dc);
    golden_row_agrees(e, dc);
    next_update_works(e, dc);
    fix_close(&e->f);
}

static void test_every_one_byte_damage_of_the_database_still_boots_and_updates(void **state)
{
    (void)state;
    damage_env_t *e = calloc(1, sizeof *e);
    assert_non_null(e);

    /* The realistic database, as the device itself wrote it. */
    device_build(e);
    char csv[1024];
    uint32_t csv_len = store_read(e, OTA_DB_NAME, csv, sizeof csv);
    fix_close(&e->f);
    assert_non_null(strstr(csv, OTA_GOLDEN_NAME ",F8,1,"));
    assert_non_null(strstr(csv, "app_v2.bin,F8,2,"));
    assert_non_null(strstr(csv, "app_v3.bin,F8,3,"));

    unsigned cases = 0;
    for (uint32_t at = 0; at < csv_len; at++) {
        const int with[] = { changed_digit(csv[at]), ',', '\n', 0x00, 0xFF, -1 };
        for (size_t k = 0; k < sizeof with / sizeof with[0]; k++) {
            if (with[k] == (unsigned char)csv[at]) {
                continue; /* no damage */
            }
            damage_case_t dc = { at, with[k] };
            run_case(e, csv, csv_len, &dc);
            cases++;
        }
    }
    print_message("database damage: %u bytes, %u cases, each booted a verified image and updated\n", (unsigned)csv_len,
                  cases);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_one_byte_damage_of_the_database_still_boots_and_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
