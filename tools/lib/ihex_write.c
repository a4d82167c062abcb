/*
 * Intel HEX writer (see tool_ihex.h).
 */
#include "tool_ihex.h"

#include <stdbool.h>

/* ":" + 2 * (5 + 255) digits + "\n" + NUL */
#define LINE_MAX_CHARS (1 + 2 * (5 + TOOL_IHEX_RECORD_SIZE_MAX) + 2)

static int emit_record(tool_ihex_sink_fn sink, void *arg, uint8_t type, uint16_t offset, const uint8_t *data,
                       size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    char line[LINE_MAX_CHARS];
    uint8_t head[4] = { (uint8_t)len, (uint8_t)(offset >> 8), (uint8_t)offset, type };
    uint8_t sum = 0;
    size_t n = 0;
    line[n++] = ':';
    for (size_t i = 0; i < 4 + len; i++) {
        uint8_t b = i < 4 ? head[i] : data[i - 4];
        sum = (uint8_t)(sum + b);
        line[n++] = digits[b >> 4];
        line[n++] = digits[b & 0xF];
    }
    uint8_t cs = (uint8_t)(0x100 - sum);
    line[n++] = digits[cs >> 4];
    line[n++] = digits[cs & 0xF];
    line[n++] = '\n';
    return sink(arg, line, n);
}

int tool_ihex_write(const tool_memmap_t *map, const tool_ihex_write_opts_t *opt, tool_ihex_sink_fn sink, void *arg)
{
    static const tool_ihex_write_opts_t defaults = { 0 };
    if (opt == NULL) {
        opt = &defaults;
    }
    unsigned size = opt->record_size ? opt->record_size : TOOL_IHEX_RECORD_SIZE;
    if (size > TOOL_IHEX_RECORD_SIZE_MAX || sink == NULL ||
        (opt->has_start && opt->start_type != 3 && opt->start_type != 5)) {
        return OTA_ERR_INVALID_ARG;
    }
    /* Aligned records (a power-of-two size) keep diffs of two builds small. */
    bool aligned = (size & (size - 1)) == 0;
    uint32_t upper = 0; /* readers start with upper address 0 */
    for (size_t k = 0; k < map->count; k++) {
        const tool_memrun_t *r = &map->runs[k];
        uint64_t pos = r->addr;
        uint64_t end = pos + r->len;
        while (pos < end) {
            uint32_t page = (uint32_t)(pos >> 16);
            if (page != upper) {
                uint8_t ula[2] = { (uint8_t)(page >> 8), (uint8_t)page };
                int err = emit_record(sink, arg, 0x04, 0, ula, 2);
                if (err != OTA_OK) {
                    return err;
                }
                upper = page;
            }
            /* Aligned records, and never across a 64 KiB page: the 02 and 04
             * wrap rules differ there, so readers could disagree. */
            uint64_t chunk = aligned ? size - pos % size : size;
            uint64_t page_left = 0x10000u - (pos & 0xFFFFu);
            if (chunk > page_left) {
                chunk = page_left;
            }
            if (chunk > end - pos) {
                chunk = end - pos;
            }
            int err = emit_record(sink, arg, 0x00, (uint16_t)pos, r->data + (pos - r->addr), (size_t)chunk);
            if (err != OTA_OK) {
                return err;
            }
            pos += chunk;
        }
    }
    if (opt->has_start) {
        uint32_t v = opt->start_value;
        uint8_t sa[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
        int err = emit_record(sink, arg, opt->start_type, 0, sa, 4);
        if (err != OTA_OK) {
            return err;
        }
    }
    return emit_record(sink, arg, 0x01, 0, NULL, 0);
}
