/*
 * The manifest parser and chooser (docs/design.md) and URL -> file names.
 *
 * Every document is handed to the parser in a heap buffer of exactly its
 * length, with no NUL after it, so that ASan turns any read past the end into
 * a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysota/ota_error.h"
#include "ota_hex.h"
#include "ota_json.h"
#include "ota_manifest.h"
#include "ota_rollout.h"

/* The sample manifest of Microchip's guide, byte for byte (17 lines, its blank line holds 4 spaces). */
static const char seed_sample[] =
    "    {\n"
    "    \n"
    "    \"ota\": [\n"
    "            {\n"
    "                \"Version\": 3,\n"
    "                \"URL\": \"http://192.168.43.173:8000/wifi_ota103.bin\",\n"
    "                \"Digest\": \"745189cbb24b752a0175de1f9d5d61433ba47d89aff5b5a3686f54ca2d5dfb22\",\n"
    "                \"EraseVer\": false\n"
    "            },\n"
    "            {\n"
    "                \"Version\": 6,\n"
    "                \"URL\": \"http://192.168.43.173:8000/wifi_ota100.bin\",\n"
    "                \"Digest\": \"885189cbb24b7b1a0175deef9d5d61f53c247d89a095b5a3686f54ca2d5dfbaa\",\n"
    "                \"EraseVer\": false\n"
    "            }\n"
    "           ]\n"
    "    }\n";

#define DIG "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
#define DIG_UPPER "00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210"
#define GOOD(v) "{\"Version\":" #v ",\"URL\":\"http://h/app_v" #v ".bin\",\"Digest\":\"" DIG "\"}"

static const uint8_t dig_bytes[OTA_SHA256_LEN] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* ------------------------------------------------------------------------ */
/* Helpers.                                                                 */
/* ------------------------------------------------------------------------ */

#define REC_MAX 64

struct rec {
    unsigned calls;
    unsigned stop_after; /* 0: never stop */
    unsigned index[REC_MAX];
    int err[REC_MAX];
    const char *what[REC_MAX];
    bool has_entry[REC_MAX];
    ota_manifest_entry_t entry[REC_MAX];
};

static int rec_cb(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err, const char *what)
{
    struct rec *r = arg;

    assert_true(r->calls < REC_MAX);
    /* The contract: an entry exactly when accepted, a reason exactly when rejected. */
    assert_int_equal(entry != NULL, err == OTA_OK);
    assert_int_equal(what != NULL, err != OTA_OK);
    r->index[r->calls] = index;
    r->err[r->calls] = err;
    r->what[r->calls] = what;
    r->has_entry[r->calls] = entry != NULL;
    if (entry != NULL) {
        r->entry[r->calls] = *entry;
    }
    r->calls++;
    return r->stop_after != 0 && r->calls >= r->stop_after;
}

/* Copy into a heap buffer of exactly len bytes (no terminator) so ASan sees any overread. */
static char *exact_copy(const char *text, size_t len)
{
    char *buf = malloc(len == 0 ? 1 : len);
    assert_non_null(buf);
    memcpy(buf, text, len);
    return buf;
}

static int parse_n(const char *text, size_t len, struct rec *r)
{
    char *buf = exact_copy(text, len);
    int err = ota_manifest_parse(buf, len, NULL, rec_cb, r);
    free(buf);
    return err;
}

static int parse(const char *text, struct rec *r)
{
    return parse_n(text, strlen(text), r);
}

static int choose_n(const char *text, size_t len, uint32_t running, ota_manifest_choice_t *c)
{
    char *buf = exact_copy(text, len);
    ota_manifest_policy_t policy = { .running = running };
    int err = ota_manifest_choose(buf, len, &policy, c);
    free(buf);
    return err;
}

static int choose(const char *text, uint32_t running, ota_manifest_choice_t *c)
{
    return choose_n(text, strlen(text), running, c);
}

static char doc[16384];

/* {"ota":[<a>,<bad>,<b>]} with good entries v2 and v3 around the one under test. */
static const char *between_good(const char *bad)
{
    int n = snprintf(doc, sizeof doc, "{\"ota\":[%s,%s,%s]}", GOOD(2), bad, GOOD(3));
    assert_true(n > 0 && (size_t)n < sizeof doc);
    return doc;
}

/* The entry is rejected with err and a reason starting with what_prefix; its neighbours are not. */
static void expect_rejected_between_good(const char *bad, int err, const char *what_prefix)
{
    ota_manifest_choice_t c;

    print_message("entry: %s\n", bad);
    assert_int_equal(choose(between_good(bad), 1, &c), OTA_OK);
    assert_int_equal(c.accepted, 2);
    assert_int_equal(c.rejected, 1);
    assert_int_equal(c.first_reject_index, 1);
    assert_int_equal(c.first_reject_err, err);
    assert_non_null(c.first_reject_what);
    assert_int_equal(strncmp(c.first_reject_what, what_prefix, strlen(what_prefix)), 0);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 3);
}

static void expect_accepted_between_good(const char *entry, ota_manifest_entry_t *out)
{
    struct rec r = { 0 };

    print_message("entry: %s\n", entry);
    assert_int_equal(parse(between_good(entry), &r), OTA_OK);
    assert_int_equal(r.calls, 3);
    assert_int_equal(r.err[1], OTA_OK);
    if (out != NULL) {
        *out = r.entry[1];
    }
}

static void expect_document_error(const char *text, size_t len, int err)
{
    struct rec r = { 0 };
    ota_manifest_choice_t c;

    print_message("document (%zu bytes): %.*s\n", len, (int)(len > 80 ? 80 : len), text);
    assert_int_equal(parse_n(text, len, &r), err);
    assert_int_equal(r.calls, 0); /* nothing of a refused document reaches the caller */
    memset(&c, 0xA5, sizeof c);
    assert_int_equal(choose_n(text, len, 0, &c), err);
    assert_false(c.has_update);
    assert_int_equal(c.erase_count, 0);
    assert_int_equal(c.accepted, 0);
}

/* ------------------------------------------------------------------------ */
/* The original guide's sample.                                               */
/* ------------------------------------------------------------------------ */

static void test_seed_sample_is_accepted_as_written_and_v6_is_chosen_over_v1(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose(seed_sample, 1, &c), OTA_OK);
    assert_int_equal(c.accepted, 2);
    assert_int_equal(c.rejected, 0);
    assert_int_equal(c.first_reject_err, OTA_OK);
    assert_null(c.first_reject_what);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 6);
    assert_string_equal(c.update.url, "http://192.168.43.173:8000/wifi_ota100.bin");
    assert_false(c.update.erase);
    assert_true(c.update.has_digest);
    assert_int_equal(c.erase_count, 0);
}

static void test_seed_sample_offers_nothing_to_a_device_already_running_v6(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose(seed_sample, 6, &c), OTA_OK);
    assert_int_equal(c.accepted, 2);
    assert_false(c.has_update);
    assert_int_equal(c.erase_count, 0);
}

static void test_seed_sample_entries_carry_version_url_and_decoded_digest(void **state)
{
    static const uint8_t v3_digest[OTA_SHA256_LEN] = {
        0x74, 0x51, 0x89, 0xcb, 0xb2, 0x4b, 0x75, 0x2a, 0x01, 0x75, 0xde, 0x1f, 0x9d, 0x5d, 0x61, 0x43,
        0x3b, 0xa4, 0x7d, 0x89, 0xaf, 0xf5, 0xb5, 0xa3, 0x68, 0x6f, 0x54, 0xca, 0x2d, 0x5d, 0xfb, 0x22,
    };
    struct rec r = { 0 };
    char name[OTA_STORE_NAME_MAX + 1];
    (void)state;

    assert_int_equal(parse(seed_sample, &r), OTA_OK);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.index[0], 0);
    assert_int_equal(r.index[1], 1);
    assert_int_equal(r.err[0], OTA_OK);
    assert_int_equal(r.entry[0].version, 3);
    assert_string_equal(r.entry[0].url, "http://192.168.43.173:8000/wifi_ota103.bin");
    assert_memory_equal(r.entry[0].digest, v3_digest, OTA_SHA256_LEN);
    assert_int_equal(r.entry[1].version, 6);
    assert_int_equal(r.entry[1].digest[0], 0x88);
    assert_int_equal(r.entry[1].digest[31], 0xaa);
    assert_int_equal(ota_url_file_name(r.entry[1].url, name, sizeof name), OTA_OK);
    assert_string_equal(name, "wifi_ota100.bin");
}

