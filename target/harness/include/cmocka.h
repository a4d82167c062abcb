/*
 * The target build's stand-in for cmocka (which is not packaged for
 * arm-none-eabi): the subset the core's tests use, with cmocka's names and
 * meaning, so the same test sources build for the host (real cmocka) and
 * for the Cortex-M4 under QEMU (this header). A failed assertion ends the
 * test (longjmp back to the runner), its teardown still runs; the run ends
 * with a closing "N passed, N failed" line, and the group's return value
 * (what main returns, hence QEMU's exit status) is 0 when nothing failed,
 * else 1.
 *
 * Not here: mocks (will_return, expect_*), test_malloc and the output
 * formats; a test that needs them stays host-only.
 */
#ifndef SYSOTA_TARGET_CMOCKA_H
#define SYSOTA_TARGET_CMOCKA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef uintmax_t LargestIntegralType;

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

#define cmocka_unit_test(f)     \
    {                           \
#f, f, NULL, NULL, NULL \
    }
#define cmocka_unit_test_setup(f, setup) \
    {                                    \
#f, f, setup, NULL, NULL         \
    }
#define cmocka_unit_test_teardown(f, teardown) \
    {                                          \
#f, f, NULL, teardown, NULL            \
    }
#define cmocka_unit_test_setup_teardown(f, setup, teardown) \
    {                                                       \
#f, f, setup, teardown, NULL                        \
    }
#define cmocka_unit_test_prestate(f, state) \
    {                                       \
#f, f, NULL, NULL, state            \
    }
#define cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, state) \
    {                                                                       \
#f, f, setup, teardown, state                                       \
    }

int tgt_run_group(const char *group, const struct CMUnitTest *tests, size_t count, CMFixtureFunction setup,
                  CMFixtureFunction teardown);

#define cmocka_run_group_tests(tests, setup, teardown) \
    tgt_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
#define cmocka_run_group_tests_name(name, tests, setup, teardown) \
    tgt_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)

/* What the assertions call: each checks, reports "file:line: ..." and ends the test on failure. */
void tgt_check(int ok, const char *what, const char *file, int line);
void tgt_check_int(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *file, int line);
void tgt_check_range(LargestIntegralType v, LargestIntegralType lo, LargestIntegralType hi, int want_in,
                     const char *file, int line);
void tgt_check_ptr(const void *a, const void *b, int want_equal, const char *file, int line);
void tgt_check_string(const char *a, const char *b, int want_equal, const char *file, int line);
void tgt_check_memory(const void *a, const void *b, size_t n, int want_equal, const char *file, int line);
__attribute__((noreturn)) void tgt_fail(const char *file, int line);
__attribute__((noreturn, format(printf, 3, 4))) void tgt_fail_msg(const char *file, int line, const char *fmt, ...);
__attribute__((noreturn)) void tgt_skip(const char *file, int line);
__attribute__((format(printf, 1, 2))) void print_message(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void print_error(const char *fmt, ...);

#define assert_true(c) tgt_check(!!(c), #c, __FILE__, __LINE__)
#define assert_false(c) tgt_check(!(c), "!(" #c ")", __FILE__, __LINE__)
#define assert_non_null(p) tgt_check((p) != NULL, #p " != NULL", __FILE__, __LINE__)
#define assert_null(p) tgt_check((p) == NULL, #p " == NULL", __FILE__, __LINE__)
#define assert_return_code(rc, error) tgt_check((rc) >= 0, #rc " >= 0", __FILE__, __LINE__)
#define assert_int_equal(a, b) tgt_check_int((LargestIntegralType)(a), (LargestIntegralType)(b), 1, __FILE__, __LINE__)
#define assert_int_not_equal(a, b) \
    tgt_check_int((LargestIntegralType)(a), (LargestIntegralType)(b), 0, __FILE__, __LINE__)
#define assert_in_range(v, lo, hi)                                                                               \
    tgt_check_range((LargestIntegralType)(v), (LargestIntegralType)(lo), (LargestIntegralType)(hi), 1, __FILE__, \
                    __LINE__)
#define assert_not_in_range(v, lo, hi)                                                                           \
    tgt_check_range((LargestIntegralType)(v), (LargestIntegralType)(lo), (LargestIntegralType)(hi), 0, __FILE__, \
                    __LINE__)
#define assert_ptr_equal(a, b) tgt_check_ptr((const void *)(a), (const void *)(b), 1, __FILE__, __LINE__)
#define assert_ptr_not_equal(a, b) tgt_check_ptr((const void *)(a), (const void *)(b), 0, __FILE__, __LINE__)
#define assert_string_equal(a, b) tgt_check_string((a), (b), 1, __FILE__, __LINE__)
#define assert_string_not_equal(a, b) tgt_check_string((a), (b), 0, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n) tgt_check_memory((a), (b), (n), 1, __FILE__, __LINE__)
#define assert_memory_not_equal(a, b, n) tgt_check_memory((a), (b), (n), 0, __FILE__, __LINE__)
#define fail() tgt_fail(__FILE__, __LINE__)
#define fail_msg(...) tgt_fail_msg(__FILE__, __LINE__, __VA_ARGS__)
#define skip() tgt_skip(__FILE__, __LINE__)

#endif /* SYSOTA_TARGET_CMOCKA_H */
