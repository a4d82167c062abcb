/*
 * libFuzzer target: the Intel HEX reader of the host tools.
 *
 * Any input must either parse, or fail with a line number and a message;
 * never crash, leak or read out of bounds. What parses must survive a round
 * trip through the writer unchanged, and a window of it must stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool_ihex.h"
#include "tool_memmap.h"
#include "fuzz_check.h"

struct text {
    char *buf;
    size_t len, cap;
};

static int to_text(void *arg, const char *s, size_t n)
{
    struct text *t = arg;
    if (t->len + n > t->cap) {
        size_t cap = (t->len + n) * 2;
        char *b = realloc(t->buf, cap);
        if (b == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    return OTA_OK;
}

struct window_check {
    const tool_memmap_t *map;
    uint64_t pos;
};

static int check_window(void *arg, const uint8_t *bytes, size_t len)
{
    struct window_check *w = arg;
    for (size_t i = 0; i < len; i++, w->pos++) {
        long k = tool_memmap_find(w->map, (uint32_t)w->pos);
        uint8_t want = k >= 0 ? w->map->runs[k].data[w->pos - w->map->runs[k].addr] : 0xFF;
        CHECK(bytes[i] == want);
    }
    return OTA_OK;
}

static void check_sorted(const tool_memmap_t *m)
{
    for (size_t i = 0; i < m->count; i++) {
        CHECK(m->runs[i].len >= 1);
        CHECK((uint64_t)m->runs[i].addr + m->runs[i].len <= TOOL_MEMMAP_END);
        if (i > 0) {
            CHECK((uint64_t)m->runs[i - 1].addr + m->runs[i - 1].len < m->runs[i].addr);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tool_memmap_t map;
    tool_memmap_init(&map);
    tool_ihex_result_t res;
    int err = tool_ihex_parse((const char *)data, size, &map, &res);
    check_sorted(&map);
    if (err != OTA_OK) {
        CHECK(err == OTA_ERR_CORRUPT || err == OTA_ERR_EXISTS || err == OTA_ERR_NO_SPACE);
        CHECK(res.line >= 1 && res.msg[0] != '\0');
        CHECK(memchr(res.msg, '\0', sizeof res.msg) != NULL);
        tool_memmap_free(&map);
        return 0;
    }
    CHECK(res.line == 0);

    /* Round trip, with a record size taken from the input. */
    tool_ihex_write_opts_t opt = {
        .record_size = size > 0 ? (unsigned)(data[size - 1] % TOOL_IHEX_RECORD_SIZE_MAX) + 1 : 16,
        .has_start = res.has_start,
        .start_type = res.start_type,
        .start_value = res.start_value,
    };
    struct text t = { NULL, 0, 0 };
    CHECK(tool_ihex_write(&map, &opt, to_text, &t) == OTA_OK);
    tool_memmap_t back;
    tool_memmap_init(&back);
    tool_ihex_result_t res2;
    CHECK(tool_ihex_parse(t.buf, t.len, &back, &res2) == OTA_OK);
    CHECK(back.count == map.count);
    for (size_t k = 0; k < map.count; k++) {
        CHECK(back.runs[k].addr == map.runs[k].addr && back.runs[k].len == map.runs[k].len);
        CHECK(memcmp(back.runs[k].data, map.runs[k].data, (size_t)map.runs[k].len) == 0);
    }
    CHECK(res2.has_start == res.has_start && res2.start_value == res.start_value);

    /* A bounded window around the lowest data streams the map's bytes. */
    uint32_t lo;
    uint64_t hi;
    if (tool_memmap_bounds(&map, &lo, &hi) == OTA_OK) {
        uint32_t start = lo > 16 ? lo - 16 : 0;
        uint64_t end = (uint64_t)start + 4096;
        if (end > TOOL_MEMMAP_END) {
            end = TOOL_MEMMAP_END;
        }
        struct window_check w = { &map, start };
        CHECK(tool_memmap_emit(&map, start, end, 0xFF, check_window, &w) == OTA_OK);
        CHECK(w.pos == end);
        uint64_t last;
        CHECK(tool_memmap_last_in(&map, start, end, &last) == OTA_OK && last > lo && last <= end);
    }
    free(t.buf);
    tool_memmap_free(&back);
    tool_memmap_free(&map);
    return 0;
}
