/*
 * The simulated power supply: operation count, cut, faults, listeners.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_power.h"

static void test_operations_are_counted_from_one_and_the_armed_one_is_the_victim(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    assert_int_equal(sim_power_arm(&p, 3, SIM_CUT_TORN), OTA_OK);
    sim_cut_mode_t mode = SIM_CUT_SKIP;
    assert_int_equal(sim_power_tick(&p, &mode), SIM_POWER_RUN);
    assert_int_equal(sim_power_tick(&p, &mode), SIM_POWER_RUN);
    assert_int_equal(sim_power_tick(&p, &mode), SIM_POWER_VICTIM);
    assert_int_equal(mode, SIM_CUT_TORN);
    assert_int_equal(sim_power_ops(&p), 3);
    /* The victim is not off until its device model has done its part. */
    assert_int_equal(sim_power_is_on(&p), 1);
    assert_int_equal(sim_power_cut(&p), OTA_OK);
    assert_int_equal(sim_power_is_on(&p), 0);
    assert_int_equal(sim_power_was_cut(&p), 1);
    assert_int_equal(sim_power_cut_op(&p), 3);
}

static void test_a_disarmed_supply_never_cuts(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    sim_power_arm(&p, 5, SIM_CUT_WHOLE);
    sim_power_arm(&p, 0, SIM_CUT_WHOLE);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_RUN);
    }
    assert_int_equal(sim_power_was_cut(&p), 0);
    assert_int_equal(sim_power_ops(&p), 100);
}

static void test_every_operation_after_a_cut_fails_until_reboot(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    sim_power_arm(&p, 1, SIM_CUT_SKIP);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_VICTIM);
    sim_power_cut(&p);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sim_power_tick(&p, NULL), OTA_ERR_POWER_LOST);
        assert_int_equal(sim_power_check(&p), OTA_ERR_POWER_LOST);
    }
    /* Failed operations are not counted: the device did nothing. */
    assert_int_equal(sim_power_ops(&p), 1);
    assert_int_equal(sim_power_reboot(&p), OTA_OK);
    assert_int_equal(sim_power_check(&p), OTA_OK);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_RUN);
}

static void test_reboot_keeps_counting_and_disarms_the_cut(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    sim_power_arm(&p, 2, SIM_CUT_WHOLE);
    sim_power_tick(&p, NULL);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_VICTIM);
    sim_power_cut(&p);
    sim_power_reboot(&p);
    assert_int_equal(sim_power_ops(&p), 2);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_RUN);
    assert_int_equal(sim_power_ops(&p), 3);
    /* Still reports the cut that happened until re-armed or reset. */
    assert_int_equal(sim_power_was_cut(&p), 1);
    sim_power_reset_count(&p);
    assert_int_equal(sim_power_ops(&p), 0);
    assert_int_equal(sim_power_was_cut(&p), 0);
    /* After reset_count, op numbers start again at 1. */
    sim_power_arm(&p, 1, SIM_CUT_SKIP);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_VICTIM);
}

static void test_fail_at_fails_one_operation_once_and_keeps_power_on(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    assert_int_equal(sim_power_fail_at(&p, 2, OTA_ERR_IO), OTA_OK);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_RUN);
    assert_int_equal(sim_power_tick(&p, NULL), OTA_ERR_IO);
    assert_int_equal(sim_power_tick(&p, NULL), SIM_POWER_RUN);
    assert_int_equal(sim_power_is_on(&p), 1);
    assert_int_equal(sim_power_was_cut(&p), 0);
    assert_int_equal(sim_power_fail_at(&p, 4, OTA_OK), OTA_ERR_INVALID_ARG);
}

static int calls;
static void count_call(void *arg)
{
    calls += *(int *)arg;
}

static void test_listeners_are_called_once_at_the_instant_of_the_cut(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    int one = 1, ten = 10;
    calls = 0;
    assert_int_equal(sim_power_listen(&p, count_call, &one), OTA_OK);
    assert_int_equal(sim_power_listen(&p, count_call, &ten), OTA_OK);
    assert_int_equal(calls, 0);
    assert_int_equal(sim_power_cut(&p), OTA_OK);
    assert_int_equal(calls, 11);
    /* Cutting a supply that is already off changes nothing. */
    assert_int_equal(sim_power_cut(&p), OTA_ERR_POWER_LOST);
    assert_int_equal(calls, 11);
    sim_power_reboot(&p);
    assert_int_equal(sim_power_unlisten(&p, count_call, &ten), OTA_OK);
    assert_int_equal(sim_power_unlisten(&p, count_call, &ten), OTA_ERR_NOT_FOUND);
    sim_power_cut(&p);
    assert_int_equal(calls, 12);
}

static void test_the_listener_table_reports_full(void **state)
{
    (void)state;
    sim_power_t p;
    sim_power_init(&p, 1);
    int x = 0;
    for (int i = 0; i < SIM_POWER_MAX_LISTENERS; i++) {
        assert_int_equal(sim_power_listen(&p, count_call, &x), OTA_OK);
    }
    assert_int_equal(sim_power_listen(&p, count_call, &x), OTA_ERR_FULL);
}

static void test_the_same_seed_gives_the_same_random_sequence(void **state)
{
    (void)state;
    sim_power_t a, b, c;
    sim_power_init(&a, 42);
    sim_power_init(&b, 42);
    sim_power_init(&c, 43);
    int differ = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t x = sim_power_random(&a);
        assert_int_equal(x, sim_power_random(&b));
        differ += x != sim_power_random(&c);
        assert_true(sim_power_random_below(&a, 7) < 7);
        sim_power_random_below(&b, 7);
        sim_power_random_below(&c, 7);
    }
    assert_true(differ > 60);
}

static void test_mode_names_parse_back_to_their_mode(void **state)
{
    (void)state;
    sim_cut_mode_t modes[] = { SIM_CUT_SKIP, SIM_CUT_WHOLE, SIM_CUT_TORN };
    for (size_t i = 0; i < 3; i++) {
        sim_cut_mode_t m = (sim_cut_mode_t)99;
        assert_int_equal(sim_power_mode_parse(sim_power_mode_name(modes[i]), &m), OTA_OK);
        assert_int_equal(m, modes[i]);
    }
    sim_cut_mode_t m;
    assert_int_equal(sim_power_mode_parse("half", &m), OTA_ERR_INVALID_ARG);
    sim_power_t p;
    sim_power_init(&p, 0);
    assert_int_equal(sim_power_arm(&p, 1, (sim_cut_mode_t)7), OTA_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operations_are_counted_from_one_and_the_armed_one_is_the_victim),
        cmocka_unit_test(test_a_disarmed_supply_never_cuts),
        cmocka_unit_test(test_every_operation_after_a_cut_fails_until_reboot),
        cmocka_unit_test(test_reboot_keeps_counting_and_disarms_the_cut),
        cmocka_unit_test(test_fail_at_fails_one_operation_once_and_keeps_power_on),
        cmocka_unit_test(test_listeners_are_called_once_at_the_instant_of_the_cut),
        cmocka_unit_test(test_the_listener_table_reports_full),
        cmocka_unit_test(test_the_same_seed_gives_the_same_random_sequence),
        cmocka_unit_test(test_mode_names_parse_back_to_their_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
