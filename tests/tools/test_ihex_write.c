/*
 * The Intel HEX writer: aligned records, 04 records only where needed, no
 * record across 64 KiB, and a round trip through the reader.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool_ihex.h"
#include "tool_test_util.h"

struct text {
    char buf[1 << 20];
    size_t len;
};

static int to_text(void *arg, const char *s, size_t n)
{
    struct text *t = arg;
    assert_true(t->len + n < sizeof t->buf);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return OTA_OK;
}

static struct text *write_map(const tool_memmap_t *m, const tool_ihex_write_opts_t *opt)
{
    struct text *t = calloc(1, sizeof *t);
    assert_non_null(t);
    assert_int_equal(tool_ihex_write(m, opt, to_text, t), OTA_OK);
    return t;
}

static void test_records_are_aligned_to_the_record_size_and_end_with_eof(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    uint8_t data[20];
    for (int i = 0; i < 20; i++) {
        data[i] = (uint8_t)i;
    }
    assert_int_equal(tool_memmap_put(&m, 0x0C, data, 20, NULL), OTA_OK);
    struct text *t = write_map(&m, NULL);
    assert_string_equal(t->buf, ":04000C0000010203EA\n"
                                ":10001000040506070809"
                                "0A0B0C0D0E0F1011121328\n"
                                ":00000001FF\n");
    free(t);
    tool_memmap_free(&m);
}

static void test_an_04_record_appears_only_when_the_upper_address_changes(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    assert_int_equal(tool_memmap_put(&m, 0x00000010, "\x01", 1, NULL), OTA_OK);
    assert_int_equal(tool_memmap_put(&m, 0x00000020, "\x02", 1, NULL), OTA_OK);
    assert_int_equal(tool_memmap_put(&m, 0x9D000000u, "\x03", 1, NULL), OTA_OK);
    assert_int_equal(tool_memmap_put(&m, 0x9D000010u, "\x04", 1, NULL), OTA_OK);
    struct text *t = write_map(&m, NULL);
    assert_string_equal(t->buf, ":0100100001EE\n"
                                ":0100200002DD\n"
                                ":020000049D005D\n"
                                ":0100000003FC\n"
                                ":0100100004EB\n"
                                ":00000001FF\n");
    free(t);
    tool_memmap_free(&m);
}

static void test_no_record_crosses_a_64k_boundary(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    /* 0x1FFFD..0x20004 with 255-byte records: cut at 0x20000 all the same. */
    assert_int_equal(tool_memmap_put(&m, 0x1FFFD, data, 8, NULL), OTA_OK);
    tool_ihex_write_opts_t opt = { .record_size = 255 };
    struct text *t = write_map(&m, &opt);
    assert_string_equal(t->buf, ":020000040001F9\n"
                                ":03FFFD00010203FB\n"
                                ":020000040002F8\n"
                                ":050000000405060708DD\n"
                                ":00000001FF\n");
    free(t);
    tool_memmap_free(&m);
}

static void test_a_start_record_goes_before_the_eof_record(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    tool_ihex_write_opts_t opt = { .has_start = true, .start_type = 5, .start_value = 0x9D001000u };
    struct text *t = write_map(&m, &opt);
    assert_string_equal(t->buf, ":040000059D0010004A\n:00000001FF\n");
    free(t);
    tool_memmap_free(&m);
}

static void test_bad_options_are_refused(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    struct text t = { .len = 0 };
    tool_ihex_write_opts_t big = { .record_size = 256 };
    assert_int_equal(tool_ihex_write(&m, &big, to_text, &t), OTA_ERR_INVALID_ARG);
    tool_ihex_write_opts_t start = { .has_start = true, .start_type = 4 };
    assert_int_equal(tool_ihex_write(&m, &start, to_text, &t), OTA_ERR_INVALID_ARG);
    assert_int_equal(t.len, 0);
}

static int failing_sink(void *arg, const char *s, size_t n)
{
    (void)s;
    (void)n;
    (*(int *)arg)++;
    return OTA_ERR_IO;
}

static void test_writing_stops_at_the_first_sink_error(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    assert_int_equal(tool_memmap_put(&m, 0x10, "\x01\x02", 2, NULL), OTA_OK);
    int calls = 0;
    assert_int_equal(tool_ihex_write(&m, NULL, failing_sink, &calls), OTA_ERR_IO);
    assert_int_equal(calls, 1);
    tool_memmap_free(&m);
}

static void test_what_is_written_reads_back_as_the_same_map(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ULL;
        tool_memmap_t m;
        tool_memmap_init(&m);
        for (int k = 0; k < 12; k++) {
            static const uint32_t bases[] = { 0, 0xFFF0, 0x1FC00000u, 0x9D000000u, 0xFFFFF000u };
            uint8_t buf[700];
            size_t len = (size_t)tt_rand_range(&rng, 1, sizeof buf);
            uint32_t addr = bases[tt_rand(&rng) % 5] + (uint32_t)tt_rand_range(&rng, 0, 0x1000 - 1);
            if ((uint64_t)addr + len > TOOL_MEMMAP_END) {
                continue;
            }
            for (size_t i = 0; i < len; i++) {
                buf[i] = (uint8_t)tt_rand(&rng);
            }
            /* Overlaps may conflict: such a put is refused, the map stays sound. */
            (void)tool_memmap_put(&m, addr, buf, len, NULL);
        }
        tool_ihex_write_opts_t opt = { .record_size = (unsigned)tt_rand_range(&rng, 1, 255) };
        struct text *t = write_map(&m, &opt);
        tool_memmap_t back;
        tool_memmap_init(&back);
        tool_ihex_result_t res;
        assert_int_equal(tool_ihex_parse(t->buf, t->len, &back, &res), OTA_OK);
        assert_int_equal(back.count, m.count);
        for (size_t k = 0; k < m.count; k++) {
            assert_int_equal(back.runs[k].addr, m.runs[k].addr);
            assert_int_equal(back.runs[k].len, m.runs[k].len);
            assert_memory_equal(back.runs[k].data, m.runs[k].data, (size_t)m.runs[k].len);
        }
        free(t);
        tool_memmap_free(&back);
        tool_memmap_free(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_are_aligned_to_the_record_size_and_end_with_eof),
        cmocka_unit_test(test_an_04_record_appears_only_when_the_upper_address_changes),
        cmocka_unit_test(test_no_record_crosses_a_64k_boundary),
        cmocka_unit_test(test_a_start_record_goes_before_the_eof_record),
        cmocka_unit_test(test_bad_options_are_refused),
        cmocka_unit_test(test_writing_stops_at_the_first_sink_error),
        cmocka_unit_test(test_what_is_written_reads_back_as_the_same_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
