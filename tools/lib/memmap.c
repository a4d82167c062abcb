/*
 * Sparse memory image as sorted runs (see tool_memmap.h for the design).
 */
#include "tool_memmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t run_end(const tool_memrun_t *r)
{
    return (uint64_t)r->addr + r->len;
}

/* Index of the first run whose end is >= addr (it touches or follows addr). */
static size_t first_touching(const tool_memmap_t *map, uint64_t addr)
{
    size_t lo = 0, hi = map->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run_end(&map->runs[mid]) < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Index of the first run whose end is > addr (it holds or follows addr). */
static size_t first_after(const tool_memmap_t *map, uint64_t addr)
{
    size_t lo = 0, hi = map->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run_end(&map->runs[mid]) <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void tool_memmap_init(tool_memmap_t *map)
{
    map->runs = NULL;
    map->count = 0;
    map->cap = 0;
}

void tool_memmap_free(tool_memmap_t *map)
{
    for (size_t i = 0; i < map->count; i++) {
        free(map->runs[i].base);
    }
    free(map->runs);
    tool_memmap_init(map);
}

/* Compare the put against runs [i, j); fill *c and return true on any difference. */
static bool find_conflict(const tool_memmap_t *map, size_t i, size_t j, uint32_t addr, const uint8_t *data,
                          uint64_t end, tool_memmap_conflict_t *c)
{
    bool found = false;
    for (size_t k = i; k < j; k++) {
        const tool_memrun_t *r = &map->runs[k];
        uint64_t lo = r->addr > addr ? r->addr : addr;
        uint64_t hi = run_end(r) < end ? run_end(r) : end;
        for (uint64_t a = lo; a < hi; a++) {
            uint8_t old = r->data[a - r->addr];
            uint8_t neu = data[a - addr];
            if (old == neu) {
                continue;
            }
            if (!found) {
                found = true;
                c->first = (uint32_t)a;
                c->old_byte = old;
                c->new_byte = neu;
                c->count = 0;
            }
            c->last = (uint32_t)a;
            c->count++;
        }
    }
    return found;
}

static int reserve_runs(tool_memmap_t *map)
{
    if (map->count < map->cap) {
        return OTA_OK;
    }
    size_t cap = map->cap ? map->cap * 2 : 16;
    tool_memrun_t *runs = realloc(map->runs, cap * sizeof *runs);
    if (runs == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    map->runs = runs;
    map->cap = cap;
    return OTA_OK;
}

static int insert_run(tool_memmap_t *map, size_t at, uint32_t addr, const uint8_t *data, size_t len)
{
    int err = reserve_runs(map);
    if (err != OTA_OK) {
        return err;
    }
    /* Room after the bytes: the next record of a file usually follows. */
    uint64_t cap = (uint64_t)len * 2 + 32;
    uint8_t *base = malloc((size_t)cap);
    if (base == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    memcpy(base, data, len);
    memmove(&map->runs[at + 1], &map->runs[at], (map->count - at) * sizeof map->runs[0]);
    map->runs[at] = (tool_memrun_t){ .addr = addr, .len = len, .data = base, .base = base, .cap = cap };
    map->count++;
    return OTA_OK;
}

int tool_memmap_put(tool_memmap_t *map, uint32_t addr, const void *bytes, size_t len, tool_memmap_conflict_t *conflict)
{
    const uint8_t *data = bytes;
    if (len == 0) {
        return OTA_OK;
    }
    uint64_t end = (uint64_t)addr + len;
    if (end > TOOL_MEMMAP_END) {
        return OTA_ERR_RANGE;
    }
    size_t i = first_touching(map, addr);
    size_t j = i;
    while (j < map->count && map->runs[j].addr <= end) {
        j++;
    }
    tool_memmap_conflict_t scratch;
    if (find_conflict(map, i, j, addr, data, end, conflict ? conflict : &scratch)) {
        return OTA_ERR_EXISTS;
    }
    if (i == j) {
        return insert_run(map, i, addr, data, len);
    }

    uint64_t new_lo = map->runs[i].addr < addr ? map->runs[i].addr : addr;
    uint64_t new_end = run_end(&map->runs[j - 1]) > end ? run_end(&map->runs[j - 1]) : end;
    uint64_t new_len = new_end - new_lo;
    if (j - i == 1 && new_lo == map->runs[i].addr && new_len == map->runs[i].len) {
        return OTA_OK; /* every byte was there already, with the same value */
    }

    /* Grow the biggest touched run so that the fewest bytes move. */
    size_t b = i;
    for (size_t k = i + 1; k < j; k++) {
        if (map->runs[k].len > map->runs[b].len) {
            b = k;
        }
    }
    tool_memrun_t *rb = &map->runs[b];
    uint64_t front_need = rb->addr - new_lo;
    uint64_t back_need = new_end - run_end(rb);
    uint64_t front_room = (uint64_t)(rb->data - rb->base);
    uint64_t back_room = rb->cap - front_room - rb->len;
    uint8_t *new_base = rb->base;
    uint8_t *new_data;
    uint64_t new_cap = rb->cap;
    if (front_need <= front_room && back_need <= back_room) {
        new_data = rb->data - front_need;
    } else {
        /* Doubling keeps a long run of appends (or of prepends, for a file
         * written backwards) at amortised O(1) per byte. */
        new_cap = new_len * 2 + 32;
        new_base = malloc((size_t)new_cap);
        if (new_base == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        uint64_t head = front_need > 0 ? (new_cap - new_len) / 2 : 0;
        new_data = new_base + head;
        memcpy(new_data + front_need, rb->data, (size_t)rb->len);
    }
    for (size_t k = i; k < j; k++) {
        if (k != b) {
            memcpy(new_data + (map->runs[k].addr - new_lo), map->runs[k].data, (size_t)map->runs[k].len);
            free(map->runs[k].base);
        }
    }
    memcpy(new_data + (addr - new_lo), data, len);
    if (new_base != rb->base) {
        free(rb->base);
    }
    map->runs[i] =
        (tool_memrun_t){ .addr = (uint32_t)new_lo, .len = new_len, .data = new_data, .base = new_base, .cap = new_cap };
    memmove(&map->runs[i + 1], &map->runs[j], (map->count - j) * sizeof map->runs[0]);
    map->count -= j - i - 1;
    return OTA_OK;
}

int tool_memmap_merge(tool_memmap_t *dst, const tool_memmap_t *src, tool_memmap_conflict_t *conflict)
{
    for (size_t k = 0; k < src->count; k++) {
        const tool_memrun_t *r = &src->runs[k];
        int err = tool_memmap_put(dst, r->addr, r->data, (size_t)r->len, conflict);
        if (err != OTA_OK) {
            return err;
        }
    }
    return OTA_OK;
}

uint64_t tool_memmap_size(const tool_memmap_t *map)
{
    uint64_t total = 0;
    for (size_t k = 0; k < map->count; k++) {
        total += map->runs[k].len;
    }
    return total;
}

int tool_memmap_bounds(const tool_memmap_t *map, uint32_t *lo, uint64_t *end)
{
    if (map->count == 0) {
        return OTA_ERR_NOT_FOUND;
    }
    *lo = map->runs[0].addr;
    *end = run_end(&map->runs[map->count - 1]);
    return OTA_OK;
}

long tool_memmap_find(const tool_memmap_t *map, uint32_t addr)
{
    size_t k = first_after(map, addr);
    if (k < map->count && map->runs[k].addr <= addr) {
        return (long)k;
    }
    return OTA_ERR_NOT_FOUND;
}

int tool_memmap_last_in(const tool_memmap_t *map, uint32_t start, uint64_t end, uint64_t *last_end)
{
    /* The last run that starts before end is the only candidate. */
    size_t lo = 0, hi = map->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (map->runs[mid].addr < end) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || end <= start) {
        return OTA_ERR_NOT_FOUND;
    }
    const tool_memrun_t *r = &map->runs[lo - 1];
    if (run_end(r) <= start) {
        return OTA_ERR_NOT_FOUND;
    }
    *last_end = run_end(r) < end ? run_end(r) : end;
    return OTA_OK;
}

long tool_memmap_outside(const tool_memmap_t *map, uint32_t start, uint64_t end, tool_memmap_range_fn fn, void *arg)
{
    long reported = 0;
    for (size_t k = 0; k < map->count; k++) {
        const tool_memrun_t *r = &map->runs[k];
        uint64_t re = run_end(r);
        if (r->addr < start) {
            reported++;
            if (fn(arg, r->addr, re < start ? re : start) != 0) {
                return reported;
            }
        }
        if (re > end) {
            uint64_t lo = r->addr > end ? r->addr : end;
            reported++;
            if (fn(arg, (uint32_t)lo, re) != 0) {
                return reported;
            }
        }
    }
    return reported;
}

static int emit_fill(uint64_t n, uint8_t fill, tool_memmap_sink_fn sink, void *arg)
{
    uint8_t chunk[4096];
    memset(chunk, fill, sizeof chunk);
    while (n > 0) {
        size_t part = n < sizeof chunk ? (size_t)n : sizeof chunk;
        int err = sink(arg, chunk, part);
        if (err != OTA_OK) {
            return err;
        }
        n -= part;
    }
    return OTA_OK;
}

int tool_memmap_emit(const tool_memmap_t *map, uint32_t start, uint64_t end, uint8_t fill, tool_memmap_sink_fn sink,
                     void *arg)
{
    if (end < start || end > TOOL_MEMMAP_END || sink == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    uint64_t pos = start;
    size_t k = first_after(map, start);
    while (pos < end) {
        if (k >= map->count || map->runs[k].addr >= end) {
            return emit_fill(end - pos, fill, sink, arg);
        }
        const tool_memrun_t *r = &map->runs[k];
        if (r->addr > pos) {
            int err = emit_fill(r->addr - pos, fill, sink, arg);
            if (err != OTA_OK) {
                return err;
            }
            pos = r->addr;
        }
        uint64_t stop = run_end(r) < end ? run_end(r) : end;
        int err = sink(arg, r->data + (pos - r->addr), (size_t)(stop - pos));
        if (err != OTA_OK) {
            return err;
        }
        pos = stop;
        k++;
    }
    return OTA_OK;
}

struct read_cursor {
    uint8_t *out;
};

static int read_sink(void *arg, const uint8_t *data, size_t len)
{
    struct read_cursor *c = arg;
    memcpy(c->out, data, len);
    c->out += len;
    return OTA_OK;
}

int tool_memmap_read(const tool_memmap_t *map, uint32_t addr, uint8_t *out, size_t len, uint8_t fill)
{
    struct read_cursor c = { out };
    return tool_memmap_emit(map, addr, (uint64_t)addr + len, fill, read_sink, &c);
}
