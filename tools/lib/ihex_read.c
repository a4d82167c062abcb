/*
 * Intel HEX reader (see tool_ihex.h for the address rules).
 */
#include "tool_ihex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_hostfile.h"

enum {
    REC_DATA = 0x00,
    REC_EOF = 0x01,
    REC_SEGMENT = 0x02,
    REC_START_SEGMENT = 0x03,
    REC_LINEAR = 0x04,
    REC_START_LINEAR = 0x05,
};

/* Bytes of a record: count, address (2), type, up to 255 data, checksum. */
#define RECORD_MAX_BYTES (1 + 2 + 1 + 255 + 1)

struct parser {
    tool_memmap_t *map;
    tool_ihex_result_t *res;
    bool segment_mode; /* the last base record was 02 */
    uint32_t base;     /* segment << 4, or upper << 16 */
    bool seen_eof;
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
fail(tool_ihex_result_t *res, int err, unsigned long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->msg, sizeof res->msg, fmt, ap);
    va_end(ap);
    res->line = line;
    return err;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* A character as it should appear in a message: printable, or escaped. */
static const char *show_char(char c, char buf[8])
{
    unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7F && u != '\'') {
        snprintf(buf, 8, "'%c'", c);
    } else {
        snprintf(buf, 8, "0x%02X", u);
    }
    return buf;
}

static int put_bytes(struct parser *p, unsigned long line, uint32_t addr, const uint8_t *data, size_t len)
{
    int err = tool_memmap_put(p->map, addr, data, len, &p->res->conflict);
    if (err == OTA_ERR_EXISTS) {
        const tool_memmap_conflict_t *c = &p->res->conflict;
        if (c->count == 1) {
            return fail(p->res, err, line,
                        "byte at 0x%08X given twice with different values (0x%02X before, 0x%02X here)",
                        (unsigned)c->first, c->old_byte, c->new_byte);
        }
        return fail(p->res, err, line,
                    "bytes at 0x%08X-0x%08X given twice with different values (%llu differ; at 0x%08X: "
                    "0x%02X before, 0x%02X here)",
                    (unsigned)c->first, (unsigned)c->last, (unsigned long long)c->count, (unsigned)c->first,
                    c->old_byte, c->new_byte);
    }
    if (err != OTA_OK) {
        return fail(p->res, err, line, "out of memory");
    }
    return OTA_OK;
}

/* The data of one 00 record, split where its addresses wrap. */
static int put_data(struct parser *p, unsigned long line, uint16_t offset, const uint8_t *data, size_t len)
{
    if (p->segment_mode) {
        /* Wraps within the 64 KiB segment: the 16-bit offset overflows. */
        size_t first = 0x10000u - offset;
        if (first > len) {
            first = len;
        }
        int err = put_bytes(p, line, p->base + offset, data, first);
        if (err == OTA_OK && first < len) {
            err = put_bytes(p, line, p->base, data + first, len - first);
        }
        return err;
    }
    /* Linear: carries into the next page; wraps only at 4 GiB. */
    uint64_t addr = (uint64_t)p->base + offset;
    size_t first = len;
    if (addr + len > TOOL_MEMMAP_END) {
        first = (size_t)(TOOL_MEMMAP_END - addr);
    }
    int err = put_bytes(p, line, (uint32_t)addr, data, first);
    if (err == OTA_OK && first < len) {
        err = put_bytes(p, line, 0, data + first, len - first);
    }
    return err;
}

static const char *type_name(unsigned type)
{
    switch (type) {
    case REC_EOF:
        return "end of file";
    case REC_SEGMENT:
        return "extended segment address";
    case REC_START_SEGMENT:
        return "start segment address";
    case REC_LINEAR:
        return "extended linear address";
    case REC_START_LINEAR:
        return "start linear address";
    default:
        return "data";
    }
}

