/*
 * `sysota hex2bin`, run as a program, checked byte for byte against srec_cat
 * on generated files, and on every kind of bad input.
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

#include "hexgen.h"
#include "tool_test_util.h"

struct window {
    bool has_start;
    uint32_t start;
    bool has_size;
    uint64_t size;
    bool pad;
};

static char *fmt(const char *f, uint64_t v)
{
    char *s = malloc(32);
    assert_non_null(s);
    snprintf(s, 32, f, (unsigned long long)v);
    return s;
}

/* Run hex2bin on hex with window w; compare with what srec_cat makes of the same file. */
static void check_against_srec_cat(const hg_image_t *img, const char *hex, size_t hexlen, const struct window *w)
{
    char *dir = tt_tempdir();
    char *in = tt_path(dir, "in.hex"), *out = tt_path(dir, "out.bin"), *ref = tt_path(dir, "ref.bin");
    tt_write_file(in, hex, hexlen);

    const char *args[12];
    size_t n = 0;
    char *start_s = fmt("0x%llX", w->start), *size_s = fmt("0x%llX", w->size);
    args[n++] = "hex2bin";
    args[n++] = in;
    args[n++] = "-o";
    args[n++] = out;
    if (w->has_start) {
        args[n++] = "--start";
        args[n++] = start_s;
    }
    if (w->has_size) {
        args[n++] = "--size";
        args[n++] = size_s;
    }
    if (w->pad) {
        args[n++] = "--pad";
    }
    args[n] = NULL;
    /* The window the tool should have used, from the generator's truth. */
    uint32_t lo;
    uint64_t hi;
    assert_true(hg_bounds(img, &lo, &hi));
    uint64_t s = w->has_start ? w->start : lo;
    uint64_t e = w->has_size ? s + w->size : (hi > s ? hi : s);
    uint64_t last = s;
    bool has_data = hg_last_in(img, s, e, &last);
    uint64_t want_len = w->pad ? e - s : last - s;

    tt_run_t r;
    int status = tt_run_sysota(&r, args);
    if (!has_data) {
        /* A window that misses every byte: an error, and no file. */
        assert_int_equal(status, 1);
        assert_non_null(strstr(r.err, "no data"));
        assert_null(tt_read_file(out, NULL));
        want_len = 0;
    } else if (status != 0) {
        fail_msg("hex2bin failed (%d): %s", r.status, r.err);
    }

    /* srec_cat: shift the window down to 0 first (its offset wraps modulo
     * 4 GiB, so data below the window lands far above it), then crop and fill. */
    char *off_s = fmt("-0x%llX", s), *crop_s = fmt("0x%llX", e - s), *fill_s = fmt("0x%llX", want_len);
    const char *ref_argv[] = { "srec_cat", in,     "-intel", "-offset", off_s, "-crop", "0",       crop_s,
                               "-fill",    "0xFF", "0",      fill_s,    "-o",  ref,     "-binary", NULL };
    tt_run_t rr;
    if (want_len > 0 && tt_run(&rr, ref_argv) != 0) {
        fail_msg("srec_cat failed: %s", rr.err);
    }
    if (want_len > 0) {
        size_t got_len = 0, ref_len = 0;
        char *got = tt_read_file(out, &got_len);
        char *want = tt_read_file(ref, &ref_len);
        assert_non_null(got);
        assert_non_null(want);
        assert_int_equal(ref_len, want_len);
        assert_int_equal(got_len, ref_len);
        assert_memory_equal(got, want, ref_len);

        /* The summary: the size and the SHA-256 of what was written. */
        char line[96];
        snprintf(line, sizeof line, "Size: %zu bytes\n", got_len);
        assert_non_null(strstr(r.out, line));
        char digest[65];
        tt_sha256sum(out, digest); /* a reference independent of libcrypto's use in tools/lib */
        snprintf(line, sizeof line, "Digest: %s\n", digest);
        assert_non_null(strstr(r.out, line));
        tt_run_free(&rr);
        free(got);
        free(want);
    }
    tt_run_free(&r);
    free(start_s);
    free(size_s);
    free(off_s);
    free(crop_s);
    free(fill_s);
    free(in);
    free(out);
    free(ref);
    tt_rmdir(dir);
    free(dir);
}

