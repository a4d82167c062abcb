/*
 * `sysota merge`, run as a program: the union it writes describes the same
 * bytes as srec_cat's union of the same files, in well-formed records; a
 * data conflict names the address range and both files.
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

#define FILES 3

/* srec_cat's own rendering of a HEX file: equal output means equal content. */
static char *normalise(const char *path, bool expect_quiet)
{
    tt_run_t r;
    const char *argv[] = { "srec_cat", path, "-intel", "-o", "-", "-intel", NULL };
    if (tt_run(&r, argv) != 0) {
        fail_msg("srec_cat %s: %s", path, r.err);
    }
    if (expect_quiet && r.err[0] != '\0') {
        fail_msg("srec_cat complains about %s: %s", path, r.err);
    }
    free(r.err);
    return r.out;
}

/* Every record of our output: valid, at most size data bytes, not across 64 KiB. */
static void check_records(const char *text, unsigned size)
{
    const char *p = text;
    const char *last = NULL;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(p[0] == ':');
        unsigned count, offset, type;
        assert_int_equal(sscanf(p, ":%2x%4x%2x", &count, &offset, &type), 3);
        if (type == 0) {
            assert_true(count >= 1 && count <= size);
            assert_true(offset + count <= 0x10000);
        }
        last = p;
        p = nl + 1;
    }
    assert_non_null(last);
    assert_memory_equal(last, ":00000001FF\n", 12);
}

static void merge_random_case(uint64_t seed)
{
    uint64_t rng = seed;
    hg_image_t img = { 0 };
    hg_records_t recs[FILES] = { { 0 } };

    /* Truth: clusters above 64 KiB, in PIC32MZ boot and program flash, and
     * across the 4 GiB wrap. */
    static const uint32_t regions[][2] = {
        { 0x10000, 0x120000 },
        { 0x1FC00000, 0x1FC10000 },
        { 0x9D000000, 0x9D040000 },
        { 0xFFFF0000u, 0xFFFFFF00u },
    };
    for (size_t g = 0; g < sizeof regions / sizeof regions[0]; g++) {
        for (unsigned placed = 0, want = (unsigned)tt_rand_range(&rng, 1, 3); placed < want;) {
            uint32_t len = (uint32_t)tt_rand_range(&rng, 1, 2500);
            uint32_t addr = (uint32_t)tt_rand_range(&rng, regions[g][0], regions[g][1] - len);
            if (hg_image_add(&img, addr, len, &rng) != NULL) {
                placed++;
            }
        }
    }
    if (seed % 2) {
        assert_true(hg_add_4g_wrap(&img, &recs[tt_rand(&rng) % FILES], 8, 8, &rng));
    } else {
        assert_true(hg_add_segment_wrap(&img, &recs[tt_rand(&rng) % FILES], 0x2000, 5, 11, &rng));
    }
    /* Cut every chunk into pieces; each piece goes to one file, sometimes to
     * a second one as well (the same bytes twice: no conflict). */
    for (size_t c = 0; c < img.count; c++) {
        const hg_chunk_t *ch = &img.chunks[c];
        uint32_t done = 0;
        while (done < ch->len) {
            uint32_t n = (uint32_t)tt_rand_range(&rng, 1, ch->len - done);
            unsigned f1 = (unsigned)(tt_rand(&rng) % FILES);
            hg_encode(&recs[f1], ch->data + done, ch->addr + done, n, (unsigned)tt_rand_range(&rng, 1, 64), &rng);
            if (tt_rand(&rng) % 3 == 0) {
                unsigned f2 = (f1 + 1 + (unsigned)(tt_rand(&rng) % (FILES - 1))) % FILES;
                /* A sub-range, so that overlaps start and end mid-run. */
                uint32_t a = (uint32_t)tt_rand_range(&rng, 0, n - 1);
                uint32_t b = (uint32_t)tt_rand_range(&rng, a + 1, n);
                hg_encode(&recs[f2], ch->data + done + a, ch->addr + done + a, b - a, 16, &rng);
            }
            done += n;
        }
    }

    char *dir = tt_tempdir();
    char *paths[FILES];
    for (int f = 0; f < FILES; f++) {
        char name[16];
        snprintf(name, sizeof name, "in%d.hex", f);
        paths[f] = tt_path(dir, name);
        if (tt_rand(&rng) % 2) {
            hg_shuffle(&recs[f], &rng);
        }
        hg_emit_opts_t opt = { .crlf = tt_rand(&rng) % 2, .start_records = tt_rand(&rng) % 2, .redundant_bases = true };
        size_t len;
        char *text = hg_emit(&recs[f], &opt, &rng, &len);
        tt_write_file(paths[f], text, len);
        free(text);
    }
    char *merged = tt_path(dir, "merged.hex"), *ref = tt_path(dir, "ref.hex");
    const char *size = tt_rand(&rng) % 2 ? "32" : "16";
    const char *args[] = { "merge", "-o", merged, "--record-size", size, paths[0], paths[1], paths[2], NULL };
    tt_run_t r;
    if (tt_run_sysota(&r, args) != 0) {
        fail_msg("merge failed (%d): %s", r.status, r.err);
    }
    tt_run_free(&r);
    const char *ref_argv[] = { "srec_cat", paths[0], "-intel", paths[1], "-intel", paths[2],
                               "-intel",   "-o",     ref,      "-intel", NULL };
    if (tt_run(&r, ref_argv) != 0) {
        fail_msg("srec_cat merge failed: %s", r.err);
    }
    tt_run_free(&r);

    char *ours_text = tt_read_file(merged, NULL);
    assert_non_null(ours_text);
    check_records(ours_text, (unsigned)atoi(size));
    char *ours = normalise(merged, true);
    char *theirs = normalise(ref, false);
    assert_string_equal(ours, theirs);

    free(ours_text);
    free(ours);
    free(theirs);
    for (int f = 0; f < FILES; f++) {
        free(paths[f]);
        hg_records_free(&recs[f]);
    }
    free(merged);
    free(ref);
    tt_rmdir(dir);
    free(dir);
    hg_image_free(&img);
}

