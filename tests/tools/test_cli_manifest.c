/*
 * `sysota manifest add|check`, run as a program.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sigref.h"
#include "sysota/ota_config.h"
#include "tool_test_util.h"

struct fixture {
    char *dir;
    char *manifest;
    char *image;
    char *sig; /* manifest.json.sig */
    char *key; /* signing keys by `sysota key gen`, public halves by `sysota key pub` */
    char *pub;
    char *key2;
    char *pub2;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->manifest = tt_path(f->dir, "manifest.json");
    f->image = tt_path(f->dir, "app_v3.bin");
    tt_write_file(f->image, "firmware v3\n", 12);
    f->sig = tt_path(f->dir, "manifest.json.sig");
    f->key = tt_path(f->dir, "release.pem");
    f->pub = tt_path(f->dir, "release.pub.pem");
    f->key2 = tt_path(f->dir, "other.pem");
    f->pub2 = tt_path(f->dir, "other.pub.pem");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tt_rmdir(f->dir);
    free(f->dir);
    free(f->manifest);
    free(f->image);
    free(f->sig);
    free(f->key);
    free(f->pub);
    free(f->key2);
    free(f->pub2);
    free(f);
    return 0;
}

static int run(tt_run_t *r, const char *const *args)
{
    return tt_run_sysota(r, args);
}

static void expect_in(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("expected '%s' in: %s", needle, haystack);
    }
}

static void test_add_creates_the_manifest_with_the_sha256_of_the_image(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *args[] = { "manifest", "add",    f->manifest,
                           "--image",  f->image, "--version",
                           "3",        "--url",  "http://192.168.43.173:8000/app_v3.bin",
                           NULL };
    assert_int_equal(run(&r, args), 0);
    char digest[65];
    tt_sha256sum(f->image, digest);
    char want[1024];
    snprintf(want, sizeof want,
             "{\n  \"ota\": [\n    { \"Version\": 3, \"URL\": \"http://192.168.43.173:8000/app_v3.bin\", "
             "\"Digest\": \"%s\", \"Size\": 12, \"EraseVer\": false }\n  ]\n}\n",
             digest);
    char *text = tt_read_file(f->manifest, NULL);
    assert_string_equal(text, want);
    char line[100];
    snprintf(line, sizeof line, "Digest: %s\n", digest);
    expect_in(r.out, line);
    expect_in(r.out, "Size: 12 bytes\n");
    expect_in(r.out, "Added version 3");
    free(text);
    tt_run_free(&r);
}

static void test_add_replaces_the_entry_of_its_version_and_keeps_the_others(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *v3[] = { "manifest", "add",   f->manifest,           "--image", f->image, "--version",
                         "3",        "--url", "http://h/app_v3.bin", NULL };
    const char *v2[] = { "manifest", "add", f->manifest, "--version", "2", "--erase", NULL };
    assert_int_equal(run(&r, v3), 0);
    tt_run_free(&r);
    assert_int_equal(run(&r, v2), 0);
    expect_in(r.out, "Added version 2 (erase request)");
    tt_run_free(&r);
    tt_write_file(f->image, "firmware v3, rebuilt\n", 21);
    const char *v3b[] = {
        "manifest", "add", f->manifest, "--image", f->image, "--version", "3", "--url", "https://h/app_v3.bin", NULL
    };
    assert_int_equal(run(&r, v3b), 0);
    expect_in(r.out, "Replaced version 3");
    expect_in(r.out, "(2 entries,");
    tt_run_free(&r);
    char digest[65];
    tt_sha256sum(f->image, digest);
    char want[1024];
    snprintf(want, sizeof want,
             "{\n  \"ota\": [\n    { \"Version\": 3, \"URL\": \"https://h/app_v3.bin\", \"Digest\": \"%s\", "
             "\"Size\": 21, \"EraseVer\": false },\n    { \"Version\": 2, \"EraseVer\": true }\n  ]\n}\n",
             digest);
    char *text = tt_read_file(f->manifest, NULL);
    assert_string_equal(text, want);
    free(text);
}

static void test_add_refuses_a_manifest_with_entries_devices_reject_and_leaves_it_alone(void **state)
{
    struct fixture *f = *state;
    const char *bad = "{\"ota\":[{\"Version\":1,\"URL\":\"http://h/a.bin\",\"Digest\":\"12\"}]}";
    tt_write_file(f->manifest, bad, strlen(bad));
    tt_run_t r;
    const char *args[] = { "manifest", "add",   f->manifest,           "--image", f->image, "--version",
                           "3",        "--url", "http://h/app_v3.bin", NULL };
    assert_int_equal(run(&r, args), 1);
    expect_in(r.err, "ota[0]: Digest: not 64 hex digits");
    char *text = tt_read_file(f->manifest, NULL);
    assert_string_equal(text, bad);
    free(text);
    tt_run_free(&r);

    tt_write_file(f->manifest, "[1,2]", 5);
    assert_int_equal(run(&r, args), 1);
    expect_in(r.err, "no \"ota\" array");
    tt_run_free(&r);
}