/* ------------------------------------------------------------------------ */
/* Choosing.                                                                */
/* ------------------------------------------------------------------------ */

static void test_highest_version_wins_wherever_it_sits_in_the_array(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    /* The original used only the last element: here that would be v5. */
    assert_int_equal(choose("{\"ota\":[" GOOD(4) "," GOOD(9) "," GOOD(7) "," GOOD(5) "]}", 1, &c), OTA_OK);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 9);
    assert_string_equal(c.update.url, "http://h/app_v9.bin");
    assert_int_equal(c.accepted, 4);

    assert_int_equal(choose("{\"ota\":[" GOOD(9) "," GOOD(4) "]}", 1, &c), OTA_OK);
    assert_int_equal(c.update.version, 9);
}

static void test_first_of_equal_highest_versions_wins(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose("{\"ota\":[{\"Version\":5,\"URL\":\"http://h/first.bin\",\"Digest\":\"" DIG "\"},"
                            "{\"Version\":5,\"URL\":\"http://h/second.bin\",\"Digest\":\"" DIG "\"}]}",
                            1, &c),
                     OTA_OK);
    assert_true(c.has_update);
    assert_string_equal(c.update.url, "http://h/first.bin");
}

static void test_only_versions_strictly_above_the_running_one_are_updates(void **state)
{
    const char *m = "{\"ota\":[" GOOD(3) "," GOOD(5) "]}";
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose(m, 5, &c), OTA_OK);
    assert_false(c.has_update);
    assert_int_equal(choose(m, 7, &c), OTA_OK);
    assert_false(c.has_update);
    assert_int_equal(choose(m, 4, &c), OTA_OK);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 5);
    assert_int_equal(choose(m, 0, &c), OTA_OK);
    assert_int_equal(c.update.version, 5);
}

static void test_erase_entries_become_erase_requests_and_never_the_update(void **state)
{
    ota_manifest_choice_t c;
    struct rec r = { 0 };
    const char *m = "{\"ota\":[{\"Version\":7,\"EraseVer\":true}," GOOD(
        4) ","
           "{\"Version\":2,\"EraseVer\":true,\"URL\":\"http://h/app_v2.bin\",\"Digest\":\"" DIG "\"},"
           "{\"Version\":3,\"EraseVer\":false,\"URL\":\"http://h/app_v3.bin\",\"Digest\":\"" DIG "\"}]}";
    (void)state;

    assert_int_equal(choose(m, 1, &c), OTA_OK);
    assert_int_equal(c.accepted, 4);
    assert_int_equal(c.rejected, 0);
    assert_int_equal(c.erase_count, 2);
    assert_int_equal(c.erase[0], 7);
    assert_int_equal(c.erase[1], 2);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 4);

    /* An erase entry may omit URL and Digest: the entry says so. */
    assert_int_equal(parse(m, &r), OTA_OK);
    assert_true(r.entry[0].erase);
    assert_false(r.entry[0].has_digest);
    assert_string_equal(r.entry[0].url, "");
    assert_true(r.entry[2].erase);
    assert_true(r.entry[2].has_digest);
    assert_false(r.entry[3].erase);
}

static void test_an_erase_request_is_listed_once_per_version(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose("{\"ota\":[{\"Version\":7,\"EraseVer\":true},{\"Version\":8,\"EraseVer\":true},"
                            "{\"Version\":7,\"EraseVer\":true}]}",
                            1, &c),
                     OTA_OK);
    assert_int_equal(c.accepted, 3);
    assert_int_equal(c.erase_count, 2);
    assert_int_equal(c.erase[0], 7);
    assert_int_equal(c.erase[1], 8);
    assert_false(c.has_update);
}

static void test_erase_entry_fields_that_are_present_are_still_checked(void **state)
{
    (void)state;
    expect_rejected_between_good("{\"Version\":7,\"EraseVer\":true,\"Digest\":\"abc\"}", OTA_ERR_ENTRY, "Digest");
    expect_rejected_between_good("{\"Version\":7,\"EraseVer\":true,\"URL\":\"ftp://h/a.bin\"}", OTA_ERR_URL, "URL");
    expect_rejected_between_good("{\"EraseVer\":true}", OTA_ERR_ENTRY, "Version: missing");
}

/* ------------------------------------------------------------------------ */
/* A bad entry rejects that entry only.                                     */
/* ------------------------------------------------------------------------ */

static void test_a_bad_version_rejects_only_its_entry(void **state)
{
    static const char *const bad[] = {
        "0",    "-1",   "-0",    "4294967296", "99999999999", "\"5\"",     "5.0", "5e0",
        "5E+0", "true", "false", "null",       "[5]",         "{\"v\":5}", "1.5",
    };
    char entry[256];
    (void)state;

    expect_rejected_between_good("{\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_ENTRY,
                                 "Version: missing");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(entry, sizeof entry, "{\"Version\":%s,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", bad[i]);
        expect_rejected_between_good(entry, OTA_ERR_ENTRY, "Version: not an integer");
    }
}

static void test_versions_from_1_to_4294967295_are_accepted(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    expect_accepted_between_good("{\"Version\":1,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_int_equal(e.version, 1);
    expect_accepted_between_good("{\"Version\":4294967295,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_int_equal(e.version, UINT32_MAX);
    expect_accepted_between_good("{\"Version\":1000000000,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_int_equal(e.version, 1000000000u);
}

static void test_a_bad_digest_rejects_only_its_entry(void **state)
{
    (void)state;
    char entry[256];

    /* 63 and 65 digits */
    snprintf(entry, sizeof entry, "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"%.63s\"}", DIG);
    expect_rejected_between_good(entry, OTA_ERR_ENTRY, "Digest: not 64 hex digits");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "0\"}", OTA_ERR_ENTRY,
                                 "Digest: not 64 hex digits");
    /* a non-hex digit, whitespace, a 0x prefix */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\""
                                 "g0112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
                                 "\"}",
                                 OTA_ERR_ENTRY, "Digest: not 64 hex digits");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\""
                                 " 0112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
                                 "\"}",
                                 OTA_ERR_ENTRY, "Digest: not 64 hex digits");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\""
                                 "0x112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
                                 "\"}",
                                 OTA_ERR_ENTRY, "Digest: not 64 hex digits");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"\"}", OTA_ERR_ENTRY,
                                 "Digest: not 64 hex digits");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":12}", OTA_ERR_ENTRY,
                                 "Digest: not a string");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\"}", OTA_ERR_ENTRY, "Digest: missing");
}

static void test_digest_is_accepted_in_either_case(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG_UPPER "\"}", &e);
    assert_true(e.has_digest);
    assert_memory_equal(e.digest, dig_bytes, OTA_SHA256_LEN);
}

