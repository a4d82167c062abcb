/*
 * `sysota hex2bin` and `sysota merge` on real firmware: every *.hex in
 * SYSOTA_REALWORLD_HEX_DIR (build outputs of public projects for PIC32MZ W1,
 * AVR, nRF52 and STM32H7, kept outside the repository) converts to the same
 * bytes as srec_cat's over the same window. The windows come from each
 * file's own address ranges, which srec_info reports, so a new file in the
 * folder is checked without a table entry.
 *
 * Without the folder the test reports itself skipped (exit 77).
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
#include <strings.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tool_test_util.h"

#define SKIP_STATUS 77
/* Ranges closer than this belong to one memory and share a window. */
#define CLUSTER_GAP ((uint64_t)1 << 20)
/* hex2bin refuses a default window larger than this (cmd_hex2bin.c). */
#define DEFAULT_WINDOW_MAX ((uint64_t)64 << 20)
#define MAX_RANGES 256
#define MAX_FILES 64

static const char *hex_dir = SYSOTA_REALWORLD_HEX_DIR;

typedef struct range {
    uint64_t lo, end; /* [lo, end) */
} range_t;

typedef struct ranges {
    range_t r[MAX_RANGES];
    size_t n;
} ranges_t;

static bool has_hex_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".hex") == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.hex files of the folder, sorted; a NULL-terminated array. */
static char **hex_files(void)
{
    char **list = calloc(MAX_FILES + 1, sizeof *list);
    assert_non_null(list);
    DIR *d = opendir(hex_dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (has_hex_suffix(e->d_name)) {
            assert_true(n < MAX_FILES);
            list[n++] = tt_path(hex_dir, e->d_name);
        }
    }
    closedir(d);
    qsort(list, n, sizeof *list, by_name);
    assert_true(n > 0);
    return list;
}

static void free_list(char **list)
{
    for (char **p = list; *p != NULL; p++) {
        free(*p);
    }
    free(list);
}

/* The file's data ranges as srec_info reports them ("Data:   1000 - 1FFF"). */
static void ranges_of(const char *path, ranges_t *out)
{
    tt_run_t r;
    const char *argv[] = { "srec_info", path, "-Intel", NULL };
    if (tt_run(&r, argv) != 0) {
        fail_msg("srec_info %s: %s", path, r.err);
    }
    out->n = 0;
    const char *p = strstr(r.out, "Data:");
    assert_non_null(p);
    p += 5;
    for (;;) {
        unsigned long long lo, hi;
        int used = 0;
        if (sscanf(p, " %llx - %llx%n", &lo, &hi, &used) != 2) {
            break;
        }
        assert_true(out->n < MAX_RANGES);
        out->r[out->n].lo = lo;
        out->r[out->n].end = hi + 1;
        out->n++;
        p += used;
    }
    assert_true(out->n > 0);
    tt_run_free(&r);
}

/* Ranges less than CLUSTER_GAP apart joined: one window per memory. */
static void clusters_of(const ranges_t *in, ranges_t *out)
{
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (out->n > 0 && in->r[i].lo - out->r[out->n - 1].end < CLUSTER_GAP) {
            out->r[out->n - 1].end = in->r[i].end;
        } else {
            out->r[out->n++] = in->r[i];
        }
    }
}

/* One past the last byte the file holds inside [lo, end); 0 when none. */
static uint64_t last_in(const ranges_t *rs, uint64_t lo, uint64_t end)
{
    uint64_t last = 0;
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->r[i].lo < end && rs->r[i].end > lo) {
            last = rs->r[i].end < end ? rs->r[i].end : end;
        }
    }
    return last;
}

static char *hexnum(uint64_t v)
{
    char *s = malloc(24);
    assert_non_null(s);
    snprintf(s, 24, "0x%llX", (unsigned long long)v);
    return s;
}

/*
 * hex2bin over [lo, end) (the default window when lo and end are both 0,
 * then [first, last byte]) against srec_cat over the same window with the
 * same 0xFF fill, up to the last byte present or to end with --pad.
 */