static void test_add_refuses_urls_and_versions_devices_refuse(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *golden[] = {
        "manifest", "add", f->manifest, "--image", f->image, "--version", "3", "--url", "http://h/factory.bin", NULL
    };
    assert_int_equal(run(&r, golden), 1);
    expect_in(r.err, "devices would refuse it");
    tt_run_free(&r);
    const char *ftp[] = { "manifest", "add",   f->manifest,          "--image", f->image, "--version",
                          "3",        "--url", "ftp://h/app_v3.bin", NULL };
    assert_int_equal(run(&r, ftp), 1);
    expect_in(r.err, "OTA_ERR_URL");
    tt_run_free(&r);
    const char *zero[] = { "manifest", "add", f->manifest, "--version", "0", "--erase", NULL };
    assert_int_equal(run(&r, zero), 2);
    expect_in(r.err, "not a version in 1..4294967295");
    tt_run_free(&r);
    const char *missing[] = { "manifest",  "add", f->manifest, "--image",        "/nonexistent/a.bin",
                              "--version", "3",   "--url",     "http://h/a.bin", NULL };
    assert_int_equal(run(&r, missing), 1);
    expect_in(r.err, "/nonexistent/a.bin: no such file");
    tt_run_free(&r);
    assert_null(tt_read_file(f->manifest, NULL));
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void test_add_stops_at_the_devices_entry_limit_and_leaves_no_temporary_file(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    /* erase requests: 5 JSON tokens each, so the entry limit binds first */
    for (int v = 1; v <= OTA_MANIFEST_MAX_ENTRIES + 1; v++) {
        char version[16];
        snprintf(version, sizeof version, "%d", v);
        const char *args[] = { "manifest", "add", f->manifest, "--version", version, "--erase", NULL };
        int status = run(&r, args);
        if (v <= OTA_MANIFEST_MAX_ENTRIES) {
            assert_int_equal(status, 0);
        } else {
            assert_int_equal(status, 1);
            expect_in(r.err, "would hold 17 entries; devices consider at most 16");
        }
        tt_run_free(&r);
    }
    char *text = tt_read_file(f->manifest, NULL);
    assert_non_null(strstr(text, "\"Version\": 16,"));
    assert_null(strstr(text, "\"Version\": 17,"));
    free(text);
    assert_int_equal(count_files(f->dir), 2); /* the image and the manifest */
}

static void test_check_accepts_the_seed_sample_manifest(void **state)
{
    struct fixture *f = *state;
    const char *seed =
        "    {\n    \n    \"ota\": [\n"
        "            {\n                \"Version\": 3,\n"
        "                \"URL\": \"http://192.168.43.173:8000/wifi_ota103.bin\",\n"
        "                \"Digest\": \"745189cbb24b752a0175de1f9d5d61433ba47d89aff5b5a3686f54ca2d5dfb22\",\n"
        "                \"EraseVer\": false\n            },\n"
        "            {\n                \"Version\": 6,\n"
        "                \"URL\": \"http://192.168.43.173:8000/wifi_ota100.bin\",\n"
        "                \"Digest\": \"885189cbb24b7b1a0175deef9d5d61f53c247d89a095b5a3686f54ca2d5dfbaa\",\n"
        "                \"EraseVer\": false\n            }\n           ]\n    }\n";
    tt_write_file(f->manifest, seed, strlen(seed));
    tt_run_t r;
    const char *args[] = { "manifest", "check", f->manifest, NULL };
    assert_int_equal(run(&r, args), 0);
    expect_in(r.out, "2 entries accepted, 0 rejected");
    expect_in(r.out, "Newest update: version 6 from http://192.168.43.173:8000/wifi_ota100.bin");
    expect_in(r.out, "OK\n");
    tt_run_free(&r);
}

static void test_check_lists_every_problem_with_its_entry_index(void **state)
{
    struct fixture *f = *state;
    const char *d = "745189cbb24b752a0175de1f9d5d61433ba47d89aff5b5a3686f54ca2d5dfb22";
    char json[2048];
    snprintf(json, sizeof json,
             "{\"ota\":[{\"Version\":3,\"URL\":\"http://h/a.bin\",\"Digest\":\"%s\"},"
             "{\"Version\":0,\"URL\":\"http://h/b.bin\",\"Digest\":\"%s\"},"
             "{\"Version\":4,\"URL\":\"ftp://h/c.bin\",\"Digest\":\"%s\"},"
             "{\"Version\":5,\"URL\":\"http://h/e.bin\"},"
             "{\"Version\":3,\"EraseVer\":true},"
             "{\"Version\":3,\"URL\":\"http://h/a.bin\",\"Digest\":\"%s\"}]}",
             d, d, d, d);
    tt_write_file(f->manifest, json, strlen(json));
    tt_run_t r;
    const char *args[] = { "manifest", "check", f->manifest, NULL };
    assert_int_equal(run(&r, args), 1);
    expect_in(r.err, "ota[1]: Version: not an integer in 1..4294967295");
    expect_in(r.err, "ota[2]: URL: not http:// or https://");
    expect_in(r.err, "ota[3]: Digest: missing");
    expect_in(r.err, "ota[4]: Version 3 is both an update and an erase request (ota[0])");
    expect_in(r.err, "ota[5]: Version 3 repeats ota[0]");
    expect_in(r.err, "5 problems");
    assert_null(strstr(r.err, "ota[0]:"));
    tt_run_free(&r);
}

static void test_check_with_images_compares_each_digest_with_the_local_file(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *add[] = { "manifest", "add",    f->manifest,
                          "--image",  f->image, "--version",
                          "3",        "--url",  "http://h:8000/fw/app_v3.bin?token=1",
                          NULL };
    assert_int_equal(run(&r, add), 0);
    tt_run_free(&r);
    const char *check[] = { "manifest", "check", f->manifest, "--images", f->dir, NULL };
    assert_int_equal(run(&r, check), 0);
    tt_run_free(&r);

    tt_write_file(f->image, "tampered", 8);
    assert_int_equal(run(&r, check), 1);
    expect_in(r.err, "ota[0]: Digest ");
    expect_in(r.err, "does not match image");
    expect_in(r.err, "app_v3.bin (sha256 ");
    tt_run_free(&r);

    const char *elsewhere[] = { "manifest", "check", f->manifest, "--images", "/nonexistent", NULL };
    assert_int_equal(run(&r, elsewhere), 1);
    expect_in(r.err, "ota[0]: image /nonexistent/app_v3.bin: no such file");
    tt_run_free(&r);
}

static void test_check_refuses_documents_devices_cannot_read(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *args[] = { "manifest", "check", f->manifest, NULL };
    tt_write_file(f->manifest, "{\"ota\": [,]}", 12);
    assert_int_equal(run(&r, args), 1);
    expect_in(r.err, "not well-formed JSON");
    tt_run_free(&r);

    size_t n = 5000;
    char *big = malloc(n);
    memset(big, ' ', n);
    memcpy(big, "{\"ota\":[]}", 10);
    tt_write_file(f->manifest, big, n);
    free(big);
    assert_int_equal(run(&r, args), 1);
    expect_in(r.err, "5000 bytes; devices accept at most 4096");
    tt_run_free(&r);

    const char *none[] = { "manifest", "check", "/nonexistent/m.json", NULL };
    assert_int_equal(run(&r, none), 1);
    expect_in(r.err, "no such file");
    tt_run_free(&r);
}

static void test_manifest_usage_errors_exit_2_and_help_exits_0(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *nothing[] = { "manifest", NULL };
    assert_int_equal(run(&r, nothing), 2);
    tt_run_free(&r);
    const char *bad_action[] = { "manifest", "remove", f->manifest, NULL };
    assert_int_equal(run(&r, bad_action), 2);
    expect_in(r.err, "unknown action 'remove'");
    tt_run_free(&r);
    const char *no_url[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3", NULL };
    assert_int_equal(run(&r, no_url), 2);
    tt_run_free(&r);
    const char *bad_opt[] = { "manifest", "check", f->manifest, "--image", f->dir, NULL };
    assert_int_equal(run(&r, bad_opt), 2);
    expect_in(r.err, "unknown option '--image'");
    tt_run_free(&r);
    const char *help[] = { "manifest", "--help", NULL };
    assert_int_equal(run(&r, help), 0);
    expect_in(r.out, "usage: sysota manifest add MANIFEST.json --image FILE --version N --url URL\n");
    expect_in(r.out, "sysota manifest sign MANIFEST.json --key KEY.pem");
    tt_run_free(&r);
    const char *add_help[] = { "manifest", "add", "--help", NULL };
    assert_int_equal(run(&r, add_help), 0);
    tt_run_free(&r);
}

/* ---- signing ------------------------------------------------------------ */

static void make_key(const char *key, const char *pub)
{
    tt_run_t r;
    const char *gen[] = { "key", "gen", "-o", key, NULL };
    assert_int_equal(tt_run_sysota(&r, gen), 0);
    tt_run_free(&r);
    const char *pubout[] = { "key", "pub", key, "-o", pub, NULL };
    assert_int_equal(tt_run_sysota(&r, pubout), 0);
    tt_run_free(&r);
}

static void make_keys(struct fixture *f)
{
    make_key(f->key, f->pub);
    make_key(f->key2, f->pub2);
}

/* The key id of a PEM key, as openssl computes it. */
static void key_id_of(struct fixture *f, const char *pem, bool is_private, char id[17])
{
    uint8_t point[SR_POINT_LEN];
    sr_openssl_point(f->dir, pem, is_private, point);
    sr_openssl_key_id_hex(f->dir, point, id);
}

static void must(int status, tt_run_t *r, const char *const *args)
{
    if (run(r, args) != status) {
        fail_msg("expected exit %d from %s %s: %s%s", status, args[0], args[1], r->out, r->err);
    }
}

/* `manifest add` of a signed image entry for version, from a file holding content. */
static void add_signed(struct fixture *f, const char *version, const char *file, const char *content)
{
    char *image = tt_path(f->dir, file);
    char url[128];
    snprintf(url, sizeof url, "http://h:8000/%s", file);
    tt_write_file(image, content, strlen(content));
    tt_run_t r;
    const char *args[] = { "manifest", "add",   f->manifest, "--image",      image,  "--version",
                           version,    "--url", url,         "--sign-image", f->key, NULL };
    must(0, &r, args);
    tt_run_free(&r);
    free(image);
}

static void sign(struct fixture *f, const char *key, tt_run_t *r)
{
    const char *args[] = { "manifest", "sign", f->manifest, "--key", key, NULL };
    must(0, r, args);
}

static void sign_quietly(struct fixture *f, const char *key)
{
    tt_run_t r;
    sign(f, key, &r);
    tt_run_free(&r);
}

/* Keys, and a manifest with version 3 signed (app_v3.bin). */
static void start_signed(struct fixture *f)
{
    make_keys(f);
    add_signed(f, "3", "app_v3.bin", "firmware v3\n");
}

/* `manifest check --pubkey release.pub.pem --images dir`: returns the status, output in *r. */
static int check_signed(struct fixture *f, tt_run_t *r)
{
    const char *args[] = { "manifest", "check", f->manifest, "--pubkey", f->pub, "--images", f->dir, NULL };
    return run(r, args);
}

/* check_signed finds exactly one problem, and says what. */
static void expect_one_problem(struct fixture *f, const char *what)
{
    tt_run_t r;
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.err, what);
    expect_in(r.err, "1 problem\n");
    tt_run_free(&r);
}

/* The manifest's text with the first `from` replaced by `to`, written back. */
static void edit(struct fixture *f, const char *from, const char *to)
{
    char *text = tt_read_file(f->manifest, NULL);
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    tt_write_file(f->manifest, out, strlen(out));
    free(out);
    free(text);
}

/* The base64 "Signature" of the entry of version (its first line with it), into out (89 bytes). */
static void signature_text(struct fixture *f, unsigned version, char out[89])
{
    char *text = tt_read_file(f->manifest, NULL);
    char key[32];
    snprintf(key, sizeof key, "{ \"Version\": %u,", version);
    const char *line = strstr(text, key);
    assert_non_null(line);
    const char *sig = strstr(line, "\"Signature\": \"");
    assert_non_null(sig);
    assert_true(strchr(line, '\n') > sig);
    memcpy(out, sig + 14, 88);
    out[88] = '\0';
    free(text);
}

static void test_add_sign_image_writes_size_floor_golden_and_a_signature_openssl_verifies(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    tt_run_t r;
    const char *args[] = {
        "manifest", "add", f->manifest, "--image",      f->image, "--version", "3", "--url", "http://h/app_v3.bin",
        "--floor",  "2",   "--golden",  "--sign-image", f->key,   NULL
    };
    must(0, &r, args);
    char id[17], line[64];
    key_id_of(f, f->key, true, id);
    snprintf(line, sizeof line, "Signature: by key %s\n", id);
    expect_in(r.out, line);
    tt_run_free(&r);

    char digest_hex[65], want[512], b64[89];
    tt_sha256sum(f->image, digest_hex);
    signature_text(f, 3, b64);
    snprintf(want, sizeof want,
             "    { \"Version\": 3, \"URL\": \"http://h/app_v3.bin\", \"Digest\": \"%s\", \"Size\": 12, "
             "\"Floor\": 2, \"Golden\": true, \"EraseVer\": false, \"Signature\": \"%s\" }\n",
             digest_hex, b64);
    char *text = tt_read_file(f->manifest, NULL);
    expect_in(text, want);
    free(text);

    /* the signature, decoded by openssl, verifies over the image's SHA-256 as openssl computes it */
    char *b64_file = tt_path(f->dir, "sig.b64"), *raw_file = tt_path(f->dir, "sig.raw");
    tt_write_file(b64_file, b64, 88);
    const char *decode[] = { "openssl", "base64", "-d", "-A", "-in", b64_file, "-out", raw_file, NULL };
    assert_int_equal(tt_run(&r, decode), 0);
    tt_run_free(&r);
    size_t n = 0;
    char *raw = tt_read_file(raw_file, &n);
    assert_int_equal(n, SR_SIG_LEN);
    uint8_t digest[SR_DIGEST_LEN];
    sr_openssl_sha256(f->dir, f->image, digest);
    assert_true(sr_openssl_verifies(f->dir, f->pub, digest, (const uint8_t *)raw));
    assert_false(sr_openssl_verifies(f->dir, f->pub2, digest, (const uint8_t *)raw));
    free(raw);
    free(b64_file);
    free(raw_file);
}

static void test_add_refuses_signing_options_that_make_no_sense(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    tt_run_t r;
    const char *golden_erase[] = { "manifest", "add", f->manifest, "--version", "3", "--erase", "--golden", NULL };
    must(2, &r, golden_erase);
    expect_in(r.err, "describe an image to install, not --erase");
    tt_run_free(&r);
    const char *high_floor[] = { "manifest", "add",   f->manifest,           "--image", f->image, "--version",
                                 "3",        "--url", "http://h/app_v3.bin", "--floor", "4",      NULL };
    must(2, &r, high_floor);
    expect_in(r.err, "--floor 4 is above --version 3");
    tt_run_free(&r);
    const char *pub_key[] = { "manifest", "add",   f->manifest,           "--image",      f->image, "--version",
                              "3",        "--url", "http://h/app_v3.bin", "--sign-image", f->pub,   NULL };
    must(1, &r, pub_key);
    expect_in(r.err, "a private key, as `sysota key gen` writes, is needed");
    tt_run_free(&r);
    char *empty = tt_path(f->dir, "app_v4.bin");
    tt_write_file(empty, "", 0);
    const char *empty_image[] = { "manifest", "add",   f->manifest,           "--image", empty, "--version",
                                  "4",        "--url", "http://h/app_v4.bin", NULL };
    must(1, &r, empty_image);
    expect_in(r.err, "0 bytes; an image is 1 byte to 4 GiB - 1");
    tt_run_free(&r);
    free(empty);
    assert_null(tt_read_file(f->manifest, NULL));
}

static void test_sign_sets_the_next_sequence_and_a_sig_file_openssl_verifies(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    tt_run_t r;
    char id[17], line[128];
    key_id_of(f, f->pub, false, id);
    sign(f, f->key, &r);
    snprintf(line, sizeof line, "Sequence 1, key %s\n", id);
    expect_in(r.out, line);
    expect_in(r.out, "manifest.json.sig (80 bytes)");
    tt_run_free(&r);

    char *text = tt_read_file(f->manifest, NULL);
    assert_true(strncmp(text, "{\n  \"Sequence\": 1,\n  \"ota\": [\n", 30) == 0);
    free(text);
    size_t n = 0;
    uint8_t *sig = (uint8_t *)tt_read_file(f->sig, &n);
    assert_int_equal(n, 80);
    assert_memory_equal(sig, "SOSG\x01\x01\x00\x00", 8);
    char got_id[17];
    for (int i = 0; i < 8; i++) {
        snprintf(got_id + 2 * i, 3, "%02x", sig[8 + i]);
    }
    assert_string_equal(got_id, id);
    uint8_t digest[SR_DIGEST_LEN];
    sr_openssl_sha256(f->dir, f->manifest, digest);
    assert_true(sr_openssl_verifies(f->dir, f->pub, digest, sig + 16));
    free(sig);

    sign(f, f->key, &r);
    expect_in(r.out, "Sequence 2,");
    tt_run_free(&r);
    /* an edit keeps the Sequence and says the .sig is stale */
    const char *erase[] = { "manifest", "add", f->manifest, "--version", "1", "--erase", NULL };
    must(0, &r, erase);
    expect_in(r.err, "manifest.json.sig was for the previous contents; run `sysota manifest sign` again");
    tt_run_free(&r);
    text = tt_read_file(f->manifest, NULL);
    expect_in(text, "\"Sequence\": 2,");
    free(text);
}

static void test_check_with_the_key_passes_a_signed_manifest(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    add_signed(f, "4", "app_v4.bin", "firmware v4, a little longer\n");
    tt_run_t r;
    const char *erase[] = { "manifest", "add", f->manifest, "--version", "2", "--erase", NULL };
    must(0, &r, erase);
    tt_run_free(&r);
    const char *args[] = { "manifest",   "sign",      f->manifest,
                           "--key",      f->key,      "--hardware-id",
                           "pic32mz-w1", "--expires", "9999-12-31T23:59:59Z",
                           NULL };
    must(0, &r, args);
    tt_run_free(&r);
    assert_int_equal(check_signed(f, &r), 0);
    char id[17], line[128];
    key_id_of(f, f->pub, false, id);
    snprintf(line, sizeof line, "Manifest signature: valid, key %s (%s)\n", id, f->pub);
    expect_in(r.out, line);
    expect_in(r.out, "3 entries accepted, 0 rejected");
    expect_in(r.out, "Sequence: 1\nHardwareId: pic32mz-w1\nExpires: 9999-12-31T23:59:59Z\n");
    expect_in(r.out, "Newest update: version 4 from http://h:8000/app_v4.bin");
    expect_in(r.out, "OK\n");
    assert_string_equal(r.err, "");
    tt_run_free(&r);

    /* the old key and the new, as a device in a key rotation holds them */
    const char *two[] = { "manifest", "check", f->manifest, "--pubkey", f->pub2, "--pubkey", f->pub, NULL };
    must(0, &r, two);
    tt_run_free(&r);
}

static void test_check_fails_for_a_manifest_changed_by_one_byte_after_signing(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    sign_quietly(f, f->key);
    edit(f, "\n  \"ota\"", "\n \t\"ota\""); /* still a good manifest, one byte changed */
    char id[17], line[200];
    key_id_of(f, f->key, true, id);
    snprintf(line, sizeof line,
             "manifest.json.sig: the signature by key %s does not verify over %s: the manifest changed after it "
             "was signed",
             id, f->manifest);
    expect_one_problem(f, line);
}

static void test_check_fails_for_a_sig_by_a_key_not_given(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    sign_quietly(f, f->key2);
    char id2[17], id[17], line[160];
    key_id_of(f, f->key2, true, id2);
    key_id_of(f, f->key, true, id);
    snprintf(line, sizeof line, "manifest.json.sig: signed by key %s, not one of the given keys (%s)\n", id2, id);
    expect_one_problem(f, line);
}

static void test_check_fails_for_a_sig_made_for_another_manifest(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    sign_quietly(f, f->key);
    size_t n = 0;
    char *first_sig = tt_read_file(f->sig, &n);
    add_signed(f, "4", "app_v4.bin", "firmware v4\n");
    sign_quietly(f, f->key);
    tt_write_file(f->sig, first_sig, n); /* well-formed, right key, other bytes */
    expect_one_problem(f, "or the signature is another manifest's");
    free(first_sig);
}

static void test_check_fails_for_an_entry_without_signature(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    tt_run_t r;
    char *image = tt_path(f->dir, "app_v4.bin");
    tt_write_file(image, "v4", 2);
    const char *unsigned_add[] = {
        "manifest", "add", f->manifest, "--image", image, "--version", "4", "--url", "http://h:8000/app_v4.bin", NULL
    };
    must(0, &r, unsigned_add);
    tt_run_free(&r);
    const char *args[] = { "manifest", "sign", f->manifest, "--key", f->key, NULL };
    must(0, &r, args);
    expect_in(r.err, "warning: ota[1] (version 4) has no Signature: devices with keys refuse it");
    tt_run_free(&r);
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.err, "ota[1]: no Signature: devices with keys refuse the entry");
    expect_in(r.err, "1 problem\n");
    /* what a device with keys makes of it: version 4 refused, so 3 is the update */
    expect_in(r.out, "1 entry accepted, 1 rejected");
    expect_in(r.out, "Newest update: version 3 from");
    tt_run_free(&r);
    free(image);
}

