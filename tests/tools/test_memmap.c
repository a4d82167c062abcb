/*
 * The sparse memory map of the host tools: sorted, disjoint, never-adjacent
 * runs; identical overlaps accepted, differing ones refused.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool_memmap.h"
#include "tool_test_util.h"

/* The invariants every operation must keep. */
static void check_invariants(const tool_memmap_t *m)
{
    for (size_t i = 0; i < m->count; i++) {
        const tool_memrun_t *r = &m->runs[i];
        assert_true(r->len >= 1);
        assert_true((uint64_t)r->addr + r->len <= TOOL_MEMMAP_END);
        assert_true(r->data >= r->base);
        assert_true((uint64_t)(r->data - r->base) + r->len <= r->cap);
        if (i > 0) {
            /* strictly after the previous run, with a gap */
            assert_true((uint64_t)m->runs[i - 1].addr + m->runs[i - 1].len < r->addr);
        }
    }
}

static void put_ok(tool_memmap_t *m, uint32_t addr, const void *data, size_t len)
{
    assert_int_equal(tool_memmap_put(m, addr, data, len, NULL), OTA_OK);
    check_invariants(m);
}

static void test_a_put_into_an_empty_map_makes_one_run(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x9D000000u, "\x01\x02\x03", 3);
    assert_int_equal(m.count, 1);
    assert_int_equal(m.runs[0].addr, 0x9D000000u);
    assert_int_equal(m.runs[0].len, 3);
    assert_memory_equal(m.runs[0].data, "\x01\x02\x03", 3);
    assert_int_equal(tool_memmap_size(&m), 3);
    tool_memmap_free(&m);
    assert_int_equal(m.count, 0);
}

static void test_puts_that_touch_coalesce_whether_they_append_or_prepend(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x100, "\x02", 1);
    put_ok(&m, 0x101, "\x03\x04", 2); /* append */
    put_ok(&m, 0x0FF, "\x01", 1);     /* prepend */
    assert_int_equal(m.count, 1);
    assert_int_equal(m.runs[0].addr, 0xFF);
    assert_int_equal(m.runs[0].len, 4);
    assert_memory_equal(m.runs[0].data, "\x01\x02\x03\x04", 4);
    tool_memmap_free(&m);
}

static void test_a_put_bridging_two_runs_merges_them_into_one(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\xAA\xBB", 2);
    put_ok(&m, 0x20, "\xCC", 1);
    put_ok(&m, 0x30, "\xDD", 1);
    assert_int_equal(m.count, 3);
    uint8_t fill[16];
    memset(fill, 0x5A, sizeof fill);
    fill[0] = 0xBB;             /* overlaps 0x11 with the same value */
    put_ok(&m, 0x11, fill, 15); /* 0x11..0x1F: touches the run at 0x20 */
    assert_int_equal(m.count, 2);
    assert_int_equal(m.runs[0].addr, 0x10);
    assert_int_equal(m.runs[0].len, 0x11);
    assert_int_equal(m.runs[0].data[0x10], 0xCC);
    assert_int_equal(m.runs[1].addr, 0x30);
    tool_memmap_free(&m);
}

static void test_identical_overlap_is_accepted_and_changes_nothing(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x1000, "abcdef", 6);
    put_ok(&m, 0x1002, "cde", 3);
    put_ok(&m, 0x1000, "abcdef", 6);
    assert_int_equal(m.count, 1);
    assert_int_equal(m.runs[0].len, 6);
    assert_memory_equal(m.runs[0].data, "abcdef", 6);
    tool_memmap_free(&m);
}

