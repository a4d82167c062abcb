/*
 * Power cuts on the simulated NOR flash: what each cut mode leaves behind
 * for erase and program, and that nothing works again until reboot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim_nor.h"

#define SIZE (64u * 1024u)
#define SECTOR 4096u
#define WU 8u
#define LEN (16u * WU)
#define SEEDS 200

static sim_power_t power;
static sim_nor_t sim;
static ota_flash_t f;

static void open_flash(uint64_t seed, bool strict)
{
    sim_power_init(&power, seed);
    sim_nor_config_t cfg = { .size = SIZE, .sector_size = SECTOR, .write_unit = WU, .strict = strict, .power = &power };
    assert_int_equal(sim_nor_open(&sim, &cfg), OTA_OK);
    sim_nor_port(&sim, &f);
}

static int teardown(void **state)
{
    (void)state;
    sim_nor_close(&sim);
    return 0;
}

/* Old content: a pattern with both 0 and 1 bits, loaded by the "factory". */
static void load_old(uint8_t *old, uint32_t addr, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        old[i] = (uint8_t)(0xF7 ^ (i * 29));
    }
    assert_int_equal(sim_nor_load(&sim, addr, old, len), OTA_OK);
}

static void test_skip_cut_on_program_leaves_the_old_content(void **state)
{
    (void)state;
    open_flash(1, true);
    uint8_t data[LEN];
    memset(data, 0x00, LEN);
    sim_power_arm(&power, 1, SIM_CUT_SKIP);
    assert_int_equal(f.program(f.ctx, 0, data, LEN), OTA_ERR_POWER_LOST);
    for (uint32_t i = 0; i < LEN; i++) {
        assert_int_equal(sim_nor_data(&sim)[i], 0xFF);
    }
    assert_int_equal(sim_nor_unit_programmed(&sim, 0), 0);
    assert_int_equal(sim_power_was_cut(&power), 1);
    assert_int_equal(sim_power_cut_op(&power), 1);
}

static void test_whole_cut_on_program_leaves_the_new_content(void **state)
{
    (void)state;
    open_flash(1, true);
    uint8_t data[LEN];
    for (uint32_t i = 0; i < LEN; i++) {
        data[i] = (uint8_t)(i * 13);
    }
    sim_power_arm(&power, 1, SIM_CUT_WHOLE);
    assert_int_equal(f.program(f.ctx, SECTOR, data, LEN), OTA_ERR_POWER_LOST);
    assert_memory_equal(sim_nor_data(&sim) + SECTOR, data, LEN);
}

static void test_torn_cut_on_program_leaves_a_prefix_then_a_partial_unit_and_never_sets_a_bit(void **state)
{
    (void)state;
    int partial_units = 0, prefixes_seen[LEN / WU] = { 0 };
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        open_flash(seed, true);
        uint8_t data[LEN];
        for (uint32_t i = 0; i < LEN; i++) {
            data[i] = (uint8_t)(0x5A ^ (i * 71));
        }
        sim_power_arm(&power, 1, SIM_CUT_TORN);
        assert_int_equal(f.program(f.ctx, 0, data, LEN), OTA_ERR_POWER_LOST);
        const uint8_t *d = sim_nor_data(&sim);
        /* Every byte lies between the old value (0xFF) and the new one:
         * no bit the program would leave at 1 was cleared. */
        for (uint32_t i = 0; i < LEN; i++) {
            assert_int_equal(d[i] & data[i], data[i]);
        }
        /* Units before the torn one are complete, units after it untouched. */
        uint32_t u = 0;
        while (u < LEN / WU && memcmp(d + u * WU, data + u * WU, WU) == 0) {
            u++;
        }
        for (uint32_t v = u + 1; v < LEN / WU; v++) {
            for (uint32_t i = 0; i < WU; i++) {
                assert_int_equal(d[v * WU + i], 0xFF);
            }
        }
        if (u < LEN / WU) {
            prefixes_seen[u]++;
            bool partial = false;
            for (uint32_t i = 0; i < WU; i++) {
                uint8_t b = d[u * WU + i];
                partial |= b != 0xFF && b != data[u * WU + i];
            }
            partial_units += partial;
            /* The torn unit counts as programmed for strict mode. */
            assert_int_equal(sim_nor_unit_programmed(&sim, u * WU), 1);
            if (u + 1 < LEN / WU) {
                assert_int_equal(sim_nor_unit_programmed(&sim, (u + 1) * WU), 0);
            }
        }
        sim_nor_close(&sim);
    }
    /* Across seeds the cut lands at many places, often mid-unit. */
    int distinct = 0;
    for (uint32_t i = 0; i < LEN / WU; i++) {
        distinct += prefixes_seen[i] > 0;
    }
    assert_true(distinct >= 8);
    assert_true(partial_units > SEEDS / 2);
}

