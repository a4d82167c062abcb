/*
 * The benchmarks' clock-free measures: an instruction count read wrongly or
 * a stack depth that missed the work would misreport the verify's figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench_measure.h"
#include "sysota/ota_error.h"

static char self[512];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_the_callgrind_total_is_the_summary_line_and_else_the_totals_line(void **state)
{
    (void)state;
    char path[] = "/tmp/sysota-bench-cg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    uint64_t v = 0;
    write_file(path, "version: 1\ncreator: callgrind\nevents: Ir\nfl=(1) a.c\nfn=(1) f\n3 10\ntotals: 77\n");
    assert_int_equal(bench_callgrind_total(path, &v), OTA_OK);
    assert_true(v == 77u);
    write_file(path, "events: Ir\ntotals: 5\nsummary: 5760036\n");
    assert_int_equal(bench_callgrind_total(path, &v), OTA_OK);
    assert_true(v == 5760036u);
    write_file(path, "events: Ir\nfn=(1) f\n3 10\n");
    assert_int_equal(bench_callgrind_total(path, &v), OTA_ERR_NOT_FOUND);
    write_file(path, "summary: none\n");
    assert_int_equal(bench_callgrind_total(path, &v), OTA_ERR_CORRUPT);
    unlink(path);
    assert_int_equal(bench_callgrind_total(path, &v), OTA_ERR_NOT_FOUND);
}

/* The work the count below measures: n rounds of a loop that the compiler
 * cannot drop. Called by this test program re-run under callgrind. */
__attribute__((noinline)) uint32_t measured_work(uint32_t n);
__attribute__((noinline)) uint32_t measured_work(uint32_t n)
{
    volatile uint32_t x = 1;
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
    }
    return x;
}

static int valgrind_missing(void)
{
    return system("valgrind --version >/dev/null 2>&1") != 0;
}

static void test_a_count_is_the_named_functions_work_and_the_same_every_run(void **state)
{
    (void)state;
    if (valgrind_missing()) {
        skip(); /* valgrind is the benchmark's package, not the tests' */
    }
    uint64_t small1 = 0, small2 = 0, large = 0, none = 0;
    char *run_small[] = { self, "--work", "1000", NULL };
    char *run_large[] = { self, "--work", "2000", NULL };
    assert_int_equal(bench_callgrind_count(run_small, "measured_work", "/tmp", &small1), OTA_OK);
    assert_int_equal(bench_callgrind_count(run_small, "measured_work", "/tmp", &small2), OTA_OK);
    assert_int_equal(bench_callgrind_count(run_large, "measured_work", "/tmp", &large), OTA_OK);
    assert_true(small1 == small2); /* instructions, not time: repeatable */
    assert_true(small1 > 1000u);
    /* Twice the rounds is about twice the count: the function's work, not the program's. */
    assert_true(large > small1 + 900u && large < 2u * small1 + 100u);
    /* A name that never runs counts nothing, which is an error, not a zero figure. */
    assert_int_equal(bench_callgrind_count(run_small, "no_such_function_here", "/tmp", &none), OTA_ERR_NOT_FOUND);
    char *failing[] = { self, "--fail", NULL };
    assert_int_equal(bench_callgrind_count(failing, "measured_work", "/tmp", &none), OTA_ERR_IO);
}

static void use_16k(void *arg)
{
    volatile uint8_t buf[16384];
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)(i * 7u + 1u);
    }
    *(int *)arg = buf[100];
}

static void use_nothing(void *arg)
{
    *(int *)arg = 1;
}

static void test_the_stack_used_is_what_the_function_reached_and_not_the_threads_own(void **state)
{
    (void)state;
    int out = 0;
    size_t used = 0;
    assert_int_equal(bench_stack_used(use_16k, &out, 128u * 1024u, &used), OTA_OK);
    assert_int_equal(out, (uint8_t)(100u * 7u + 1u));
    assert_true(used >= 16384u);
    assert_true(used < 16384u + 2048u);
    assert_int_equal(bench_stack_used(use_nothing, &out, 128u * 1024u, &used), OTA_OK);
    assert_int_equal(out, 1);
    assert_true(used < 512u);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--work") == 0) {
        return measured_work((uint32_t)strtoul(argv[2], NULL, 10)) == 0u ? 1 : 0;
    }
    if (argc == 2 && strcmp(argv[1], "--fail") == 0) {
        return 3;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        return 1;
    }
    self[n] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_callgrind_total_is_the_summary_line_and_else_the_totals_line),
        cmocka_unit_test(test_a_count_is_the_named_functions_work_and_the_same_every_run),
        cmocka_unit_test(test_the_stack_used_is_what_the_function_reached_and_not_the_threads_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