static void test_a_differing_byte_is_a_conflict_that_leaves_the_map_unchanged(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x1FC0FFC0u, "\x01\x02\x03\x04", 4);
    put_ok(&m, 0x1FC0FFD0u, "\x05", 1);
    tool_memmap_conflict_t c;
    /* Bridges the gap too: none of it may land, because 0xC1 and 0xC3 differ. */
    uint8_t want[17] = { 0x01, 0x0F, 0x03, 0x0E };
    want[16] = 0x05;
    assert_int_equal(tool_memmap_put(&m, 0x1FC0FFC0u, want, sizeof want, &c), OTA_ERR_EXISTS);
    assert_int_equal(c.first, 0x1FC0FFC1u);
    assert_int_equal(c.last, 0x1FC0FFC3u);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.old_byte, 0x02);
    assert_int_equal(c.new_byte, 0x0F);
    assert_int_equal(m.count, 2);
    assert_int_equal(m.runs[0].len, 4);
    assert_memory_equal(m.runs[0].data, "\x01\x02\x03\x04", 4);
    check_invariants(&m);
    tool_memmap_free(&m);
}

static void test_a_put_may_end_at_4_gib_but_not_pass_it(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0xFFFFFFFCu, "\x01\x02\x03\x04", 4);
    assert_int_equal(tool_memmap_put(&m, 0xFFFFFFFEu, "\x03\x04\x05", 3, NULL), OTA_ERR_RANGE);
    uint32_t lo;
    uint64_t end;
    assert_int_equal(tool_memmap_bounds(&m, &lo, &end), OTA_OK);
    assert_int_equal(lo, 0xFFFFFFFCu);
    assert_true(end == TOOL_MEMMAP_END);
    tool_memmap_free(&m);
}

/* Random puts of slices of one truth array, in random order, sizes and
 * overlaps: the map must end up equal to the truth where something was put. */
static void test_random_puts_build_the_same_bytes_as_a_flat_array(void **state)
{
    (void)state;
    enum { SPAN = 8192 };
    static uint8_t truth[SPAN];
    static bool present[SPAN];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ULL;
        for (size_t i = 0; i < SPAN; i++) {
            truth[i] = (uint8_t)tt_rand(&rng);
            present[i] = false;
        }
        tool_memmap_t m;
        tool_memmap_init(&m);
        const uint32_t base = 0x9CFFF000u; /* crosses a 16 MiB boundary: nothing special may happen */
        for (int op = 0; op < 600; op++) {
            size_t len = (size_t)tt_rand_range(&rng, 1, 64);
            size_t at = (size_t)tt_rand_range(&rng, 0, SPAN - len);
            assert_int_equal(tool_memmap_put(&m, base + (uint32_t)at, truth + at, len, NULL), OTA_OK);
            memset(present + at, true, len);
        }
        check_invariants(&m);
        /* Same runs as the flat array's islands, same bytes. */
        size_t island = 0;
        uint64_t total = 0;
        for (size_t i = 0; i < SPAN; i++) {
            if (present[i] && (i == 0 || !present[i - 1])) {
                assert_true(island < m.count);
                assert_int_equal(m.runs[island].addr, base + i);
                island++;
            }
            total += present[i];
        }
        assert_int_equal(island, m.count);
        assert_true(total == tool_memmap_size(&m));
        uint8_t out[SPAN];
        assert_int_equal(tool_memmap_read(&m, base, out, SPAN, 0xFF), OTA_OK);
        for (size_t i = 0; i < SPAN; i++) {
            assert_int_equal(out[i], present[i] ? truth[i] : 0xFF);
        }
        tool_memmap_free(&m);
    }
}

static void test_a_file_written_backwards_builds_one_run(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    uint8_t rec[16];
    for (int k = 4095; k >= 0; k--) {
        memset(rec, k & 0xFF, sizeof rec);
        put_ok(&m, 0x10000u + (uint32_t)k * 16, rec, sizeof rec);
    }
    assert_int_equal(m.count, 1);
    assert_int_equal(m.runs[0].len, 65536);
    assert_int_equal(m.runs[0].data[16 * 300], 300 & 0xFF);
    tool_memmap_free(&m);
}

