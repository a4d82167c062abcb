/*
 * Manifest documents: read with the device's parser, written in the original's
 * format with a fixed key order, one entry a line.
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

#include "tool_mfdoc.h"
#include "tool_test_util.h"

static ota_manifest_entry_t entry(uint32_t version, const char *url, uint8_t digest_byte, bool erase)
{
    ota_manifest_entry_t e;
    memset(&e, 0, sizeof e);
    e.version = version;
    e.erase = erase;
    if (url != NULL) {
        snprintf(e.url, sizeof e.url, "%s", url);
    }
    if (digest_byte != 0) {
        e.has_digest = true;
        memset(e.digest, digest_byte, sizeof e.digest);
    }
    return e;
}

static void test_an_empty_document_is_an_empty_ota_array(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    char buf[256];
    int len = tool_mfdoc_format(&doc, buf, sizeof buf);
    assert_string_equal(buf, "{\n  \"ota\": []\n}\n");
    assert_int_equal(len, (int)strlen(buf));
    unsigned rejected = 9;
    assert_int_equal(tool_mfdoc_load(&doc, buf, (size_t)len, NULL, NULL, &rejected), OTA_OK);
    assert_int_equal(doc.count, 0);
    assert_int_equal(rejected, 0);
}

static void test_keys_come_in_the_seed_order_one_entry_a_line(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t a = entry(3, "http://192.168.43.173:8000/wifi_ota103.bin", 0xAB, false);
    ota_manifest_entry_t b = entry(6, NULL, 0, true);
    assert_int_equal(tool_mfdoc_set(&doc, &a), 0);
    assert_int_equal(tool_mfdoc_set(&doc, &b), 0);
    char buf[1024];
    assert_true(tool_mfdoc_format(&doc, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\n"
                             "  \"ota\": [\n"
                             "    { \"Version\": 3, \"URL\": \"http://192.168.43.173:8000/wifi_ota103.bin\", "
                             "\"Digest\": \"abababababababababababababababababababababababababababababababab\", "
                             "\"EraseVer\": false },\n"
                             "    { \"Version\": 6, \"EraseVer\": true }\n"
                             "  ]\n"
                             "}\n");
    tool_mfdoc_free(&doc);
}

static void test_a_short_buffer_is_too_large_never_a_partial_document(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t a = entry(1, "http://h/a.bin", 0x11, false);
    assert_int_equal(tool_mfdoc_set(&doc, &a), 0);
    char buf[512];
    int len = tool_mfdoc_format(&doc, buf, sizeof buf);
    assert_true(len > 0);
    for (size_t cap = 0; cap <= (size_t)len; cap++) {
        assert_int_equal(tool_mfdoc_format(&doc, buf, cap), OTA_ERR_TOO_LARGE);
    }
    assert_int_equal(tool_mfdoc_format(&doc, buf, (size_t)len + 1), len);
    tool_mfdoc_free(&doc);
}

struct seen {
    unsigned index[8];
    int err[8];
    unsigned n;
};

static void note(void *arg, unsigned index, int err, const char *what)
{
    struct seen *s = arg;
    assert_non_null(what);
    s->index[s->n] = index;
    s->err[s->n] = err;
    s->n++;
}

static void test_load_keeps_accepted_entries_with_their_index_and_reports_the_rest(void **state)
{
    (void)state;
    const char *json = "{\"ota\":[{\"Version\":1,\"URL\":\"http://h/a.bin\",\"Digest\":\"00\"},"
                       "{\"Version\":2,\"URL\":\"http://h/b.bin\",\"Digest\":"
                       "\"0000000000000000000000000000000000000000000000000000000000000002\"},"
                       "{\"Version\":3,\"URL\":\"ftp://h/c.bin\",\"Digest\":"
                       "\"0000000000000000000000000000000000000000000000000000000000000003\"},"
                       "{\"Version\":4,\"EraseVer\":true,\"Future\":[1,2]}]}";
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    struct seen s = { .n = 0 };
    unsigned rejected = 0;
    assert_int_equal(tool_mfdoc_load(&doc, json, strlen(json), note, &s, &rejected), OTA_OK);
    assert_int_equal(rejected, 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.index[0], 0);
    assert_int_equal(s.err[0], OTA_ERR_ENTRY);
    assert_int_equal(s.index[1], 2);
    assert_int_equal(s.err[1], OTA_ERR_URL);
    assert_int_equal(doc.count, 2);
    assert_int_equal(doc.entries[0].version, 2);
    assert_int_equal(doc.index[0], 1);
    assert_int_equal(doc.entries[1].version, 4);
    assert_true(doc.entries[1].erase);
    assert_int_equal(doc.index[1], 3);
    tool_mfdoc_free(&doc);
}

static void test_load_passes_on_document_errors(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    assert_int_equal(tool_mfdoc_load(&doc, "{\"ota\":[", 8, NULL, NULL, NULL), OTA_ERR_JSON);
    assert_int_equal(tool_mfdoc_load(&doc, "{\"x\":[]}", 8, NULL, NULL, NULL), OTA_ERR_MANIFEST);
    assert_int_equal(doc.count, 0);
}

static void test_set_replaces_the_same_version_in_place_and_drops_its_repeats(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t e1 = entry(1, "http://h/1.bin", 1, false);
    ota_manifest_entry_t e5 = entry(5, "http://h/5.bin", 5, false);
    ota_manifest_entry_t e2 = entry(2, "http://h/2.bin", 2, false);
    ota_manifest_entry_t e5b = entry(5, NULL, 0, true);
    ota_manifest_entry_t e5c = entry(5, "http://h/5c.bin", 0x5C, false);
    assert_int_equal(tool_mfdoc_set(&doc, &e1), 0);
    assert_int_equal(tool_mfdoc_set(&doc, &e5), 0);
    assert_int_equal(tool_mfdoc_set(&doc, &e2), 0);
    /* a repeat, as a hand-edited file might hold */
    doc.entries[doc.count] = e5b;
    doc.patches[doc.count].count = 0;
    doc.index[doc.count] = 3;
    doc.count++;
    assert_int_equal(tool_mfdoc_set(&doc, &e5c), 1);
    assert_int_equal(doc.count, 3);
    assert_int_equal(doc.entries[0].version, 1);
    assert_int_equal(doc.entries[1].version, 5);
    assert_string_equal(doc.entries[1].url, "http://h/5c.bin");
    assert_int_equal(doc.entries[2].version, 2);
    tool_mfdoc_free(&doc);
}