static void test_torn_program_over_old_data_only_clears_bits_the_data_clears(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        open_flash(seed, false);
        uint8_t old[LEN], data[LEN];
        load_old(old, 0, LEN);
        for (uint32_t i = 0; i < LEN; i++) {
            data[i] = (uint8_t)(old[i] & (0x3C ^ (i * 5)));
        }
        sim_power_arm(&power, 1, SIM_CUT_TORN);
        assert_int_equal(f.program(f.ctx, 0, data, LEN), OTA_ERR_POWER_LOST);
        const uint8_t *d = sim_nor_data(&sim);
        for (uint32_t i = 0; i < LEN; i++) {
            assert_int_equal(d[i] & ~old[i] & 0xFF, 0); /* never sets a bit */
            assert_int_equal(d[i] & data[i], data[i]);  /* never clears one the data keeps */
        }
        sim_nor_close(&sim);
    }
}

static void test_skip_cut_on_erase_leaves_the_old_content(void **state)
{
    (void)state;
    open_flash(3, true);
    uint8_t old[SECTOR];
    load_old(old, SECTOR, SECTOR);
    sim_power_arm(&power, 1, SIM_CUT_SKIP);
    assert_int_equal(f.erase(f.ctx, SECTOR), OTA_ERR_POWER_LOST);
    assert_memory_equal(sim_nor_data(&sim) + SECTOR, old, SECTOR);
}

static void test_whole_cut_on_erase_leaves_the_sector_erased(void **state)
{
    (void)state;
    open_flash(3, true);
    uint8_t old[SECTOR];
    load_old(old, SECTOR, SECTOR);
    sim_power_arm(&power, 1, SIM_CUT_WHOLE);
    assert_int_equal(f.erase(f.ctx, SECTOR), OTA_ERR_POWER_LOST);
    for (uint32_t i = 0; i < SECTOR; i++) {
        assert_int_equal(sim_nor_data(&sim)[SECTOR + i], 0xFF);
    }
    assert_int_equal(sim_nor_unit_programmed(&sim, SECTOR), 0);
}

static void test_torn_cut_on_erase_leaves_each_byte_old_or_erased(void **state)
{
    (void)state;
    int mixed = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        open_flash(seed, true);
        uint8_t old[SECTOR];
        load_old(old, 0, SECTOR);
        sim_power_arm(&power, 1, SIM_CUT_TORN);
        assert_int_equal(f.erase(f.ctx, 0), OTA_ERR_POWER_LOST);
        const uint8_t *d = sim_nor_data(&sim);
        int kept = 0, erased = 0;
        for (uint32_t i = 0; i < SECTOR; i++) {
            assert_true(d[i] == old[i] || d[i] == 0xFF);
            kept += d[i] == old[i] && old[i] != 0xFF;
            erased += d[i] == 0xFF && old[i] != 0xFF;
        }
        mixed += kept > 0 && erased > 0;
        /* Next sector untouched. */
        assert_int_equal(d[SECTOR], 0xFF);
        /* A unit still holding old bytes is not erased for strict mode. */
        for (uint32_t u = 0; u < SECTOR / WU; u++) {
            bool all_ff = true;
            for (uint32_t i = 0; i < WU; i++) {
                all_ff &= d[u * WU + i] == 0xFF;
            }
            assert_int_equal(sim_nor_unit_programmed(&sim, u * WU), all_ff ? 0 : 1);
        }
        sim_nor_close(&sim);
    }
    assert_int_equal(mixed, 20);
}

static void test_the_same_seed_tears_the_same_way(void **state)
{
    (void)state;
    uint8_t first[SECTOR];
    for (int run = 0; run < 2; run++) {
        open_flash(77, true);
        uint8_t old[SECTOR];
        load_old(old, 0, SECTOR);
        sim_power_arm(&power, 1, SIM_CUT_TORN);
        f.erase(f.ctx, 0);
        if (run == 0) {
            memcpy(first, sim_nor_data(&sim), SECTOR);
        } else {
            assert_memory_equal(first, sim_nor_data(&sim), SECTOR);
        }
        sim_nor_close(&sim);
    }
}