static void compare_window(const char *path, const ranges_t *rs, uint64_t lo, uint64_t end, bool pad)
{
    bool whole = lo == 0 && end == 0;
    if (whole) {
        lo = rs->r[0].lo;
        end = rs->r[rs->n - 1].end;
    }
    char *dir = tt_tempdir();
    char *out = tt_path(dir, "ours.bin"), *ref = tt_path(dir, "ref.bin");
    char *lo_s = hexnum(lo), *size_s = hexnum(end - lo), *end_s = hexnum(end);
    uint64_t fill_end = pad ? end : last_in(rs, lo, end);
    assert_true(fill_end > lo);
    char *fill_s = hexnum(fill_end), *off_s = malloc(32);
    assert_non_null(off_s);
    snprintf(off_s, 32, "-0x%llX", (unsigned long long)lo);

    const char *args[10] = { "hex2bin", path, "-o", out };
    size_t n = 4;
    if (!whole) {
        args[n++] = "--start";
        args[n++] = lo_s;
        args[n++] = "--size";
        args[n++] = size_s;
    }
    if (pad) {
        args[n++] = "--pad";
    }
    args[n] = NULL;
    tt_run_t r;
    if (tt_run_sysota(&r, args) != 0) {
        fail_msg("hex2bin %s over 0x%llX-0x%llX failed (%d): %s", path, (unsigned long long)lo, (unsigned long long)end,
                 r.status, r.err);
    }
    tt_run_free(&r);
    const char *ref_argv[] = { "srec_cat", path,   "-Intel",  "-crop", lo_s, end_s, "-fill",   "0xFF",
                               lo_s,       fill_s, "-offset", off_s,   "-o", ref,   "-Binary", NULL };
    if (tt_run(&r, ref_argv) != 0) {
        fail_msg("srec_cat %s: %s", path, r.err);
    }
    tt_run_free(&r);

    size_t got_len = 0, want_len = 0;
    char *got = tt_read_file(out, &got_len);
    char *want = tt_read_file(ref, &want_len);
    assert_non_null(got);
    assert_non_null(want);
    if (got_len != want_len || memcmp(got, want, want_len) != 0) {
        size_t at = 0;
        while (at < got_len && at < want_len && got[at] == want[at]) {
            at++;
        }
        fail_msg("%s over 0x%llX-0x%llX%s: %zu bytes, srec_cat %zu; first difference at 0x%llX", path,
                 (unsigned long long)lo, (unsigned long long)end, pad ? " --pad" : "", got_len, want_len,
                 (unsigned long long)(lo + at));
    }
    free(got);
    free(want);
    free(lo_s);
    free(size_s);
    free(end_s);
    free(fill_s);
    free(off_s);
    free(out);
    free(ref);
    tt_rmdir(dir);
    free(dir);
}

/* A file spanning more than the default limit is refused without a window. */
static void expect_default_refused(const char *path)
{
    char *dir = tt_tempdir();
    char *out = tt_path(dir, "ours.bin");
    const char *args[] = { "hex2bin", path, "-o", out, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 1);
    assert_non_null(strstr(r.err, "give --start and --size"));
    assert_null(tt_read_file(out, NULL));
    tt_run_free(&r);
    free(out);
    tt_rmdir(dir);
    free(dir);
}

static void test_every_real_file_converts_as_srec_cat_does_over_windows_from_its_own_ranges(void **state)
{
    (void)state;
    char **files = hex_files();
    for (char **f = files; *f != NULL; f++) {
        ranges_t rs, cl;
        ranges_of(*f, &rs);
        clusters_of(&rs, &cl);
        print_message("%s: %zu ranges in %zu window%s\n", *f, rs.n, cl.n, cl.n == 1 ? "" : "s");
        if (rs.r[rs.n - 1].end - rs.r[0].lo > DEFAULT_WINDOW_MAX) {
            expect_default_refused(*f);
        } else {
            compare_window(*f, &rs, 0, 0, false);
        }
        for (size_t c = 0; c < cl.n; c++) {
            uint64_t lo = cl.r[c].lo, end = cl.r[c].end, third = (end - lo) / 3;
            /* The memory exactly; on 4 KiB page bounds, padded; and cut
             * inside the data, through records that straddle the edges. */
            compare_window(*f, &rs, lo, end, false);
            uint64_t page_end = (end + 0xFFF) & ~(uint64_t)0xFFF;
            compare_window(*f, &rs, lo & ~(uint64_t)0xFFF, page_end > 0xFFFFFFFFull ? end : page_end, true);
            uint64_t a = lo + third, b = end - third;
            if (b > a && last_in(&rs, a, b) > a) {
                compare_window(*f, &rs, a, b, false);
            }
            if (b > a + 4 && last_in(&rs, a + 1, b - 3) > a + 1) {
                compare_window(*f, &rs, a + 1, b - 3, true);
            }
        }
    }
    free_list(files);
}