/* Random clusters in [region_lo, region_hi) until count are placed. */
static void add_clusters(hg_image_t *img, hg_records_t *recs, uint64_t *rng, uint32_t region_lo, uint32_t region_hi,
                         unsigned count, uint32_t max_len)
{
    unsigned placed = 0;
    while (placed < count) {
        uint32_t len = (uint32_t)tt_rand_range(rng, 1, max_len);
        uint32_t addr = (uint32_t)tt_rand_range(rng, region_lo, region_hi - len);
        hg_chunk_t *c = hg_image_add(img, addr, len, rng);
        if (c != NULL) {
            hg_encode(recs, c->data, c->addr, c->len, (unsigned)tt_rand_range(rng, 1, 40), rng);
            placed++;
        }
    }
}

static char *emit(hg_records_t *recs, uint64_t *rng, bool shuffle, size_t *len)
{
    if (shuffle) {
        hg_shuffle(recs, rng);
    }
    hg_emit_opts_t opt = {
        .crlf = tt_rand(rng) % 2,
        .lowercase = tt_rand(rng) % 4 == 0,
        .start_records = tt_rand(rng) % 2,
        .redundant_bases = tt_rand(rng) % 2,
    };
    return hg_emit(recs, &opt, rng, len);
}

/* A random window around the data: may cut runs, reach past them, or pad. */
static struct window random_window(const hg_image_t *img, uint64_t *rng)
{
    uint32_t lo;
    uint64_t hi;
    assert_true(hg_bounds(img, &lo, &hi));
    struct window w = { 0 };
    w.has_start = tt_rand(rng) % 2;
    if (w.has_start) {
        uint64_t back = lo < 64 ? lo : 64;
        w.start = (uint32_t)tt_rand_range(rng, lo - back, lo + (hi - lo) / 2);
    }
    uint64_t s = w.has_start ? w.start : lo;
    w.has_size = tt_rand(rng) % 4 != 0;
    if (w.has_size) {
        uint64_t max = hi - s + 200;
        if (s + max > ((uint64_t)1 << 32)) {
            max = ((uint64_t)1 << 32) - s;
        }
        w.size = tt_rand_range(rng, 1, max);
    }
    w.pad = tt_rand(rng) % 2;
    return w;
}

static void run_profile_above_64k(uint64_t seed, bool shuffle)
{
    uint64_t rng = seed;
    hg_image_t img = { 0 };
    hg_records_t recs = { 0 };
    add_clusters(&img, &recs, &rng, 0x10000, 0x120000, (unsigned)tt_rand_range(&rng, 1, 6), 3000);
    /* A record whose offset wraps inside its 02 segment, high enough that
     * the segment base is above 64 KiB. */
    for (int tries = 0; tries < 20; tries++) {
        if (hg_add_segment_wrap(&img, &recs, (uint16_t)tt_rand_range(&rng, 0x1000, 0xFFFF),
                                (unsigned)tt_rand_range(&rng, 1, 16), (unsigned)tt_rand_range(&rng, 1, 16), &rng)) {
            break;
        }
    }
    size_t len;
    char *hex = emit(&recs, &rng, shuffle, &len);
    struct window whole = { 0 };
    check_against_srec_cat(&img, hex, len, &whole);
    for (int k = 0; k < 3; k++) {
        struct window w = random_window(&img, &rng);
        check_against_srec_cat(&img, hex, len, &w);
    }
    free(hex);
    hg_records_free(&recs);
    hg_image_free(&img);
}

static void test_hex2bin_equals_srec_cat_on_random_data_above_64k_in_02_and_04_records(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        run_profile_above_64k(seed * 0x9E3779B97F4A7C15ULL, false);
    }
}

static void test_hex2bin_equals_srec_cat_when_records_come_in_random_order(void **state)
{
    (void)state;
    for (uint64_t seed = 100; seed < 110; seed++) {
        run_profile_above_64k(seed * 0x9E3779B97F4A7C15ULL, true);
    }
}

static void test_hex2bin_equals_srec_cat_on_pic32mz_boot_and_program_flash_windows(void **state)
{
    (void)state;
    for (uint64_t seed = 200; seed < 206; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ULL;
        hg_image_t img = { 0 };
        hg_records_t recs = { 0 };
        add_clusters(&img, &recs, &rng, 0x1FC00000, 0x1FC10000, 3, 2000);
        add_clusters(&img, &recs, &rng, 0x9D000000, 0x9D040000, 4, 4000);
        size_t len;
        char *hex = emit(&recs, &rng, seed % 2, &len);
        struct window boot = {
            .has_start = true, .start = 0x1FC00000, .has_size = true, .size = 0x10000, .pad = seed % 2
        };
        struct window app = {
            .has_start = true, .start = 0x9D000000, .has_size = true, .size = 0x40000, .pad = seed % 3 == 0
        };
        check_against_srec_cat(&img, hex, len, &boot);
        check_against_srec_cat(&img, hex, len, &app);
        free(hex);
        hg_records_free(&recs);
        hg_image_free(&img);
    }
}