static void test_what_is_written_reads_back_as_the_same_entries(void **state)
{
    (void)state;
    uint64_t rng = 42;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    for (int i = 0; i < OTA_MANIFEST_MAX_ENTRIES; i++) {
        ota_manifest_entry_t e;
        memset(&e, 0, sizeof e);
        e.version = (uint32_t)tt_rand_range(&rng, 1, UINT32_MAX);
        e.erase = tt_rand(&rng) % 4 == 0;
        if (!e.erase || tt_rand(&rng) % 2) {
            snprintf(e.url, sizeof e.url, "https://ota.example.com:8443/fw/app_%u.bin", (unsigned)i);
        }
        if (!e.erase || tt_rand(&rng) % 2) {
            e.has_digest = true;
            for (size_t k = 0; k < sizeof e.digest; k++) {
                e.digest[k] = (uint8_t)tt_rand(&rng);
            }
        }
        assert_true(tool_mfdoc_set(&doc, &e) >= 0);
    }
    char buf[OTA_MANIFEST_MAX_SIZE + 1];
    int len = tool_mfdoc_format(&doc, buf, sizeof buf);
    assert_true(len > 0); /* 16 entries fit the device's 4 KiB */
    tool_mfdoc_t back;
    tool_mfdoc_init(&back);
    unsigned rejected = 1;
    assert_int_equal(tool_mfdoc_load(&back, buf, (size_t)len, NULL, NULL, &rejected), OTA_OK);
    assert_int_equal(rejected, 0);
    assert_int_equal(back.count, doc.count);
    for (size_t i = 0; i < doc.count; i++) {
        assert_int_equal(back.entries[i].version, doc.entries[i].version);
        assert_int_equal(back.entries[i].erase, doc.entries[i].erase);
        assert_int_equal(back.entries[i].has_digest, doc.entries[i].has_digest);
        assert_memory_equal(back.entries[i].digest, doc.entries[i].digest, OTA_SHA256_LEN);
        assert_string_equal(back.entries[i].url, doc.entries[i].url);
    }
    tool_mfdoc_free(&back);
    tool_mfdoc_free(&doc);
}

