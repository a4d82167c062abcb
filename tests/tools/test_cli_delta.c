/*
 * `sysota delta make|apply`, run as a program. What `make` writes is
 * decoded by xdelta3 itself (`xdelta3 -d`), the independent reference, and
 * what `apply` writes is compared with the image it must be; the digests
 * printed are checked against sha256sum.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tool_test_util.h"

struct fixture {
    char *dir;
    char *old, *new, *patch, *out;
    uint8_t *old_data, *new_data;
    size_t old_len, new_len;
};

/* A 64 KiB "firmware" and a next version: a few bytes changed, a block
 * inserted, a tail appended. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    uint64_t rng = 20260101;
    f->dir = tt_tempdir();
    f->old = tt_path(f->dir, "app_v1.bin");
    f->new = tt_path(f->dir, "app_v2.bin");
    f->patch = tt_path(f->dir, "app_v1_to_v2.vcdiff");
    f->out = tt_path(f->dir, "rebuilt.bin");
    f->old_len = 65536;
    f->old_data = malloc(f->old_len);
    for (size_t i = 0; i < f->old_len; i++) {
        f->old_data[i] = (uint8_t)tt_rand(&rng);
    }
    f->new_len = f->old_len + 3000;
    f->new_data = malloc(f->new_len);
    memcpy(f->new_data, f->old_data, 20000);
    for (size_t i = 20000; i < 21000; i++) {
        f->new_data[i] = (uint8_t)tt_rand(&rng);
    }
    memcpy(f->new_data + 21000, f->old_data + 20000, f->old_len - 20000);
    for (size_t i = f->old_len + 1000; i < f->new_len; i++) {
        f->new_data[i] = (uint8_t)tt_rand(&rng);
    }
    for (int k = 0; k < 10; k++) {
        f->new_data[tt_rand_range(&rng, 0, f->new_len - 1)] ^= 0x5A;
    }
    tt_write_file(f->old, f->old_data, f->old_len);
    tt_write_file(f->new, f->new_data, f->new_len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tt_rmdir(f->dir);
    free(f->dir);
    free(f->old);
    free(f->new);
    free(f->patch);
    free(f->out);
    free(f->old_data);
    free(f->new_data);
    free(f);
    return 0;
}

static void expect_in(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("expected '%s' in: %s", needle, haystack);
    }
}

static void expect_file(const char *path, const void *data, size_t len)
{
    size_t n = 0;
    char *got = tt_read_file(path, &n);
    assert_non_null(got);
    assert_int_equal(n, len);
    assert_memory_equal(got, data, len);
    free(got);
}

/* "LABEL: <hex>" in text must be sha256sum's digest of path. */
static void expect_digest(const char *text, const char *label, const char *path)
{
    char hex[65], want[128];
    tt_sha256sum(path, hex);
    snprintf(want, sizeof want, "%s: %s\n", label, hex);
    expect_in(text, want);
}

static void test_make_writes_a_vcdiff_patch_that_xdelta3_decodes(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *args[] = { "delta", "make", f->old, f->new, "-o", f->patch, NULL };
    assert_int_equal(tt_run_sysota(&r, args), 0);
    expect_in(r.out, "Format: vcdiff (xdelta3 -e -9 -S none)\n");
    expect_digest(r.out, "BaseVerDigest", f->old);
    expect_digest(r.out, "PatchDigest", f->patch);
    expect_digest(r.out, "TargetDigest", f->new);
    tt_run_free(&r);

    size_t n = 0;
    char *patch = tt_read_file(f->patch, &n);
    assert_non_null(patch);
    assert_memory_equal(patch, "\xD6\xC3\xC4\x00", 4);
    assert_true(n < f->new_len / 4); /* a small edit makes a small patch */
    free(patch);

    const char *xd[] = { "xdelta3", "-d", "-f", "-s", f->old, f->patch, f->out, NULL };
    assert_int_equal(tt_run(&r, xd), 0);
    tt_run_free(&r);
    expect_file(f->out, f->new_data, f->new_len);
}

static void test_apply_rebuilds_the_image_from_a_patch_made_by_make(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *make[] = { "delta", "make", f->old, f->new, "-o", f->patch, NULL };
    assert_int_equal(tt_run_sysota(&r, make), 0);
    tt_run_free(&r);
    const char *apply[] = { "delta", "apply", f->old, f->patch, "-o", f->out, NULL };
    assert_int_equal(tt_run_sysota(&r, apply), 0);
    expect_in(r.out, "Format: vcdiff (from the patch's first bytes)\n");
    char size[64];
    snprintf(size, sizeof size, "Size: %zu bytes\n", f->new_len);
    expect_in(r.out, size);
    expect_digest(r.out, "Digest", f->new);
    tt_run_free(&r);
    expect_file(f->out, f->new_data, f->new_len);
}

/* A hand-made JojoDiff patch (no packaged encoder makes one): EQL 20000,
 * INS "new", then the rest of the base by EQL; the format comes from the
 * patch itself, or from --format. */
static void test_apply_reads_jojodiff(void **state)
{
    struct fixture *f = *state;
    static const uint8_t patch[] = {
        0xA7, 0xA3, 253, 0x4E, 0x20, 0xA7, 0xA5, 'n', 'e', 'w', 0xA7, 0xA3, 253, 0xB1, 0xE0
    };
    uint8_t *want = malloc(f->old_len + 3);
    memcpy(want, f->old_data, 20000);
    memcpy(want + 20000, "new", 3);
    memcpy(want + 20003, f->old_data + 20000, f->old_len - 20000);
    tt_write_file(f->patch, patch, sizeof patch);
    for (int k = 0; k < 2; k++) {
        tt_run_t r;
        const char *apply[] = { "delta",    "apply", f->old, f->patch, "-o", f->out, k ? "--format" : NULL,
                                "jojodiff", NULL };
        assert_int_equal(tt_run_sysota(&r, apply), 0);
        expect_in(r.out, k ? "Format: jojodiff\n" : "Format: jojodiff (from the patch's first bytes)\n");
        tt_run_free(&r);
        expect_file(f->out, want, f->old_len + 3);
    }
    free(want);
}