static void test_hex2bin_equals_srec_cat_when_a_record_wraps_at_4gib(void **state)
{
    (void)state;
    for (uint64_t seed = 300; seed < 306; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ULL;
        hg_image_t img = { 0 };
        hg_records_t recs = { 0 };
        assert_true(hg_add_4g_wrap(&img, &recs, (unsigned)tt_rand_range(&rng, 1, 100),
                                   (unsigned)tt_rand_range(&rng, 1, 100), &rng));
        add_clusters(&img, &recs, &rng, 0xFFFF0000u, 0xFFFFFF00u, 3, 3000);
        add_clusters(&img, &recs, &rng, 0x200, 0x20000, 3, 3000);
        size_t len;
        char *hex = emit(&recs, &rng, seed % 2, &len);
        struct window top = {
            .has_start = true, .start = 0xFFFF0000u, .has_size = true, .size = 0x10000, .pad = seed % 2
        };
        struct window bottom = { .has_start = true, .start = 0, .has_size = true, .size = 0x20000 };
        struct window top_default_size = { .has_start = true, .start = 0xFFFFF000u };
        check_against_srec_cat(&img, hex, len, &top);
        check_against_srec_cat(&img, hex, len, &bottom);
        check_against_srec_cat(&img, hex, len, &top_default_size);
        free(hex);
        hg_records_free(&recs);
        hg_image_free(&img);
    }
}

/* ---- hand-written files: warnings, errors, usage ---- */

struct fixture {
    char *dir;
    char *in;
    char *out;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->in = tt_path(f->dir, "in.hex");
    f->out = tt_path(f->dir, "out.bin");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tt_rmdir(f->dir);
    free(f->dir);
    free(f->in);
    free(f->out);
    free(f);
    return 0;
}

/* Run hex2bin on text; returns the exit status, output in *r. */
static int hex2bin_text(struct fixture *f, const char *text, tt_run_t *r, const char *const *extra)
{
    tt_write_file(f->in, text, strlen(text));
    const char *args[16] = { "hex2bin", f->in, "-o", f->out };
    size_t n = 4;
    for (; extra != NULL && extra[n - 4] != NULL; n++) {
        args[n] = extra[n - 4];
    }
    args[n] = NULL;
    return tt_run_sysota(r, args);
}

/* The error names the file and line, with the problem. */
static void expect_error(struct fixture *f, const char *text, unsigned line, const char *words)
{
    tt_run_t r;
    assert_int_equal(hex2bin_text(f, text, &r, NULL), 1);
    char where[600];
    snprintf(where, sizeof where, "%s:%u: ", f->in, line);
    if (strstr(r.err, where) == NULL || strstr(r.err, words) == NULL) {
        fail_msg("expected '%s' and '%s' in: %s", where, words, r.err);
    }
    assert_null(tt_read_file(f->out, NULL)); /* nothing written on bad input */
    tt_run_free(&r);
}

static void test_hex2bin_names_the_line_of_a_bad_checksum(void **state)
{
    expect_error(*state, ":020000040000FA\n:0400100001020304E3\n:00000001FF\n", 2, "checksum mismatch");
}

static void test_hex2bin_names_the_line_of_a_non_hex_character(void **state)
{
    expect_error(*state, ":0400100001020304E2\n\n:04001400010G0304DE\n:00000001FF\n", 3, "non-hex character 'G'");
}

static void test_hex2bin_names_the_line_of_a_record_whose_length_disagrees_with_its_count(void **state)
{
    expect_error(*state, ":0500100001020304E1\n:00000001FF\n", 1, "length mismatch");
}

static void test_hex2bin_names_the_line_of_a_record_without_a_colon(void **state)
{
    expect_error(*state, ":0400100001020304E2\n0400100001020304E2\n:00000001FF\n", 2, "must start with ':'");
}

static void test_hex2bin_names_the_line_of_an_unknown_record_type(void **state)
{
    expect_error(*state, ":0400100001020304E2\n:00000006FA\n:00000001FF\n", 2, "unknown record type 0x06");
}

static void test_hex2bin_names_the_line_of_a_base_record_of_the_wrong_length(void **state)
{
    expect_error(*state, ":03000004000100F8\n:00000001FF\n", 1, "must hold 2 data bytes");
}

static void test_hex2bin_names_the_last_line_when_the_eof_record_is_missing(void **state)
{
    expect_error(*state, ":0400100001020304E2\n:0400140005060708CE\n", 2, "no end-of-file record");
}