static void test_a_url_with_quotes_or_controls_is_escaped_into_valid_json(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t e = entry(7, "http://h/a\"b\\c\x01.bin", 7, false);
    assert_int_equal(tool_mfdoc_set(&doc, &e), 0);
    char buf[512];
    int len = tool_mfdoc_format(&doc, buf, sizeof buf);
    assert_true(len > 0);
    assert_non_null(strstr(buf, "\"http://h/a\\\"b\\\\c\\u0001.bin\""));
    /* Well-formed: the parser gets as far as judging the entry. */
    tool_mfdoc_t back;
    tool_mfdoc_init(&back);
    assert_int_equal(tool_mfdoc_load(&back, buf, (size_t)len, NULL, NULL, NULL), OTA_OK);
    tool_mfdoc_free(&back);
    tool_mfdoc_free(&doc);
}

/* A signature's bytes, recognisable in base64. */
static void fill_signature(ota_manifest_entry_t *e, uint8_t seed)
{
    for (size_t k = 0; k < sizeof e->signature; k++) {
        e->signature[k] = (uint8_t)(seed + k);
    }
    e->has_signature = true;
}

static void test_every_key_in_its_fixed_place_the_manifests_own_keys_first(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    doc.header.has_sequence = true;
    doc.header.sequence = 4294967295u;
    doc.header.has_hardware_id = true;
    snprintf(doc.header.hardware_id, sizeof doc.header.hardware_id, "pic32mz-w1");
    doc.header.has_expires = true;
    doc.header.expires = 1800000000u; /* 2027-01-15T08:00:00Z */
    ota_manifest_entry_t a = entry(5, "https://h/app_v5.bin", 0x5A, false);
    a.size = 204800;
    a.floor = 4;
    a.golden = true;
    fill_signature(&a, 0);
    ota_manifest_entry_t b = entry(2, NULL, 0, true);
    assert_int_equal(tool_mfdoc_set(&doc, &a), 0);
    assert_int_equal(tool_mfdoc_set(&doc, &b), 0);
    char buf[2048];
    assert_true(tool_mfdoc_format(&doc, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\n"
                             "  \"Sequence\": 4294967295,\n"
                             "  \"HardwareId\": \"pic32mz-w1\",\n"
                             "  \"Expires\": \"2027-01-15T08:00:00Z\",\n"
                             "  \"ota\": [\n"
                             "    { \"Version\": 5, \"URL\": \"https://h/app_v5.bin\", "
                             "\"Digest\": \"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\", "
                             "\"Size\": 204800, \"Floor\": 4, \"Golden\": true, \"EraseVer\": false, "
                             "\"Signature\": \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy"
                             "MzQ1Njc4OTo7PD0+Pw==\" },\n"
                             "    { \"Version\": 2, \"EraseVer\": true }\n"
                             "  ]\n"
                             "}\n");
    tool_mfdoc_free(&doc);
}

static void test_load_keeps_the_manifests_own_keys_and_writes_expires_in_utc(void **state)
{
    (void)state;
    const char *json = "{\"Expires\":\"2027-01-15T10:00:00.75+02:00\",\"ota\":[],\"HardwareId\":\"board \\\"A\\\"\","
                       "\"Sequence\":0,\"Other\":1}";
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    assert_int_equal(tool_mfdoc_load(&doc, json, strlen(json), NULL, NULL, NULL), OTA_OK);
    assert_true(doc.header.has_sequence);
    assert_int_equal(doc.header.sequence, 0);
    assert_true(doc.header.has_hardware_id);
    assert_string_equal(doc.header.hardware_id, "board \"A\"");
    assert_true(doc.header.has_expires);
    assert_int_equal(doc.header.expires, 1800000000u);
    char buf[512];
    assert_true(tool_mfdoc_format(&doc, buf, sizeof buf) > 0);
    assert_string_equal(buf, "{\n"
                             "  \"Sequence\": 0,\n"
                             "  \"HardwareId\": \"board \\\"A\\\"\",\n"
                             "  \"Expires\": \"2027-01-15T08:00:00Z\",\n"
                             "  \"ota\": []\n"
                             "}\n");
    /* a document without them has none, whatever the document held before */
    const char *plain = "{\"ota\":[]}";
    assert_int_equal(tool_mfdoc_load(&doc, plain, strlen(plain), NULL, NULL, NULL), OTA_OK);
    assert_false(doc.header.has_sequence || doc.header.has_hardware_id || doc.header.has_expires);
    tool_mfdoc_free(&doc);
}

static void test_times_are_written_to_the_second_in_utc_up_to_the_year_9999(void **state)
{
    (void)state;
    char t[TOOL_MFDOC_TIME_SIZE];
    assert_int_equal(tool_mfdoc_time_text(0, t), OTA_OK);
    assert_string_equal(t, "1970-01-01T00:00:00Z");
    assert_int_equal(tool_mfdoc_time_text(951782400u, t), OTA_OK);
    assert_string_equal(t, "2000-02-29T00:00:00Z");
    assert_int_equal(tool_mfdoc_time_text(253402300799u, t), OTA_OK);
    assert_string_equal(t, "9999-12-31T23:59:59Z");
    assert_int_equal(tool_mfdoc_time_text(253402300800u, t), OTA_ERR_RANGE);
    assert_string_equal(t, "");
}

static void test_signed_entries_read_back_up_to_the_devices_size_limit(void **state)
{
    (void)state;
    uint64_t rng = 7;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    doc.header.has_sequence = true;
    doc.header.sequence = 123456;
    doc.header.has_hardware_id = true;
    snprintf(doc.header.hardware_id, sizeof doc.header.hardware_id, "pic32mz-w1-curiosity");
    doc.header.has_expires = true;
    doc.header.expires = 1800000000u;
    for (int i = 0; i < OTA_MANIFEST_MAX_ENTRIES; i++) {
        ota_manifest_entry_t e;
        memset(&e, 0, sizeof e);
        e.version = (uint32_t)(i + 1);
        snprintf(e.url, sizeof e.url, "https://ota.example.com/fw/app_v%u.bin", (unsigned)e.version);
        e.has_digest = true;
        for (size_t k = 0; k < sizeof e.digest; k++) {
            e.digest[k] = (uint8_t)tt_rand(&rng);
        }
        e.size = (uint32_t)tt_rand_range(&rng, 1000000, 9999999); /* 1 to 10 MB */
        e.floor = (uint32_t)tt_rand_range(&rng, 1, e.version);
        fill_signature(&e, (uint8_t)tt_rand(&rng));
        assert_true(tool_mfdoc_set(&doc, &e) >= 0);
    }
    /* The figure the header comment of tool_mfdoc.h gives: 13 such entries
     * fit OTA_MANIFEST_MAX_SIZE, 14 do not; the device reads all 13. */
    static char big[4 * OTA_MANIFEST_MAX_SIZE];
    char buf[OTA_MANIFEST_MAX_SIZE + 1];
    tool_mfdoc_t back;
    tool_mfdoc_init(&back);
    doc.count = 14;
    int len = tool_mfdoc_format(&doc, big, sizeof big);
    assert_true(len > OTA_MANIFEST_MAX_SIZE);
    doc.count = 13;
    len = tool_mfdoc_format(&doc, buf, sizeof buf);
    assert_true(len > 0 && len <= OTA_MANIFEST_MAX_SIZE);
    unsigned rejected = 1;
    assert_int_equal(tool_mfdoc_load(&back, buf, (size_t)len, NULL, NULL, &rejected), OTA_OK);
    assert_int_equal(rejected, 0);
    assert_int_equal(back.header.sequence, 123456);
    assert_int_equal(back.count, doc.count);
    for (size_t i = 0; i < doc.count; i++) {
        const ota_manifest_entry_t *x = &doc.entries[i], *y = &back.entries[i];
        assert_int_equal(y->version, x->version);
        assert_int_equal(y->size, x->size);
        assert_int_equal(y->floor, x->floor);
        assert_int_equal(y->golden, x->golden);
        assert_true(y->has_signature);
        assert_memory_equal(y->signature, x->signature, OTA_SIG_LEN);
        assert_memory_equal(y->digest, x->digest, OTA_SHA256_LEN);
    }
    tool_mfdoc_free(&back);
    tool_mfdoc_free(&doc);
}

/* A patch record with recognisable digests. */
static tool_mfdoc_patch_t patch_record(uint32_t base_version, const char *url, uint8_t seed, uint8_t format,
                                       uint32_t size)
{
    tool_mfdoc_patch_t p;
    memset(&p, 0, sizeof p);
    p.base_version = base_version;
    snprintf(p.url, sizeof p.url, "%s", url);
    memset(p.base_digest, seed, OTA_SHA256_LEN);
    memset(p.patch_digest, seed + 1, OTA_SHA256_LEN);
    memset(p.target_digest, seed + 2, OTA_SHA256_LEN);
    p.format = format;
    p.size = size;
    return p;
}

static void test_patch_records_end_the_entry_in_the_originals_key_order(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t a = entry(3, "http://h/app_v3.bin", 0x33, false);
    assert_int_equal(tool_mfdoc_set(&doc, &a), 0);
    tool_mfdoc_patch_t jojo = patch_record(1, "http://h/v1_v3.jdiff", 0x11, OTA_DELTA_JOJODIFF, 0);
    tool_mfdoc_patch_t vcd = patch_record(2, "http://h/v2_v3.vcdiff", 0x21, OTA_DELTA_VCDIFF, 31175);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &jojo), 0);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &vcd), 0);
    char buf[2048];
    assert_true(tool_mfdoc_format(&doc, buf, sizeof buf) > 0);
    assert_string_equal(buf,
                        "{\n"
                        "  \"ota\": [\n"
                        "    { \"Version\": 3, \"URL\": \"http://h/app_v3.bin\", "
                        "\"Digest\": \"3333333333333333333333333333333333333333333333333333333333333333\", "
                        "\"EraseVer\": false, \"Patch\": [ "
                        "{ \"BaseVersion\": 1, "
                        "\"BaseVerDigest\": \"1111111111111111111111111111111111111111111111111111111111111111\", "
                        "\"PatchURL\": \"http://h/v1_v3.jdiff\", "
                        "\"PatchDigest\": \"1212121212121212121212121212121212121212121212121212121212121212\", "
                        "\"TargetDigest\": \"1313131313131313131313131313131313131313131313131313131313131313\" }, "
                        "{ \"BaseVersion\": 2, "
                        "\"BaseVerDigest\": \"2121212121212121212121212121212121212121212121212121212121212121\", "
                        "\"PatchURL\": \"http://h/v2_v3.vcdiff\", "
                        "\"PatchDigest\": \"2222222222222222222222222222222222222222222222222222222222222222\", "
                        "\"TargetDigest\": \"2323232323232323232323232323232323232323232323232323232323232323\", "
                        "\"Format\": \"vcdiff\", \"PatchSize\": 31175 } ] }\n"
                        "  ]\n"
                        "}\n");
    /* and it reads back, record for record */
    tool_mfdoc_t back;
    tool_mfdoc_init(&back);
    unsigned rejected = 1;
    assert_int_equal(tool_mfdoc_load(&back, buf, strlen(buf), NULL, NULL, &rejected), OTA_OK);
    assert_int_equal(rejected, 0);
    assert_int_equal(back.count, 1);
    assert_int_equal(back.patches[0].count, 2);
    assert_memory_equal(&back.patches[0].p[0], &jojo, sizeof jojo);
    assert_memory_equal(&back.patches[0].p[1], &vcd, sizeof vcd);
    tool_mfdoc_free(&back);
    tool_mfdoc_free(&doc);
}

