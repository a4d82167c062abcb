/*
 * The simulated NOR flash obeys NOR rules, strict mode, counters, and keeps
 * its state in a file across reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim_nor.h"
#include "test_server.h"

#define SIZE (64u * 1024u)
#define SECTOR 4096u
#define WU 8u

typedef struct fixture {
    sim_nor_t sim;
    ota_flash_t f;
} fixture_t;

static fixture_t fx;

static void open_mem(bool strict)
{
    sim_nor_config_t cfg = { .size = SIZE, .sector_size = SECTOR, .write_unit = WU, .strict = strict };
    assert_int_equal(sim_nor_open(&fx.sim, &cfg), OTA_OK);
    sim_nor_port(&fx.sim, &fx.f);
}

static int teardown(void **state)
{
    (void)state;
    sim_nor_close(&fx.sim);
    return 0;
}

static void assert_all(const uint8_t *p, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
        }
    }
}

static void test_a_new_flash_reads_erased_and_reports_its_geometry(void **state)
{
    (void)state;
    open_mem(true);
    assert_int_equal(fx.f.size, SIZE);
    assert_int_equal(fx.f.sector_size, SECTOR);
    assert_int_equal(fx.f.write_unit, WU);
    static uint8_t buf[SIZE];
    assert_int_equal(fx.f.read(fx.f.ctx, 0, buf, SIZE), OTA_OK);
    assert_all(buf, 0xFF, SIZE);
}

static void test_erase_sets_exactly_one_sector_to_ff(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t zeros[SECTOR];
    memset(zeros, 0, sizeof zeros);
    for (uint32_t a = 0; a < 3 * SECTOR; a += SECTOR) {
        assert_int_equal(fx.f.program(fx.f.ctx, a, zeros, SECTOR), OTA_OK);
    }
    assert_int_equal(fx.f.erase(fx.f.ctx, SECTOR), OTA_OK);
    const uint8_t *d = sim_nor_data(&fx.sim);
    assert_all(d, 0x00, SECTOR);
    assert_all(d + SECTOR, 0xFF, SECTOR);
    assert_all(d + 2 * SECTOR, 0x00, SECTOR);
}

static void test_program_only_clears_bits(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t data[WU] = { 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0 };
    assert_int_equal(fx.f.program(fx.f.ctx, 16, data, WU), OTA_OK);
    uint8_t back[WU];
    assert_int_equal(fx.f.read(fx.f.ctx, 16, back, WU), OTA_OK);
    assert_memory_equal(back, data, WU);
    assert_all(sim_nor_data(&fx.sim), 0xFF, 16);
    assert_all(sim_nor_data(&fx.sim) + 24, 0xFF, SIZE - 24);
}

static void test_program_refuses_to_turn_a_zero_bit_back_to_one_and_writes_nothing(void **state)
{
    (void)state;
    open_mem(false);
    uint8_t first[2 * WU];
    memset(first, 0xFF, sizeof first);
    first[WU + 3] = 0xF0; /* second unit has one byte with cleared bits */
    assert_int_equal(fx.f.program(fx.f.ctx, 0, first, sizeof first), OTA_OK);
    /* Clears bits in unit 0 (fine) but asks 0xF0 -> 0x0F in unit 1. */
    uint8_t second[2 * WU];
    memset(second, 0x00, sizeof second);
    second[WU + 3] = 0x0F;
    assert_int_equal(fx.f.program(fx.f.ctx, 0, second, sizeof second), OTA_ERR_FLASH_BITS);
    assert_memory_equal(sim_nor_data(&fx.sim), first, sizeof first);
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.programs, 1);
}

static void test_program_refuses_a_misaligned_address_or_length(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t z[3 * WU];
    memset(z, 0, sizeof z);
    assert_int_equal(fx.f.program(fx.f.ctx, 4, z, WU), OTA_ERR_ALIGN);
    assert_int_equal(fx.f.program(fx.f.ctx, 0, z, WU + 1), OTA_ERR_ALIGN);
    assert_int_equal(fx.f.program(fx.f.ctx, 1, z, 2 * WU - 1), OTA_ERR_ALIGN);
    assert_all(sim_nor_data(&fx.sim), 0xFF, 64);
}

