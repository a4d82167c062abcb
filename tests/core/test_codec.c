/*
 * The codecs of the security fields, as a specification: base64 as RFC 4648
 * writes it and nothing looser, RFC 3339 date-times and HTTP dates to
 * seconds since the epoch, and the detached manifest signature's fixed
 * layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ota_codec.h"
#include "ota_trust.h"

static void test_base64_decodes_the_rfc_4648_vectors(void **state)
{
    static const char *const text[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    static const char *const bytes[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    (void)state;
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        uint8_t out[16];
        size_t n = 99;
        assert_int_equal(ota_base64_decode(text[i], strlen(text[i]), out, sizeof out, &n), OTA_OK);
        assert_int_equal(n, strlen(bytes[i]));
        assert_memory_equal(out, bytes[i], n);
        char back[16];
        assert_int_equal(ota_base64_encode((const uint8_t *)bytes[i], n, back, sizeof back), (int)strlen(text[i]));
        assert_string_equal(back, text[i]);
    }
}

static void test_base64_refuses_anything_looser(void **state)
{
    static const char *const bad[] = {
        "Zg=",      /* not a multiple of 4 */
        "Zg",       /* no padding */
        "Z===",     /* three pads */
        "Zg=a",     /* a character after a pad */
        "=Zg=",     /* pad first */
        "Zh==",     /* unused bits not zero: a second text for "f" */
        "Zm9=",     /* likewise for "fo" */
        "Zm9v\n",   /* whitespace */
        "Zm-_",     /* URL-safe alphabet */
        "Zg==Zg==", /* padding in the middle */
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n;
        assert_int_equal(ota_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n), OTA_ERR_INVALID_ARG);
    }
}

static void test_base64_never_writes_past_the_buffer(void **state)
{
    uint8_t out[5];
    size_t n;
    (void)state;
    memset(out, 0xA5, sizeof out);
    assert_int_equal(ota_base64_decode("Zm9vYmFy", 8, out, 4, &n), OTA_ERR_TOO_LARGE);
    assert_int_equal(out[4], 0xA5);
    assert_int_equal(ota_base64_decode("Zm9vYmE=", 8, out, 5, &n), OTA_OK);
    assert_int_equal(n, 5);
    char text[8];
    assert_int_equal(ota_base64_encode((const uint8_t *)"foobar", 6, text, 8), OTA_ERR_TOO_LARGE);
}

static void test_rfc3339_date_times_are_seconds_since_the_epoch(void **state)
{
    static const struct {
        const char *text;
        uint64_t t;
    } ok[] = {
        { "1970-01-01T00:00:00Z", 0 },
        { "2026-12-02T05:19:30Z", 1796188770 },
        { "2026-12-02t05:19:30z", 1796188770 },
        { "2026-12-02T07:19:30+02:00", 1796188770 },
        { "2026-12-01T23:49:30.123-05:30", 1796188770 },
        { "2000-02-29T12:00:00Z", 951825600 },
        { "2038-01-19T03:14:08Z", 2147483648u },
        { "9999-12-31T23:59:59Z", 253402300799u },
        { "2016-12-31T23:59:60Z", 1483228800 }, /* a leap second */
    };
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t t = 0;
        assert_int_equal(ota_rfc3339_parse(ok[i].text, strlen(ok[i].text), &t), OTA_OK);
        assert_int_equal(t, ok[i].t);
    }
}

static void test_rfc3339_refuses_what_is_not_a_date_time(void **state)
{
    static const char *const bad[] = {
        "2026-12-02",            /* a date alone */
        "2026-12-02T05:19:30",   /* no offset */
        "2026-12-02 05:19:30Z",  /* a space for the T */
        "2026-13-02T05:19:30Z",  /* month 13 */
        "2026-02-29T05:19:30Z",  /* not a leap year */
        "1900-02-29T05:19:30Z",  /* nor is 1900 */
        "2026-04-31T05:19:30Z",  /* April has 30 days */
        "2026-12-02T24:00:00Z",  /* hour 24 */
        "2026-12-02T05:19:30.Z", /* a dot without digits */
        "2026-12-02T05:19:30+0200",
        "1969-12-31T23:59:59Z", /* before the epoch */
        "1970-01-01T00:00:00+00:01",
        "2026-12-02T05:19:30Zjunk",
        "+2026-12-02T05:19:30Z",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t t;
        assert_int_equal(ota_rfc3339_parse(bad[i], strlen(bad[i]), &t), OTA_ERR_INVALID_ARG);
    }
}

