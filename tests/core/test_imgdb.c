/*
 * The image database, as a specification (docs/boot-control.md): the CSV format,
 * tolerance of bad lines, name validation, and atomic changes under power cuts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_fixture.h"
#include "ota_imgdb.h"
#include "ota_name.h"

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    fixture_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    fixture_close(f);
    free(f);
    return 0;
}

static void digest_of(uint8_t d[32], uint8_t v)
{
    memset(d, v, 32);
}

static void assert_same_rows(const ota_db_t *a, const ota_db_t *b)
{
    assert_int_equal(a->count, b->count);
    assert_memory_equal(a->rows, b->rows, a->count * sizeof a->rows[0]);
}

static void write_db_text(fixture_t *f, const char *text)
{
    fixture_store_write(f, OTA_DB_NAME, text, (uint32_t)strlen(text));
}

static void read_db_text(fixture_t *f, char *out, size_t cap)
{
    uint32_t n = fixture_store_read(f, OTA_DB_NAME, out, (uint32_t)cap - 1u);
    out[n] = '\0';
}

static void test_a_missing_database_is_an_empty_one(void **state)
{
    fixture_t *f = *state;
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 0);
}

static void test_rows_are_written_as_name_status_version_digest(void **state)
{
    fixture_t *f = *state;
    ota_db_t db;
    uint8_t d[32];
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    digest_of(d, 0x88);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "app_v6.bin", OTA_STATUS_DOWNLOADED, 6, d), OTA_OK);
    digest_of(d, 0xAB);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "app_v12.bin", OTA_STATUS_VALID, 12, d), OTA_OK);
    char text[512];
    read_db_text(f, text, sizeof text);
    assert_string_equal(text, "app_v6.bin,FE,6,8888888888888888888888888888888888888888888888888888888888888888\n"
                              "app_v12.bin,F8,12,abababababababababababababababababababababababababababababababab\n");
    ota_db_t again;
    assert_int_equal(ota_db_load(&again, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(again.count, 2);
    assert_memory_equal(again.rows, db.rows, 2 * sizeof db.rows[0]);
}

static void test_versions_are_decimal_and_the_original_five_column_rows_are_read(void **state)
{
    fixture_t *f = *state;
    write_db_text(
        f, "wifi_ota103.bin,FE,10,production,745189CBB24B752A0175DE1F9D5D61433BA47D89AFF5B5A3686F54CA2D5DFB22\r\n"
           "factory.bin,F8,1,745189cbb24b752a0175de1f9d5d61433ba47d89aff5b5a3686f54ca2d5dfb22");
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 2);
    assert_int_equal(db.rows[0].version, 10); /* not 0x10 */
    assert_int_equal(db.rows[0].status, 0xFE);
    assert_int_equal(db.rows[0].digest[0], 0x74);
    assert_int_equal(db.rows[0].digest[31], 0x22);
    assert_true(ota_db_row_is_golden(&db.rows[1]));
    assert_ptr_equal(ota_db_find_golden(&db), &db.rows[1]);
}

static void test_a_malformed_line_is_reported_with_its_line_number_and_skipped(void **state)
{
    fixture_t *f = *state;
    const char *good = "a.bin,FE,3,0000000000000000000000000000000000000000000000000000000000000000\n";
    char text[2048];
    snprintf(text, sizeof text,
             "%s"
             "b.bin,FE,4,00\n"               /* 2: short digest */
             "c.bin,XY,5,%064d\n"            /* 3: status not hex */
             "d.bin,FE,-1,%064d\n"           /* 4: negative version */
             "e.bin,FE,99999999999,%064d\n"  /* 5: version overflow */
             "../evil,FE,6,%064d\n"          /* 6: unsafe name */
             "\n"                            /* 7: blank, ignored */
             "g.bin,FE,3,%064d\n"            /* 8: duplicate version */
             "h.bin,F8,8,%064d,extra,more\n" /* 9: too many columns */
             "i.bin,F8,9,%064d\n",           /* 10: good */
             good, 0, 0, 0, 0, 0, 0, 0);
    write_db_text(f, text);
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 2);
    assert_int_equal(db.rows[0].version, 3);
    assert_int_equal(db.rows[1].version, 9);
    assert_int_equal(db.bad_lines, 7);
    assert_int_equal(db.first_bad_line, 2);
}

static void test_an_overlong_line_or_binary_garbage_never_crashes_the_loader(void **state)
{
    fixture_t *f = *state;
    char text[4096];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    text[3000] = '\n';
    write_db_text(f, text);
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 0);
    assert_int_equal(db.bad_lines, 2);

    uint8_t bin[1000];
    for (size_t i = 0; i < sizeof bin; i++) {
        bin[i] = (uint8_t)(i * 37u);
    }
    fixture_store_write(f, OTA_DB_NAME, bin, sizeof bin);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 0);
}

