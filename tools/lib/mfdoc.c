/*
 * Manifest documents for the host tools (see ota_mfdoc.h).
 */
#include "ota_mfdoc.h"
#include "ota_manifest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ota_mfdoc_init(ota_mfdoc_t *doc)
{
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
    int err = ota_manifest_parse(json, len, NULL, load_entry, &c);
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

int ota_mfdoc_format(const ota_mfdoc_t *doc, char *buf, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    struct out o = { buf, cap, 0, cap == 0 };
    if (cap > 0) {
        buf[0] = '\0';
    }
    puts_(&o, "{\n  \"ota\": [");
    for (size_t i = 0; i < doc->count; i++) {
        const ota_manifest_entry_t *e = &doc->entries[i];
        char num[16];
        puts_(&o, i == 0 ? "\n    { \"Version\": " : ",\n    { \"Version\": ");
        snprintf(num, sizeof num, "%lu", (unsigned long)e->version);
        puts_(&o, num);
        if (e->url[0] != '\0') {
            puts_(&o, ", \"URL\": ");
            put_string(&o, e->url);
        }
        if (e->has_digest) {
            char hex[2 * OTA_SHA256_LEN + 1];
            for (size_t k = 0; k < OTA_SHA256_LEN; k++) {
                hex[2 * k] = digits[e->digest[k] >> 4];
                hex[2 * k + 1] = digits[e->digest[k] & 0xF];
            }
            hex[2 * OTA_SHA256_LEN] = '\0';
            puts_(&o, ", \"Digest\": ");
            put_string(&o, hex);
        }
        puts_(&o, e->erase ? ", \"EraseVer\": true }" : ", \"EraseVer\": false }");
    }
    puts_(&o, doc->count > 0 ? "\n  ]\n}\n" : "]\n}\n");
    if (o.full) {
        return OTA_ERR_TOO_LARGE;
    }
    return (int)o.len;
}