static void test_make_refuses_jojodiff_saying_where_jdiff_is(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *args[] = { "delta", "make", f->old, f->new, "-o", f->patch, "--format", "jojodiff", NULL };
    assert_int_equal(tt_run_sysota(&r, args), 2);
    expect_in(r.err, "no JojoDiff encoder is packaged");
    expect_in(r.err, "jdiff 0.8.5");
    expect_in(r.err, "jojodiff.sourceforge.net");
    tt_run_free(&r);
    assert_null(tt_read_file(f->patch, NULL));
}

static void test_make_without_xdelta3_says_what_to_install(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *old_path = getenv("PATH");
    char *saved = old_path != NULL ? strdup(old_path) : NULL;
    setenv("PATH", f->dir, 1); /* a folder with no xdelta3 in it */
    const char *args[] = { "delta", "make", f->old, f->new, "-o", f->patch, NULL };
    int status = tt_run_sysota(&r, args);
    if (saved != NULL) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    assert_int_equal(status, 1);
    expect_in(r.err, "xdelta3 is not installed");
    tt_run_free(&r);
    assert_null(tt_read_file(f->patch, NULL));
}

static void test_apply_refuses_xdelta3s_default_secondary_compression(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *xd[] = { "xdelta3", "-e", "-f", "-s", f->old, f->new, f->patch, NULL };
    assert_int_equal(tt_run(&r, xd), 0);
    tt_run_free(&r);
    const char *apply[] = { "delta", "apply", f->old, f->patch, "-o", f->out, NULL };
    assert_int_equal(tt_run_sysota(&r, apply), 1);
    expect_in(r.err, "secondary compressor");
    expect_in(r.err, "xdelta3 -S none");
    expect_in(r.err, "OTA_ERR_NOT_SUPPORTED");
    tt_run_free(&r);
    assert_null(tt_read_file(f->out, NULL));
}

/* A patch made against another base reads past this one: refused, nothing written. */
static void test_apply_refuses_a_patch_for_another_base(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *make[] = { "delta", "make", f->old, f->new, "-o", f->patch, NULL };
    assert_int_equal(tt_run_sysota(&r, make), 0);
    tt_run_free(&r);
    char *small = tt_path(f->dir, "small.bin");
    tt_write_file(small, f->old_data, 1000);
    const char *apply[] = { "delta", "apply", small, f->patch, "-o", f->out, NULL };
    assert_int_equal(tt_run_sysota(&r, apply), 1);
    expect_in(r.err, "OTA_ERR_CORRUPT");
    tt_run_free(&r);
    assert_null(tt_read_file(f->out, NULL));
    free(small);
}

static void test_usage_errors(void **state)
{
    struct fixture *f = *state;
    const char *const cases[][9] = {
        { "delta", NULL },
        { "delta", "diff", f->old, f->new, "-o", f->out, NULL },
        { "delta", "make", f->old, "-o", f->patch, NULL },
        { "delta", "make", f->old, f->new, NULL },
        { "delta", "apply", f->old, f->patch, "-o", f->out, "--format", "bsdiff", NULL },
        { "delta", "apply", f->old, f->patch, f->new, "-o", f->out, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tt_run_t r;
        assert_int_equal(tt_run_sysota(&r, cases[i]), 2);
        tt_run_free(&r);
    }
}

/* The real pairs of the delta vectors (kept outside the repository): every
 * jdiff patch and every xdelta3 -S none patch rebuilds new.bin. */
static void test_apply_rebuilds_every_real_pair(void **state)
{
    struct fixture *f = *state;
    const char *dir = SYSOTA_DELTA_VECTORS_DIR;
    static const char *const pairs[] = { "nrf52_s140_7.2.0_to_7.3.0", "pic32mzw1_freertos_to_tls",
                                         "optiboot_328_to_644p", "syn_empty_to_1k", "syn_1k_to_empty" };
    char *manifest = tt_path(dir, "MANIFEST.tsv");
    char *m = tt_read_file(manifest, NULL);
    free(manifest);
    if (m == NULL) {
        print_message("skipped: no delta vectors at %s\n", dir);
        skip();
    }
    free(m);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char *pair = tt_path(dir, pairs[i]);
        char *old = tt_path(pair, "old.bin");
        char *want_path = tt_path(pair, "new.bin");
        size_t want_len = 0;
        char *want = tt_read_file(want_path, &want_len);
        assert_non_null(want);
        for (int k = 0; k < 2; k++) {
            char *patch = tt_path(pair, k == 0 ? "jojo.patch" : "vcdiff-nosec.vcdiff");
            tt_run_t r;
            const char *apply[] = { "delta", "apply", old, patch, "-o", f->out, NULL };
            assert_int_equal(tt_run_sysota(&r, apply), 0);
            tt_run_free(&r);
            expect_file(f->out, want, want_len);
            free(patch);
        }
        free(want);
        free(want_path);
        free(old);
        free(pair);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_make_writes_a_vcdiff_patch_that_xdelta3_decodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_rebuilds_the_image_from_a_patch_made_by_make, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_reads_jojodiff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_make_refuses_jojodiff_saying_where_jdiff_is, setup, teardown),
        cmocka_unit_test_setup_teardown(test_make_without_xdelta3_says_what_to_install, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_xdelta3s_default_secondary_compression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_a_patch_for_another_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_rebuilds_every_real_pair, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