static void test_check_fails_for_an_entry_signature_over_another_image(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    add_signed(f, "4", "app_v4.bin", "firmware v4\n");
    char sig3[89], sig4[89];
    signature_text(f, 3, sig3);
    signature_text(f, 4, sig4);
    edit(f, sig3, sig4); /* version 3 now carries the signature of version 4's image */
    sign_quietly(f, f->key);
    char digest[65], line[160];
    tt_sha256sum(f->image, digest);
    snprintf(line, sizeof line, "ota[0]: Signature does not verify over Digest %s with any given key\n", digest);
    expect_one_problem(f, line);
}

static void test_check_fails_for_a_size_that_is_not_the_images(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    edit(f, "\"Size\": 12,", "\"Size\": 13,");
    sign_quietly(f, f->key);
    char line[200];
    snprintf(line, sizeof line, "ota[0]: Size 13 does not match image %s (12 bytes)\n", f->image);
    expect_one_problem(f, line);
}

static void test_check_fails_without_a_sig_file_or_a_sequence_and_for_a_malformed_sig(void **state)
{
    struct fixture *f = *state;
    start_signed(f);
    tt_run_t r;
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.err, "manifest.json.sig: no such file: devices with keys refuse an unsigned manifest");
    expect_in(r.err, "no Sequence: devices with keys refuse the manifest");
    expect_in(r.err, "2 problems\n");
    tt_run_free(&r);

    /* A .sig made by openssl alone over the manifest as it stands (no
     * Sequence): the file is accepted, the missing Sequence is not. */
    uint8_t digest[SR_DIGEST_LEN], sig[SR_SIG_LEN], file[80];
    uint8_t point[SR_POINT_LEN];
    char id[17];
    sr_openssl_sha256(f->dir, f->manifest, digest);
    sr_openssl_sign(f->dir, f->key, digest, sig);
    sr_openssl_point(f->dir, f->key, true, point);
    sr_openssl_key_id_hex(f->dir, point, id);
    memcpy(file, "SOSG\x01\x01\x00\x00", 8);
    for (int i = 0; i < 8; i++) {
        unsigned byte;
        sscanf(id + 2 * i, "%2x", &byte);
        file[8 + i] = (uint8_t)byte;
    }
    memcpy(file + 16, sig, sizeof sig);
    tt_write_file(f->sig, file, sizeof file);
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.out, "Manifest signature: valid, key ");
    expect_in(r.err, "no Sequence");
    expect_in(r.err, "1 problem\n");
    tt_run_free(&r);

    tt_write_file(f->sig, file, 79);
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.err, "manifest.json.sig: not a manifest signature file: length: a signature file is exactly 80 bytes");
    tt_run_free(&r);
    file[5] = 2;
    tt_write_file(f->sig, file, sizeof file);
    assert_int_equal(check_signed(f, &r), 1);
    expect_in(r.err, "not a manifest signature file: algorithm: not 1 (ECDSA P-256)");
    tt_run_free(&r);

    /* without --pubkey the manifest is checked as today: no signature needed */
    const char *plain[] = { "manifest", "check", f->manifest, "--images", f->dir, NULL };
    must(0, &r, plain);
    tt_run_free(&r);
}