/* ---- merge ---- */

static char *real(const char *name)
{
    char *p = tt_path(hex_dir, name);
    struct stat st;
    if (stat(p, &st) != 0) {
        fail_msg("%s is missing from %s", name, hex_dir);
    }
    return p;
}

/* srec_cat's rendering of a HEX file: equal text means equal content. */
static char *normalise(const char *path)
{
    tt_run_t r;
    const char *argv[] = { "srec_cat", path, "-Intel", "-o", "-", "-Intel", NULL };
    if (tt_run(&r, argv) != 0) {
        fail_msg("srec_cat %s: %s", path, r.err);
    }
    free(r.err);
    return r.out;
}

/* merge a + b, and the same union made by srec_cat, describe the same bytes. */
static void merge_like_srec_cat(const char *a_name, const char *b_name)
{
    char *a = real(a_name), *b = real(b_name);
    char *dir = tt_tempdir();
    char *ours = tt_path(dir, "merged.hex"), *ref = tt_path(dir, "ref.hex");
    const char *args[] = { "merge", "-o", ours, a, b, NULL };
    tt_run_t r;
    if (tt_run_sysota(&r, args) != 0) {
        fail_msg("merge %s %s failed (%d): %s", a_name, b_name, r.status, r.err);
    }
    tt_run_free(&r);
    /* srec_cat warns about the bytes both files hold ("redundant"), and
     * takes the union all the same. */
    const char *ref_argv[] = { "srec_cat", a, "-Intel", b, "-Intel", "-o", ref, "-Intel", NULL };
    if (tt_run(&r, ref_argv) != 0) {
        fail_msg("srec_cat union of %s and %s: %s", a_name, b_name, r.err);
    }
    tt_run_free(&r);
    char *x = normalise(ours), *y = normalise(ref);
    assert_string_equal(x, y);
    free(x);
    free(y);
    free(a);
    free(b);
    free(ours);
    free(ref);
    tt_rmdir(dir);
    free(dir);
}

static void test_merge_of_the_nrf52_mbr_and_softdevice_is_srec_cats_union(void **state)
{
    (void)state;
    /* The softdevice file holds the MBR too, byte for byte. */
    merge_like_srec_cat("mbr_nrf52_2.4.1_mbr.hex", "s140_nrf52_7.2.0_softdevice.hex");
    merge_like_srec_cat("mbr_nrf52_2.4.1_mbr.hex", "s140_nrf52_7.3.0_softdevice.hex");
    /* A board's factory file: softdevice + bootloader + UICR, 256 MiB apart. */
    merge_like_srec_cat("s140_nrf52_7.2.0_softdevice.hex",
                        "pca10100_bootloader-0.6.2-16-gb3ed95f-dirty_s140_7.2.0.hex");
}

static void test_merge_of_two_softdevice_releases_is_a_data_conflict(void **state)
{
    (void)state;
    char *a = real("s140_nrf52_7.2.0_softdevice.hex"), *b = real("s140_nrf52_7.3.0_softdevice.hex");
    char *dir = tt_tempdir();
    char *out = tt_path(dir, "merged.hex");
    const char *args[] = { "merge", "-o", out, a, b, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 1);
    /* Both start with the same MBR; the softdevices differ from their first byte. */
    if (strstr(r.err, "data conflict at 0x00001000-") == NULL || strstr(r.err, "s140_nrf52_7.3.0") == NULL) {
        fail_msg("unexpected message: %s", r.err);
    }
    assert_null(tt_read_file(out, NULL));
    tt_run_free(&r);
    free(a);
    free(b);
    free(out);
    tt_rmdir(dir);
    free(dir);
}

int main(void)
{
    struct stat st;
    if (stat(hex_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: no folder of real HEX files at %s (set the CMake cache variable SYSOTA_REALWORLD_HEX_DIR)\n",
               hex_dir);
        return SKIP_STATUS;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_real_file_converts_as_srec_cat_does_over_windows_from_its_own_ranges),
        cmocka_unit_test(test_merge_of_the_nrf52_mbr_and_softdevice_is_srec_cats_union),
        cmocka_unit_test(test_merge_of_two_softdevice_releases_is_a_data_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