static void test_every_flash_operation_after_a_cut_fails_until_reboot(void **state)
{
    (void)state;
    open_flash(5, true);
    uint8_t data[WU];
    memset(data, 0, WU);
    sim_power_arm(&power, 2, SIM_CUT_WHOLE);
    assert_int_equal(f.program(f.ctx, 0, data, WU), OTA_OK);
    assert_int_equal(f.erase(f.ctx, SECTOR), OTA_ERR_POWER_LOST);
    uint8_t buf[WU];
    assert_int_equal(f.read(f.ctx, 0, buf, WU), OTA_ERR_POWER_LOST);
    assert_int_equal(f.program(f.ctx, WU, data, WU), OTA_ERR_POWER_LOST);
    assert_int_equal(f.erase(f.ctx, 0), OTA_ERR_POWER_LOST);
    /* Even a call that would be refused for its arguments reports the cut. */
    assert_int_equal(f.program(f.ctx, 1, data, WU), OTA_ERR_POWER_LOST);
    assert_int_equal(sim_nor_unit_programmed(&sim, WU), 0);
    sim_power_reboot(&power);
    assert_int_equal(f.read(f.ctx, 0, buf, WU), OTA_OK);
    assert_memory_equal(buf, data, WU);
    assert_int_equal(f.program(f.ctx, WU, data, WU), OTA_OK);
    assert_int_equal(sim_power_ops(&power), 3);
}

static void test_an_injected_fault_on_program_writes_nothing_and_keeps_power(void **state)
{
    (void)state;
    open_flash(5, true);
    uint8_t data[WU];
    memset(data, 0, WU);
    sim_power_fail_at(&power, 1, OTA_ERR_IO);
    assert_int_equal(f.program(f.ctx, 0, data, WU), OTA_ERR_IO);
    assert_int_equal(sim_nor_data(&sim)[0], 0xFF);
    assert_int_equal(sim_nor_unit_programmed(&sim, 0), 0);
    assert_int_equal(f.program(f.ctx, 0, data, WU), OTA_OK);
    assert_int_equal(sim_power_is_on(&power), 1);
}

static void test_refused_calls_are_not_counted_as_operations(void **state)
{
    (void)state;
    open_flash(5, true);
    uint8_t data[WU];
    memset(data, 0, WU);
    uint8_t buf[4];
    f.program(f.ctx, 3, data, WU);     /* align */
    f.program(f.ctx, SIZE, data, WU);  /* range */
    f.erase(f.ctx, 5);                 /* align */
    f.read(f.ctx, 0, buf, sizeof buf); /* reads never count */
    assert_int_equal(sim_power_ops(&power), 0);
    f.program(f.ctx, 0, data, WU);
    f.program(f.ctx, 0, data, WU); /* reprogram refused in strict mode */
    f.erase(f.ctx, 0);
    assert_int_equal(sim_power_ops(&power), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_skip_cut_on_program_leaves_the_old_content, teardown),
        cmocka_unit_test_teardown(test_whole_cut_on_program_leaves_the_new_content, teardown),
        cmocka_unit_test_teardown(test_torn_cut_on_program_leaves_a_prefix_then_a_partial_unit_and_never_sets_a_bit,
                                  teardown),
        cmocka_unit_test_teardown(test_torn_program_over_old_data_only_clears_bits_the_data_clears, teardown),
        cmocka_unit_test_teardown(test_skip_cut_on_erase_leaves_the_old_content, teardown),
        cmocka_unit_test_teardown(test_whole_cut_on_erase_leaves_the_sector_erased, teardown),
        cmocka_unit_test_teardown(test_torn_cut_on_erase_leaves_each_byte_old_or_erased, teardown),
        cmocka_unit_test_teardown(test_the_same_seed_tears_the_same_way, teardown),
        cmocka_unit_test_teardown(test_every_flash_operation_after_a_cut_fails_until_reboot, teardown),
        cmocka_unit_test_teardown(test_an_injected_fault_on_program_writes_nothing_and_keeps_power, teardown),
        cmocka_unit_test_teardown(test_refused_calls_are_not_counted_as_operations, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
