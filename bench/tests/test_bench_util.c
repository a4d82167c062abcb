/* The benchmarks' arithmetic: a wrong median would misreport every figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench_util.h"
#include "sysota/ota_error.h"

static void test_median_of_an_odd_count_is_the_middle_value_whatever_the_order(void **state)
{
    (void)state;
    double v[5] = { 9.0, 1.0, 5.0, 7.0, 3.0 };
    assert_true(bench_median(v, 5) == 5.0);
    double w[3] = { 0.30, 0.10, 0.20 };
    assert_true(bench_median(w, 3) == 0.20);
}

static void test_median_of_an_even_count_is_the_mean_of_the_two_middle_values(void **state)
{
    (void)state;
    double v[4] = { 4.0, 1.0, 3.0, 2.0 };
    assert_true(bench_median(v, 4) == 2.5);
    double one[1] = { 7.5 };
    assert_true(bench_median(one, 1) == 7.5);
    assert_true(bench_median(NULL, 0) == 0.0);
}

static void test_figures_reach_the_results_file_as_key_and_exact_value(void **state)
{
    (void)state;
    char path[] = "/tmp/sysota-bench-results-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(bench_results_open(path), OTA_OK);
    assert_int_equal(bench_figure("update.http.ratio", 0.123456789, "ratio"), OTA_OK);
    assert_int_equal(bench_figure("boot.hashed", 0.0, "bytes"), OTA_OK);
    assert_int_equal(bench_results_close(), OTA_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char key[64];
    double v;
    assert_int_equal(fscanf(f, "%63s %lf", key, &v), 2);
    assert_string_equal(key, "update.http.ratio");
    assert_true(v == 0.123456789);
    assert_int_equal(fscanf(f, "%63s %lf", key, &v), 2);
    assert_string_equal(key, "boot.hashed");
    assert_true(v == 0.0);
    assert_int_equal(fscanf(f, "%63s %lf", key, &v), EOF);
    fclose(f);
    unlink(path);
}

static void test_the_common_options_are_taken_and_any_other_is_left(void **state)
{
    (void)state;
    char *argv[] = { "bench", "--results", "r.txt", "--runs", "3", "--tmpdir", "/t", "--results", NULL };
    int argc = 8;
    bench_opts_t o;
    bench_opts_init(&o);
    int i = 1;
    assert_true(bench_opts_take(&o, argc, argv, &i));
    assert_int_equal(i, 2);
    assert_string_equal(o.results, "r.txt");
    i = 3;
    assert_false(bench_opts_take(&o, argc, argv, &i)); /* --runs belongs to the program */
    assert_int_equal(i, 3);
    i = 5;
    assert_true(bench_opts_take(&o, argc, argv, &i));
    assert_string_equal(o.tmpdir, "/t");
    i = 7;
    assert_false(bench_opts_take(&o, argc, argv, &i)); /* --results without its value */
    assert_string_equal(o.results, "r.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_of_an_odd_count_is_the_middle_value_whatever_the_order),
        cmocka_unit_test(test_median_of_an_even_count_is_the_mean_of_the_two_middle_values),
        cmocka_unit_test(test_figures_reach_the_results_file_as_key_and_exact_value),
        cmocka_unit_test(test_the_common_options_are_taken_and_any_other_is_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
