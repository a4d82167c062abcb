/*
 * Reading the header values a transport hands over (ota_http.h), as a
 * specification: which validator is kept and sent back, how long a
 * Retry-After asks to wait (and that a date needs a trusted clock), and
 * what a Content-Range says. Also the two string helpers they rest on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ota_http.h"
#include "ota_util.h"

static ota_http_response_t response(const char *etag, const char *last_modified)
{
    ota_http_response_t r;
    memset(&r, 0, sizeof r);
    r.status = 200;
    strcpy(r.etag, etag);
    strcpy(r.last_modified, last_modified);
    return r;
}

static void test_the_etag_is_the_validator_kept_and_the_date_only_without_one(void **state)
{
    char v[OTA_HTTP_VALIDATOR_MAX + 1];
    (void)state;
    ota_http_response_t r = response("\"65f1a2b3-1a4\"", "Wed, 02 Dec 2026 05:19:30 GMT");
    assert_int_equal(ota_http_validator(&r, false, v), OTA_HTTP_VALIDATOR_ETAG);
    assert_string_equal(v, "\"65f1a2b3-1a4\"");
    r = response("", "Wed, 02 Dec 2026 05:19:30 GMT");
    assert_int_equal(ota_http_validator(&r, false, v), OTA_HTTP_VALIDATOR_LAST_MODIFIED);
    assert_string_equal(v, "Wed, 02 Dec 2026 05:19:30 GMT");
    r = response("", "");
    assert_int_equal(ota_http_validator(&r, false, v), OTA_HTTP_VALIDATOR_NONE);
    assert_string_equal(v, "");
}

static void test_a_weak_etag_serves_a_conditional_poll_but_never_if_range(void **state)
{
    char v[OTA_HTTP_VALIDATOR_MAX + 1];
    (void)state;
    /* If-None-Match compares weakly: a weak tag is as good as any there. */
    ota_http_response_t r = response("W/\"65f1a2b3-1a4\"", "Wed, 02 Dec 2026 05:19:30 GMT");
    assert_int_equal(ota_http_validator(&r, false, v), OTA_HTTP_VALIDATOR_ETAG);
    assert_string_equal(v, "W/\"65f1a2b3-1a4\"");
    /* If-Range compares strongly: a weak tag would never match, so the date goes. */
    assert_int_equal(ota_http_validator(&r, true, v), OTA_HTTP_VALIDATOR_LAST_MODIFIED);
    assert_string_equal(v, "Wed, 02 Dec 2026 05:19:30 GMT");
    r = response("W/\"x\"", "");
    assert_int_equal(ota_http_validator(&r, true, v), OTA_HTTP_VALIDATOR_NONE);
    r = response("\"strong\"", "");
    assert_int_equal(ota_http_validator(&r, true, v), OTA_HTTP_VALIDATOR_ETAG);
}

static void test_a_validator_field_without_its_nul_counts_as_absent(void **state)
{
    char v[OTA_HTTP_VALIDATOR_MAX + 1];
    (void)state;
    ota_http_response_t r = response("", "");
    memset(r.etag, 'x', sizeof r.etag); /* a port that filled it to the brim */
    assert_int_equal(ota_http_validator(&r, false, v), OTA_HTTP_VALIDATOR_NONE);
}

static int fake_utc(void *ctx, uint64_t *seconds)
{
    if (ctx == NULL) {
        return OTA_ERR_AGAIN; /* no trusted time yet */
    }
    *seconds = *(const uint64_t *)ctx;
    return OTA_OK;
}

