/*
 * Independent Intel HEX generator for the tests (see hexgen.h).
 */
#include "hexgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_test_util.h"

void hg_image_free(hg_image_t *img)
{
    for (size_t i = 0; i < img->count; i++) {
        free(img->chunks[i].data);
    }
    free(img->chunks);
    memset(img, 0, sizeof *img);
}

void hg_records_free(hg_records_t *r)
{
    free(r->recs);
    memset(r, 0, sizeof *r);
}

hg_chunk_t *hg_image_add(hg_image_t *img, uint32_t addr, uint32_t len, uint64_t *rng)
{
    uint64_t end = (uint64_t)addr + len;
    if (len == 0 || end > ((uint64_t)1 << 32)) {
        return NULL;
    }
    for (size_t i = 0; i < img->count; i++) {
        uint64_t a = img->chunks[i].addr, e = a + img->chunks[i].len;
        if (addr < e && a < end) {
            return NULL;
        }
    }
    if (img->count == img->cap) {
        img->cap = img->cap ? img->cap * 2 : 16;
        img->chunks = realloc(img->chunks, img->cap * sizeof *img->chunks);
    }
    hg_chunk_t *c = &img->chunks[img->count++];
    c->addr = addr;
    c->len = len;
    c->data = malloc(len);
    for (uint32_t i = 0; i < len; i++) {
        c->data[i] = (uint8_t)tt_rand(rng);
    }
    return c;
}

static hg_record_t *new_record(hg_records_t *out)
{
    if (out->count == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->recs = realloc(out->recs, out->cap * sizeof *out->recs);
    }
    hg_record_t *r = &out->recs[out->count++];
    memset(r, 0, sizeof *r);
    return r;
}

void hg_encode(hg_records_t *out, const uint8_t *data, uint32_t addr, uint32_t len, unsigned max_rec, uint64_t *rng)
{
    uint32_t done = 0;
    while (done < len) {
        uint32_t n = (uint32_t)tt_rand_range(rng, 1, max_rec);
        if (n > len - done) {
            n = len - done;
        }
        uint64_t a = (uint64_t)addr + done;
        hg_record_t *r = new_record(out);
        /* An 02 segment S reaches a..a+n-1 without wrapping when
         * a + n - 0x10000 <= 16 S <= a. */
        uint64_t s_lo = a + n > 0x10000 ? (a + n - 0x10000 + 15) / 16 : 0;
        uint64_t s_hi = a / 16;
        if (s_hi > 0xFFFF) {
            s_hi = 0xFFFF;
        }
        if (s_lo <= s_hi && tt_rand(rng) % 2 == 0) {
            uint64_t s = tt_rand_range(rng, s_lo, s_hi);
            r->base_type = 2;
            r->base_value = (uint16_t)s;
            r->offset = (uint16_t)(a - 16 * s);
        } else {
            /* Linear: an offset near 0xFFFF carries into the next page. */
            r->base_type = 4;
            r->base_value = (uint16_t)(a >> 16);
            r->offset = (uint16_t)a;
        }
        r->len = (uint8_t)n;
        memcpy(r->data, data + done, n);
        done += n;
    }
}

bool hg_add_segment_wrap(hg_image_t *img, hg_records_t *out, uint16_t seg, unsigned k1, unsigned k2, uint64_t *rng)
{
    uint32_t base = (uint32_t)seg << 4;
    uint32_t top = base + 0x10000 - k1;
    size_t before = img->count;
    hg_chunk_t *c1 = hg_image_add(img, top, k1, rng);
    if (c1 == NULL) {
        return false;
    }
    hg_chunk_t *c2 = hg_image_add(img, base, k2, rng);
    if (c2 == NULL) {
        free(img->chunks[before].data);
        img->count = before;
        return false;
    }
    c1 = &img->chunks[before]; /* the array may have moved */
    hg_record_t *r = new_record(out);
    r->base_type = 2;
    r->base_value = seg;
    r->offset = (uint16_t)(0x10000 - k1);
    r->len = (uint8_t)(k1 + k2);
    memcpy(r->data, c1->data, k1);
    memcpy(r->data + k1, c2->data, k2);
    return true;
}

