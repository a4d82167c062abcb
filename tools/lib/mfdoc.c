/*
 * Manifest documents for the host tools (see ota_mfdoc.h).
 */
#include "ota_mfdoc.h"
#include "ota_codec.h"
#include "ota_hex.h"
#include "ota_manifest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ota_mfdoc_init(ota_mfdoc_t *doc)
{
    memset(&doc->header, 0, sizeof doc->header);
    doc->entries = NULL;
    doc->index = NULL;
    doc->count = 0;
    doc->cap = 0;
}

void ota_mfdoc_free(ota_mfdoc_t *doc)
{
    free(doc->entries);
    free(doc->index);
    ota_mfdoc_init(doc);
}

static int append(ota_mfdoc_t *doc, const ota_manifest_entry_t *e, unsigned index)
{
    if (doc->count == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 8;
        ota_manifest_entry_t *grown = realloc(doc->entries, cap * sizeof *grown);
        if (grown == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        doc->entries = grown;
        unsigned *grown_index = realloc(doc->index, cap * sizeof *grown_index);
        if (grown_index == NULL) {
            return OTA_ERR_NO_SPACE; /* entries grew: harmless, cap stays */
        }
        doc->index = grown_index;
        doc->cap = cap;
    }
    doc->index[doc->count] = index;
    doc->entries[doc->count++] = *e;
    return OTA_OK;
}

struct load_ctx {
    ota_mfdoc_t *doc;
    ota_mfdoc_problem_fn fn;
    void *arg;
    unsigned rejected;
    int err;
};

static int load_entry(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err, const char *what)
{
    struct load_ctx *c = arg;
    if (err != OTA_OK) {
        c->rejected++;
        if (c->fn != NULL) {
            c->fn(c->arg, index, err, what != NULL ? what : ota_err_describe(err));
        }
        return 0;
    }
    c->err = append(c->doc, entry, index);
    return c->err != OTA_OK; /* out of memory: stop */
}

int ota_mfdoc_load(ota_mfdoc_t *doc, const char *json, size_t len, ota_mfdoc_problem_fn fn, void *arg,
                   unsigned *rejected)
{
    struct load_ctx c = { doc, fn, arg, 0, OTA_OK };
    ota_manifest_header_t header;
    int err = ota_manifest_parse(json, len, &header, load_entry, &c);
    if (err == OTA_OK) {
        doc->header = header;
    }
    if (rejected != NULL) {
        *rejected = c.rejected;
    }
    return c.err != OTA_OK ? c.err : err;
}

int ota_mfdoc_set(ota_mfdoc_t *doc, const ota_manifest_entry_t *e)
{
    size_t first = doc->count;
    for (size_t i = 0; i < doc->count; i++) {
        if (doc->entries[i].version == e->version) {
            first = i;
            break;
        }
    }
    if (first == doc->count) {
        int err = append(doc, e, (unsigned)doc->count);
        return err != OTA_OK ? err : 0;
    }
    doc->entries[first] = *e;
    size_t kept = first + 1;
    for (size_t i = first + 1; i < doc->count; i++) {
        if (doc->entries[i].version != e->version) {
            doc->index[kept] = doc->index[i];
            doc->entries[kept++] = doc->entries[i];
        }
    }
    doc->count = kept;
    return 1;
}

struct out {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || o->cap - o->len <= n) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* A JSON string. The device's parser refuses URLs with characters that need
 * escaping, but the document must be valid JSON whatever it holds. */
static void put_string(struct out *o, const char *s)
{
    put(o, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(o, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(o, esc, 6);
        } else {
            put(o, (const char *)&c, 1);
        }
    }
    put(o, "\"", 1);
}

int ota_mfdoc_time_text(uint64_t seconds, char out[OTA_MFDOC_TIME_SIZE])
{
    /* 9999-12-31T23:59:59Z, the last instant RFC 3339's four-digit year holds */
    const uint64_t last = 253402300799u;
    time_t t = (time_t)seconds;
    struct tm tm;
    char text[64]; /* roomier than any struct tm prints, so the compiler sees no truncation */

    out[0] = '\0';
    if (seconds > last || gmtime_r(&t, &tm) == NULL) {
        return OTA_ERR_RANGE;
    }
    int n = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != OTA_MFDOC_TIME_SIZE - 1) {
        return OTA_ERR_RANGE;
    }
    memcpy(out, text, OTA_MFDOC_TIME_SIZE);
    return OTA_OK;
}

static void put_u32(struct out *o, uint32_t v)
{
    char num[16];
    snprintf(num, sizeof num, "%lu", (unsigned long)v);
    puts_(o, num);
}

/* The manifest's own keys, each on its own line before "ota". */
static void put_header(struct out *o, const ota_manifest_header_t *h)
{
    if (h->has_sequence) {
        puts_(o, "\n  \"Sequence\": ");
        put_u32(o, h->sequence);
        puts_(o, ",");
    }
    if (h->has_hardware_id) {
        puts_(o, "\n  \"HardwareId\": ");
        put_string(o, h->hardware_id);
        puts_(o, ",");
    }
    if (h->has_expires) {
        char when[OTA_MFDOC_TIME_SIZE];
        if (ota_mfdoc_time_text(h->expires, when) != OTA_OK) {
            o->full = true; /* the parser never yields such a time; refuse rather than drop it */
            return;
        }
        puts_(o, "\n  \"Expires\": ");
        put_string(o, when);
        puts_(o, ",");
    }
}

static void put_entry(struct out *o, const ota_manifest_entry_t *e)
{
    puts_(o, "{ \"Version\": ");
    put_u32(o, e->version);
    if (e->url[0] != '\0') {
        puts_(o, ", \"URL\": ");
        put_string(o, e->url);
    }
    if (e->has_digest) {
        char hex[2 * OTA_SHA256_LEN + 1];
        (void)ota_hex_encode(e->digest, OTA_SHA256_LEN, hex);
        puts_(o, ", \"Digest\": ");
        put_string(o, hex);
    }
    if (e->size != 0) {
        puts_(o, ", \"Size\": ");
        put_u32(o, e->size);
    }
    if (e->floor != 0) {
        puts_(o, ", \"Floor\": ");
        put_u32(o, e->floor);
    }
    if (e->golden) {
        puts_(o, ", \"Golden\": true");
    }
    puts_(o, e->erase ? ", \"EraseVer\": true" : ", \"EraseVer\": false");
    if (e->has_signature) {
        char b64[(OTA_SIG_LEN + 2) / 3 * 4 + 1];
        (void)ota_base64_encode(e->signature, OTA_SIG_LEN, b64, sizeof b64);
        puts_(o, ", \"Signature\": ");
        put_string(o, b64);
    }
    puts_(o, " }");
}

int ota_mfdoc_format(const ota_mfdoc_t *doc, char *buf, size_t cap)
{
    struct out o = { buf, cap, 0, cap == 0 };
    if (cap > 0) {
        buf[0] = '\0';
    }
    puts_(&o, "{");
    put_header(&o, &doc->header);
    puts_(&o, "\n  \"ota\": [");
    for (size_t i = 0; i < doc->count; i++) {
        puts_(&o, i == 0 ? "\n    " : ",\n    ");
        put_entry(&o, &doc->entries[i]);
    }
    puts_(&o, doc->count > 0 ? "\n  ]\n}\n" : "]\n}\n");
    if (o.full) {
        return OTA_ERR_TOO_LARGE;
    }
    return (int)o.len;
}