static void test_a_bad_url_rejects_only_its_entry(void **state)
{
    char entry[OTA_URL_MAX + 200];
    char url[OTA_URL_MAX + 2];
    ota_manifest_entry_t e;
    (void)state;

    expect_rejected_between_good("{\"Version\":5,\"URL\":\"ftp://h/a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_URL,
                                 "URL: not http");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/\",\"Digest\":\"" DIG "\"}", OTA_ERR_URL,
                                 "URL: no file name");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/..\",\"Digest\":\"" DIG "\"}", OTA_ERR_NAME,
                                 "URL: file name");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a b.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_NAME,
                                 "URL: file name");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/x y/a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_URL,
                                 "URL: space");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/factory.bin\",\"Digest\":\"" DIG "\"}",
                                 OTA_ERR_NAME, "URL: file name reserved");
    /* an escaped NUL must not cut the URL short to "http://h/a" */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a\\u0000.bin\",\"Digest\":\"" DIG "\"}",
                                 OTA_ERR_URL, "URL: space");
    expect_rejected_between_good("{\"Version\":5,\"URL\":5,\"Digest\":\"" DIG "\"}", OTA_ERR_ENTRY,
                                 "URL: not a string");
    expect_rejected_between_good("{\"Version\":5,\"Digest\":\"" DIG "\"}", OTA_ERR_ENTRY, "URL: missing");

    /* OTA_URL_MAX bytes fit; one more does not (a long path, a short name). */
    memset(url, 'd', sizeof url);
    memcpy(url, "http://h/", 9);
    memcpy(url + OTA_URL_MAX - 6, "/a.bin", 6);
    url[OTA_URL_MAX] = '\0';
    assert_int_equal(strlen(url), OTA_URL_MAX);
    snprintf(entry, sizeof entry, "{\"Version\":5,\"URL\":\"%s\",\"Digest\":\"" DIG "\"}", url);
    expect_accepted_between_good(entry, &e);
    assert_string_equal(e.url, url);
    memmove(url + 10, url + 9, OTA_URL_MAX - 9 + 1);
    assert_int_equal(strlen(url), OTA_URL_MAX + 1);
    snprintf(entry, sizeof entry, "{\"Version\":5,\"URL\":\"%s\",\"Digest\":\"" DIG "\"}", url);
    expect_rejected_between_good(entry, OTA_ERR_TOO_LARGE, "URL: longer than OTA_URL_MAX");
}

static void test_a_leading_byte_order_mark_and_crlf_are_accepted(void **state)
{
    /* What a Windows editor saves: UTF-8 with a byte order mark, CRLF line ends. */
    static const char text[] = "\xEF\xBB\xBF{\r\n  \"ota\": [\r\n    " GOOD(4) "\r\n  ]\r\n}\r\n";
    ota_manifest_choice_t c;
    (void)state;

    assert_int_equal(choose(text, 1, &c), OTA_OK);
    assert_int_equal(c.accepted, 1);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 4);
}

static void test_a_file_name_with_a_fat_short_name_alias_is_refused(void **state)
{
    (void)state;
    /* "~" and a digit: FAT's 8.3 alias of a long name ("IMAGE_~1.CSV" is the database). */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/IMAGE_~1.CSV\",\"Digest\":\"" DIG "\"}",
                                 OTA_ERR_NAME, "URL: file name");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/FACTOR~1.BIN\",\"Digest\":\"" DIG "\"}",
                                 OTA_ERR_NAME, "URL: file name");
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/app~v5.bin\",\"Digest\":\"" DIG "\"}", NULL);
}

/* 64 bytes 0x00..0x3F in base64, and its decoded form. */
#define SIG64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="

static void test_the_security_keys_of_an_entry_are_read(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\","
                                 "\"Size\":4096,\"Floor\":4,\"Signature\":\"" SIG64 "\",\"Golden\":false}",
                                 &e);
    assert_int_equal(e.size, 4096);
    assert_int_equal(e.floor, 4);
    assert_false(e.golden);
    assert_true(e.has_signature);
    for (int i = 0; i < OTA_SIG_LEN; i++) {
        assert_int_equal(e.signature[i], i);
    }
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Golden\":true}",
                                 &e);
    assert_true(e.golden);
    assert_false(e.has_signature);
    assert_int_equal(e.size, 0);
}

static void test_a_bad_security_key_rejects_only_its_entry(void **state)
{
    static const struct {
        const char *keys;
        const char *what;
    } bad[] = {
        { "\"Size\":0", "Size:" },
        { "\"Size\":\"4096\"", "Size:" },
        { "\"Size\":4294967296", "Size:" },
        { "\"Floor\":-1", "Floor:" },
        { "\"Floor\":1.5", "Floor:" },
        { "\"Signature\":\"AAEC\"", "Signature:" },          /* 3 bytes */
        { "\"Signature\":\"" SIG64 "AAAA\"", "Signature:" }, /* 67 bytes */
        { "\"Signature\":\"not base64 at all\"", "Signature:" },
        { "\"Signature\":64", "Signature:" },
        { "\"Golden\":\"yes\"", "Golden:" },
        { "\"Golden\":true,\"EraseVer\":true", "Golden:" },
        { "\"Size\":1,\"Size\":2", "Size: duplicate" },
        { "\"Signature\":\"" SIG64 "\",\"Signature\":\"" SIG64 "\"", "Signature: duplicate" },
    };
    char entry[512];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(entry, sizeof entry, "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",%s}",
                 bad[i].keys);
        expect_rejected_between_good(entry, OTA_ERR_ENTRY, bad[i].what);
    }
}

static void test_the_manifest_s_own_keys_are_read_and_a_bad_one_refuses_it(void **state)
{
    ota_manifest_header_t h;
    (void)state;
    static const char good[] = "{\"Sequence\":42,\"HardwareId\":\"pic32mzw1-curiosity\","
                               "\"Expires\":\"2026-12-31T00:00:00Z\",\"ota\":[" GOOD(2) "]}";
    assert_int_equal(ota_manifest_parse(good, strlen(good), &h, NULL, NULL), OTA_OK);
    assert_true(h.has_sequence);
    assert_int_equal(h.sequence, 42);
    assert_true(h.has_hardware_id);
    assert_string_equal(h.hardware_id, "pic32mzw1-curiosity");
    assert_true(h.has_expires);
    assert_int_equal(h.expires, 1798675200u);
    static const char none[] = "{\"ota\":[" GOOD(2) "]}";
    assert_int_equal(ota_manifest_parse(none, strlen(none), &h, NULL, NULL), OTA_OK);
    assert_false(h.has_sequence || h.has_hardware_id || h.has_expires);

    static const char *const bad[] = {
        "{\"Sequence\":-1,\"ota\":[]}",
        "{\"Sequence\":\"42\",\"ota\":[]}",
        "{\"Sequence\":4294967296,\"ota\":[]}",
        "{\"Sequence\":1,\"Sequence\":2,\"ota\":[]}",
        "{\"HardwareId\":\"\",\"ota\":[]}",
        "{\"HardwareId\":7,\"ota\":[]}",
        "{\"HardwareId\":\"a\\u0000b\",\"ota\":[]}",
        "{\"HardwareId\":\"123456789012345678901234567890123\",\"ota\":[]}",
        "{\"Expires\":\"tomorrow\",\"ota\":[]}",
        "{\"Expires\":\"2026-02-30T00:00:00Z\",\"ota\":[]}",
        "{\"ota\":[],\"ota\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rec r = { 0 };
        print_message("document: %s\n", bad[i]);
        assert_int_equal(ota_manifest_parse(bad[i], strlen(bad[i]), &h, rec_cb, &r), OTA_ERR_MANIFEST);
        assert_int_equal(r.calls, 0);
    }
}

static int choose_policy(const char *text, const ota_manifest_policy_t *p, ota_manifest_choice_t *c)
{
    return ota_manifest_choose(text, strlen(text), p, c);
}

static void test_a_device_with_keys_refuses_entries_without_signature(void **state)
{
    static const char text[] =
        "{\"ota\":[{\"Version\":7,\"URL\":\"http://h/a7.bin\",\"Digest\":\"" DIG "\"},"
        "{\"Version\":6,\"URL\":\"http://h/a6.bin\",\"Digest\":\"" DIG "\",\"Signature\":\"" SIG64 "\"},"
        "{\"Version\":3,\"EraseVer\":true}]}";
    ota_manifest_policy_t p = { .running = 2, .need_signature = true };
    ota_manifest_choice_t c;
    (void)state;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 6); /* 7 is unsigned: refused */
    assert_int_equal(c.rejected, 1);
    assert_int_equal(c.first_reject_err, OTA_ERR_UNSIGNED);
    assert_int_equal(c.erase_count, 1); /* an erase request needs no signature */
    p.need_signature = false;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_int_equal(c.update.version, 7);
}

