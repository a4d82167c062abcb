/*
 * The memory map and the flash geometry, as a specification: sectors are
 * found the same way whether they are uniform or vary with the address
 * (STM32F4: four of 16 KiB, one of 64 KiB, then 128 KiB), a memory map is
 * refused with a reason when the core could not use it, and the bootloader
 * installs across sectors of different sizes, erasing exactly the ones the
 * image covers.
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
#include "sysota/ota_app.h"
#include "sysota/ota_layout.h"

/* ---- an STM32F4-like flash: the NOR model with a sector map ----------------- */

#define F4_SIZE (512u * 1024u)

/* Four of 16 KiB, one of 64 KiB, three of 128 KiB. */
static const posix_flash_file_run_t f4_map[] = { { 4, 0x4000 }, { 1, 0x10000 }, { 3, 0x20000 } };

/* A fresh device on that map: the record in sector 1 (16 KiB), the
 * application from 0x20000 (128 KiB sectors). */
static void f4_device(fixture_t *f)
{
    f->cfg.nvm_size = 0;
    f->cfg.sectors = f4_map;
    f->cfg.nsectors = sizeof f4_map / sizeof f4_map[0];
    f->cfg.bootctl_offset = 0x4000;
    f->cfg.app_offset = 0x20000;
    fixture_reopen(f);
}

/* ---- sectors --------------------------------------------------------------- */

static void test_a_uniform_flash_has_sectors_of_sector_size(void **state)
{
    fixture_t *f = *state;
    uint32_t start = 1;
    uint32_t size = 1;
    assert_int_equal(ota_flash_sector(&f->dev.flash, 0x1234, &start, &size), OTA_OK);
    assert_int_equal(start, 0x1000);
    assert_int_equal(size, 4096);
    assert_int_equal(ota_flash_sector(&f->dev.flash, f->dev.flash.size, &start, &size), OTA_ERR_RANGE);
}

static void test_sectors_of_varying_size_come_from_the_port(void **state)
{
    fixture_t *f = *state;
    uint32_t start;
    uint32_t size;
    f4_device(f);
    assert_int_equal(f->dev.flash.size, F4_SIZE);
    assert_int_equal(ota_flash_sector(&f->dev.flash, 0x4000, &start, &size), OTA_OK);
    assert_int_equal(start, 0x4000);
    assert_int_equal(size, 0x4000);
    assert_int_equal(ota_flash_sector(&f->dev.flash, 0x1FFFF, &start, &size), OTA_OK);
    assert_int_equal(start, 0x10000);
    assert_int_equal(size, 0x10000);
    assert_int_equal(ota_flash_sector(&f->dev.flash, 0x50000, &start, &size), OTA_OK);
    assert_int_equal(start, 0x40000);
    assert_int_equal(size, 0x20000);
    assert_int_equal(f->dev.boot_cfg.layout.app_size, F4_SIZE - 0x20000);
}