static void test_http_dates_are_seconds_since_the_epoch(void **state)
{
    static const struct {
        const char *text;
        uint64_t t;
    } ok[] = {
        { "Thu, 01 Jan 1970 00:00:00 GMT", 0 },          { "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
        { "Wed, 02 Dec 2026 05:19:30 GMT", 1796188770 }, { "Tue, 29 Feb 2000 12:00:00 GMT", 951825600 },
        { "Mon, 29 Feb 2000 12:00:00 GMT", 951825600 }, /* the day's name is not checked against the date */
    };
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t t = 0;
        assert_int_equal(ota_http_date_parse(ok[i].text, strlen(ok[i].text), &t), OTA_OK);
        assert_int_equal(t, ok[i].t);
    }
}

static void test_http_dates_other_than_imf_fixdate_are_refused(void **state)
{
    static const char *const bad[] = {
        "Sunday, 06-Nov-94 08:49:37 GMT", /* RFC 850, obsolete */
        "Sun Nov  6 08:49:37 1994",       /* asctime, obsolete */
        "Sun, 06 Nov 1994 08:49:37 UTC",  "Sun, 6 Nov 1994 08:49:37 GMT",  "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",  "Sun, 31 Nov 1994 08:49:37 GMT", /* November has 30 days */
        "Sun, 06 Nov 1994 24:49:37 GMT",  "Sun, 06 Nov 1969 08:49:37 GMT", /* before the epoch */
        "Sun, 06 Nov 1994 08:49:37 GMT ", "Xyz, 06 Nov 1994 08:49:37 GMT", "",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t t;
        assert_int_equal(ota_http_date_parse(bad[i], strlen(bad[i]), &t), OTA_ERR_INVALID_ARG);
    }
}

static void test_a_sig_file_round_trips_and_any_other_shape_is_refused(void **state)
{
    ota_sigfile_t sf;
    ota_sigfile_t back;
    uint8_t file[OTA_SIGFILE_LEN];
    (void)state;
    for (int i = 0; i < OTA_KEY_ID_LEN; i++) {
        sf.key_id[i] = (uint8_t)(0xA0 + i);
    }
    for (int i = 0; i < OTA_SIG_LEN; i++) {
        sf.sig[i] = (uint8_t)i;
    }
    ota_sigfile_encode(&sf, file);
    assert_memory_equal(file, "SOSG\x01\x01\x00\x00\xA0\xA1", 10);
    assert_int_equal(ota_sigfile_parse(file, sizeof file, &back, NULL), OTA_OK);
    assert_memory_equal(&back, &sf, sizeof sf);

    assert_int_equal(ota_sigfile_parse(file, sizeof file - 1, &back, NULL), OTA_ERR_SIGNATURE);
    uint8_t longer[OTA_SIGFILE_LEN + 1];
    memcpy(longer, file, sizeof file);
    longer[OTA_SIGFILE_LEN] = 0;
    assert_int_equal(ota_sigfile_parse(longer, sizeof longer, &back, NULL), OTA_ERR_SIGNATURE);
    static const char *const field[8] = { "magic",  "magic",     "magic",    "magic",
                                          "format", "algorithm", "reserved", "reserved" };
    for (size_t at = 0; at < 8; at++) {
        uint8_t bad[OTA_SIGFILE_LEN];
        const char *what = NULL;
        memcpy(bad, file, sizeof file);
        bad[at] ^= 0x01;
        assert_int_equal(ota_sigfile_parse(bad, sizeof bad, &back, &what), OTA_ERR_SIGNATURE);
        assert_non_null(what);
        assert_int_equal(strncmp(what, field[at], strlen(field[at])), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_decodes_the_rfc_4648_vectors),
        cmocka_unit_test(test_base64_refuses_anything_looser),
        cmocka_unit_test(test_base64_never_writes_past_the_buffer),
        cmocka_unit_test(test_rfc3339_date_times_are_seconds_since_the_epoch),
        cmocka_unit_test(test_rfc3339_refuses_what_is_not_a_date_time),
        cmocka_unit_test(test_http_dates_are_seconds_since_the_epoch),
        cmocka_unit_test(test_http_dates_other_than_imf_fixdate_are_refused),
        cmocka_unit_test(test_a_sig_file_round_trips_and_any_other_shape_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