static void test_names_with_paths_or_separators_are_refused(void **state)
{
    fixture_t *f = *state;
    const char *bad[] = { "", "..", ".", ".hidden", "a/b", "a\\b", "a,b", "tab\tname",
                          "123456789012345678901234567890123" /* 33 bytes */,
                          /* FAT 8.3 aliases of long names: "~" and a digit */
                          "IMAGE_~1.CSV", "FACTOR~1.BIN", "app~9", "a.", "sp ace", "caf\xc3\xa9" };
    ota_db_t db;
    uint8_t d[32];
    digest_of(d, 1);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ota_name_check_image(bad[i], strlen(bad[i]), NULL), OTA_ERR_NAME);
        assert_int_equal(ota_db_add(&db, &f->dev.store, bad[i], OTA_STATUS_DOWNLOADED, 2, d), OTA_ERR_NAME);
    }
    assert_int_equal(ota_db_add(&db, &f->dev.store, NULL, OTA_STATUS_DOWNLOADED, 2, d), OTA_ERR_NAME);
    const char *good[] = { "12345678901234567890123456789012", "app_v1.2.bin", "a~b.bin", "v2~.bin" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(ota_name_check_image(good[i], strlen(good[i]), NULL), OTA_OK);
    }
    assert_int_equal(db.count, 0);
}

static void test_a_control_byte_in_any_field_rejects_the_row(void **state)
{
    fixture_t *f = *state;
    ota_db_row_t row;
    char hex[65];
    memset(hex, '0', 64);
    hex[64] = '\0';
    /* A NUL inside the name would cut it short in C: this is not the golden row. */
    char line[128];
    int n = snprintf(line, sizeof line, "factory.bin#EVIL,F8,1,%s", hex);
    line[11] = '\0';
    assert_int_equal(ota_db_parse_row(line, (uint32_t)n, &row), OTA_ERR_CORRUPT);
    n = snprintf(line, sizeof line, "a.bin,F8,1,%s", hex);
    assert_int_equal(ota_db_parse_row(line, (uint32_t)n, &row), OTA_OK);
    const uint32_t at[] = { 0, 5, 6, 9, 10, 11, 40, (uint32_t)n - 1u };
    const char bytes[] = { 0x00, 0x01, 0x09, 0x1F, 0x7F };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        for (size_t b = 0; b < sizeof bytes; b++) {
            char bad[128];
            memcpy(bad, line, (size_t)n);
            bad[at[i]] = bytes[b];
            assert_int_equal(ota_db_parse_row(bad, (uint32_t)n, &row), OTA_ERR_CORRUPT);
        }
    }

    /* The loader counts the line as malformed and keeps the others. */
    char text[512];
    int len = snprintf(text, sizeof text, "factory.bin#EVIL,F8,1,%s\nb.bin,FE,2,%s\n", hex, hex);
    text[11] = '\0';
    fixture_store_write(f, OTA_DB_NAME, text, (uint32_t)len);
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(db.count, 1);
    assert_null(ota_db_find_golden(&db));
    assert_int_equal(db.bad_lines, 1);
}

static void test_a_status_other_than_the_five_known_values_rejects_the_row(void **state)
{
    (void)state;
    ota_db_row_t row;
    char line[128];
    const char *known[] = { "FF", "FE", "FC", "F8", "F0", "fe" };
    const char *unknown[] = { "F9", "00", "08", "EE", "7F" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int n = snprintf(line, sizeof line, "a.bin,%s,1,%064d", known[i], 0);
        assert_int_equal(ota_db_parse_row(line, (uint32_t)n, &row), OTA_OK);
    }
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int n = snprintf(line, sizeof line, "a.bin,%s,1,%064d", unknown[i], 0);
        assert_int_equal(ota_db_parse_row(line, (uint32_t)n, &row), OTA_ERR_CORRUPT);
    }
}

static void test_add_refuses_a_duplicate_version_and_a_full_table(void **state)
{
    fixture_t *f = *state;
    ota_db_t db;
    uint8_t d[32];
    digest_of(d, 1);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    for (uint32_t v = 1; v <= OTA_DB_MAX_ROWS; v++) {
        char name[32];
        snprintf(name, sizeof name, "img%u.bin", (unsigned)v);
        assert_int_equal(ota_db_add(&db, &f->dev.store, name, OTA_STATUS_DOWNLOADED, v, d), OTA_OK);
    }
    assert_int_equal(ota_db_add(&db, &f->dev.store, "other.bin", OTA_STATUS_DOWNLOADED, 1, d), OTA_ERR_EXISTS);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "img1.bin", OTA_STATUS_DOWNLOADED, 99, d), OTA_ERR_EXISTS);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "more.bin", OTA_STATUS_DOWNLOADED, 99, d), OTA_ERR_FULL);
    assert_int_equal(db.count, OTA_DB_MAX_ROWS);
}