static void test_versions_below_the_floor_are_refused(void **state)
{
    static const char text[] = "{\"ota\":[" GOOD(4) "," GOOD(5) ",{\"Version\":3,\"EraseVer\":true}]}";
    ota_manifest_policy_t p = { .running = 1, .floor = 5 };
    ota_manifest_choice_t c;
    (void)state;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_int_equal(c.update.version, 5);
    assert_int_equal(c.rejected, 1);
    assert_int_equal(c.first_reject_err, OTA_ERR_DOWNGRADE);
    p.floor = 6;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_false(c.has_update);
    assert_int_equal(c.erase_count, 1);
}

static void test_a_golden_replacement_comes_before_any_update(void **state)
{
    static const char text[] =
        "{\"ota\":[" GOOD(9) ","
                             "{\"Version\":6,\"URL\":\"http://h/g6.bin\",\"Digest\":\"" DIG "\",\"Golden\":true},"
                             "{\"Version\":4,\"URL\":\"http://h/g4.bin\",\"Digest\":\"" DIG "\",\"Golden\":true}]}";
    ota_manifest_policy_t p = { .running = 5, .golden = 1 };
    ota_manifest_choice_t c;
    (void)state;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_true(c.update.golden);
    assert_int_equal(c.update.version, 6); /* the highest golden above the current one */
    p.golden = 6;                          /* replaced: the update is next */
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_false(c.update.golden);
    assert_int_equal(c.update.version, 9);
}

static void test_url_escapes_are_decoded_before_the_url_is_checked(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    /* PHP's json_encode writes every '/' as "\/". */
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http:\\/\\/h:80\\/d\\/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_string_equal(e.url, "http://h:80/d/a.bin");
    /* an escaped control character is still a control character */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/d\\n/a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_URL,
                                 "URL: space");
    /* an escaped backslash is still a backslash */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/d\\\\a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_NAME,
                                 "URL: file name");
}

static void test_erasever_must_be_true_or_false(void **state)
{
    static const char *const bad[] = { "\"yes\"", "\"true\"", "1", "0", "null", "[]", "{}" };
    char entry[256];
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(entry, sizeof entry,
                 "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"EraseVer\":%s}", bad[i]);
        expect_rejected_between_good(entry, OTA_ERR_ENTRY, "EraseVer: not true or false");
    }
}

static void test_non_object_elements_are_rejected_one_by_one(void **state)
{
    struct rec r = { 0 };
    ota_manifest_choice_t c;
    const char *m = "{\"ota\":[1,\"x\",[" GOOD(9) "],null," GOOD(4) ",true]}";
    (void)state;

    assert_int_equal(parse(m, &r), OTA_OK);
    assert_int_equal(r.calls, 6);
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(r.index[i], i);
        if (i == 4) {
            assert_int_equal(r.err[i], OTA_OK);
        } else {
            assert_int_equal(r.err[i], OTA_ERR_ENTRY);
            assert_string_equal(r.what[i], "entry: not an object");
        }
    }
    assert_int_equal(choose(m, 1, &c), OTA_OK);
    assert_int_equal(c.update.version, 4); /* v9 nested in an array is not an entry */
    assert_int_equal(c.rejected, 5);
    assert_int_equal(c.first_reject_index, 0);
}

static void test_unknown_keys_and_nested_unknown_values_are_ignored(void **state)
{
    ota_manifest_choice_t c;
    struct rec r = { 0 };
    const char *m = "{\"server\":{\"ota\":[" GOOD(
        50) "],\"Version\":60},\"v\":[1,[2,[3]],{}],"
            "\"ota\":[{\"Size\":123,\"Meta\":{\"a\":[1,{\"b\":[]}],\"Version\":99,\"URL\":\"ftp://x\"},"
            "\"Version\":5,\"Tags\":[\"x\",{\"Digest\":\"zz\"}],\"URL\":\"http://h/a.bin\",\"Note\":null,"
            "\"Digest\":\"" DIG
            "\",\"Signed\":false,\"Ratio\":-1.5e-3,\"Empty\":\"\"}," GOOD(4) "],"
                                                                             "\"trailer\":{\"EraseVer\":true}}";
    (void)state;

    assert_int_equal(parse(m, &r), OTA_OK);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.err[0], OTA_OK);
    assert_int_equal(r.entry[0].version, 5);
    assert_string_equal(r.entry[0].url, "http://h/a.bin");
    assert_memory_equal(r.entry[0].digest, dig_bytes, OTA_SHA256_LEN);
    assert_false(r.entry[0].erase);
    assert_int_equal(r.err[1], OTA_OK);
    assert_int_equal(r.entry[1].version, 4);
    assert_int_equal(choose(m, 1, &c), OTA_OK);
    assert_int_equal(c.update.version, 5);
}

static void test_duplicate_keys_reject_the_entry(void **state)
{
    (void)state;
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Version\":9}",
                                 OTA_ERR_ENTRY, "Version: duplicate key");
    expect_rejected_between_good(
        "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", OTA_ERR_ENTRY,
        "URL: duplicate key");
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Digest\":\"" DIG
                                 "\"}",
                                 OTA_ERR_ENTRY, "Digest: duplicate key");
    expect_rejected_between_good("{\"EraseVer\":false,\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG
                                 "\",\"EraseVer\":true}",
                                 OTA_ERR_ENTRY, "EraseVer: duplicate key");
    /* the same key spelt with an escape is the same key */
    expect_rejected_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG
                                 "\",\"Vers\\u0069on\":9}",
                                 OTA_ERR_ENTRY, "Version: duplicate key");
    /* unknown keys too, even with different values */
    expect_rejected_between_good("{\"x\":1,\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG
                                 "\",\"\\u0078\":{\"y\":2}}",
                                 OTA_ERR_ENTRY, "entry: duplicate key");
}

