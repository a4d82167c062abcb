/*
 * Device profiles (tools/sim_profile.c) and the simulated device's layout
 * (src/port/posix/sim_device.c): where the boot control sector and the
 * application region sit, and that the bootloader and the factory
 * programmer use exactly those places.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"
#include "test_server.h"

static void test_a_zero_configuration_keeps_boot_control_first_and_the_application_after_it(void **state)
{
    (void)state;
    sim_device_config_t dc;
    memset(&dc, 0, sizeof dc);
    sim_device_layout_t lay;
    assert_int_equal(sim_device_layout(&dc, &lay, NULL), OTA_OK);
    assert_int_equal(lay.bootctl_addr, 0);
    assert_int_equal(lay.bootctl_size, 8192); /* two sectors */
    assert_int_equal(lay.app_addr, 8192);
    assert_int_equal(lay.app_size, 1024 * 1024 - 8192);

    /* The application follows the boot control area whatever its sectors' size. */
    dc.sector_size = 16384;
    assert_int_equal(sim_device_layout(&dc, &lay, NULL), OTA_OK);
    assert_int_equal(lay.app_addr, 32768);
}

static void test_the_default_profile_is_todays_default_device(void **state)
{
    (void)state;
    simcmd_config_t c;
    simcmd_config_defaults(&c);
    assert_string_equal(c.profile, SIMCMD_DEFAULT_PROFILE);
    assert_int_equal(c.hex_base, SIMCMD_DEFAULT_HEX_BASE);
    assert_int_equal(c.nvm_size, 1024 * 1024);
    assert_int_equal(c.sector_size, 4096);
    assert_int_equal(c.write_unit, 16);
    assert_int_equal(c.bootctl_offset, 0);
    assert_int_equal(c.app_offset, 0);
    const char *why;
    assert_int_equal(simcmd_config_check(&c, &why), OTA_OK);
}

static void test_the_w1_profile_has_the_originals_addresses(void **state)
{
    (void)state;
    const simcmd_profile_t *p = simcmd_profile_find("pic32mz-w1");
    assert_non_null(p);
    assert_int_equal(p->hex_base, 0x10000000u);
    /* sysota's two-page area ends with the original's boot control page */
    assert_int_equal(p->hex_base + p->bootctl_offset + 4096u, 0x10020000u);
    assert_int_equal(p->hex_base + p->app_offset, 0x10021000u);
    assert_int_equal(p->sector_size, 4096);
    assert_null(simcmd_profile_find("pic32mz-xx"));

    /* Every profile holds together as a device. */
    for (size_t i = 0; simcmd_profile_at(i) != NULL; i++) {
        simcmd_config_t c;
        simcmd_config_defaults(&c);
        simcmd_profile_apply(simcmd_profile_at(i), &c);
        const char *why;
        if (simcmd_config_check(&c, &why) != OTA_OK) {
            fail_msg("profile %s: %s", simcmd_profile_at(i)->name, why);
        }
    }
}

static void test_the_profile_key_sets_the_layout_and_later_keys_change_single_values(void **state)
{
    (void)state;
    simcmd_config_t c;
    const char *why;
    simcmd_config_defaults(&c);
    assert_int_equal(simcmd_config_set(&c, "profile", "pic32mz-w1", &why), OTA_OK);
    assert_string_equal(c.profile, "pic32mz-w1");
    assert_int_equal(c.bootctl_offset, 0x1F000);
    assert_int_equal(c.app_offset, 0x21000);
    assert_int_equal(simcmd_config_set(&c, "nvm_size", "2M", &why), OTA_OK);
    assert_int_equal(c.nvm_size, 2 * 1024 * 1024);
    assert_int_equal(c.bootctl_offset, 0x1F000);
    assert_int_equal(simcmd_config_set(&c, "profile", "nope", &why), OTA_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "not a profile"));
    assert_true(simcmd_config_key_fixed("profile"));
    assert_true(simcmd_config_key_fixed("app_offset"));
    assert_false(simcmd_config_key_fixed("hex_base"));
}