struct counter {
    uint64_t bytes;
    uint64_t calls;
    uint64_t non_fill;
};

static int count_sink(void *arg, const uint8_t *data, size_t len)
{
    struct counter *c = arg;
    c->bytes += len;
    c->calls++;
    for (size_t i = 0; i < len && len < 4096; i++) {
        c->non_fill += data[i] != 0xFF;
    }
    return OTA_OK;
}

static void test_emit_streams_a_4_gib_window_without_allocating_it(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x1FC00000u, "\x11\x22", 2);
    put_ok(&m, 0x9D000000u, "\x33", 1);
    struct counter c = { 0 };
    assert_int_equal(tool_memmap_emit(&m, 0, TOOL_MEMMAP_END, 0xFF, count_sink, &c), OTA_OK);
    assert_true(c.bytes == TOOL_MEMMAP_END);
    assert_int_equal(c.non_fill, 3);
    tool_memmap_free(&m);
}

static void test_emit_fills_gaps_and_cuts_runs_at_the_window_edges(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\x01\x02\x03", 3);
    put_ok(&m, 0x20, "\x04\x05", 2);
    uint8_t out[0x12];
    assert_int_equal(tool_memmap_read(&m, 0x11, out, sizeof out, 0xEE), OTA_OK);
    assert_int_equal(out[0], 0x02);
    assert_int_equal(out[1], 0x03);
    assert_int_equal(out[2], 0xEE);
    assert_int_equal(out[0x0E], 0xEE);
    assert_int_equal(out[0x0F], 0x04);
    assert_int_equal(out[0x10], 0x05);
    assert_int_equal(out[0x11], 0xEE);
    struct counter c = { 0 };
    assert_int_equal(tool_memmap_emit(&m, 0x20, 0x10, 0xFF, count_sink, &c), OTA_ERR_INVALID_ARG);
    tool_memmap_free(&m);
}

static int stop_sink(void *arg, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    (*(int *)arg)++;
    return OTA_ERR_IO;
}

static void test_emit_stops_at_the_first_sink_error(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\x01", 1);
    int calls = 0;
    assert_int_equal(tool_memmap_emit(&m, 0, 0x100, 0xFF, stop_sink, &calls), OTA_ERR_IO);
    assert_int_equal(calls, 1);
    tool_memmap_free(&m);
}

static void test_last_in_finds_the_highest_byte_inside_the_window(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\x01\x02\x03", 3);
    put_ok(&m, 0x40, "\x04", 1);
    uint64_t last = 0;
    assert_int_equal(tool_memmap_last_in(&m, 0, 0x100, &last), OTA_OK);
    assert_true(last == 0x41);
    assert_int_equal(tool_memmap_last_in(&m, 0, 0x12, &last), OTA_OK);
    assert_true(last == 0x12);
    assert_int_equal(tool_memmap_last_in(&m, 0x13, 0x40, &last), OTA_ERR_NOT_FOUND);
    assert_int_equal(tool_memmap_last_in(&m, 0x12, 0x40, &last), OTA_OK);
    assert_true(last == 0x13);
    tool_memmap_free(&m);
}

struct ranges {
    uint32_t lo[8];
    uint64_t end[8];
    int n;
};

static int collect(void *arg, uint32_t lo, uint64_t end)
{
    struct ranges *r = arg;
    r->lo[r->n] = lo;
    r->end[r->n] = end;
    r->n++;
    return 0;
}

static void test_outside_reports_every_range_beyond_the_window(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\x01\x02\x03\x04", 4); /* 0x10..0x13: cut by the start */
    put_ok(&m, 0x20, "\x05", 1);             /* inside */
    put_ok(&m, 0x2E, "\x06\x07\x08\x09", 4); /* 0x2E..0x31: cut by the end */
    put_ok(&m, 0x50, "\x0A", 1);             /* wholly after */
    struct ranges r = { .n = 0 };
    assert_int_equal(tool_memmap_outside(&m, 0x12, 0x30, collect, &r), 3);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.lo[0], 0x10);
    assert_true(r.end[0] == 0x12);
    assert_int_equal(r.lo[1], 0x30);
    assert_true(r.end[1] == 0x32);
    assert_int_equal(r.lo[2], 0x50);
    assert_true(r.end[2] == 0x51);
    tool_memmap_free(&m);
}