bool hg_add_4g_wrap(hg_image_t *img, hg_records_t *out, unsigned k1, unsigned k2, uint64_t *rng)
{
    size_t before = img->count;
    hg_chunk_t *c1 = hg_image_add(img, (uint32_t)(0x100000000ULL - k1), k1, rng);
    if (c1 == NULL) {
        return false;
    }
    hg_chunk_t *c2 = hg_image_add(img, 0, k2, rng);
    if (c2 == NULL) {
        free(img->chunks[before].data);
        img->count = before;
        return false;
    }
    c1 = &img->chunks[before];
    hg_record_t *r = new_record(out);
    r->base_type = 4;
    r->base_value = 0xFFFF;
    r->offset = (uint16_t)(0x10000 - k1);
    r->len = (uint8_t)(k1 + k2);
    memcpy(r->data, c1->data, k1);
    memcpy(r->data + k1, c2->data, k2);
    return true;
}

void hg_shuffle(hg_records_t *r, uint64_t *rng)
{
    for (size_t i = r->count; i > 1; i--) {
        size_t j = (size_t)(tt_rand(rng) % i);
        hg_record_t t = r->recs[i - 1];
        r->recs[i - 1] = r->recs[j];
        r->recs[j] = t;
    }
}

struct text {
    char *buf;
    size_t len, cap;
};

static void put_line(struct text *t, const hg_emit_opts_t *opt, uint8_t type, uint16_t offset, const uint8_t *data,
                     unsigned n)
{
    if (t->cap - t->len < 600) {
        t->cap = t->cap * 2 + 4096;
        t->buf = realloc(t->buf, t->cap);
    }
    const char *fmt = opt->lowercase ? "%02x" : "%02X";
    unsigned sum = n + (offset >> 8) + (offset & 0xFF) + type;
    char *p = t->buf + t->len;
    p += sprintf(p, ":");
    p += sprintf(p, fmt, n);
    p += sprintf(p, fmt, offset >> 8);
    p += sprintf(p, fmt, offset & 0xFF);
    p += sprintf(p, fmt, type);
    for (unsigned i = 0; i < n; i++) {
        p += sprintf(p, fmt, data[i]);
        sum += data[i];
    }
    p += sprintf(p, fmt, (0x100 - (sum & 0xFF)) & 0xFF);
    p += sprintf(p, "%s", opt->crlf ? "\r\n" : "\n");
    t->len = (size_t)(p - t->buf);
}

char *hg_emit(const hg_records_t *r, const hg_emit_opts_t *opt, uint64_t *rng, size_t *len)
{
    struct text t = { NULL, 0, 0 };
    int cur_type = 4; /* readers start linear at base 0 */
    unsigned cur_value = 0;
    uint8_t start[4] = { 0x9D, 0x00, 0x10, 0x00 };
    for (size_t i = 0; i < r->count; i++) {
        const hg_record_t *rec = &r->recs[i];
        bool redundant = opt->redundant_bases && tt_rand(rng) % 8 == 0;
        if (rec->base_type != cur_type || rec->base_value != cur_value || redundant) {
            uint8_t v[2] = { (uint8_t)(rec->base_value >> 8), (uint8_t)rec->base_value };
            put_line(&t, opt, rec->base_type, 0, v, 2);
            cur_type = rec->base_type;
            cur_value = rec->base_value;
        }
        /* Only in linear mode: srec_cat (unlike the Intel spec, and unlike
         * us) lets a 05 record switch an 02 file to linear wrapping. */
        if (opt->start_records && cur_type == 4 && tt_rand(rng) % 16 == 0) {
            put_line(&t, opt, 5, 0, start, 4);
        }
        put_line(&t, opt, 0, rec->offset, rec->data, rec->len);
    }
    put_line(&t, opt, 1, 0, NULL, 0);
    t.buf[t.len] = '\0';
    *len = t.len;
    return t.buf;
}

bool hg_last_in(const hg_image_t *img, uint64_t start, uint64_t end, uint64_t *last_end)
{
    bool found = false;
    for (size_t i = 0; i < img->count; i++) {
        uint64_t a = img->chunks[i].addr, e = a + img->chunks[i].len;
        if (a < end && e > start) {
            uint64_t top = e < end ? e : end;
            if (!found || top > *last_end) {
                *last_end = top;
            }
            found = true;
        }
    }
    return found;
}

bool hg_bounds(const hg_image_t *img, uint32_t *lo, uint64_t *end)
{
    if (img->count == 0) {
        return false;
    }
    *lo = UINT32_MAX;
    *end = 0;
    for (size_t i = 0; i < img->count; i++) {
        uint64_t e = (uint64_t)img->chunks[i].addr + img->chunks[i].len;
        if (img->chunks[i].addr < *lo) {
            *lo = img->chunks[i].addr;
        }
        if (e > *end) {
            *end = e;
        }
    }
    return true;
}
