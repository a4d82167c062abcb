/*
 * The host port's file flash: NOR rules read from the bytes, a sector map
 * reported through sector(), contents kept in a file across reopen, and no
 * power model (a write unit may be programmed again to clear more bits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "flash_file.h"
#include "sysota/ota_layout.h"
#include "test_server.h"

#define WU 16u

/* STM32F4-like: four of 16 KiB, one of 64 KiB, three of 128 KiB. */
static const posix_flash_file_run_t f4_map[] = { { 4, 0x4000 }, { 1, 0x10000 }, { 3, 0x20000 } };
#define F4_SIZE (4u * 0x4000u + 0x10000u + 3u * 0x20000u)

static posix_flash_file_t ff;
static ota_flash_t f;
static char dir[256];
static char path[300];

static int setup(void **state)
{
    (void)state;
    memset(&ff, 0, sizeof ff);
    ff.fd = -1;
    if (test_tmpdir_make(dir, sizeof dir, "flashfile") != OTA_OK) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/nvm.bin", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    posix_flash_file_close(&ff);
    test_tmpdir_remove(dir);
    return 0;
}

static void open_f4(const char *p)
{
    posix_flash_file_config_t cfg = { .write_unit = WU, .runs = f4_map, .nruns = 3, .path = p };
    assert_int_equal(posix_flash_file_open(&ff, &cfg), OTA_OK);
    posix_flash_file_port(&ff, &f);
}

static void test_a_sector_map_is_reported_through_sector(void **state)
{
    (void)state;
    open_f4(NULL);
    assert_int_equal(f.size, F4_SIZE);
    assert_non_null(f.sector);
    uint32_t start;
    uint32_t size;
    const struct {
        uint32_t addr, start, size;
    } want[] = { { 0, 0, 0x4000 },
                 { 0x7FFF, 0x4000, 0x4000 },
                 { 0x10000, 0x10000, 0x10000 },
                 { 0x1FFFF, 0x10000, 0x10000 },
                 { 0x20000, 0x20000, 0x20000 },
                 { F4_SIZE - 1, 0x60000, 0x20000 } };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(ota_flash_sector(&f, want[i].addr, &start, &size), OTA_OK);
        assert_int_equal(start, want[i].start);
        assert_int_equal(size, want[i].size);
    }
    assert_int_equal(f.sector(f.ctx, F4_SIZE, &start, &size), OTA_ERR_RANGE);
}

static void test_erase_takes_a_whole_sector_of_the_map_and_only_at_its_start(void **state)
{
    (void)state;
    open_f4(NULL);
    uint8_t zeros[WU] = { 0 };
    assert_int_equal(f.program(f.ctx, 0x10000, zeros, WU), OTA_OK);
    assert_int_equal(f.program(f.ctx, 0x1FFF0, zeros, WU), OTA_OK);
    assert_int_equal(f.program(f.ctx, 0x20000, zeros, WU), OTA_OK);
    assert_int_equal(f.erase(f.ctx, 0x14000), OTA_ERR_ALIGN); /* a 16 KiB step, inside the 64 KiB sector */
    assert_int_equal(f.erase(f.ctx, 0x10000), OTA_OK);
    const uint8_t *d = posix_flash_file_data(&ff);
    assert_int_equal(d[0x10000], 0xFF);
    assert_int_equal(d[0x1FFFF], 0xFF);
    assert_int_equal(d[0x20000], 0x00); /* the next sector is untouched */
    assert_int_equal(f.erase(f.ctx, F4_SIZE), OTA_ERR_RANGE);
}