static void test_check_reports_an_expired_manifest(void **state)
{
    struct fixture *f = *state;
    const char *json = "{\"Expires\": \"1971-01-01T00:00:00+01:00\", \"ota\": []}";
    tt_write_file(f->manifest, json, strlen(json));
    tt_run_t r;
    const char *args[] = { "manifest", "check", f->manifest, NULL };
    must(1, &r, args);
    expect_in(r.err, "Expires 1970-12-31T23:00:00Z is past: devices refuse the manifest");
    tt_run_free(&r);
}

static void test_sign_refuses_what_devices_would_refuse_and_leaves_the_files_alone(void **state)
{
    struct fixture *f = *state;
    make_keys(f);
    tt_run_t r;
    const char *missing[] = { "manifest", "sign", f->manifest, "--key", f->key, NULL };
    must(1, &r, missing);
    expect_in(r.err, "manifest.json: no such file");
    tt_run_free(&r);
    add_signed(f, "3", "app_v3.bin", "firmware v3\n");
    char *before = tt_read_file(f->manifest, NULL);
    const char *past[] = {
        "manifest", "sign", f->manifest, "--key", f->key, "--expires", "1999-12-31T23:59:59Z", NULL
    };
    must(1, &r, past);
    expect_in(r.err, "--expires 1999-12-31T23:59:59Z is already past");
    tt_run_free(&r);
    const char *bad_time[] = { "manifest", "sign", f->manifest, "--key", f->key, "--expires", "2030-02-30T00:00:00Z",
                               NULL };
    must(2, &r, bad_time);
    expect_in(r.err, "not an RFC 3339 date-time");
    tt_run_free(&r);
    const char *long_id[] = {
        "manifest", "sign", f->manifest, "--key", f->key, "--hardware-id", "0123456789abcdef0123456789abcdef0", NULL
    };
    must(2, &r, long_id);
    expect_in(r.err, "devices take 1 to 32 bytes");
    tt_run_free(&r);
    const char *pub[] = { "manifest", "sign", f->manifest, "--key", f->pub, NULL };
    must(1, &r, pub);
    expect_in(r.err, "a private key, as `sysota key gen` writes, is needed");
    tt_run_free(&r);
    char *expired = tt_path(f->dir, "expired.json");
    const char *old_json = "{\"Expires\": \"2000-01-01T00:00:00Z\", \"ota\": []}";
    tt_write_file(expired, old_json, strlen(old_json));
    const char *stale[] = { "manifest", "sign", expired, "--key", f->key, NULL };
    must(1, &r, stale);
    expect_in(r.err, "the manifest's Expires 2000-01-01T00:00:00Z is past: give a new --expires");
    tt_run_free(&r);
    free(expired);
    const char *no_key[] = { "manifest", "sign", f->manifest, NULL };
    must(2, &r, no_key);
    tt_run_free(&r);
    const char *three[] = { "manifest", "check", f->manifest, "--pubkey", f->pub,
                            "--pubkey", f->pub,  "--pubkey",  f->pub,     NULL };
    must(2, &r, three);
    expect_in(r.err, "--pubkey at most 2 times");
    tt_run_free(&r);
    char *after = tt_read_file(f->manifest, NULL);
    assert_string_equal(before, after);
    assert_null(tt_read_file(f->sig, NULL));
    free(before);
    free(after);
}