static void test_add_patch_replaces_the_same_base_and_set_keeps_records_of_the_same_image(void **state)
{
    (void)state;
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    ota_manifest_entry_t a = entry(3, "http://h/app_v3.bin", 0x33, false);
    assert_int_equal(tool_mfdoc_set(&doc, &a), 0);
    tool_mfdoc_patch_t p1 = patch_record(1, "http://h/p1.bin", 0x10, OTA_DELTA_JOJODIFF, 0);
    tool_mfdoc_patch_t p1b = patch_record(1, "http://h/p1b.bin", 0x40, OTA_DELTA_VCDIFF, 9);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 9, &p1), OTA_ERR_NOT_FOUND);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &p1), 0);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &p1b), 1);
    assert_int_equal(doc.patches[0].count, 1);
    assert_string_equal(doc.patches[0].p[0].url, "http://h/p1b.bin");
    for (uint32_t b = 2; b <= TOOL_MFDOC_PATCHES_MAX; b++) {
        tool_mfdoc_patch_t p = patch_record(b, "http://h/p.bin", (uint8_t)b, OTA_DELTA_JOJODIFF, 0);
        assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &p), 0);
    }
    tool_mfdoc_patch_t extra = patch_record(99, "http://h/p.bin", 0x99, OTA_DELTA_JOJODIFF, 0);
    assert_int_equal(tool_mfdoc_add_patch(&doc, 3, &extra), OTA_ERR_FULL);
    /* the same image again (a new URL, say): the records still rebuild it */
    ota_manifest_entry_t same = entry(3, "http://cdn/app_v3.bin", 0x33, false);
    assert_int_equal(tool_mfdoc_set(&doc, &same), 1);
    assert_int_equal(doc.patches[0].count, TOOL_MFDOC_PATCHES_MAX);
    /* another image under that version: they would rebuild the old one */
    ota_manifest_entry_t other = entry(3, "http://h/app_v3.bin", 0x34, false);
    assert_int_equal(tool_mfdoc_set(&doc, &other), 1);
    assert_int_equal(doc.patches[0].count, 0);
    tool_mfdoc_free(&doc);
}

