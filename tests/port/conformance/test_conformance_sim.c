/*
 * The simulated device's ports pass the port-conformance suite with the
 * power on: the NOR model (strict, uniform and with an STM32F4 sector map),
 * the store with power cuts (and a capacity), SHA-256 and the system port.
 * A simulator that broke a rule of ota_port.h would let the sweeps prove
 * the core right against a device that cannot exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conformance.h"
#include "sim_device.h"
#include "test_server.h"

static void print_line(void *arg, const char *line)
{
    printf("%s: %s\n", (const char *)arg, line);
}

static void device_conforms(sim_device_config_t *dc, uint32_t scratch_size, const char *what)
{
    char dir[256];
    char store[300];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "conf-sim"), OTA_OK);
    snprintf(store, sizeof store, "%s/store", dir);
    dc->store_path = store;
    dc->store_capacity = 128u * 1024u;
    sim_device_t dev;
    assert_int_equal(sim_device_open(&dev, dc), OTA_OK);
    posix_system_set_log(&dev.sys_posix, OTA_LOG_ERROR, NULL, false, NULL, NULL);
    /* The scratch: the last sectors of the application region. */
    uint32_t scratch = dev.flash.size - scratch_size;
    conformance_config_t cfg = {
        .flash = &dev.flash,
        .flash_scratch_addr = scratch,
        .flash_scratch_size = scratch_size,
        .store = &dev.store,
        .store_capacity = dc->store_capacity,
        .crypto = &dev.crypto,
        .sys = &dev.sys,
        .print = print_line,
        .print_arg = (void *)what,
    };
    conformance_result_t res;
    assert_int_equal(conformance_run(&cfg, &res), 0);
    assert_true(res.passed > 10);
    /* The suite ran on a powered device: every operation counted, none cut. */
    assert_true(sim_power_ops(&dev.power) > 0);
    assert_int_equal(sim_power_was_cut(&dev.power), 0);
    assert_int_equal(sim_store_open_handles(&dev.store_sim), 0);
    sim_nor_counters_t nc;
    sim_nor_counters(&dev.nor, &nc);
    assert_int_equal(nc.violations, 0);
    sim_device_close(&dev);
    test_tmpdir_remove(dir);
}

static void test_the_simulated_device_conforms(void **state)
{
    (void)state;
    sim_device_config_t dc;
    memset(&dc, 0, sizeof dc);
    dc.nvm_size = 256u * 1024u;
    dc.seed = 3;
    device_conforms(&dc, 0x2000, "sim uniform");
}

static void test_the_simulated_device_conforms_with_an_stm32f4_sector_map(void **state)
{
    (void)state;
    static const posix_flash_file_run_t f4[] = { { 4, 0x4000 }, { 1, 0x10000 }, { 3, 0x20000 } };
    sim_device_config_t dc;
    memset(&dc, 0, sizeof dc);
    dc.sectors = f4;
    dc.nsectors = 3;
    dc.bootctl_offset = 0x4000;
    dc.app_offset = 0x20000;
    dc.seed = 4;
    device_conforms(&dc, 0x40000, "sim STM32F4 map"); /* the last two 128 KiB sectors */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_simulated_device_conforms),
        cmocka_unit_test(test_the_simulated_device_conforms_with_an_stm32f4_sector_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