/* ---- Patch records (--patch-from) ------------------------------------------ */

/* app_v1.bin (20000 bytes) and app_v2.bin: v1 with 500 bytes changed at 8000. */
static void write_two_versions(struct fixture *f, char **v1, char **v2, uint8_t **v2_data)
{
    static uint8_t a[20000], b[20000];
    uint64_t rng = 99;
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] = b[i] = (uint8_t)tt_rand(&rng);
    }
    for (size_t i = 8000; i < 8500; i++) {
        b[i] = (uint8_t)tt_rand(&rng);
    }
    *v1 = tt_path(f->dir, "app_v1.bin");
    *v2 = tt_path(f->dir, "app_v2.bin");
    tt_write_file(*v1, a, sizeof a);
    tt_write_file(*v2, b, sizeof b);
    if (v2_data != NULL) {
        *v2_data = b;
    }
}

static void add_v1(struct fixture *f, const char *v1)
{
    tt_run_t r;
    const char *args[] = { "manifest", "add",   f->manifest,           "--image", v1, "--version",
                           "1",        "--url", "http://h/app_v1.bin", NULL };
    assert_int_equal(run(&r, args), 0);
    tt_run_free(&r);
}

static void test_add_patch_from_makes_a_vcdiff_patch_and_records_every_digest(void **state)
{
    struct fixture *f = *state;
    char *v1, *v2;
    uint8_t *v2_data;
    write_two_versions(f, &v1, &v2, &v2_data);
    add_v1(f, v1);
    tt_run_t r;
    const char *args[] = { "manifest",
                           "add",
                           f->manifest,
                           "--image",
                           v2,
                           "--version",
                           "2",
                           "--url",
                           "http://h/app_v2.bin",
                           "--patch-from",
                           v1,
                           "--patch-url",
                           "http://h/v1_to_v2.vcdiff",
                           NULL };
    assert_int_equal(run(&r, args), 0);
    expect_in(r.out, "Patch: from version 1 (vcdiff), ");
    tt_run_free(&r);

    /* the patch beside the image, under PatchURL's name, decoded by xdelta3 itself */
    char *patch = tt_path(f->dir, "v1_to_v2.vcdiff");
    char *out = tt_path(f->dir, "rebuilt.bin");
    const char *xd[] = { "xdelta3", "-d", "-f", "-s", v1, patch, out, NULL };
    assert_int_equal(tt_run(&r, xd), 0);
    tt_run_free(&r);
    size_t n = 0, patch_len = 0;
    char *rebuilt = tt_read_file(out, &n);
    assert_int_equal(n, 20000);
    assert_memory_equal(rebuilt, v2_data, n);
    free(rebuilt);
    free(tt_read_file(patch, &patch_len));
    assert_true(patch_len < 2000);

    char d1[65], d2[65], dp[65], want[2048];
    tt_sha256sum(v1, d1);
    tt_sha256sum(v2, d2);
    tt_sha256sum(patch, dp);
    snprintf(want, sizeof want,
             "    { \"Version\": 2, \"URL\": \"http://h/app_v2.bin\", \"Digest\": \"%s\", \"Size\": 20000, "
             "\"EraseVer\": false, \"Patch\": [ { \"BaseVersion\": 1, \"BaseVerDigest\": \"%s\", "
             "\"PatchURL\": \"http://h/v1_to_v2.vcdiff\", \"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\", "
             "\"Format\": \"vcdiff\", \"PatchSize\": %zu } ] }\n",
             d2, d1, dp, d2, patch_len);
    char *text = tt_read_file(f->manifest, NULL);
    expect_in(text, want);
    free(text);

    const char *check[] = { "manifest", "check", f->manifest, "--images", f->dir, NULL };
    assert_int_equal(run(&r, check), 0);
    tt_run_free(&r);
    /* a patch file changed after the fact is caught */
    tt_write_file(patch, "not the patch", 13);
    assert_int_equal(run(&r, check), 1);
    expect_in(r.err, "PatchDigest");
    expect_in(r.err, "PatchSize");
    tt_run_free(&r);
    free(patch);
    free(out);
    free(v1);
    free(v2);
}