static void test_similar_but_different_keys_are_not_duplicates(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    /* keys are case-sensitive: "version" is an unknown key, not a second Version */
    expect_accepted_between_good("{\"version\":1,\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG
                                 "\",\"x\":1,\"xx\":2,\"x\\u00e9\":3,\"x\\u00e8\":4}",
                                 &e);
    assert_int_equal(e.version, 5);
    /* an escaped known key counts as that key */
    expect_accepted_between_good("{\"\\u0056ersion\":7,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_int_equal(e.version, 7);
}

/* ------------------------------------------------------------------------ */
/* Documents.                                                               */
/* ------------------------------------------------------------------------ */

static void test_malformed_json_is_refused_as_a_whole(void **state)
{
    static const char *const bad[] = {
        "",
        "   \n ",
        "{\"ota\":[" GOOD(5) "]",   /* truncated */
        "{\"ota\":[" GOOD(5) "]}}", /* one brace too many */
        "{\"ota\":[" GOOD(5) ",]}", /* trailing comma in an array */
        "{\"ota\":[" GOOD(5) "],}", /* trailing comma in an object */
        "{\"ota\":[{\"Version\":5,}]}",
        "{\"ota\":[" GOOD(5) " " GOOD(6) "]}", /* missing comma */
        "{\"ota\" [" GOOD(5) "]}",             /* missing colon */
        "{\"ota\":[" GOOD(5) "]} x",           /* garbage after */
        "{\"ota\":[" GOOD(5) "]}{}",           /* a second document */
        "{\"ota\":[" GOOD(5) "]},",
        "{\"ota\":[{\"Version\":5,\"URL\":\"http://h/a.bin}]}",      /* unterminated string */
        "{\"ota\":[{\"Version\":5,\"URL\":\"http://h/\na.bin\"}]}",  /* raw newline in a string */
        "{\"ota\":[{\"Version\":5,\"URL\":\"http://h/\\xa.bin\"}]}", /* bad escape */
        "{\"ota\":[{\"Version\":5,\"URL\":\"http://h/\\u12g4.bin\"}]}",
        "{'ota':[]}",
        "{ota:[]}",
        "{\"ota\":[{\"Version\":05}]}",
        "{\"ota\":[{\"Version\":5.}]}",
        "{\"ota\":[{\"Version\":-}]}",
        "{\"ota\":[{\"Version\":1e}]}",
        "{\"ota\":[{\"Version\":+5}]}",
        "{\"ota\":[{\"EraseVer\":tru}]}",
        "{\"ota\":[{\"EraseVer\":True}]}",
        "{\"ota\":[{\"EraseVer\":truex}]}",
        "{\"ota\":[{\"Version\":5 \"URL\":\"x\"}]}",
        "{\"ota\":[{\"Version\":5:1}]}",
        "{\"ota\":[{\"Version\"}]}",
        "{\"ota\":[{5:1}]}",
        "{\"ota\":[}",
        "{\"ota\":[1,,2]}",
        "{\"ota\":[,]}",
        "\xEF\xBB\xBF\xEF\xBB\xBF{\"ota\":[]}", /* a second byte order mark is not skipped */
        " \xEF\xBB\xBF{\"ota\":[]}",            /* nor one that does not lead */
        "\xEF\xBB\xBF",                         /* nothing after it */
        "\xEF\xBB{\"ota\":[]}",                 /* a torn one */
        "{\"ota\":[]}\x0c",                     /* form feed is not JSON whitespace */
        "[",
        "]",
        "\"",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_document_error(bad[i], strlen(bad[i]), OTA_ERR_JSON);
    }
    /* a NUL byte inside the buffer, and one just after a complete document */
    expect_document_error("{\"ota\":[]\0}", 11, OTA_ERR_JSON);
    expect_document_error("{\"ota\":[]}\0", 11, OTA_ERR_JSON);
    /* the original's sample cut anywhere before its closing brace is never a manifest */
    for (size_t n = 0; n < (size_t)(strrchr(seed_sample, '}') - seed_sample); n++) {
        int err = parse_n(seed_sample, n, &(struct rec){ 0 });
        if (err != OTA_ERR_JSON) {
            print_message("seed sample cut at %zu\n", n);
        }
        assert_int_equal(err, OTA_ERR_JSON);
    }
}

static void test_well_formed_json_without_an_ota_array_is_not_a_manifest(void **state)
{
    static const char *const bad[] = {
        "{}",
        "{\"OTA\":[" GOOD(5) "]}",
        "{\"ota\":{}}",
        "{\"ota\":\"[]\"}",
        "{\"ota\":null}",
        "{\"x\":{\"ota\":[" GOOD(5) "]}}",
        "[{\"ota\":[" GOOD(5) "]}]",
        "5",
        "\"ota\"",
        "null",
        "{\"ota\":[" GOOD(5) "],\"ota\":[" GOOD(6) "]}", /* two "ota" keys: which one? */
        "{\"ota\":[],\"o\\u0074a\":[" GOOD(6) "]}",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_document_error(bad[i], strlen(bad[i]), OTA_ERR_MANIFEST);
    }
}

static void test_an_empty_ota_array_is_a_manifest_with_nothing_to_do(void **state)
{
    ota_manifest_choice_t c;
    struct rec r = { 0 };
    (void)state;

    assert_int_equal(parse(" {\"ota\" : [ ] , \"note\":\"\"} ", &r), OTA_OK);
    assert_int_equal(r.calls, 0);
    assert_int_equal(choose("{\"ota\":[]}", 0, &c), OTA_OK);
    assert_false(c.has_update);
    assert_int_equal(c.accepted + c.rejected + c.erase_count, 0);
}

static void test_a_manifest_over_the_size_limit_is_refused_and_one_at_the_limit_is_read(void **state)
{
    static char big[OTA_MANIFEST_MAX_SIZE + 1];
    const char *m = "{\"ota\":[" GOOD(5) "]}";
    size_t n = strlen(m);
    ota_manifest_choice_t c;
    (void)state;

    /* a good manifest padded with whitespace to exactly the limit, then one byte more */
    memset(big, ' ', sizeof big);
    memcpy(big, m, n);
    assert_int_equal(choose_n(big, OTA_MANIFEST_MAX_SIZE, 1, &c), OTA_OK);
    assert_int_equal(c.update.version, 5);
    expect_document_error(big, OTA_MANIFEST_MAX_SIZE + 1, OTA_ERR_TOO_LARGE);
    /* the size is checked before the content: even garbage is "too large" */
    memset(big, 0, sizeof big);
    expect_document_error(big, OTA_MANIFEST_MAX_SIZE + 1, OTA_ERR_TOO_LARGE);
}

static int count_cb(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err, const char *what)
{
    unsigned *count = arg;

    (void)entry;
    (void)err;
    (void)what;
    assert_int_equal(index, *count);
    (*count)++;
    return 0;
}

/* No token budget: a manifest of many small values is read whole, every
 * element of the array reported, up to the size limit alone. */
static void test_a_manifest_of_many_small_values_is_read_whole(void **state)
{
    size_t n = 0;
    unsigned count = 0;
    (void)state;

    n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"ota\":[");
    int elements = 0;
    while (n + 4 < OTA_MANIFEST_MAX_SIZE) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s0", elements ? "," : "");
        elements++;
    }
    n += (size_t)snprintf(doc + n, sizeof doc - n, "]}");
    assert_true(n <= OTA_MANIFEST_MAX_SIZE);
    char *buf = exact_copy(doc, n);
    assert_int_equal(ota_manifest_parse(buf, n, NULL, count_cb, &count), OTA_OK);
    free(buf);
    assert_int_equal(count, (unsigned)elements);
    assert_true(elements > 1000);
}

static void test_nesting_deeper_than_the_depth_limit_is_too_large(void **state)
{
    size_t n = 0;
    (void)state;

    /* OTA_JSON_DEPTH_MAX levels in all are accepted, one more is not. */
    for (int extra = 0; extra <= 1; extra++) {
        n = 0;
        n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"ota\":[],\"deep\":");
        int levels = OTA_JSON_DEPTH_MAX - 1 + extra; /* the top object is one */
        for (int i = 0; i < levels; i++) {
            doc[n++] = '[';
        }
        for (int i = 0; i < levels; i++) {
            doc[n++] = ']';
        }
        doc[n++] = '}';
        assert_true(n <= OTA_MANIFEST_MAX_SIZE);
        if (extra) {
            expect_document_error(doc, n, OTA_ERR_TOO_LARGE);
        } else {
            char *buf = exact_copy(doc, n);
            assert_int_equal(ota_manifest_parse(buf, n, NULL, NULL, NULL), OTA_OK);
            free(buf);
        }
    }
}

static void test_entries_beyond_the_maximum_are_rejected_as_full(void **state)
{
    size_t n = 0;
    ota_manifest_choice_t c;
    struct rec r = { 0 };
    (void)state;

    n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"ota\":[");
    for (int v = 1; v <= OTA_MANIFEST_MAX_ENTRIES + 2; v++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n,
                              "%s{\"Version\":%d,\"URL\":\"http://h/%d.bin\",\"Digest\":\"" DIG "\"}", v > 1 ? "," : "",
                              v, v);
    }
    n += (size_t)snprintf(doc + n, sizeof doc - n, "]}");
    assert_true(n <= OTA_MANIFEST_MAX_SIZE);

    assert_int_equal(parse(doc, &r), OTA_OK);
    assert_int_equal(r.calls, OTA_MANIFEST_MAX_ENTRIES + 2);
    assert_int_equal(r.err[OTA_MANIFEST_MAX_ENTRIES - 1], OTA_OK);
    assert_int_equal(r.err[OTA_MANIFEST_MAX_ENTRIES], OTA_ERR_FULL);
    assert_int_equal(r.err[OTA_MANIFEST_MAX_ENTRIES + 1], OTA_ERR_FULL);
    assert_int_equal(r.index[OTA_MANIFEST_MAX_ENTRIES + 1], OTA_MANIFEST_MAX_ENTRIES + 1);

    assert_int_equal(choose(doc, 0, &c), OTA_OK);
    assert_int_equal(c.accepted, OTA_MANIFEST_MAX_ENTRIES);
    assert_int_equal(c.rejected, 2);
    assert_int_equal(c.first_reject_err, OTA_ERR_FULL);
    assert_int_equal(c.first_reject_index, OTA_MANIFEST_MAX_ENTRIES);
    assert_int_equal(c.update.version, OTA_MANIFEST_MAX_ENTRIES);
}