static void test_a_memory_map_the_core_cannot_use_is_refused_with_a_reason(void **state)
{
    fixture_t *f = *state;
    const ota_flash_t *flash = &f->dev.flash; /* 64 KiB, 4 KiB sectors */
    const char *why = NULL;
    const struct {
        ota_layout_t layout;
        const char *reason;
    } bad[] = {
        { { .bootctl_addr = 0x0800, .app_addr = 0x1000, .app_size = 0x1000 },
          "boot control area" }, /* not a sector start */
        { { .bootctl_addr = 0x0000, .app_addr = 0x1800, .app_size = 0x1000 }, "does not start on a sector" },
        { { .bootctl_addr = 0x0000, .app_addr = 0x1000, .app_size = 0 }, "empty" },
        { { .bootctl_addr = 0x0000, .app_addr = 0x1000, .app_size = 0x10000 }, "past the end" },
        { { .bootctl_addr = 0x2000, .app_addr = 0x1000, .app_size = 0x4000 },
          "overlaps" }, /* the record inside the region */
        { { .bootctl_addr = 0x10000, .app_addr = 0x1000, .app_size = 0x1000 }, "boot control area" }, /* past the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ota_layout_check(&bad[i].layout, flash, &why), OTA_ERR_INVALID_ARG);
        assert_non_null(strstr(why, bad[i].reason));
    }
    ota_layout_t good = { .bootctl_addr = 0xE000, .app_addr = 0x0000, .app_size = 0xE000 }; /* above the region */
    assert_int_equal(ota_layout_check(&good, flash, &why), OTA_OK);
    /* Two sectors for the boot control log; not three, not a sector and a half. */
    ota_layout_t two = { .bootctl_addr = 0x0000, .bootctl_size = 0x2000, .app_addr = 0x2000, .app_size = 0xE000 };
    assert_int_equal(ota_layout_check(&two, flash, &why), OTA_OK);
    two.bootctl_size = 0x3000;
    assert_int_equal(ota_layout_check(&two, flash, &why), OTA_ERR_INVALID_ARG);
    two.bootctl_size = 0x1800;
    assert_int_equal(ota_layout_check(&two, flash, &why), OTA_ERR_INVALID_ARG);
    two.bootctl_size = 0x2000;
    two.app_addr = 0x1000; /* overlaps the second sector */
    assert_int_equal(ota_layout_check(&two, flash, &why), OTA_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "overlaps"));

    /* The bootloader refuses to run on such a map rather than guess. */
    ota_boot_config_t cfg = f->dev.boot_cfg;
    cfg.layout = bad[4].layout;
    ota_boot_result_t res;
    assert_int_equal(ota_boot_run(&f->boot, &cfg, &res), OTA_ERR_INVALID_ARG);
}

/* ---- an install across sectors of different sizes ------------------------------ */

static void test_an_install_erases_exactly_the_varying_sectors_the_image_covers(void **state)
{
    fixture_t *f = *state;
    f4_device(f);

    const uint32_t golden_size = 20000;
    const uint32_t new_size = 150000; /* two 128 KiB sectors */
    uint8_t *img = malloc(new_size);
    assert_non_null(img);
    fixture_image(1, img, golden_size);
    assert_int_equal(sim_device_factory_program(&f->dev, img, golden_size, 1), OTA_OK);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);

    fixture_image(2, img, new_size);
    fixture_store_write(f, "app_v2.bin", img, new_size);
    uint8_t digest[32];
    fixture_digest(2, new_size, digest);
    ota_db_t db = fixture_db(f);
    assert_int_equal(ota_db_add(&db, &f->dev.store, "app_v2.bin", OTA_STATUS_DOWNLOADED, 2, digest), OTA_OK);
    fixture_table_sync(f);
    fixture_mark_running_disabled(f);
    /* Marks the install must erase (0x40000: inside the image) and must not
     * (0x60000: the sector after it). */
    const uint8_t mark[16] = { 0 };
    assert_int_equal(sim_nor_load(&f->dev.nor, 0x40000, mark, sizeof mark), OTA_OK);
    assert_int_equal(sim_nor_load(&f->dev.nor, 0x60000, mark, sizeof mark), OTA_OK);
    sim_nor_reset_counters(&f->dev.nor);

    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(res.installed);
    /* Two erases, the image whole in the strict NOR model (which refuses to
     * program over the golden image or the mark unerased) and the mark after
     * it intact: the 128 KiB sectors at 0x20000 and 0x40000, nothing else. */
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases, 2);
    assert_memory_equal(sim_nor_data(&f->dev.nor) + 0x20000, img, new_size);
    assert_memory_equal(sim_nor_data(&f->dev.nor) + 0x60000, mark, sizeof mark);
    free(img);
    /* The record lives in its own 16 KiB sector, untouched by the install's erases. */
    assert_int_equal(fixture_record(f).version, 2);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_uniform_flash_has_sectors_of_sector_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sectors_of_varying_size_come_from_the_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_memory_map_the_core_cannot_use_is_refused_with_a_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_install_erases_exactly_the_varying_sectors_the_image_covers, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