static void test_merge_describes_the_same_bytes_as_srec_cat_on_random_overlapping_inputs(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        merge_random_case(seed * 0xD1B54A32D192ED03ULL);
    }
}

/* ---- hand-written files ---- */

struct fixture {
    char *dir;
    char *a, *b, *c, *out;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->a = tt_path(f->dir, "boot.hex");
    f->b = tt_path(f->dir, "app.hex");
    f->c = tt_path(f->dir, "third.hex");
    f->out = tt_path(f->dir, "factory.hex");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tt_rmdir(f->dir);
    free(f->dir);
    free(f->a);
    free(f->b);
    free(f->c);
    free(f->out);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    tt_write_file(path, text, strlen(text));
}

/* The original guide's case: boot and application disagree on configuration words. */
static void test_merge_refuses_a_data_conflict_naming_the_range_and_both_files(void **state)
{
    struct fixture *f = *state;
    /* 0x1FC0FFC0: boot says 01 02 03 04, app says 01 0F 03 0E. */
    write_text(f->a, ":020000041FC01B\n:04FFC0000102030433\n:00000001FF\n");
    write_text(f->b, ":020000041FC01B\n:04FFC000010F030E1C\n:00000001FF\n");
    const char *args[] = { "merge", "-o", f->out, f->a, f->b, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 1);
    char want[800];
    snprintf(want, sizeof want, "data conflict at 0x1FC0FFC1-0x1FC0FFC3 (2 bytes differ) between %s and %s", f->a,
             f->b);
    if (strstr(r.err, want) == NULL) {
        fail_msg("expected '%s' in: %s", want, r.err);
    }
    assert_non_null(strstr(r.err, "0x1FC0FFC1 is 0x02 in"));
    assert_null(tt_read_file(f->out, NULL));
    tt_run_free(&r);
}