static void test_the_callback_sees_every_element_in_order_and_may_stop_early(void **state)
{
    struct rec r = { 0 };
    const char *m = "{\"ota\":[" GOOD(1) ",{}," GOOD(3) "," GOOD(4) "]}";
    (void)state;

    assert_int_equal(parse(m, &r), OTA_OK);
    assert_int_equal(r.calls, 4);
    assert_int_equal(r.entry[0].version, 1);
    assert_int_equal(r.err[1], OTA_ERR_ENTRY);
    assert_string_equal(r.what[1], "Version: missing");
    assert_int_equal(r.entry[2].version, 3);
    assert_int_equal(r.entry[3].version, 4);

    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    assert_int_equal(parse(m, &r), OTA_OK);
    assert_int_equal(r.calls, 2);

    /* no callback: validation only */
    assert_int_equal(ota_manifest_parse(m, strlen(m), NULL, NULL, NULL), OTA_OK);
    assert_int_equal(ota_manifest_parse("{\"ota\":[}", 9, NULL, NULL, NULL), OTA_ERR_JSON);
}

static void test_parse_and_choose_refuse_null_arguments(void **state)
{
    ota_manifest_choice_t c;
    (void)state;

    ota_manifest_policy_t policy = { 0 };
    assert_int_equal(ota_manifest_parse(NULL, 0, NULL, rec_cb, NULL), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_manifest_choose(NULL, 5, &policy, &c), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_manifest_choose("{\"ota\":[]}", 10, &policy, NULL), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_manifest_choose("{\"ota\":[]}", 10, NULL, &c), OTA_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------------------ */
/* ota_url_file_name                                                        */
/* ------------------------------------------------------------------------ */

static void expect_name(const char *url, const char *name)
{
    char out[OTA_STORE_NAME_MAX + 1];

    print_message("url: %s\n", url);
    memset(out, 'X', sizeof out);
    assert_int_equal(ota_url_file_name(url, out, sizeof out), OTA_OK);
    assert_string_equal(out, name);
}

static void expect_name_error(const char *url, int err)
{
    char out[OTA_STORE_NAME_MAX + 1];

    print_message("url: %s\n", url);
    memset(out, 'X', sizeof out);
    assert_int_equal(ota_url_file_name(url, out, sizeof out), err);
    assert_string_equal(out, "");
}

static void test_url_file_name_is_the_last_path_segment_without_query_or_fragment(void **state)
{
    (void)state;
    expect_name("http://h/a.bin", "a.bin");
    expect_name("http://192.168.43.173:8000/wifi_ota100.bin", "wifi_ota100.bin");
    expect_name("https://ota.example.com:8443/fw/v6/app_v6.bin?sig=ab/cd&x=1#top", "app_v6.bin");
    expect_name("https://h/app.bin#frag/ment", "app.bin");
    expect_name("HTTPS://H/App-6_b+c~d.BIN", "App-6_b+c~d.BIN");
    expect_name("HtTp://user:pw@h:1/x/y.bin", "y.bin");
    expect_name("http://[::1]:8000/img.bin", "img.bin");
    expect_name("http://h//double//slash.bin", "slash.bin");
    expect_name("http://h/factory.bin.new", "factory.bin.new");
    expect_name("http://h/a.b.c", "a.b.c");
}

static void test_url_without_http_scheme_host_or_file_name_is_a_url_error(void **state)
{
    static const char *const bad[] = {
        "ftp://h/a.bin",
        "file:///a.bin",
        "h/a.bin",
        "/a.bin",
        "",
        "http:/h/a.bin",
        "http:h/a.bin",
        "httpx://h/a.bin",
        "http://",
        "http:///a.bin",
        "http://:80/a.bin",
        "http://u@/a.bin",
        "http://[]/a.bin",
        "http://[::1/a.bin",
        "http://h:8o/a.bin",
        "http://h",
        "http://h?x=/a.bin",
        "http://h#/a.bin",
        "http://h/",
        "http://h/dir/",
        "http://h/dir/?a.bin",
        "http://h/dir/#a.bin",
        "http://h /a.bin",
        "http://h/d i r/a.bin",
        "http://h/\x01/a.bin",
        "http://h/a.bin?x y",
        "http://h\\/a.bin",
        "http://h/\xc3\xa9/a.bin",
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_name_error(bad[i], OTA_ERR_URL);
    }
}

static void test_unsafe_or_reserved_file_names_are_name_errors(void **state)
{
    static const char *const bad[] = {
        "http://h/..",
        "http://h/.",
        "http://h/d/..",
        "http://h/.hidden",
        "http://h/.tmp_app.bin",
        "http://h/%2e%2e",
        "http://h/a%2fb.bin",
        "http://h/a%2Fb",
        "http://h/d/a\\b.bin",
        "http://h/..\\..\\x",
        "http://h/a\tb",
        "http://h/a\x7f",
        "http://h/a b",
        "http://h/a:b",
        "http://h/a*b",
        "http://h/a\"b",
        "http://h/\xc3\xa9.bin",
        "http://h/app.",
        "http://h/factory.bin",
        "http://h/FACTORY.BIN",
        "http://h/image_database.csv",
        "http://h/Image_Database.CSV",
        "http://h/poll.state",
        "http://h/POLL.State",
        "http://h/abcdefghijklmnopqrstuvwxyz0123456", /* 33 characters */
    };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_name_error(bad[i], OTA_ERR_NAME);
    }
}

static void test_file_name_must_fit_the_store_and_the_callers_buffer(void **state)
{
    char out[64];
    (void)state;

    /* OTA_STORE_NAME_MAX characters are fine */
    expect_name("http://h/abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345");
    assert_int_equal(strlen("abcdefghijklmnopqrstuvwxyz012345"), OTA_STORE_NAME_MAX);

    assert_int_equal(ota_url_file_name("http://h/abcd.bin", out, 9), OTA_OK);
    assert_string_equal(out, "abcd.bin");
    memset(out, 'X', sizeof out);
    assert_int_equal(ota_url_file_name("http://h/abcd.bin", out, 8), OTA_ERR_NAME);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 'X'); /* nothing written beyond what was needed */
    assert_int_equal(ota_url_file_name("http://h/abcd.bin", out, 1), OTA_ERR_NAME);
}

static void test_url_file_name_refuses_null_arguments(void **state)
{
    char out[8];
    (void)state;

    assert_int_equal(ota_url_file_name(NULL, out, sizeof out), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_url_file_name("http://h/a", NULL, 8), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_url_file_name("http://h/a", out, 0), OTA_ERR_INVALID_ARG);
}

/* ------------------------------------------------------------------------ */
/* ota_hex (the digest decoder the parser relies on)                        */
/* ------------------------------------------------------------------------ */