/* A JojoDiff patch from jdiff is taken as it is: format from its bytes, no
 * Format key (the original's default), the base version as given. */
static void test_add_patch_takes_a_jojodiff_patch_file(void **state)
{
    struct fixture *f = *state;
    char *v1, *v2;
    uint8_t *v2_data;
    write_two_versions(f, &v1, &v2, &v2_data);
    /* EQL 8000, INS the 500 new bytes, DEL 500, EQL the last 11500 */
    uint8_t jojo[600];
    size_t n = 0;
    memcpy(jojo + n, "\xA7\xA3\xFD\x1F\x40\xA7\xA5", 7);
    n += 7;
    for (size_t i = 8000; i < 8500; i++) {
        if (v2_data[i] == 0xA7) {
            jojo[n++] = 0xA7; /* an A7 in data is written twice */
        }
        jojo[n++] = v2_data[i];
    }
    memcpy(jojo + n, "\xA7\xA4\xFD\x01\xF4\xA7\xA3\xFD\x2C\xEC", 10);
    n += 10;
    char *patch = tt_path(f->dir, "v1_v2.jdiff");
    tt_write_file(patch, jojo, n);
    tt_run_t r;
    const char *args[] = { "manifest",
                           "add",
                           f->manifest,
                           "--image",
                           v2,
                           "--version",
                           "2",
                           "--url",
                           "http://h/app_v2.bin",
                           "--patch-from",
                           v1,
                           "--patch-url",
                           "http://h/v1_v2.jdiff",
                           "--patch",
                           patch,
                           "--base-version",
                           "1",
                           NULL };
    assert_int_equal(run(&r, args), 0);
    expect_in(r.out, "Patch: from version 1 (jojodiff), ");
    tt_run_free(&r);
    char dp[65], want[256];
    tt_sha256sum(patch, dp);
    snprintf(want, sizeof want, "\"PatchDigest\": \"%s\"", dp);
    char *text = tt_read_file(f->manifest, NULL);
    expect_in(text, want);
    snprintf(want, sizeof want, "\", \"PatchSize\": %zu } ] }", n);
    expect_in(text, want);
    assert_null(strstr(text, "Format"));
    free(text);
    free(patch);
    free(v1);
    free(v2);
}