/* A record an edit could not write back is reported, never dropped. */
static void test_load_reports_patch_records_it_cannot_read(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"Patch\": {}",
        "\"Patch\": [1]",
        "\"Patch\": [{\"BaseVerDigest\": \"%s\", \"PatchURL\": \"http://h/p.bin\", \"PatchDigest\": \"%s\", "
        "\"TargetDigest\": \"%s\"}]",
        "\"Patch\": [{\"BaseVersion\": 0, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"http://h/p.bin\", "
        "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\"}]",
        "\"Patch\": [{\"BaseVersion\": 1, \"BaseVerDigest\": \"%s0\", \"PatchURL\": \"http://h/p.bin\", "
        "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\"}]",
        "\"Patch\": [{\"BaseVersion\": 1, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"http://h/\", "
        "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\"}]",
        "\"Patch\": [{\"BaseVersion\": 1, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"http://h/p.bin\", "
        "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\", \"Format\": \"bsdiff\"}]",
        "\"Patch\": [{\"BaseVersion\": 1, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"http://h/p.bin\", "
        "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\", \"PatchSize\": -1}]",
        "\"Patch\": [{\"BaseVersion\": 1, \"BaseVersion\": 2, \"BaseVerDigest\": \"%s\", "
        "\"PatchURL\": \"http://h/p.bin\", \"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\"}]",
        "\"Patch\": [{}, {}, {}, {}, {}]",
    };
    const char *hex = "0101010101010101010101010101010101010101010101010101010101010101";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char patch[1024], json[2048];
        snprintf(patch, sizeof patch, bad[i], hex, hex, hex);
        snprintf(json, sizeof json,
                 "{\"ota\":[{\"Version\":1,\"URL\":\"http://h/a.bin\",\"Digest\":\"%s\"},"
                 "{\"Version\":2,\"URL\":\"http://h/b.bin\",\"Digest\":\"%s\",%s}]}",
                 hex, hex, patch);
        tool_mfdoc_t doc;
        tool_mfdoc_init(&doc);
        struct seen s = { .n = 0 };
        unsigned rejected = 0;
        assert_int_equal(tool_mfdoc_load(&doc, json, strlen(json), note, &s, &rejected), OTA_OK);
        if (rejected != 1 || s.n != 1 || s.index[0] != 1 || s.err[0] != OTA_ERR_ENTRY) {
            fail_msg("not reported: %s", patch);
        }
        tool_mfdoc_free(&doc);
    }
    /* a good record, with a key the tool does not know, passes */
    char json[1024];
    snprintf(json, sizeof json,
             "{\"ota\":[{\"Version\":2,\"URL\":\"http://h/b.bin\",\"Digest\":\"%s\",\"Patch\":"
             "[{\"BaseVersion\":1,\"BaseVerDigest\":\"%s\",\"PatchURL\":\"http://h/p.bin\",\"PatchDigest\":"
             "\"%s\",\"TargetDigest\":\"%s\",\"Comment\":[1]}]}]}",
             hex, hex, hex, hex);
    tool_mfdoc_t doc;
    tool_mfdoc_init(&doc);
    unsigned rejected = 1;
    assert_int_equal(tool_mfdoc_load(&doc, json, strlen(json), NULL, NULL, &rejected), OTA_OK);
    assert_int_equal(rejected, 0);
    assert_int_equal(doc.patches[0].count, 1);
    assert_int_equal(doc.patches[0].p[0].base_version, 1);
    assert_int_equal(doc.patches[0].p[0].format, OTA_DELTA_JOJODIFF);
    tool_mfdoc_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_empty_document_is_an_empty_ota_array),
        cmocka_unit_test(test_keys_come_in_the_seed_order_one_entry_a_line),
        cmocka_unit_test(test_a_short_buffer_is_too_large_never_a_partial_document),
        cmocka_unit_test(test_load_keeps_accepted_entries_with_their_index_and_reports_the_rest),
        cmocka_unit_test(test_load_passes_on_document_errors),
        cmocka_unit_test(test_set_replaces_the_same_version_in_place_and_drops_its_repeats),
        cmocka_unit_test(test_what_is_written_reads_back_as_the_same_entries),
        cmocka_unit_test(test_a_url_with_quotes_or_controls_is_escaped_into_valid_json),
        cmocka_unit_test(test_every_key_in_its_fixed_place_the_manifests_own_keys_first),
        cmocka_unit_test(test_load_keeps_the_manifests_own_keys_and_writes_expires_in_utc),
        cmocka_unit_test(test_times_are_written_to_the_second_in_utc_up_to_the_year_9999),
        cmocka_unit_test(test_signed_entries_read_back_up_to_the_devices_size_limit),
        cmocka_unit_test(test_patch_records_end_the_entry_in_the_originals_key_order),
        cmocka_unit_test(test_add_patch_replaces_the_same_base_and_set_keeps_records_of_the_same_image),
        cmocka_unit_test(test_load_reports_patch_records_it_cannot_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