static void test_erase_refuses_an_address_inside_a_sector(void **state)
{
    (void)state;
    open_mem(true);
    assert_int_equal(fx.f.erase(fx.f.ctx, SECTOR / 2), OTA_ERR_ALIGN);
    assert_int_equal(fx.f.erase(fx.f.ctx, WU), OTA_ERR_ALIGN);
}

static void test_operations_outside_the_device_are_range_errors(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t z[2 * WU];
    memset(z, 0, sizeof z);
    assert_int_equal(fx.f.program(fx.f.ctx, SIZE, z, WU), OTA_ERR_RANGE);
    assert_int_equal(fx.f.program(fx.f.ctx, SIZE - WU, z, 2 * WU), OTA_ERR_RANGE);
    assert_int_equal(fx.f.program(fx.f.ctx, 0xFFFFFFF8u, z, 2 * WU), OTA_ERR_RANGE);
    assert_int_equal(fx.f.erase(fx.f.ctx, SIZE), OTA_ERR_RANGE);
    assert_int_equal(fx.f.read(fx.f.ctx, SIZE - 1, z, 2), OTA_ERR_RANGE);
    assert_int_equal(fx.f.read(fx.f.ctx, 0xFFFFFFFFu, z, 2), OTA_ERR_RANGE);
    assert_int_equal(fx.f.read(fx.f.ctx, SIZE - 2, z, 2), OTA_OK);
    assert_int_equal(fx.f.program(fx.f.ctx, SIZE - WU, z, WU), OTA_OK);
}

static void test_reads_work_at_any_alignment(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t data[4 * WU];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7 + 1);
    }
    assert_int_equal(fx.f.program(fx.f.ctx, 64, data, sizeof data), OTA_OK);
    for (uint32_t off = 0; off < sizeof data; off++) {
        for (uint32_t len = 0; off + len <= sizeof data; len += 3) {
            uint8_t back[4 * WU];
            assert_int_equal(fx.f.read(fx.f.ctx, 64 + off, back, len), OTA_OK);
            assert_memory_equal(back, data + off, len);
        }
    }
}

static void test_strict_flash_refuses_a_second_program_of_a_write_unit_and_counts_it(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t a[WU], b[WU];
    memset(a, 0xF0, WU);
    memset(b, 0x00, WU); /* would only clear more bits: still refused */
    assert_int_equal(fx.f.program(fx.f.ctx, 0, a, WU), OTA_OK);
    assert_int_equal(fx.f.program(fx.f.ctx, 0, b, WU), OTA_ERR_FLASH_REPROGRAM);
    assert_all(sim_nor_data(&fx.sim), 0xF0, WU);
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.violations, 1);
    assert_int_equal(c.programs, 1);
}

static void test_strict_flash_allows_a_program_again_after_erase(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t a[WU];
    memset(a, 0x5A, WU);
    assert_int_equal(fx.f.program(fx.f.ctx, SECTOR, a, WU), OTA_OK);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, SECTOR), 1);
    assert_int_equal(fx.f.erase(fx.f.ctx, SECTOR), OTA_OK);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, SECTOR), 0);
    assert_int_equal(fx.f.program(fx.f.ctx, SECTOR, a, WU), OTA_OK);
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.violations, 0);
}

static void test_lenient_flash_allows_a_second_program_but_counts_the_violation(void **state)
{
    (void)state;
    open_mem(false);
    uint8_t a[2 * WU], b[2 * WU];
    memset(a, 0xF0, sizeof a);
    memset(b, 0x30, sizeof b);
    assert_int_equal(fx.f.program(fx.f.ctx, 0, a, sizeof a), OTA_OK);
    assert_int_equal(fx.f.program(fx.f.ctx, 0, b, sizeof b), OTA_OK);
    assert_all(sim_nor_data(&fx.sim), 0x30, sizeof b);
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.violations, 2);
}