static void test_add_keeps_the_patch_records_of_other_entries(void **state)
{
    struct fixture *f = *state;
    char *v1, *v2;
    write_two_versions(f, &v1, &v2, NULL);
    add_v1(f, v1);
    tt_run_t r;
    const char *v2args[] = { "manifest",
                             "add",
                             f->manifest,
                             "--image",
                             v2,
                             "--version",
                             "2",
                             "--url",
                             "http://h/app_v2.bin",
                             "--patch-from",
                             v1,
                             "--patch-url",
                             "http://h/p12.vcdiff",
                             NULL };
    assert_int_equal(run(&r, v2args), 0);
    tt_run_free(&r);
    char *before = tt_read_file(f->manifest, NULL);
    const char *v3args[] = { "manifest", "add",   f->manifest,           "--image", f->image, "--version",
                             "3",        "--url", "http://h/app_v3.bin", NULL };
    assert_int_equal(run(&r, v3args), 0);
    tt_run_free(&r);
    char *after = tt_read_file(f->manifest, NULL);
    const char *v2line = strstr(before, "    { \"Version\": 2");
    assert_non_null(v2line);
    size_t len = (size_t)(strchr(v2line, '\n') - v2line);
    assert_non_null(strstr(after, "\"Patch\": ["));
    assert_int_equal(strncmp(strstr(after, "    { \"Version\": 2"), v2line, len), 0);
    free(before);
    free(after);
    free(v1);
    free(v2);
}