static void test_hex2bin_names_the_line_of_text_after_the_eof_record(void **state)
{
    expect_error(*state, ":0400100001020304E2\n:00000001FF\n:0400140005060708CE\n", 3, "after the end-of-file record");
}

static void test_hex2bin_names_the_line_and_address_of_a_byte_given_twice_differently(void **state)
{
    /* Line 3 rewrites 0x00000012 (0x03) as 0x07, through an 02 segment. */
    expect_error(*state, ":0400100001020304E2\n:020000020000FC\n:0100120007E6\n:00000001FF\n", 3,
                 "byte at 0x00000012 given twice with different values (0x03 before, 0x07 here)");
}

static void test_hex2bin_accepts_a_byte_given_twice_with_the_same_value(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    assert_int_equal(hex2bin_text(f, ":0400100001020304E2\n:0100120003EA\n:00000001FF\n", &r, NULL), 0);
    size_t len;
    char *bin = tt_read_file(f->out, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(bin, "\x01\x02\x03\x04", 4);
    free(bin);
    tt_run_free(&r);
}

static void test_hex2bin_warns_with_the_address_range_of_data_outside_the_window(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    /* Bytes 0x10..0x17; the window keeps 0x12..0x15. */
    const char *text = ":0400100001020304E2\n:0400140005060708CE\n:00000001FF\n";
    const char *extra[] = { "--start", "0x12", "--size", "4", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, extra), 0);
    assert_non_null(strstr(r.err, "dropped: 0x00000010-0x00000011 (2 bytes)"));
    assert_non_null(strstr(r.err, "dropped: 0x00000016-0x00000017 (2 bytes)"));
    size_t len;
    char *bin = tt_read_file(f->out, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(bin, "\x03\x04\x05\x06", 4);
    free(bin);
    tt_run_free(&r);
}

static void test_hex2bin_fills_gaps_with_ff_and_pads_to_the_size_only_when_asked(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *text = ":0100100001EE\n:0100130004E8\n:00000001FF\n";
    const char *trim[] = { "--start", "0x0E", "--size", "16", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, trim), 0);
    size_t len;
    char *bin = tt_read_file(f->out, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(bin, "\xFF\xFF\x01\xFF\xFF\x04", 6);
    free(bin);
    tt_run_free(&r);

    const char *pad[] = { "--start", "0x0E", "--size", "16", "--pad", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, pad), 0);
    bin = tt_read_file(f->out, &len);
    assert_int_equal(len, 16);
    assert_memory_equal(bin, "\xFF\xFF\x01\xFF\xFF\x04\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 16);
    assert_non_null(strstr(r.out, "Size: 16 bytes\n"));
    free(bin);
    tt_run_free(&r);
}

static void test_hex2bin_ignores_start_records_for_data(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *text = ":0400000300001000E9\n:0100100001EE\n:040000059D0010004A\n:00000001FF\n";
    assert_int_equal(hex2bin_text(f, text, &r, NULL), 0);
    size_t len;
    char *bin = tt_read_file(f->out, &len);
    assert_int_equal(len, 1);
    assert_int_equal((unsigned char)bin[0], 0x01);
    free(bin);
    tt_run_free(&r);
}

static void test_hex2bin_refuses_a_default_window_spanning_boot_and_program_flash(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *text = ":020000041FC01B\n:0100000001FE\n:020000049D005D\n:0100000002FD\n:00000001FF\n";
    assert_int_equal(hex2bin_text(f, text, &r, NULL), 1);
    assert_non_null(strstr(r.err, "--start and --size"));
    assert_non_null(strstr(r.err, "0x1FC00000-0x1FC00000"));
    assert_non_null(strstr(r.err, "0x9D000000-0x9D000000"));
    tt_run_free(&r);
}

/* A window that misses every byte is a mistake (typically a kseg0 address
 * for a file linked at physical addresses): no file, and the message says
 * where the data is. */
static void test_hex2bin_refuses_a_window_without_data_and_names_the_ranges_the_file_holds(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *text = ":020000041D00DD\n:0400000001020304F2\n:0400100005060708D2\n:00000001FF\n";
    const char *elsewhere[] = { "--start", "0x9D000000", "--size", "1M", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, elsewhere), 1);
    if (strstr(r.err, "no data in window 0x9D000000-0x9D0FFFFF; the file holds 0x1D000000-0x1D000003, "
                      "0x1D000010-0x1D000013") == NULL) {
        fail_msg("unexpected message: %s", r.err);
    }
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);

    /* --pad does not turn it into a file of 0xFF. */
    const char *padded[] = { "--start", "0x9D000000", "--size", "1M", "--pad", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, padded), 1);
    assert_non_null(strstr(r.err, "no data in window 0x9D000000-0x9D0FFFFF"));
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);

    /* A start above the data, with the default size. */
    const char *above[] = { "--start", "0x1D000020", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, above), 1);
    if (strstr(r.err, "no data at or above 0x1D000020; the file holds 0x1D000000-0x1D000003, "
                      "0x1D000010-0x1D000013") == NULL) {
        fail_msg("unexpected message: %s", r.err);
    }
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);

    /* The gap between the two ranges. */
    const char *gap[] = { "--start", "0x1D000004", "--size", "12", NULL };
    assert_int_equal(hex2bin_text(f, text, &r, gap), 1);
    assert_non_null(strstr(r.err, "no data in window 0x1D000004-0x1D00000F"));
    tt_run_free(&r);

    /* A file of nothing but its end-of-file record. */
    assert_int_equal(hex2bin_text(f, ":00000001FF\n", &r, NULL), 1);
    assert_non_null(strstr(r.err, "the file holds no data"));
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);
}

