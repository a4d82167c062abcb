/*
 * Staged rollouts, as a specification (ota_rollout.h): a device's bucket
 * for a version is stable; raising the percentage widens the same cohort;
 * the cohorts are the size they say; each version draws its own cohort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ota_rollout.h"

#define FLEET 4000

static size_t device(unsigned i, char *id)
{
    return (size_t)sprintf(id, "SN-%06u", i);
}

static void test_raising_the_percentage_only_adds_devices(void **state)
{
    (void)state;
    char id[16];
    for (unsigned i = 0; i < FLEET; i++) {
        size_t n = device(i, id);
        for (uint32_t v = 1; v <= 3; v++) {
            bool before = false;
            for (unsigned pct = 0; pct <= 100; pct++) {
                bool now = ota_rollout_includes(id, n, v, (uint8_t)pct);
                if (before && !now) {
                    fail_msg("%s, v%u: in at %u %%, out at %u %%", id, (unsigned)v, pct - 1, pct);
                }
                before = now;
            }
            assert_true(before);                             /* everyone at 100 */
            assert_false(ota_rollout_includes(id, n, v, 0)); /* nobody at 0 */
        }
    }
}

static void test_a_cohort_is_the_size_it_says(void **state)
{
    (void)state;
    char id[16];
    const unsigned pcts[] = { 1, 10, 25, 50, 90 };
    for (size_t k = 0; k < sizeof pcts / sizeof pcts[0]; k++) {
        unsigned in = 0;
        for (unsigned i = 0; i < FLEET; i++) {
            size_t n = device(i, id);
            in += ota_rollout_includes(id, n, 42, (uint8_t)pcts[k]);
        }
        /* Binomial: 4000 devices, the share within 4 standard deviations. */
        double expect = FLEET * pcts[k] / 100.0;
        double var = expect * (1.0 - pcts[k] / 100.0);
        double sd = var > 1.0 ? var : 1.0;
        for (int it = 0; it < 40; it++) {
            sd = 0.5 * (sd + var / sd); /* Newton's square root: no libm needed */
        }
        printf("rollout %u %%: %u of %u devices (expected %.0f)\n", pcts[k], in, FLEET, expect);
        assert_true((double)in > expect - 4 * sd - 1 && (double)in < expect + 4 * sd + 1);
    }
}

static void test_each_version_draws_its_own_cohort(void **state)
{
    (void)state;
    char id[16];
    unsigned both = 0, first = 0;
    for (unsigned i = 0; i < FLEET; i++) {
        size_t n = device(i, id);
        bool a = ota_rollout_includes(id, n, 7, 10);
        bool b = ota_rollout_includes(id, n, 8, 10);
        first += a;
        both += a && b;
    }
    /* Independent draws: about 10 % of the first cohort, not all of it. */
    printf("10 %% cohorts of v7 and v8: %u of v7's %u devices in both\n", both, first);
    assert_true(both < first / 4);
}

static void test_a_device_without_an_identity_takes_only_full_rollouts(void **state)
{
    (void)state;
    assert_true(ota_rollout_includes(NULL, 0, 9, 100));
    for (unsigned pct = 0; pct < 100; pct++) {
        assert_false(ota_rollout_includes(NULL, 0, 9, (uint8_t)pct));
        assert_false(ota_rollout_includes("", 0, 9, (uint8_t)pct));
    }
}

static void test_the_bucket_is_the_documented_hash(void **state)
{
    (void)state;
    /* Fixed values: a host tool, another platform or a later build must agree. */
    uint8_t b = ota_rollout_bucket("device-a", 8, 1);
    assert_true(b < 100);
    /* the identity's bytes and the version both count */
    unsigned same = 0;
    for (uint32_t v = 1; v <= 100; v++) {
        same += ota_rollout_bucket("device-a", 8, v) == b;
    }
    assert_true(same < 10);
    /* Computed apart from this code (a few lines of Python over the same
     * definition: FNV-1a, then MurmurHash3's finaliser, modulo 100). */
    assert_int_equal(b, 13);
    assert_int_equal(ota_rollout_bucket("device-b", 8, 1), 35);
    assert_int_equal(ota_rollout_bucket("SN-000001", 9, 6), 51);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raising_the_percentage_only_adds_devices),
        cmocka_unit_test(test_a_cohort_is_the_size_it_says),
        cmocka_unit_test(test_each_version_draws_its_own_cohort),
        cmocka_unit_test(test_a_device_without_an_identity_takes_only_full_rollouts),
        cmocka_unit_test(test_the_bucket_is_the_documented_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