static void test_counters_count_every_operation_and_reset_to_zero(void **state)
{
    (void)state;
    open_mem(true);
    uint8_t buf[3 * WU];
    memset(buf, 0x11, sizeof buf);
    fx.f.program(fx.f.ctx, 0, buf, sizeof buf);
    fx.f.program(fx.f.ctx, SECTOR, buf, WU);
    fx.f.read(fx.f.ctx, 0, buf, 5);
    fx.f.read(fx.f.ctx, 7, buf, 11);
    fx.f.erase(fx.f.ctx, 0);
    fx.f.program(fx.f.ctx, 1, buf, WU); /* refused: not counted */
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.programs, 2);
    assert_int_equal(c.bytes_programmed, 4 * WU);
    assert_int_equal(c.reads, 2);
    assert_int_equal(c.bytes_read, 16);
    assert_int_equal(c.erases, 1);
    assert_int_equal(c.violations, 0);
    sim_nor_reset_counters(&fx.sim);
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.programs + c.bytes_programmed + c.reads + c.bytes_read + c.erases + c.violations, 0);
}

static void test_bad_geometry_is_refused(void **state)
{
    (void)state;
    sim_nor_t s;
    sim_nor_config_t bad[] = {
        { .size = SIZE, .sector_size = 3000, .write_unit = WU },
        { .size = SIZE, .sector_size = SECTOR, .write_unit = 6 },
        { .size = SIZE, .sector_size = SECTOR, .write_unit = 2 * SECTOR },
        { .size = SIZE + 100, .sector_size = SECTOR, .write_unit = WU },
        { .size = 0, .sector_size = SECTOR, .write_unit = WU },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sim_nor_open(&s, &bad[i]), OTA_ERR_INVALID_ARG);
    }
    /* fx.sim untouched by this test: give teardown something valid. */
    open_mem(false);
}

/* ---- file-backed ----------------------------------------------------- */

static char dir[256];
static char path[300];

static int setup_dir(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    if (test_tmpdir_make(dir, sizeof dir, "flashsim") != OTA_OK) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/nvm.bin", dir);
    return 0;
}

static int teardown_dir(void **state)
{
    teardown(state);
    test_tmpdir_remove(dir);
    return 0;
}

static void open_file(void)
{
    sim_nor_config_t cfg = { .size = SIZE, .sector_size = SECTOR, .write_unit = WU, .strict = true, .path = path };
    assert_int_equal(sim_nor_open(&fx.sim, &cfg), OTA_OK);
    sim_nor_port(&fx.sim, &fx.f);
}