/* PIC32MZ W1 files carry program flash (0x10000000) and boot flash
 * (0x1FC00000): 252 MiB apart, two memories, never one image. */
static void test_hex2bin_refuses_a_default_window_spanning_w1_program_and_boot_flash(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *text = ":020000041000EA\n:0100000001FE\n:020000041FC01B\n:0100000002FD\n:00000001FF\n";
    assert_int_equal(hex2bin_text(f, text, &r, NULL), 1);
    assert_non_null(strstr(r.err, "--start and --size"));
    assert_non_null(strstr(r.err, "0x10000000-0x10000000"));
    assert_non_null(strstr(r.err, "0x1FC00000-0x1FC00000"));
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);
}

static void test_hex2bin_usage_errors_exit_2_and_help_exits_0(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *no_out[] = { "hex2bin", f->in, NULL };
    assert_int_equal(tt_run_sysota(&r, no_out), 2);
    assert_non_null(strstr(r.err, "usage: sysota hex2bin"));
    tt_run_free(&r);

    const char *bad_opt[] = { "hex2bin", f->in, "-o", f->out, "--bogus", NULL };
    assert_int_equal(tt_run_sysota(&r, bad_opt), 2);
    assert_non_null(strstr(r.err, "unknown option '--bogus'"));
    tt_run_free(&r);

    const char *bad_num[] = { "hex2bin", f->in, "-o", f->out, "--start", "0x1G", NULL };
    assert_int_equal(tt_run_sysota(&r, bad_num), 2);
    assert_non_null(strstr(r.err, "--start '0x1G'"));
    tt_run_free(&r);

    const char *help[] = { "hex2bin", "--help", NULL };
    assert_int_equal(tt_run_sysota(&r, help), 0);
    assert_non_null(strstr(r.out, "usage: sysota hex2bin IN.hex -o OUT.bin"));
    tt_run_free(&r);

    const char *missing[] = { "hex2bin", "/nonexistent/x.hex", "-o", f->out, NULL };
    assert_int_equal(tt_run_sysota(&r, missing), 1);
    assert_non_null(strstr(r.err, "/nonexistent/x.hex: cannot read"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex2bin_equals_srec_cat_on_random_data_above_64k_in_02_and_04_records),
        cmocka_unit_test(test_hex2bin_equals_srec_cat_when_records_come_in_random_order),
        cmocka_unit_test(test_hex2bin_equals_srec_cat_on_pic32mz_boot_and_program_flash_windows),
        cmocka_unit_test(test_hex2bin_equals_srec_cat_when_a_record_wraps_at_4gib),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_a_bad_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_a_non_hex_character, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_a_record_whose_length_disagrees_with_its_count,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_a_record_without_a_colon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_an_unknown_record_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_a_base_record_of_the_wrong_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_last_line_when_the_eof_record_is_missing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_of_text_after_the_eof_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_names_the_line_and_address_of_a_byte_given_twice_differently,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_accepts_a_byte_given_twice_with_the_same_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_warns_with_the_address_range_of_data_outside_the_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_fills_gaps_with_ff_and_pads_to_the_size_only_when_asked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_ignores_start_records_for_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_refuses_a_default_window_spanning_boot_and_program_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_refuses_a_window_without_data_and_names_the_ranges_the_file_holds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_refuses_a_default_window_spanning_w1_program_and_boot_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hex2bin_usage_errors_exit_2_and_help_exits_0, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
