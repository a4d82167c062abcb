/*
 * sysota host tools: a sparse 32-bit memory image.
 *
 * An Intel HEX file describes bytes scattered over a 4 GiB address space (a
 * PIC32MZ image has its boot flash near 0x1FC00000 and its program flash near
 * 0x9D000000). Allocating the whole space is out of the question, so the
 * image is kept as a sorted array of disjoint, non-adjacent runs of bytes:
 * two runs that touch are always coalesced into one, so a run boundary is
 * always a gap in the data.
 *
 * Cost: finding the run for an address is a binary search; appending to
 * (or prepending before) an existing run is amortised O(bytes), because each
 * run keeps spare room at both ends; a record that starts a new run costs
 * one insertion into the run array.
 *
 * Host code: uses malloc. Not part of the portable core.
 */
#ifndef SYSOTA_TOOLS_OTA_MEMMAP_H
#define SYSOTA_TOOLS_OTA_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One past the highest address: ends of ranges are uint64_t so that a run may end at 4 GiB. */
#define TOOL_MEMMAP_END ((uint64_t)1 << 32)

/** One maximal run of consecutive bytes. data[0] is the byte at addr. */
typedef struct tool_memrun {
    uint32_t addr;
    uint64_t len;  /**< >= 1; addr + len <= TOOL_MEMMAP_END */
    uint8_t *data; /**< points inside base */
    uint8_t *base; /**< the allocation; spare room before data and after data + len */
    uint64_t cap;  /**< bytes allocated at base */
} tool_memrun_t;

/** The image: runs sorted by address, disjoint and never adjacent. */
typedef struct tool_memmap {
    tool_memrun_t *runs;
    size_t count;
    size_t cap;
} tool_memmap_t;

/** Where a put disagreed with bytes already in the map. */
typedef struct tool_memmap_conflict {
    uint32_t first;   /**< lowest address whose byte differs */
    uint32_t last;    /**< highest address whose byte differs (inclusive) */
    uint64_t count;   /**< how many bytes differ in [first, last] */
    uint8_t old_byte; /**< the map's byte at first */
    uint8_t new_byte; /**< the byte the put wanted at first */
} tool_memmap_conflict_t;

/** Make an empty map. Never fails. */
void tool_memmap_init(tool_memmap_t *map);

/** Release everything the map holds and leave it empty (reusable). */
void tool_memmap_free(tool_memmap_t *map);

/**
 * Store len bytes at addr. Bytes already present with the same value are
 * fine (the union is taken); a byte already present with a different value
 * is a conflict: nothing is changed, *conflict (if not NULL) says where, and
 * OTA_ERR_EXISTS is returned. OTA_ERR_RANGE when addr + len passes 4 GiB
 * (the caller decides how addresses wrap), OTA_ERR_NO_SPACE when memory runs
 * out (the map is then unchanged). len == 0 is a no-op.
 */
int tool_memmap_put(tool_memmap_t *map, uint32_t addr, const void *data, size_t len, tool_memmap_conflict_t *conflict);

/**
 * Put every byte of src into dst, run by run in address order, with the
 * rules of tool_memmap_put. On OTA_ERR_EXISTS the runs before the
 * conflicting one have been added already.
 */
int tool_memmap_merge(tool_memmap_t *dst, const tool_memmap_t *src, tool_memmap_conflict_t *conflict);

/** Total number of bytes present. */
uint64_t tool_memmap_size(const tool_memmap_t *map);

/**
 * Lowest address present in *lo and one past the highest in *end.
 * OTA_ERR_NOT_FOUND when the map is empty.
 */
int tool_memmap_bounds(const tool_memmap_t *map, uint32_t *lo, uint64_t *end);

/** Index (>= 0) of the run holding addr in map->runs, or OTA_ERR_NOT_FOUND. */
long tool_memmap_find(const tool_memmap_t *map, uint32_t addr);

/**
 * One past the highest byte present inside the window [start, end), in
 * *last_end. OTA_ERR_NOT_FOUND when the window holds no byte.
 */
int tool_memmap_last_in(const tool_memmap_t *map, uint32_t start, uint64_t end, uint64_t *last_end);

/** Receives a range [lo, end) of present bytes. Return non-zero to stop. */
typedef int (*tool_memmap_range_fn)(void *arg, uint32_t lo, uint64_t end);

/**
 * Call fn for every maximal range of present bytes outside the window
 * [start, end), in address order (for "data dropped" warnings). Returns
 * the number of ranges reported.
 */
long tool_memmap_outside(const tool_memmap_t *map, uint32_t start, uint64_t end, tool_memmap_range_fn fn, void *arg);

/** Receives the next len bytes of a window. Return OTA_OK, or an error to stop. */
typedef int (*tool_memmap_sink_fn)(void *arg, const uint8_t *data, size_t len);

/**
 * Stream the window [start, end) in address order: present bytes as they
 * are, gaps as fill. Never allocates, so a window of gigabytes costs no
 * memory. Returns OTA_OK, OTA_ERR_INVALID_ARG when end < start or end passes
 * 4 GiB, or the first error the sink returns.
 */
int tool_memmap_emit(const tool_memmap_t *map, uint32_t start, uint64_t end, uint8_t fill, tool_memmap_sink_fn sink,
                     void *arg);

/** Copy the len bytes at addr into out, gaps as fill. Same errors as tool_memmap_emit. */
int tool_memmap_read(const tool_memmap_t *map, uint32_t addr, uint8_t *out, size_t len, uint8_t fill);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_MEMMAP_H */