static void expect_refused(uint32_t bootctl, uint32_t app, const char *words)
{
    sim_device_config_t dc;
    memset(&dc, 0, sizeof dc);
    dc.bootctl_offset = bootctl;
    dc.app_offset = app;
    sim_device_layout_t lay;
    const char *why = NULL;
    assert_int_equal(sim_device_layout(&dc, &lay, &why), OTA_ERR_INVALID_ARG);
    if (why == NULL || strstr(why, words) == NULL) {
        fail_msg("bootctl 0x%X app 0x%X: expected '%s', got '%s'", (unsigned)bootctl, (unsigned)app, words,
                 why ? why : "(null)");
    }
    sim_device_t dev;
    dc.store_path = "/nonexistent";
    assert_int_equal(sim_device_open(&dev, &dc), OTA_ERR_INVALID_ARG);
}

static void test_a_layout_whose_areas_do_not_fit_is_refused_with_the_reason(void **state)
{
    (void)state;
    expect_refused(0x20000, 0x22800, "multiples of sector_size");
    expect_refused(0x20800, 0x23000, "multiples of sector_size");
    /* An install erases the application region to the end of flash. */
    expect_refused(0x20000, 0x21000, "after the boot control area");
    expect_refused(0x20000, 0x10000, "after the boot control area");
    expect_refused(0x100000, 0, "past the end of flash");
    expect_refused(0xFFFFF000u, 0, "past the end of flash");
    expect_refused(0xFF000, 0, "second sector is past the end of flash");
    expect_refused(0xFE000, 0, "no room for the application");
}

/* The W1 device end to end in memory: the factory programmer and the
 * bootloader's view agree on 0x1F000-0x20FFF / 0x21000, and the part of
 * flash below them is left alone. */
static void test_a_w1_device_keeps_its_record_below_0x21000_and_its_image_at_0x21000(void **state)
{
    (void)state;
    char dir[512];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "w1"), OTA_OK);
    simcmd_config_t c;
    const char *why;
    simcmd_config_defaults(&c);
    assert_int_equal(simcmd_config_set(&c, "profile", "pic32mz-w1", &why), OTA_OK);
    sim_device_config_t dc;
    simcmd_config_device(&c, &dc);
    dc.store_path = dir;
    sim_device_t dev;
    assert_int_equal(sim_device_open(&dev, &dc), OTA_OK);
    assert_int_equal(dev.boot_cfg.layout.bootctl_addr, 0x1F000);
    assert_int_equal(dev.boot_cfg.layout.bootctl_size, 0x2000);
    assert_int_equal(dev.boot_cfg.layout.app_addr, 0x21000);
    assert_int_equal(dev.boot_cfg.layout.app_size, 0xDF000);

    uint8_t img[5000];
    for (size_t i = 0; i < sizeof img; i++) {
        img[i] = (uint8_t)(i * 7 + 1);
    }
    assert_int_equal(sim_device_factory_program(&dev, img, sizeof img, 3), OTA_OK);
    const uint8_t *flash = sim_nor_data(&dev.nor);
    assert_memory_equal(flash + 0x21000, img, sizeof img);
    for (uint32_t a = 0; a < 0x1F000; a++) {
        if (flash[a] != 0xFF) {
            fail_msg("the bootloader's part of flash was written at 0x%X", (unsigned)a);
        }
    }
    ota_bootctl_record_t rec;
    assert_int_equal(ota_app_running(&dev.boot_cfg, &rec), OTA_OK);
    assert_int_equal(rec.version, 3);
    assert_int_equal(rec.boot_addr, 0x21000);

    ota_boot_t boot;
    ota_boot_result_t res;
    assert_int_equal(ota_boot_run(&boot, &dev.boot_cfg, &res), OTA_OK);
    assert_int_equal(res.boot_addr, 0x21000);
    assert_int_equal(res.version, 3);
    assert_int_equal(sim_device_close(&dev), OTA_OK);
    assert_int_equal(test_tmpdir_remove(dir), OTA_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_zero_configuration_keeps_boot_control_first_and_the_application_after_it),
        cmocka_unit_test(test_the_default_profile_is_todays_default_device),
        cmocka_unit_test(test_the_w1_profile_has_the_originals_addresses),
        cmocka_unit_test(test_the_profile_key_sets_the_layout_and_later_keys_change_single_values),
        cmocka_unit_test(test_a_layout_whose_areas_do_not_fit_is_refused_with_the_reason),
        cmocka_unit_test(test_a_w1_device_keeps_its_record_below_0x21000_and_its_image_at_0x21000),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