static long file_size_of(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (f == NULL) {
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void test_a_file_backed_flash_is_created_erased_and_keeps_its_contents_across_reopen(void **state)
{
    (void)state;
    open_file();
    assert_int_equal(file_size_of(path), SIZE);
    uint8_t data[2 * WU];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(0xA0 + i);
    }
    assert_int_equal(fx.f.program(fx.f.ctx, 2 * SECTOR + 8, data, sizeof data), OTA_OK);
    assert_int_equal(fx.f.erase(fx.f.ctx, 0), OTA_OK);
    sim_nor_close(&fx.sim);

    /* Another process would see the same bytes: read the file itself. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t back[2 * WU];
    fseek(f, 2 * SECTOR + 8, SEEK_SET);
    assert_int_equal(fread(back, 1, sizeof back, f), sizeof back);
    fclose(f);
    assert_memory_equal(back, data, sizeof data);

    open_file();
    assert_memory_equal(sim_nor_data(&fx.sim) + 2 * SECTOR + 8, data, sizeof data);
    assert_all(sim_nor_data(&fx.sim), 0xFF, 2 * SECTOR + 8);
}

static void test_strict_bookkeeping_of_a_file_backed_flash_persists_across_reopen(void **state)
{
    (void)state;
    open_file();
    uint8_t ff[WU], z[WU];
    memset(ff, 0xFF, WU); /* programs nothing visible, but the unit is used */
    memset(z, 0x00, WU);
    assert_int_equal(fx.f.program(fx.f.ctx, 0, ff, WU), OTA_OK);
    sim_nor_close(&fx.sim);
    open_file();
    assert_int_equal(fx.f.program(fx.f.ctx, 0, z, WU), OTA_ERR_FLASH_REPROGRAM);
    assert_int_equal(fx.f.program(fx.f.ctx, WU, z, WU), OTA_OK);
    assert_int_equal(fx.f.erase(fx.f.ctx, 0), OTA_OK);
    sim_nor_close(&fx.sim);
    open_file();
    assert_int_equal(fx.f.program(fx.f.ctx, 0, z, WU), OTA_OK);
}

static void test_a_file_of_another_size_is_refused(void **state)
{
    (void)state;
    uint8_t junk[100];
    memset(junk, 0, sizeof junk);
    assert_int_equal(test_file_write(dir, "nvm.bin", junk, sizeof junk, NULL, 0), OTA_OK);
    sim_nor_config_t cfg = { .size = SIZE, .sector_size = SECTOR, .write_unit = WU, .path = path };
    assert_int_equal(sim_nor_open(&fx.sim, &cfg), OTA_ERR_INVALID_ARG);
    open_mem(false);
}

static void test_factory_load_and_wipe_bypass_the_rules(void **state)
{
    (void)state;
    open_file();
    uint8_t img[100];
    for (size_t i = 0; i < sizeof img; i++) {
        img[i] = (uint8_t)i;
    }
    assert_int_equal(sim_nor_load(&fx.sim, 3, img, sizeof img), OTA_OK);
    assert_memory_equal(sim_nor_data(&fx.sim) + 3, img, sizeof img);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, 0), 1);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, 96), 1);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, 104), 0);
    assert_int_equal(sim_nor_load(&fx.sim, SIZE - 1, img, 2), OTA_ERR_RANGE);
    sim_nor_counters_t c;
    sim_nor_counters(&fx.sim, &c);
    assert_int_equal(c.programs, 0);
    sim_nor_close(&fx.sim);
    open_file();
    assert_memory_equal(sim_nor_data(&fx.sim) + 3, img, sizeof img);
    assert_int_equal(sim_nor_wipe(&fx.sim), OTA_OK);
    sim_nor_close(&fx.sim);
    open_file();
    assert_all(sim_nor_data(&fx.sim), 0xFF, SIZE);
    assert_int_equal(sim_nor_unit_programmed(&fx.sim, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_a_new_flash_reads_erased_and_reports_its_geometry, teardown),
        cmocka_unit_test_teardown(test_erase_sets_exactly_one_sector_to_ff, teardown),
        cmocka_unit_test_teardown(test_program_only_clears_bits, teardown),
        cmocka_unit_test_teardown(test_program_refuses_to_turn_a_zero_bit_back_to_one_and_writes_nothing, teardown),
        cmocka_unit_test_teardown(test_program_refuses_a_misaligned_address_or_length, teardown),
        cmocka_unit_test_teardown(test_erase_refuses_an_address_inside_a_sector, teardown),
        cmocka_unit_test_teardown(test_operations_outside_the_device_are_range_errors, teardown),
        cmocka_unit_test_teardown(test_reads_work_at_any_alignment, teardown),
        cmocka_unit_test_teardown(test_strict_flash_refuses_a_second_program_of_a_write_unit_and_counts_it, teardown),
        cmocka_unit_test_teardown(test_strict_flash_allows_a_program_again_after_erase, teardown),
        cmocka_unit_test_teardown(test_lenient_flash_allows_a_second_program_but_counts_the_violation, teardown),
        cmocka_unit_test_teardown(test_counters_count_every_operation_and_reset_to_zero, teardown),
        cmocka_unit_test_teardown(test_bad_geometry_is_refused, teardown),
        cmocka_unit_test_setup_teardown(test_a_file_backed_flash_is_created_erased_and_keeps_its_contents_across_reopen,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_strict_bookkeeping_of_a_file_backed_flash_persists_across_reopen,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_a_file_of_another_size_is_refused, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_factory_load_and_wipe_bypass_the_rules, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