static void test_hex_decodes_either_case_and_refuses_anything_else(void **state)
{
    uint8_t out[OTA_SHA256_LEN];
    char text[2 * OTA_SHA256_LEN + 1];
    (void)state;

    assert_int_equal(ota_hex_decode(DIG, 64, out, sizeof out), OTA_OK);
    assert_memory_equal(out, dig_bytes, sizeof out);
    assert_int_equal(ota_hex_decode(DIG_UPPER, 64, out, sizeof out), OTA_OK);
    assert_memory_equal(out, dig_bytes, sizeof out);
    assert_int_equal(ota_hex_decode(DIG, 63, out, sizeof out), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode(DIG, 64, out, 31), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode("0g", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode("/0", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode(":0", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode("@0", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode("G0", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode("`0", 2, out, 1), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_hex_decode(" 0", 2, out, 1), OTA_ERR_INVALID_ARG);
    for (int c = 0; c < 256; c++) {
        int v = ota_hex_digit(c);
        const char *digits = "0123456789abcdef";
        const char *hit = c != 0 ? strchr(digits, c >= 'A' && c <= 'F' ? c + 32 : c) : NULL;
        assert_int_equal(v, hit != NULL ? (int)(hit - digits) : OTA_ERR_INVALID_ARG);
    }
    assert_int_equal(ota_hex_encode(dig_bytes, sizeof dig_bytes, text), OTA_OK);
    assert_string_equal(text, DIG);
}

/* ---- staged rollouts ----------------------------------------------------------- */

static void test_rollout_is_a_percentage_in_0_to_100(void **state)
{
    (void)state;
    ota_manifest_entry_t e;
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Rollout\":0}", &e);
    assert_true(e.has_rollout);
    assert_int_equal(e.rollout, 0);
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Rollout\":100}",
                                 &e);
    assert_int_equal(e.rollout, 100);
    expect_accepted_between_good("{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\"}", &e);
    assert_false(e.has_rollout);
    const char *bad[] = { "101", "-1", "10.5", "\"10\"", "1e1", "true", "null" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char entry[256];
        snprintf(entry, sizeof entry,
                 "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Rollout\":%s}", bad[i]);
        expect_rejected_between_good(entry, OTA_ERR_ENTRY, "Rollout:");
    }
}

/* An identity whose bucket for version v is b (found by search: the hash is fixed). */
static size_t id_in_bucket(uint32_t v, unsigned lo, unsigned hi, char *id)
{
    for (unsigned i = 0;; i++) {
        size_t n = (size_t)sprintf(id, "dev-%u", i);
        uint8_t b = ota_rollout_bucket(id, n, v);
        if (b >= lo && b <= hi) {
            return n;
        }
    }
}

static void test_an_entry_not_rolled_out_to_this_device_is_held_back_and_a_lower_one_chosen(void **state)
{
    (void)state;
    const char *text = "{\"ota\":["
                       "{\"Version\":5,\"URL\":\"http://h/a5.bin\",\"Digest\":\"" DIG "\"},"
                       "{\"Version\":6,\"URL\":\"http://h/a6.bin\",\"Digest\":\"" DIG "\",\"Rollout\":10}]}";
    char in[32];
    char out[32];
    ota_manifest_policy_t p = { .running = 4 };
    ota_manifest_choice_t c;

    /* In the first 10 % for v6: v6. */
    p.device_id = in;
    p.device_id_len = id_in_bucket(6, 0, 9, in);
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_int_equal(c.update.version, 6);
    assert_int_equal(c.held_back, 0);
    /* Not in it: v6 is as if absent, v5 (everyone's) is the choice; nothing is rejected. */
    p.device_id = out;
    p.device_id_len = id_in_bucket(6, 10, 99, out);
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_true(c.has_update);
    assert_int_equal(c.update.version, 5);
    assert_int_equal(c.held_back, 1);
    assert_int_equal(c.rejected, 0);
    /* No identity: only what is rolled out to everyone. */
    p.device_id = NULL;
    p.device_id_len = 0;
    assert_int_equal(choose_policy(text, &p, &c), OTA_OK);
    assert_int_equal(c.update.version, 5);
    /* Erase requests are never held back. */
    assert_int_equal(choose_policy("{\"ota\":[{\"Version\":3,\"EraseVer\":true,\"Rollout\":0}]}", &p, &c), OTA_OK);
    assert_int_equal(c.erase_count, 1);
}

/* ------------------------------------------------------------------------ */
/* Patch records.                                                           */
/* ------------------------------------------------------------------------ */

#define DIG_B "aa112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
#define DIG_P "bb112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
#define PATCH_REC(base, fmt)                                                                                  \
    "{\"BaseVersion\":" #base ",\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p" #base ".vcdiff\"," \
    "\"PatchDigest\":\"" DIG_P "\",\"TargetDigest\":\"" DIG "\"" fmt "}"
#define WITH_PATCHES(list) "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Patch\":[" list "]}"

static void test_patch_records_are_read_in_manifest_order(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    expect_accepted_between_good(
        WITH_PATCHES(PATCH_REC(3, ",\"Format\":\"vcdiff\",\"PatchSize\":31183") "," PATCH_REC(4, "")), &e);
    assert_int_equal(e.patch_count, 2);
    assert_int_equal(e.patch[0].base_version, 3);
    assert_int_equal(e.patch[0].format, OTA_PATCH_VCDIFF);
    assert_int_equal(e.patch[0].size, 31183);
    assert_string_equal(e.patch[0].url, "http://h/p3.vcdiff");
    assert_int_equal(e.patch[0].base_digest[0], 0xaa);
    assert_int_equal(e.patch[0].patch_digest[0], 0xbb);
    assert_memory_equal(e.patch[0].base_digest + 1, dig_bytes + 1, OTA_SHA256_LEN - 1);
    assert_int_equal(e.patch[1].base_version, 4);
    assert_int_equal(e.patch[1].format, OTA_PATCH_JOJODIFF); /* the default, as the original */
    assert_int_equal(e.patch[1].size, 0);
    assert_string_equal(e.patch[1].url, "http://h/p4.vcdiff");

    expect_accepted_between_good(GOOD(5), &e);
    assert_int_equal(e.patch_count, 0);
    expect_accepted_between_good(WITH_PATCHES(""), &e);
    assert_int_equal(e.patch_count, 0);
}

static void test_a_patch_record_for_another_image_or_format_is_skipped_not_the_entry(void **state)
{
    ota_manifest_entry_t e;
    (void)state;

    /* TargetDigest not the entry's Digest: the patch builds another image. */
    expect_accepted_between_good(
        WITH_PATCHES("{\"BaseVersion\":3,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p.bin\","
                     "\"PatchDigest\":\"" DIG_P "\",\"TargetDigest\":\"" DIG_P "\"}," PATCH_REC(4, "")),
        &e);
    assert_int_equal(e.patch_count, 1);
    assert_int_equal(e.patch[0].base_version, 4);
    /* A format this device does not read: that record alone is unusable. */
    expect_accepted_between_good(
        WITH_PATCHES(PATCH_REC(3, ",\"Format\":\"bsdiff\"") "," PATCH_REC(4, ",\"Format\":\"jojodiff\"")), &e);
    assert_int_equal(e.patch_count, 1);
    assert_int_equal(e.patch[0].base_version, 4);
    assert_int_equal(e.patch[0].format, OTA_PATCH_JOJODIFF);
    /* An erase entry's records are not read at all. */
    expect_accepted_between_good("{\"Version\":5,\"EraseVer\":true,\"Patch\":7}", &e);
    assert_int_equal(e.patch_count, 0);
}

static void test_patch_records_beyond_the_maximum_are_ignored(void **state)
{
    ota_manifest_entry_t e;
    char list[4096] = "";
    (void)state;

    for (int i = 0; i < OTA_MANIFEST_MAX_PATCHES + 2; i++) {
        char rec[400];
        snprintf(rec, sizeof rec,
                 "%s{\"BaseVersion\":%d,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p.bin\","
                 "\"PatchDigest\":\"" DIG_P "\",\"TargetDigest\":\"" DIG "\"}",
                 i ? "," : "", i + 1);
        strcat(list, rec);
    }
    char entry[5000];
    snprintf(entry, sizeof entry, "{\"Version\":9,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Patch\":[%s]}",
             list);
    expect_accepted_between_good(entry, &e);
    assert_int_equal(e.patch_count, OTA_MANIFEST_MAX_PATCHES);
    assert_int_equal(e.patch[OTA_MANIFEST_MAX_PATCHES - 1].base_version, OTA_MANIFEST_MAX_PATCHES);
    /* A malformed record after the kept ones still rejects the entry. */
    strcat(list, ",{\"BaseVersion\":0}");
    snprintf(entry, sizeof entry, "{\"Version\":9,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Patch\":[%s]}",
             list);
    expect_rejected_between_good(entry, OTA_ERR_ENTRY, "Patch:");
}

static void test_a_malformed_patch_record_rejects_its_entry_with_a_reason(void **state)
{
    static const struct {
        const char *patch;
        int err;
        const char *what;
    } bad[] = {
        { "{}", OTA_ERR_ENTRY, "Patch: not an array" },
        { "[7]", OTA_ERR_ENTRY, "Patch: record not an object" },
        { "[{\"BaseVersion\":3}]", OTA_ERR_ENTRY, "Patch: a record without" },
        { "[" PATCH_REC(0, "") "]", OTA_ERR_ENTRY, "Patch: BaseVersion" },
        { "[{\"BaseVersion\":\"3\",\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p\",\"PatchDigest\":\"" DIG_P
          "\",\"TargetDigest\":\"" DIG "\"}]",
          OTA_ERR_ENTRY, "Patch: BaseVersion" },
        { "[{\"BaseVersion\":3,\"BaseVerDigest\":\"abc\",\"PatchURL\":\"http://h/p\",\"PatchDigest\":\"" DIG_P
          "\",\"TargetDigest\":\"" DIG "\"}]",
          OTA_ERR_ENTRY, "Patch: BaseVerDigest" },
        { "[{\"BaseVersion\":3,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p\",\"PatchDigest\":7,"
          "\"TargetDigest\":\"" DIG "\"}]",
          OTA_ERR_ENTRY, "Patch: PatchDigest" },
        { "[{\"BaseVersion\":3,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"http://h/p\",\"PatchDigest\":\"" DIG_P
          "\",\"TargetDigest\":\"" DIG "0\"}]",
          OTA_ERR_ENTRY, "Patch: TargetDigest" },
        { "[{\"BaseVersion\":3,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":\"ftp://h/p\",\"PatchDigest\":\"" DIG_P
          "\",\"TargetDigest\":\"" DIG "\"}]",
          OTA_ERR_ENTRY, "Patch: PatchURL" },
        { "[{\"BaseVersion\":3,\"BaseVerDigest\":\"" DIG_B "\",\"PatchURL\":9,\"PatchDigest\":\"" DIG_P
          "\",\"TargetDigest\":\"" DIG "\"}]",
          OTA_ERR_ENTRY, "Patch: PatchURL" },
        { "[" PATCH_REC(3, ",\"PatchSize\":0") "]", OTA_ERR_ENTRY, "Patch: PatchSize" },
        { "[" PATCH_REC(3, ",\"Format\":1") "]", OTA_ERR_ENTRY, "Patch: Format" },
        { "[" PATCH_REC(3, ",\"BaseVersion\":3") "]", OTA_ERR_ENTRY, "Patch: duplicate" },
    };
    char entry[1024];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(entry, sizeof entry, "{\"Version\":5,\"URL\":\"http://h/a.bin\",\"Digest\":\"" DIG "\",\"Patch\":%s}",
                 bad[i].patch);
        expect_rejected_between_good(entry, bad[i].err, bad[i].what);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollout_is_a_percentage_in_0_to_100),
        cmocka_unit_test(test_patch_records_are_read_in_manifest_order),
        cmocka_unit_test(test_a_patch_record_for_another_image_or_format_is_skipped_not_the_entry),
        cmocka_unit_test(test_patch_records_beyond_the_maximum_are_ignored),
        cmocka_unit_test(test_a_malformed_patch_record_rejects_its_entry_with_a_reason),
        cmocka_unit_test(test_an_entry_not_rolled_out_to_this_device_is_held_back_and_a_lower_one_chosen),
        cmocka_unit_test(test_seed_sample_is_accepted_as_written_and_v6_is_chosen_over_v1),
        cmocka_unit_test(test_seed_sample_offers_nothing_to_a_device_already_running_v6),
        cmocka_unit_test(test_seed_sample_entries_carry_version_url_and_decoded_digest),
        cmocka_unit_test(test_highest_version_wins_wherever_it_sits_in_the_array),
        cmocka_unit_test(test_first_of_equal_highest_versions_wins),
        cmocka_unit_test(test_only_versions_strictly_above_the_running_one_are_updates),
        cmocka_unit_test(test_erase_entries_become_erase_requests_and_never_the_update),
        cmocka_unit_test(test_an_erase_request_is_listed_once_per_version),
        cmocka_unit_test(test_erase_entry_fields_that_are_present_are_still_checked),
        cmocka_unit_test(test_a_bad_version_rejects_only_its_entry),
        cmocka_unit_test(test_versions_from_1_to_4294967295_are_accepted),
        cmocka_unit_test(test_a_bad_digest_rejects_only_its_entry),
        cmocka_unit_test(test_digest_is_accepted_in_either_case),
        cmocka_unit_test(test_a_bad_url_rejects_only_its_entry),
        cmocka_unit_test(test_url_escapes_are_decoded_before_the_url_is_checked),
        cmocka_unit_test(test_a_leading_byte_order_mark_and_crlf_are_accepted),
        cmocka_unit_test(test_a_file_name_with_a_fat_short_name_alias_is_refused),
        cmocka_unit_test(test_the_security_keys_of_an_entry_are_read),
        cmocka_unit_test(test_a_bad_security_key_rejects_only_its_entry),
        cmocka_unit_test(test_the_manifest_s_own_keys_are_read_and_a_bad_one_refuses_it),
        cmocka_unit_test(test_a_device_with_keys_refuses_entries_without_signature),
        cmocka_unit_test(test_versions_below_the_floor_are_refused),
        cmocka_unit_test(test_a_golden_replacement_comes_before_any_update),
        cmocka_unit_test(test_erasever_must_be_true_or_false),
        cmocka_unit_test(test_non_object_elements_are_rejected_one_by_one),
        cmocka_unit_test(test_unknown_keys_and_nested_unknown_values_are_ignored),
        cmocka_unit_test(test_duplicate_keys_reject_the_entry),
        cmocka_unit_test(test_similar_but_different_keys_are_not_duplicates),
        cmocka_unit_test(test_malformed_json_is_refused_as_a_whole),
        cmocka_unit_test(test_well_formed_json_without_an_ota_array_is_not_a_manifest),
        cmocka_unit_test(test_an_empty_ota_array_is_a_manifest_with_nothing_to_do),
        cmocka_unit_test(test_a_manifest_over_the_size_limit_is_refused_and_one_at_the_limit_is_read),
        cmocka_unit_test(test_a_manifest_of_many_small_values_is_read_whole),
        cmocka_unit_test(test_nesting_deeper_than_the_depth_limit_is_too_large),
        cmocka_unit_test(test_entries_beyond_the_maximum_are_rejected_as_full),
        cmocka_unit_test(test_the_callback_sees_every_element_in_order_and_may_stop_early),
        cmocka_unit_test(test_parse_and_choose_refuse_null_arguments),
        cmocka_unit_test(test_url_file_name_is_the_last_path_segment_without_query_or_fragment),
        cmocka_unit_test(test_url_without_http_scheme_host_or_file_name_is_a_url_error),
        cmocka_unit_test(test_unsafe_or_reserved_file_names_are_name_errors),
        cmocka_unit_test(test_file_name_must_fit_the_store_and_the_callers_buffer),
        cmocka_unit_test(test_url_file_name_refuses_null_arguments),
        cmocka_unit_test(test_hex_decodes_either_case_and_refuses_anything_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