static void test_set_status_and_remove_are_saved(void **state)
{
    fixture_t *f = *state;
    ota_db_t db;
    uint8_t d[32];
    digest_of(d, 1);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "a.bin", OTA_STATUS_DOWNLOADED, 1, d), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "b.bin", OTA_STATUS_DOWNLOADED, 2, d), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "c.bin", OTA_STATUS_DOWNLOADED, 3, d), OTA_OK);
    assert_int_equal(ota_db_set_status(&db, &f->dev.store, 2, OTA_STATUS_VALID), OTA_OK);
    assert_int_equal(ota_db_remove(&db, &f->dev.store, 1), OTA_OK);
    assert_int_equal(ota_db_remove(&db, &f->dev.store, 1), OTA_ERR_NOT_FOUND);
    assert_int_equal(ota_db_set_status(&db, &f->dev.store, 1, OTA_STATUS_VALID), OTA_ERR_NOT_FOUND);
    ota_db_t again;
    assert_int_equal(ota_db_load(&again, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(again.count, 2);
    assert_string_equal(again.rows[0].name, "b.bin");
    assert_int_equal(again.rows[0].status, OTA_STATUS_VALID);
    assert_string_equal(again.rows[1].name, "c.bin");
}

static void test_a_failed_save_leaves_the_table_in_ram_unchanged(void **state)
{
    fixture_t *f = *state;
    ota_db_t db;
    uint8_t d[32];
    digest_of(d, 1);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "a.bin", OTA_STATUS_DOWNLOADED, 1, d), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "b.bin", OTA_STATUS_DOWNLOADED, 2, d), OTA_OK);
    ota_db_t before = db;
    for (uint64_t op = 1; op <= 5; op++) {
        sim_power_reset_count(&f->dev.power);
        sim_power_fail_at(&f->dev.power, op, OTA_ERR_IO);
        assert_int_equal(ota_db_set_status(&db, &f->dev.store, 2, OTA_STATUS_VALID), OTA_ERR_IO);
        assert_same_rows(&db, &before);
        sim_power_reset_count(&f->dev.power);
        sim_power_fail_at(&f->dev.power, op, OTA_ERR_NO_SPACE);
        assert_int_equal(ota_db_remove(&db, &f->dev.store, 1), OTA_ERR_NO_SPACE);
        assert_same_rows(&db, &before);
        sim_power_reset_count(&f->dev.power);
        sim_power_fail_at(&f->dev.power, op, OTA_ERR_IO);
        assert_int_equal(ota_db_add(&db, &f->dev.store, "c.bin", OTA_STATUS_DOWNLOADED, 3, d), OTA_ERR_IO);
        assert_same_rows(&db, &before);
    }
    sim_power_fail_at(&f->dev.power, 0, OTA_ERR_IO);
    ota_db_t on_disk;
    assert_int_equal(ota_db_load(&on_disk, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(on_disk.count, 2);
    assert_int_equal(on_disk.rows[1].status, OTA_STATUS_DOWNLOADED);
}

static void test_a_cut_during_a_change_leaves_the_old_or_the_new_database(void **state)
{
    fixture_t *f = *state;
    const sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    uint8_t d[32];
    digest_of(d, 1);
    unsigned checked = 0;
    for (size_t m = 0; m < 3; m++) {
        for (uint64_t k = 1;; k++) {
            ota_db_t db;
            sim_power_reboot(&f->dev.power);
            (void)f->dev.store.remove(f->dev.store.ctx, OTA_DB_NAME);
            assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
            assert_int_equal(ota_db_add(&db, &f->dev.store, "a.bin", OTA_STATUS_DOWNLOADED, 1, d), OTA_OK);
            assert_int_equal(ota_db_add(&db, &f->dev.store, "b.bin", OTA_STATUS_DOWNLOADED, 2, d), OTA_OK);
            sim_power_reset_count(&f->dev.power);
            sim_power_arm(&f->dev.power, k, modes[m]);
            int err = ota_db_set_status(&db, &f->dev.store, 2, OTA_STATUS_VALID);
            sim_power_arm(&f->dev.power, 0, SIM_CUT_SKIP);
            if (err == OTA_OK) {
                break;
            }
            assert_int_equal(err, OTA_ERR_POWER_LOST);
            sim_power_reboot(&f->dev.power);
            ota_db_t after;
            assert_int_equal(ota_db_load(&after, &f->dev.store, NULL), OTA_OK);
            assert_int_equal(after.count, 2);
            assert_int_equal(after.bad_lines, 0);
            assert_true(after.rows[1].status == OTA_STATUS_DOWNLOADED || after.rows[1].status == OTA_STATUS_VALID);
            checked++;
        }
    }
    assert_true(checked >= 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_missing_database_is_an_empty_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_are_written_as_name_status_version_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_are_decimal_and_the_original_five_column_rows_are_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_malformed_line_is_reported_with_its_line_number_and_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_overlong_line_or_binary_garbage_never_crashes_the_loader, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_names_with_paths_or_separators_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_control_byte_in_any_field_rejects_the_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_status_other_than_the_five_known_values_rejects_the_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_add_refuses_a_duplicate_version_and_a_full_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_status_and_remove_are_saved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_save_leaves_the_table_in_ram_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_cut_during_a_change_leaves_the_old_or_the_new_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