static void test_program_clears_bits_only_and_may_clear_more_later(void **state)
{
    (void)state;
    posix_flash_file_config_t cfg = { .size = 0x10000, .sector_size = 0x1000, .write_unit = WU };
    assert_int_equal(posix_flash_file_open(&ff, &cfg), OTA_OK);
    posix_flash_file_port(&ff, &f);
    assert_null(f.sector);
    uint8_t a[WU];
    uint8_t b[WU];
    memset(a, 0xF0, WU);
    memset(b, 0x30, WU);
    assert_int_equal(f.program(f.ctx, 0, a, WU), OTA_OK);
    /* No bookkeeping of programs here: clearing more bits is what NOR does. */
    assert_int_equal(f.program(f.ctx, 0, b, WU), OTA_OK);
    assert_int_equal(posix_flash_file_data(&ff)[0], 0x30);
    assert_int_equal(f.program(f.ctx, 0, a, WU), OTA_ERR_FLASH_BITS);
    assert_int_equal(posix_flash_file_data(&ff)[0], 0x30);
    assert_int_equal(posix_flash_file_program_check(&ff, 0, a, WU), OTA_ERR_FLASH_BITS);
    assert_int_equal(posix_flash_file_program_check(&ff, 8, b, WU), OTA_ERR_ALIGN);
}

static void test_the_contents_stay_in_the_file_across_reopen(void **state)
{
    (void)state;
    open_f4(path);
    uint8_t data[WU];
    memset(data, 0x5A, WU);
    assert_int_equal(f.program(f.ctx, 0x40000, data, WU), OTA_OK);
    assert_int_equal(posix_flash_file_close(&ff), OTA_OK);
    open_f4(path);
    uint8_t back[WU];
    assert_int_equal(f.read(f.ctx, 0x40000, back, WU), OTA_OK);
    assert_memory_equal(back, data, WU);
    /* A file of another size is another device. */
    assert_int_equal(posix_flash_file_close(&ff), OTA_OK);
    posix_flash_file_config_t other = { .size = 0x10000, .sector_size = 0x1000, .write_unit = WU, .path = path };
    assert_int_equal(posix_flash_file_open(&ff, &other), OTA_ERR_INVALID_ARG);
}

static void test_a_geometry_that_does_not_add_up_is_refused(void **state)
{
    (void)state;
    const posix_flash_file_run_t odd[] = { { 2, 1000 } }; /* not whole write units */
    const posix_flash_file_run_t empty[] = { { 0, 0x4000 } };
    posix_flash_file_config_t bad[] = {
        { .size = 0x10000, .sector_size = 3000, .write_unit = WU },
        { .size = 0x10000, .sector_size = 0x1000, .write_unit = 6 },
        { .size = 0x10100, .sector_size = 0x1000, .write_unit = WU },
        { .write_unit = WU, .runs = odd, .nruns = 1 },
        { .write_unit = WU, .runs = empty, .nruns = 1 },
        { .size = 0x1000, .write_unit = WU, .runs = f4_map, .nruns = 3 }, /* size disagrees with the map */
        { .write_unit = WU, .runs = f4_map, .nruns = 0 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(posix_flash_file_open(&ff, &bad[i]), OTA_ERR_INVALID_ARG);
    }
}

static void test_load_and_wipe_store_bytes_as_given(void **state)
{
    (void)state;
    open_f4(NULL);
    uint8_t zeros[WU] = { 0 };
    uint8_t ones[WU];
    memset(ones, 0xA5, WU);
    assert_int_equal(f.program(f.ctx, 0, zeros, WU), OTA_OK);
    assert_int_equal(posix_flash_file_load(&ff, 0, ones, WU), OTA_OK); /* 0 -> 1 too: a programmer's write */
    assert_int_equal(posix_flash_file_data(&ff)[0], 0xA5);
    assert_int_equal(posix_flash_file_load(&ff, F4_SIZE - 1, ones, 2), OTA_ERR_RANGE);
    assert_int_equal(posix_flash_file_wipe(&ff), OTA_OK);
    assert_int_equal(posix_flash_file_data(&ff)[0], 0xFF);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_sector_map_is_reported_through_sector),
        T(test_erase_takes_a_whole_sector_of_the_map_and_only_at_its_start),
        T(test_program_clears_bits_only_and_may_clear_more_later),
        T(test_the_contents_stay_in_the_file_across_reopen),
        T(test_a_geometry_that_does_not_add_up_is_refused),
        T(test_load_and_wipe_store_bytes_as_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