static void test_merge_names_the_earlier_file_that_holds_the_conflicting_address(void **state)
{
    struct fixture *f = *state;
    write_text(f->a, ":0100100001EE\n:00000001FF\n");
    write_text(f->b, ":0100200002DD\n:00000001FF\n");
    write_text(f->c, ":0100200003DC\n:00000001FF\n");
    const char *args[] = { "merge", "-o", f->out, f->a, f->b, f->c, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 1);
    char want[800];
    snprintf(want, sizeof want, "data conflict at 0x00000020 (1 byte differs) between %s and %s", f->b, f->c);
    if (strstr(r.err, want) == NULL) {
        fail_msg("expected '%s' in: %s", want, r.err);
    }
    tt_run_free(&r);
}

static void test_merge_accepts_identical_overlapping_data(void **state)
{
    struct fixture *f = *state;
    write_text(f->a, ":0400100001020304E2\n:00000001FF\n");
    write_text(f->b, ":03001200030405DF\n:00000001FF\n");
    const char *args[] = { "merge", "-o", f->out, f->a, f->b, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 0);
    char *text = tt_read_file(f->out, NULL);
    assert_string_equal(text, ":050010000102030405DC\n:00000001FF\n");
    assert_non_null(strstr(r.out, "0x00000010-0x00000014 (5 bytes)"));
    free(text);
    tt_run_free(&r);
}

static void test_merge_names_the_file_and_line_of_bad_input(void **state)
{
    struct fixture *f = *state;
    write_text(f->a, ":0100100001EE\n:00000001FF\n");
    write_text(f->b, ":0100100001EE\n:0100110001EC\n:00000001FF\n");
    const char *args[] = { "merge", "-o", f->out, f->a, f->b, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, args), 1);
    char want[600];
    snprintf(want, sizeof want, "%s:2: checksum mismatch", f->b);
    if (strstr(r.err, want) == NULL) {
        fail_msg("expected '%s' in: %s", want, r.err);
    }
    tt_run_free(&r);
}

static void test_merge_keeps_a_start_address_only_when_the_inputs_agree(void **state)
{
    struct fixture *f = *state;
    write_text(f->a, ":0100100001EE\n:040000059D0010004A\n:00000001FF\n");
    write_text(f->b, ":0100200002DD\n:00000001FF\n");
    write_text(f->c, ":0100300003CC\n:040000059D0020003A\n:00000001FF\n");
    const char *agree[] = { "merge", "-o", f->out, f->a, f->b, NULL };
    tt_run_t r;
    assert_int_equal(tt_run_sysota(&r, agree), 0);
    char *text = tt_read_file(f->out, NULL);
    assert_non_null(strstr(text, ":040000059D0010004A\n:00000001FF\n"));
    free(text);
    tt_run_free(&r);

    const char *differ[] = { "merge", "-o", f->out, f->a, f->c, NULL };
    assert_int_equal(tt_run_sysota(&r, differ), 0);
    assert_non_null(strstr(r.err, "start addresses differ"));
    text = tt_read_file(f->out, NULL);
    assert_null(strstr(text, ":04000005"));
    free(text);
    tt_run_free(&r);
}

static void test_merge_usage_errors_exit_2_and_help_exits_0(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *no_out[] = { "merge", f->a, NULL };
    assert_int_equal(tt_run_sysota(&r, no_out), 2);
    assert_non_null(strstr(r.err, "usage: sysota merge"));
    tt_run_free(&r);
    const char *bad_size[] = { "merge", "-o", f->out, "--record-size", "0", f->a, NULL };
    assert_int_equal(tt_run_sysota(&r, bad_size), 2);
    tt_run_free(&r);
    const char *help[] = { "merge", "--help", NULL };
    assert_int_equal(tt_run_sysota(&r, help), 0);
    assert_non_null(strstr(r.out, "usage: sysota merge -o OUT.hex"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_describes_the_same_bytes_as_srec_cat_on_random_overlapping_inputs),
        cmocka_unit_test_setup_teardown(test_merge_refuses_a_data_conflict_naming_the_range_and_both_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_names_the_earlier_file_that_holds_the_conflicting_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merge_accepts_identical_overlapping_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_names_the_file_and_line_of_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_keeps_a_start_address_only_when_the_inputs_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_usage_errors_exit_2_and_help_exits_0, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