static void test_find_returns_the_run_holding_an_address(void **state)
{
    (void)state;
    tool_memmap_t m;
    tool_memmap_init(&m);
    put_ok(&m, 0x10, "\x01\x02", 2);
    put_ok(&m, 0x20, "\x03", 1);
    assert_int_equal(tool_memmap_find(&m, 0x11), 0);
    assert_int_equal(tool_memmap_find(&m, 0x20), 1);
    assert_int_equal(tool_memmap_find(&m, 0x12), OTA_ERR_NOT_FOUND);
    assert_int_equal(tool_memmap_find(&m, 0x0F), OTA_ERR_NOT_FOUND);
    tool_memmap_free(&m);
    assert_int_equal(tool_memmap_find(&m, 0x10), OTA_ERR_NOT_FOUND);
    uint32_t lo;
    uint64_t end;
    assert_int_equal(tool_memmap_bounds(&m, &lo, &end), OTA_ERR_NOT_FOUND);
}

static void test_merge_takes_the_union_and_refuses_a_conflict(void **state)
{
    (void)state;
    tool_memmap_t a, b, c;
    tool_memmap_init(&a);
    tool_memmap_init(&b);
    tool_memmap_init(&c);
    put_ok(&a, 0x10, "\x01\x02", 2);
    put_ok(&b, 0x11, "\x02\x03", 2);
    put_ok(&b, 0x40, "\x04", 1);
    put_ok(&c, 0x41, "\x05", 1);
    put_ok(&c, 0x12, "\x09", 1);
    assert_int_equal(tool_memmap_merge(&a, &b, NULL), OTA_OK);
    check_invariants(&a);
    assert_int_equal(a.count, 2);
    assert_int_equal(a.runs[0].len, 3);
    tool_memmap_conflict_t k;
    assert_int_equal(tool_memmap_merge(&a, &c, &k), OTA_ERR_EXISTS);
    assert_int_equal(k.first, 0x12);
    assert_int_equal(k.old_byte, 0x03);
    assert_int_equal(k.new_byte, 0x09);
    tool_memmap_free(&a);
    tool_memmap_free(&b);
    tool_memmap_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_put_into_an_empty_map_makes_one_run),
        cmocka_unit_test(test_puts_that_touch_coalesce_whether_they_append_or_prepend),
        cmocka_unit_test(test_a_put_bridging_two_runs_merges_them_into_one),
        cmocka_unit_test(test_identical_overlap_is_accepted_and_changes_nothing),
        cmocka_unit_test(test_a_differing_byte_is_a_conflict_that_leaves_the_map_unchanged),
        cmocka_unit_test(test_a_put_may_end_at_4_gib_but_not_pass_it),
        cmocka_unit_test(test_random_puts_build_the_same_bytes_as_a_flat_array),
        cmocka_unit_test(test_a_file_written_backwards_builds_one_run),
        cmocka_unit_test(test_emit_streams_a_4_gib_window_without_allocating_it),
        cmocka_unit_test(test_emit_fills_gaps_and_cuts_runs_at_the_window_edges),
        cmocka_unit_test(test_emit_stops_at_the_first_sink_error),
        cmocka_unit_test(test_last_in_finds_the_highest_byte_inside_the_window),
        cmocka_unit_test(test_outside_reports_every_range_beyond_the_window),
        cmocka_unit_test(test_find_returns_the_run_holding_an_address),
        cmocka_unit_test(test_merge_takes_the_union_and_refuses_a_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