static int parse_record(struct parser *p, unsigned long line, const char *s, size_t n)
{
    tool_ihex_result_t *res = p->res;
    char cbuf[8];
    if (s[0] != ':') {
        return fail(res, OTA_ERR_CORRUPT, line, "a record must start with ':', found %s at column 1",
                    show_char(s[0], cbuf));
    }
    for (size_t i = 1; i < n; i++) {
        if (hex_value(s[i]) < 0) {
            return fail(res, OTA_ERR_CORRUPT, line, "non-hex character %s at column %zu", show_char(s[i], cbuf), i + 1);
        }
    }
    size_t digits = n - 1;
    if (digits % 2 != 0) {
        return fail(res, OTA_ERR_CORRUPT, line, "odd number of hex digits (%zu)", digits);
    }
    if (digits < 10) {
        return fail(res, OTA_ERR_CORRUPT, line, "record too short: %zu hex digits, a record has at least 10", digits);
    }
    if (digits / 2 > RECORD_MAX_BYTES) {
        return fail(res, OTA_ERR_CORRUPT, line, "record too long: %zu bytes, at most %d", digits / 2, RECORD_MAX_BYTES);
    }
    uint8_t rec[RECORD_MAX_BYTES];
    size_t nbytes = digits / 2;
    uint8_t sum = 0;
    for (size_t i = 0; i < nbytes; i++) {
        rec[i] = (uint8_t)(hex_value(s[1 + 2 * i]) << 4 | hex_value(s[2 + 2 * i]));
        sum = (uint8_t)(sum + rec[i]);
    }
    size_t count = rec[0];
    if (nbytes != count + 5) {
        return fail(res, OTA_ERR_CORRUPT, line,
                    "length mismatch: the byte count says %zu data bytes, the record holds %zu", count, nbytes - 5);
    }
    if (sum != 0) {
        uint8_t want = (uint8_t)(rec[nbytes - 1] - sum); /* what would have made the sum 0 */
        return fail(res, OTA_ERR_CORRUPT, line, "checksum mismatch: the record says 0x%02X, its bytes need 0x%02X",
                    rec[nbytes - 1], want);
    }
    uint16_t offset = (uint16_t)(rec[1] << 8 | rec[2]);
    unsigned type = rec[3];
    const uint8_t *data = &rec[4];
    res->records++;

    static const size_t want_len[] = { 0, 0, 2, 4, 2, 4 };
    if (type > REC_START_LINEAR) {
        return fail(res, OTA_ERR_CORRUPT, line, "unknown record type 0x%02X (only 00-05 exist)", type);
    }
    if (type != REC_DATA && count != want_len[type]) {
        return fail(res, OTA_ERR_CORRUPT, line, "record type %02X (%s) must hold %zu data bytes, not %zu", type,
                    type_name(type), want_len[type], count);
    }
    switch (type) {
    case REC_DATA:
        res->data_bytes += count;
        return put_data(p, line, offset, data, count);
    case REC_EOF:
        p->seen_eof = true;
        return OTA_OK;
    case REC_SEGMENT:
        p->segment_mode = true;
        p->base = (uint32_t)(data[0] << 8 | data[1]) << 4;
        return OTA_OK;
    case REC_LINEAR:
        p->segment_mode = false;
        p->base = (uint32_t)(data[0] << 8 | data[1]) << 16;
        return OTA_OK;
    default: { /* 03, 05: where to start executing; no data */
        uint32_t value = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        if (!res->has_start) {
            res->has_start = true;
            res->start_type = (uint8_t)type;
            res->start_value = value;
        } else if (res->start_type != type || res->start_value != value) {
            res->start_differs++;
        }
        return OTA_OK;
    }
    }
}

int tool_ihex_parse(const char *text, size_t len, tool_memmap_t *map, tool_ihex_result_t *res)
{
    memset(res, 0, sizeof *res);
    struct parser p = { .map = map, .res = res };
    unsigned long line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        line++;
        if (n > 0 && text[pos + n - 1] == '\r') {
            n--;
        }
        if (n > 0) {
            if (p.seen_eof) {
                return fail(res, OTA_ERR_CORRUPT, line, "text after the end-of-file record");
            }
            int err = parse_record(&p, line, text + pos, n);
            if (err != OTA_OK) {
                return err;
            }
        }
        pos = end + 1;
    }
    if (line == 0) {
        return fail(res, OTA_ERR_CORRUPT, 1, "empty file: no records, no end-of-file record");
    }
    if (!p.seen_eof) {
        return fail(res, OTA_ERR_CORRUPT, line, "no end-of-file record (:00000001FF) by the last line");
    }
    return OTA_OK;
}

int tool_ihex_load(const char *path, tool_memmap_t *map, tool_ihex_result_t *res)
{
    char *text;
    size_t len;
    int err = tool_hostfile_read(path, &text, &len);
    if (err != OTA_OK) {
        memset(res, 0, sizeof *res);
        const char *why = err == OTA_ERR_NO_SPACE ? "out of memory" : strerror(errno);
        return fail(res, err == OTA_ERR_NO_SPACE ? err : OTA_ERR_IO, 0, "cannot read: %s", why);
    }
    err = tool_ihex_parse(text, len, map, res);
    free(text);
    return err;
}
