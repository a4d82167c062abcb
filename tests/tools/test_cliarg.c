/*
 * Numbers on the command line: 0x hex, decimal (never octal), K/M suffixes.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "tool_cliarg.h"

static uint64_t number(const char *s)
{
    uint64_t v = 0;
    assert_int_equal(tool_cliarg_number(s, UINT64_MAX, &v), OTA_OK);
    return v;
}

static void test_hex_needs_0x_and_decimal_is_the_default(void **state)
{
    (void)state;
    assert_true(number("0x9D000000") == 0x9D000000u);
    assert_true(number("0XffFF") == 0xFFFF);
    assert_true(number("4096") == 4096);
}

static void test_a_leading_zero_is_still_decimal(void **state)
{
    (void)state;
    assert_true(number("010") == 10);
    assert_true(number("0") == 0);
}

static void test_k_and_m_suffixes_are_kib_and_mib(void **state)
{
    (void)state;
    assert_true(number("256K") == 256 * 1024);
    assert_true(number("2m") == 2 * 1024 * 1024);
    assert_true(number("0x10K") == 16 * 1024);
}

static void test_malformed_numbers_are_refused(void **state)
{
    (void)state;
    uint64_t v = 7;
    static const char *const bad[] = { "", "0x", "x10", "12a", "0x1G", "1KK", "-1", " 1", "1 ", "K" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tool_cliarg_number(bad[i], UINT64_MAX, &v), OTA_ERR_INVALID_ARG);
    }
    assert_int_equal(v, 7);
}

static void test_values_above_the_maximum_are_out_of_range(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(tool_cliarg_number("0xFFFFFFFF", 0xFFFFFFFFu, &v), OTA_OK);
    assert_int_equal(tool_cliarg_number("0x100000000", 0xFFFFFFFFu, &v), OTA_ERR_RANGE);
    assert_int_equal(tool_cliarg_number("4194304K", 0xFFFFFFFFu, &v), OTA_ERR_RANGE);
    assert_int_equal(tool_cliarg_number("99999999999999999999999", UINT64_MAX, &v), OTA_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_needs_0x_and_decimal_is_the_default),
        cmocka_unit_test(test_a_leading_zero_is_still_decimal),
        cmocka_unit_test(test_k_and_m_suffixes_are_kib_and_mib),
        cmocka_unit_test(test_malformed_numbers_are_refused),
        cmocka_unit_test(test_values_above_the_maximum_are_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
