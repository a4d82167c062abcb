/*
 * One device, one supply: the flash and the store count their operations in
 * one sequence, and a cut on either stops both (and costs the store its
 * unsynced data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim_nor.h"
#include "sim_store.h"
#include "test_server.h"

#define SIZE (64u * 1024u)
#define SECTOR 4096u
#define WU 8u

static char dir[256];
static sim_power_t power;
static sim_nor_t fsim;
static ota_flash_t f;
static posix_store_dir_t sd;
static sim_store_t st;
static ota_store_t s;

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(dir, sizeof dir, "shared") != OTA_OK) {
        return -1;
    }
    sim_power_init(&power, 11);
    sim_nor_config_t fc = { .size = SIZE, .sector_size = SECTOR, .write_unit = WU, .strict = true, .power = &power };
    posix_store_dir_config_t sc = { .dir = dir, .no_fsync = true };
    if (sim_nor_open(&fsim, &fc) != OTA_OK || posix_store_dir_open(&sd, &sc) != OTA_OK ||
        sim_store_open(&st, &sd, &power) != OTA_OK) {
        return -1;
    }
    sim_nor_port(&fsim, &f);
    sim_store_port(&st, &s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_store_close(&st);
    posix_store_dir_close(&sd);
    sim_nor_close(&fsim);
    test_tmpdir_remove(dir);
    return 0;
}

static void test_flash_and_store_operations_share_one_count(void **state)
{
    (void)state;
    uint8_t unit[WU];
    memset(unit, 0, WU);
    assert_int_equal(f.program(f.ctx, 0, unit, WU), OTA_OK); /* 1 */
    int fh = s.open(s.ctx, "a", OTA_STORE_WRITE);            /* 2 */
    assert_true(fh >= 0);
    assert_int_equal(f.erase(f.ctx, 0), OTA_OK);           /* 3 */
    assert_int_equal(s.write(s.ctx, fh, "xy", 2), OTA_OK); /* 4 */
    assert_int_equal(sim_power_ops(&power), 4);
    /* Arm the next operation, whichever device performs it. */
    sim_power_arm(&power, 5, SIM_CUT_WHOLE);
    assert_int_equal(s.sync(s.ctx, fh), OTA_ERR_POWER_LOST); /* 5 */
    assert_int_equal(sim_power_cut_op(&power), 5);
    assert_int_equal(f.program(f.ctx, WU, unit, WU), OTA_ERR_POWER_LOST);
    uint8_t b[4];
    assert_int_equal(f.read(f.ctx, 0, b, 4), OTA_ERR_POWER_LOST);
    sim_power_reboot(&power);
    assert_int_equal(f.program(f.ctx, WU, unit, WU), OTA_OK); /* 6 */
    assert_int_equal(sim_power_ops(&power), 6);
}

static void test_a_cut_on_the_flash_costs_the_store_its_unsynced_data(void **state)
{
    (void)state;
    uint8_t data[400];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)i;
    }
    int fh = s.open(s.ctx, "dl.tmp", OTA_STORE_WRITE);
    s.write(s.ctx, fh, data, 100);
    s.sync(s.ctx, fh);
    s.write(s.ctx, fh, data + 100, 300);
    sim_power_arm(&power, sim_power_ops(&power) + 1, SIM_CUT_SKIP);
    assert_int_equal(f.erase(f.ctx, SECTOR), OTA_ERR_POWER_LOST);
    /* The store is off too, and its handle is gone. */
    assert_int_equal(s.write(s.ctx, fh, data, 1), OTA_ERR_POWER_LOST);
    sim_power_reboot(&power);
    assert_int_equal(sim_store_open_handles(&st), 0);
    uint32_t size = 0;
    assert_int_equal(s.stat(s.ctx, "dl.tmp", &size), OTA_OK);
    assert_true(size >= 100 && size <= 400);
}

static void test_a_sweep_reaches_every_operation_of_a_mixed_sequence(void **state)
{
    (void)state;
    /* The shape of an install: erase, program, program, then record in the
     * store. Cutting at op k for every k must stop each run exactly there. */
    uint8_t unit[WU];
    memset(unit, 0x42, WU);
    for (uint64_t k = 1; k <= 7; k++) {
        sim_power_reboot(&power);
        sim_power_reset_count(&power);
        sim_power_arm(&power, k, SIM_CUT_WHOLE);
        int done = 0, rc = OTA_OK, fh = -1;
        for (int step = 0; step < 7 && rc >= 0; step++) {
            switch (step) {
            case 0:
                rc = f.erase(f.ctx, 0);
                break;
            case 1:
                rc = f.program(f.ctx, 0, unit, WU);
                break;
            case 2:
                rc = f.program(f.ctx, WU, unit, WU);
                break;
            case 3:
                rc = fh = s.open(s.ctx, "rec", OTA_STORE_WRITE);
                break;
            case 4:
                rc = s.write(s.ctx, fh, "r", 1);
                break;
            case 5:
                rc = s.sync(s.ctx, fh);
                break;
            default:
                rc = s.close(s.ctx, fh);
                break;
            }
            done += rc >= 0;
        }
        assert_int_equal(rc, OTA_ERR_POWER_LOST);
        assert_int_equal(sim_power_cut_op(&power), k);
        assert_int_equal(done, (int)k - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_flash_and_store_operations_share_one_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_cut_on_the_flash_costs_the_store_its_unsynced_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_sweep_reaches_every_operation_of_a_mixed_sequence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