static void test_retry_after_in_seconds_is_a_wait_capped_at_the_limit(void **state)
{
    uint32_t ms = 7;
    (void)state;
    assert_int_equal(ota_http_retry_after("120", NULL, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 120000u);
    assert_int_equal(ota_http_retry_after("0", NULL, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 0u);
    assert_int_equal(ota_http_retry_after("7200", NULL, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 3600000u);
    /* far more digits than any counter holds: the cap, not a wrapped number */
    assert_int_equal(ota_http_retry_after("99999999999999999999999", NULL, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 3600000u);
    assert_int_equal(ota_http_retry_after("4294967296", NULL, 0x7FFFFFFFu, &ms), OTA_OK);
    assert_int_equal(ms, 0x7FFFFFFFu);
}

static void test_retry_after_as_a_date_needs_a_trusted_clock(void **state)
{
    uint64_t now = 1796188770u; /* Wed, 02 Dec 2026 05:19:30 GMT */
    ota_system_t with_time = { .ctx = &now, .utc_time = fake_utc };
    ota_system_t not_yet = { .ctx = NULL, .utc_time = fake_utc };
    ota_system_t without = { .ctx = NULL };
    uint32_t ms = 7;
    (void)state;
    assert_int_equal(ota_http_retry_after("Wed, 02 Dec 2026 05:21:00 GMT", &with_time, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 90000u);
    assert_int_equal(ota_http_retry_after("Wed, 02 Dec 2026 05:00:00 GMT", &with_time, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 0u); /* already past */
    assert_int_equal(ota_http_retry_after("Thu, 03 Dec 2026 05:19:30 GMT", &with_time, 3600000u, &ms), OTA_OK);
    assert_int_equal(ms, 3600000u);
    ms = 7;
    assert_int_equal(ota_http_retry_after("Wed, 02 Dec 2026 05:21:00 GMT", &not_yet, 3600000u, &ms),
                     OTA_ERR_NOT_SUPPORTED);
    assert_int_equal(ota_http_retry_after("Wed, 02 Dec 2026 05:21:00 GMT", &without, 3600000u, &ms),
                     OTA_ERR_NOT_SUPPORTED);
    assert_int_equal(ota_http_retry_after("Wed, 02 Dec 2026 05:21:00 GMT", NULL, 3600000u, &ms), OTA_ERR_NOT_SUPPORTED);
    assert_int_equal(ms, 7u); /* untouched when refused */
}

static void test_retry_after_that_is_neither_seconds_nor_a_date_is_refused(void **state)
{
    static const char *const bad[] = { "-5", "12s", " 12", "1.5", "soon", "Sunday, 06-Nov-94 08:49:37 GMT" };
    uint64_t now = 1796188770u;
    ota_system_t sys = { .ctx = &now, .utc_time = fake_utc };
    uint32_t ms;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ota_http_retry_after(bad[i], &sys, 3600000u, &ms), OTA_ERR_INVALID_ARG);
    }
    assert_int_equal(ota_http_retry_after("", &sys, 3600000u, &ms), OTA_ERR_NOT_FOUND);
}

static void test_content_range_gives_the_first_byte_and_the_length(void **state)
{
    uint32_t first = 1, length = 1;
    (void)state;
    assert_int_equal(ota_http_content_range("bytes 1000-19999/20000", &first, &length), OTA_OK);
    assert_int_equal(first, 1000u);
    assert_int_equal(length, 20000u);
    assert_int_equal(ota_http_content_range("bytes 0-0/1", &first, &length), OTA_OK);
    assert_int_equal(first, 0u);
    assert_int_equal(length, 1u);
    assert_int_equal(ota_http_content_range("bytes 5-9/*", &first, &length), OTA_OK);
    assert_int_equal(first, 5u);
    assert_int_equal(length, 0u);
    static const char *const bad[] = {
        "bytes */20000",                         /* a 416's: no range */
        "items 0-9/10",                          /* another unit */
        "bytes 10-9/20",                         /* last before first */
        "bytes 0-19/20 ",       "bytes 0-20/20", /* past the length */
        "bytes 0-9/4294967296",                  /* past 2^32-1 */
        "bytes -1-9/20",        "bytes 0-9",     "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ota_http_content_range(bad[i], &first, &length), OTA_ERR_INVALID_ARG);
    }
}

static void test_crc32_continued_over_two_parts_is_the_crc32_of_both(void **state)
{
    const uint8_t *text = (const uint8_t *)"123456789";
    (void)state;
    assert_int_equal(ota_crc32(text, 9), 0xCBF43926u); /* the check value of CRC-32 */
    assert_int_equal(ota_crc32_continue(ota_crc32(text, 4), text + 4, 5), 0xCBF43926u);
    assert_int_equal(ota_crc32_continue(0, text, 9), 0xCBF43926u);
}

static void test_strnlen_measures_without_reading_past_its_limit(void **state)
{
    char unterminated[4] = { 'a', 'b', 'c', 'd' };
    (void)state;
    assert_int_equal(ota_strnlen("abc", 10), 3u);
    assert_int_equal(ota_strnlen("", 10), 0u);
    assert_int_equal(ota_strnlen(unterminated, sizeof unterminated), 4u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_etag_is_the_validator_kept_and_the_date_only_without_one),
        cmocka_unit_test(test_a_weak_etag_serves_a_conditional_poll_but_never_if_range),
        cmocka_unit_test(test_a_validator_field_without_its_nul_counts_as_absent),
        cmocka_unit_test(test_retry_after_in_seconds_is_a_wait_capped_at_the_limit),
        cmocka_unit_test(test_retry_after_as_a_date_needs_a_trusted_clock),
        cmocka_unit_test(test_retry_after_that_is_neither_seconds_nor_a_date_is_refused),
        cmocka_unit_test(test_content_range_gives_the_first_byte_and_the_length),
        cmocka_unit_test(test_crc32_continued_over_two_parts_is_the_crc32_of_both),
        cmocka_unit_test(test_strnlen_measures_without_reading_past_its_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
