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

#include "tool_test_util.h"

struct fixture {
    char *dir;
    char *manifest;
    char *image;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->manifest = tt_path(f->dir, "manifest.json");
    f->image = tt_path(f->dir, "app_v3.bin");
    tt_write_file(f->image, "firmware v3\n", 12);
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
    free(f);
    return 0;
}

static void sha256sum_of(const char *path, char hex[65])
{
    tt_run_t r;
    const char *argv[] = { "sha256sum", path, NULL };
    assert_int_equal(tt_run(&r, argv), 0);
    memcpy(hex, r.out, 64);
    hex[64] = '\0';
    tt_run_free(&r);
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
    const char *args[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                           "--url", "http://192.168.43.173:8000/app_v3.bin", NULL };
    assert_int_equal(run(&r, args), 0);
    char digest[65];
    sha256sum_of(f->image, digest);
    char want[1024];
    snprintf(want, sizeof want,
             "{\n  \"ota\": [\n    { \"Version\": 3, \"URL\": \"http://192.168.43.173:8000/app_v3.bin\", "
             "\"Digest\": \"%s\", \"EraseVer\": false }\n  ]\n}\n",
             digest);
    char *text = tt_read_file(f->manifest, NULL);
    assert_string_equal(text, want);
    char line[100];
    snprintf(line, sizeof line, "Digest: %s\n", digest);
    expect_in(r.out, line);
    expect_in(r.out, "Added version 3");
    free(text);
    tt_run_free(&r);
}

static void test_add_replaces_the_entry_of_its_version_and_keeps_the_others(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *v3[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                         "--url", "http://h/app_v3.bin", NULL };
    const char *v2[] = { "manifest", "add", f->manifest, "--version", "2", "--erase", NULL };
    assert_int_equal(run(&r, v3), 0);
    tt_run_free(&r);
    assert_int_equal(run(&r, v2), 0);
    expect_in(r.out, "Added version 2 (erase request)");
    tt_run_free(&r);
    tt_write_file(f->image, "firmware v3, rebuilt\n", 21);
    const char *v3b[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                          "--url", "https://h/app_v3.bin", NULL };
    assert_int_equal(run(&r, v3b), 0);
    expect_in(r.out, "Replaced version 3");
    expect_in(r.out, "(2 entries,");
    tt_run_free(&r);
    char digest[65];
    sha256sum_of(f->image, digest);
    char want[1024];
    snprintf(want, sizeof want,
             "{\n  \"ota\": [\n    { \"Version\": 3, \"URL\": \"https://h/app_v3.bin\", \"Digest\": \"%s\", "
             "\"EraseVer\": false },\n    { \"Version\": 2, \"EraseVer\": true }\n  ]\n}\n",
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
    const char *args[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                           "--url", "http://h/app_v3.bin", NULL };
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
    const char *golden[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                             "--url", "http://h/factory.bin", NULL };
    assert_int_equal(run(&r, golden), 1);
    expect_in(r.err, "devices would refuse it");
    tt_run_free(&r);
    const char *ftp[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                          "--url", "ftp://h/app_v3.bin", NULL };
    assert_int_equal(run(&r, ftp), 1);
    expect_in(r.err, "OTA_ERR_URL");
    tt_run_free(&r);
    const char *zero[] = { "manifest", "add", f->manifest, "--version", "0", "--erase", NULL };
    assert_int_equal(run(&r, zero), 2);
    expect_in(r.err, "not a version in 1..4294967295");
    tt_run_free(&r);
    const char *missing[] = { "manifest", "add", f->manifest, "--image", "/nonexistent/a.bin", "--version", "3",
                              "--url", "http://h/a.bin", NULL };
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
    for (int v = 1; v <= 17; v++) {
        char version[16];
        snprintf(version, sizeof version, "%d", v);
        const char *args[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", version,
                               "--url", "http://h/app_v3.bin", NULL };
        int status = run(&r, args);
        if (v <= 16) {
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
    const char *seed = "    {\n    \n    \"ota\": [\n"
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
    const char *add[] = { "manifest", "add", f->manifest, "--image", f->image, "--version", "3",
                          "--url", "http://h:8000/fw/app_v3.bin?token=1", NULL };
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
    expect_in(r.out, "usage: sysota manifest add MANIFEST.json --image FILE --version N --url URL [--erase]");
    tt_run_free(&r);
    const char *add_help[] = { "manifest", "add", "--help", NULL };
    assert_int_equal(run(&r, add_help), 0);
    tt_run_free(&r);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