static void test_add_patch_refuses_what_would_not_rebuild_the_image(void **state)
{
    struct fixture *f = *state;
    char *v1, *v2;
    write_two_versions(f, &v1, &v2, NULL);
    add_v1(f, v1);
    char *before = tt_read_file(f->manifest, NULL);
    char *patch = tt_path(f->dir, "wrong.jdiff");
    tt_write_file(patch, "\xA7\xA3\x09", 3); /* EQL 10: ten bytes, not app_v2.bin */
    tt_run_t r;

    const char *wrong[] = { "manifest",
                            "add",
                            f->manifest,
                            "--image",
                            v2,
                            "--version",
                            "2",
                            "--url",
                            "http://h/app_v2.bin",
                            "--patch-from",
                            v1,
                            "--patch-url",
                            "http://h/wrong.jdiff",
                            "--patch",
                            patch,
                            NULL };
    assert_int_equal(run(&r, wrong), 1);
    expect_in(r.err, "does not rebuild the image");
    tt_run_free(&r);

    const char *jojo[] = { "manifest",
                           "add",
                           f->manifest,
                           "--image",
                           v2,
                           "--version",
                           "2",
                           "--url",
                           "http://h/app_v2.bin",
                           "--patch-from",
                           v1,
                           "--patch-url",
                           "http://h/p.jdiff",
                           "--format",
                           "jojodiff",
                           NULL };
    assert_int_equal(run(&r, jojo), 2);
    expect_in(r.err, "jdiff 0.8.5");
    tt_run_free(&r);

    /* a base the manifest does not know, without --base-version */
    const char *unknown[] = { "manifest",
                              "add",
                              f->manifest,
                              "--image",
                              v2,
                              "--version",
                              "2",
                              "--url",
                              "http://h/app_v2.bin",
                              "--patch-from",
                              f->image,
                              "--patch-url",
                              "http://h/p.vcdiff",
                              NULL };
    assert_int_equal(run(&r, unknown), 1);
    expect_in(r.err, "--base-version");
    tt_run_free(&r);

    const char *lone[] = { "manifest",
                           "add",
                           f->manifest,
                           "--image",
                           v2,
                           "--version",
                           "2",
                           "--url",
                           "http://h/app_v2.bin",
                           "--patch-url",
                           "http://h/p.vcdiff",
                           NULL };
    assert_int_equal(run(&r, lone), 2);
    tt_run_free(&r);
    const char *bad_url[] = {
        "manifest",     "add", f->manifest,   "--image",          v2,  "--version", "2", "--url", "http://h/app_v2.bin",
        "--patch-from", v1,    "--patch-url", "ftp://h/p.vcdiff", NULL
    };
    assert_int_equal(run(&r, bad_url), 1);
    expect_in(r.err, "--patch-url");
    tt_run_free(&r);

    char *after = tt_read_file(f->manifest, NULL);
    assert_string_equal(after, before);
    free(before);
    free(after);
    free(patch);
    free(v1);
    free(v2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_creates_the_manifest_with_the_sha256_of_the_image),
        T(test_add_replaces_the_entry_of_its_version_and_keeps_the_others),
        T(test_add_refuses_a_manifest_with_entries_devices_reject_and_leaves_it_alone),
        T(test_add_refuses_urls_and_versions_devices_refuse),
        T(test_add_stops_at_the_devices_entry_limit_and_leaves_no_temporary_file),
        T(test_check_accepts_the_seed_sample_manifest),
        T(test_check_lists_every_problem_with_its_entry_index),
        T(test_check_with_images_compares_each_digest_with_the_local_file),
        T(test_check_refuses_documents_devices_cannot_read),
        T(test_manifest_usage_errors_exit_2_and_help_exits_0),
        T(test_add_sign_image_writes_size_floor_golden_and_a_signature_openssl_verifies),
        T(test_add_refuses_signing_options_that_make_no_sense),
        T(test_sign_sets_the_next_sequence_and_a_sig_file_openssl_verifies),
        T(test_check_with_the_key_passes_a_signed_manifest),
        T(test_check_fails_for_a_manifest_changed_by_one_byte_after_signing),
        T(test_check_fails_for_a_sig_by_a_key_not_given),
        T(test_check_fails_for_a_sig_made_for_another_manifest),
        T(test_check_fails_for_an_entry_without_signature),
        T(test_check_fails_for_an_entry_signature_over_another_image),
        T(test_check_fails_for_a_size_that_is_not_the_images),
        T(test_check_fails_without_a_sig_file_or_a_sequence_and_for_a_malformed_sig),
        T(test_check_reports_an_expired_manifest),
        T(test_sign_refuses_what_devices_would_refuse_and_leaves_the_files_alone),
        T(test_add_patch_from_makes_a_vcdiff_patch_and_records_every_digest),
        T(test_add_patch_takes_a_jojodiff_patch_file),
        T(test_add_keeps_the_patch_records_of_other_entries),
        T(test_add_patch_refuses_what_would_not_rebuild_the_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
