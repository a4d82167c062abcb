/*
 * The Intel HEX reader: address rules of 02 and 04 records, start records,
 * and an error naming the line for every kind of bad input.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool_ihex.h"
#include "tool_test_util.h"

static int parse(const char *text, tool_memmap_t *m, tool_ihex_result_t *res)
{
    tool_memmap_init(m);
    return tool_ihex_parse(text, strlen(text), m, res);
}

/* The byte at addr, or -1 when absent. */
static int byte_at(const tool_memmap_t *m, uint32_t addr)
{
    long k = tool_memmap_find(m, addr);
    if (k < 0) {
        return -1;
    }
    return m->runs[k].data[addr - m->runs[k].addr];
}

static void test_data_records_land_at_their_offsets(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(":0400100001020304E2\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(res.records, 2);
    assert_int_equal(res.data_bytes, 4);
    assert_int_equal(res.line, 0);
    assert_string_equal(res.msg, "");
    assert_int_equal(m.count, 1);
    assert_int_equal(m.runs[0].addr, 0x10);
    assert_memory_equal(m.runs[0].data, "\x01\x02\x03\x04", 4);
    tool_memmap_free(&m);
}

static void test_an_02_record_offset_past_0xffff_wraps_within_its_segment(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    /* Segment 0x628A (base 0x628A0), offset 0xFFFE, 3 bytes. */
    assert_int_equal(parse(":02000002628A10\n:03FFFE00AABBCCCF\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0x628A0 + 0xFFFE), 0xAA);
    assert_int_equal(byte_at(&m, 0x628A0 + 0xFFFF), 0xBB);
    assert_int_equal(byte_at(&m, 0x628A0), 0xCC);
    assert_int_equal(byte_at(&m, 0x628A0 + 0x10000), -1);
    tool_memmap_free(&m);
}

static void test_an_02_segment_reaches_above_1_mib(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    /* Segment 0xFFFF: base 0xFFFF0; offset 0xFFF0 gives 0x10FFE0. */
    assert_int_equal(parse(":02000002FFFFFE\n:01FFF00055BB\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0x10FFE0), 0x55);
    tool_memmap_free(&m);
}

static void test_an_04_record_offset_past_0xffff_carries_into_the_next_page(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(":020000040001F9\n:03FFFE00AABBCCCF\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0x1FFFE), 0xAA);
    assert_int_equal(byte_at(&m, 0x1FFFF), 0xBB);
    assert_int_equal(byte_at(&m, 0x20000), 0xCC);
    assert_int_equal(byte_at(&m, 0x10000), -1);
    tool_memmap_free(&m);
}

static void test_an_04_record_past_0xffffffff_wraps_to_address_0(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(":02000004FFFFFC\n:03FFFE00AABBCCCF\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0xFFFFFFFEu), 0xAA);
    assert_int_equal(byte_at(&m, 0xFFFFFFFFu), 0xBB);
    assert_int_equal(byte_at(&m, 0), 0xCC);
    tool_memmap_free(&m);
}

static void test_without_a_base_record_offsets_carry_as_with_linear_base_0(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(":03FFFE00AABBCCCF\n:00000001FF\n", &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0x10000), 0xCC);
    tool_memmap_free(&m);
}

static void test_the_last_base_record_decides_the_rule(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    /* 02 then 04: linear base 0x20000. 04 then 02: segment base 0x10000. */
    assert_int_equal(parse(":020000021000EC\n:020000040002F8\n:0100100001EE\n"
                           ":020000021000EC\n:0100100002ED\n:00000001FF\n",
                           &m, &res),
                     OTA_OK);
    assert_int_equal(byte_at(&m, 0x20010), 0x01);
    assert_int_equal(byte_at(&m, 0x10010), 0x02);
    tool_memmap_free(&m);
}

static void test_start_records_are_remembered_and_change_no_addressing(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    /* An 05 after an 02 does not make the segment carry (srec_cat would). */
    assert_int_equal(parse(":02000002628A10\n:040000059D0010004A\n:03FFFE00AABBCCCF\n"
                           ":0400000300001000E9\n:00000001FF\n",
                           &m, &res),
                     OTA_OK);
    assert_true(res.has_start);
    assert_int_equal(res.start_type, 5);
    assert_int_equal(res.start_value, 0x9D001000u);
    assert_int_equal(res.start_differs, 1);
    assert_int_equal(byte_at(&m, 0x628A0), 0xCC);
    assert_int_equal(tool_memmap_size(&m), 3);
    tool_memmap_free(&m);
}

static void test_crlf_empty_lines_and_lowercase_digits_are_accepted(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse("\r\n:0400100001020304e2\r\n\n:0100140005e6\r\n:00000001ff\r\n\r\n", &m, &res), OTA_OK);
    assert_int_equal(tool_memmap_size(&m), 5);
    assert_int_equal(byte_at(&m, 0x14), 0x05);
    tool_memmap_free(&m);
}

/* Parsing fails with err, at line, with words in the message. */
static void expect_error(const char *text, int err, unsigned long line, const char *words)
{
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(text, &m, &res), err);
    assert_int_equal(res.line, line);
    if (strstr(res.msg, words) == NULL) {
        fail_msg("expected '%s' in '%s'", words, res.msg);
    }
    tool_memmap_free(&m);
}

static void test_a_bad_checksum_names_the_line_and_both_values(void **state)
{
    (void)state;
    expect_error(":0100100001EE\n:0400100001020304E3\n", OTA_ERR_CORRUPT, 2,
                 "checksum mismatch: the record says 0xE3, its bytes need 0xE2");
}

static void test_a_non_hex_character_names_the_line_and_column(void **state)
{
    (void)state;
    expect_error(":0100100001EE\n:04001400 10203040\n:00000001FF\n", OTA_ERR_CORRUPT, 2,
                 "non-hex character ' ' at column 10");
    expect_error(":01001000\x01"
                 "1EE\n",
                 OTA_ERR_CORRUPT, 1, "non-hex character 0x01 at column 10");
}

static void test_a_line_without_a_colon_is_named(void **state)
{
    (void)state;
    expect_error("\n\n0100100001EE\n", OTA_ERR_CORRUPT, 3, "must start with ':', found '0'");
}

static void test_odd_short_and_mismatched_lengths_are_named(void **state)
{
    (void)state;
    expect_error(":0100100001E\n", OTA_ERR_CORRUPT, 1, "odd number of hex digits");
    expect_error(":00000001\n", OTA_ERR_CORRUPT, 1, "record too short");
    expect_error(":0200100001EE\n", OTA_ERR_CORRUPT, 1,
                 "length mismatch: the byte count says 2 data bytes, the record holds 1");
}

static void test_an_unknown_record_type_is_named(void **state)
{
    (void)state;
    expect_error(":00000006FA\n:00000001FF\n", OTA_ERR_CORRUPT, 1, "unknown record type 0x06");
}

static void test_records_01_to_05_of_the_wrong_length_are_named(void **state)
{
    (void)state;
    expect_error(":0100000100FE\n", OTA_ERR_CORRUPT, 1, "type 01 (end of file) must hold 0 data bytes, not 1");
    expect_error(":0100000210ED\n", OTA_ERR_CORRUPT, 1, "type 02 (extended segment address) must hold 2");
    expect_error(":020000030000FB\n", OTA_ERR_CORRUPT, 1, "type 03 (start segment address) must hold 4");
    expect_error(":03000004000000F9\n", OTA_ERR_CORRUPT, 1, "type 04 (extended linear address) must hold 2");
    expect_error(":020000050000F9\n", OTA_ERR_CORRUPT, 1, "type 05 (start linear address) must hold 4");
}

static void test_a_missing_eof_record_names_the_last_line(void **state)
{
    (void)state;
    expect_error(":0100100001EE\n:0100110002EC\n", OTA_ERR_CORRUPT, 2, "no end-of-file record");
    expect_error(":0100100001EE\n:0100110002EC\n\n\n", OTA_ERR_CORRUPT, 4, "no end-of-file record");
    expect_error("", OTA_ERR_CORRUPT, 1, "empty file");
}

static void test_text_after_the_eof_record_is_named(void **state)
{
    (void)state;
    expect_error(":00000001FF\n\n:0100100001EE\n", OTA_ERR_CORRUPT, 3, "after the end-of-file record");
}

static void test_a_byte_given_twice_differently_names_the_line_and_the_address(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_ihex_result_t res;
    assert_int_equal(parse(":0400100001020304E2\n:0100100001EE\n:03001100FF03FFEB\n:00000001FF\n", &m, &res),
                     OTA_ERR_EXISTS);
    assert_int_equal(res.line, 3);
    assert_string_equal(res.msg, "bytes at 0x00000011-0x00000013 given twice with different values "
                                 "(2 differ; at 0x00000011: 0x02 before, 0xFF here)");
    assert_int_equal(res.conflict.first, 0x11);
    assert_int_equal(res.conflict.last, 0x13);
    assert_int_equal(res.conflict.count, 2);
    tool_memmap_free(&m);
}

static void test_load_reports_a_file_it_cannot_read(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    tool_ihex_result_t res;
    assert_int_equal(tool_ihex_load("/nonexistent/dir/x.hex", &m, &res), OTA_ERR_IO);
    assert_int_equal(res.line, 0);
    assert_non_null(strstr(res.msg, "cannot read"));
}

static void test_load_reads_a_file(void **state)
{
    (void)state;
    char *dir = tt_tempdir();
    char *path = tt_path(dir, "x.hex");
    const char *text = ":020000041FC01B\n:0400000001020304F2\n:00000001FF\n";
    tt_write_file(path, text, strlen(text));
    tool_memmap_t m;
    tool_memmap_init(&m);
    tool_ihex_result_t res;
    assert_int_equal(tool_ihex_load(path, &m, &res), OTA_OK);
    assert_int_equal(byte_at(&m, 0x1FC00003), 0x04);
    tool_memmap_free(&m);
    tt_rmdir(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_records_land_at_their_offsets),
        cmocka_unit_test(test_an_02_record_offset_past_0xffff_wraps_within_its_segment),
        cmocka_unit_test(test_an_02_segment_reaches_above_1_mib),
        cmocka_unit_test(test_an_04_record_offset_past_0xffff_carries_into_the_next_page),
        cmocka_unit_test(test_an_04_record_past_0xffffffff_wraps_to_address_0),
        cmocka_unit_test(test_without_a_base_record_offsets_carry_as_with_linear_base_0),
        cmocka_unit_test(test_the_last_base_record_decides_the_rule),
        cmocka_unit_test(test_start_records_are_remembered_and_change_no_addressing),
        cmocka_unit_test(test_crlf_empty_lines_and_lowercase_digits_are_accepted),
        cmocka_unit_test(test_a_bad_checksum_names_the_line_and_both_values),
        cmocka_unit_test(test_a_non_hex_character_names_the_line_and_column),
        cmocka_unit_test(test_a_line_without_a_colon_is_named),
        cmocka_unit_test(test_odd_short_and_mismatched_lengths_are_named),
        cmocka_unit_test(test_an_unknown_record_type_is_named),
        cmocka_unit_test(test_records_01_to_05_of_the_wrong_length_are_named),
        cmocka_unit_test(test_a_missing_eof_record_names_the_last_line),
        cmocka_unit_test(test_text_after_the_eof_record_is_named),
        cmocka_unit_test(test_a_byte_given_twice_differently_names_the_line_and_the_address),
        cmocka_unit_test(test_load_reports_a_file_it_cannot_read),
        cmocka_unit_test(test_load_reads_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
