/*
 * Manifest documents for the host tools (see tool_mfdoc.h).
 */
#include "tool_mfdoc.h"
#include "ota_codec.h"
#include "ota_hex.h"
#include "ota_json.h"
#include "ota_manifest.h"
#include "ota_util.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void tool_mfdoc_init(tool_mfdoc_t *doc)
{
    memset(&doc->header, 0, sizeof doc->header);
    doc->entries = NULL;
    doc->patches = NULL;
    doc->index = NULL;
    doc->count = 0;
    doc->cap = 0;
}

void tool_mfdoc_free(tool_mfdoc_t *doc)
{
    free(doc->entries);
    free(doc->patches);
    free(doc->index);
    tool_mfdoc_init(doc);
}

static int append(tool_mfdoc_t *doc, const ota_manifest_entry_t *e, unsigned index)
{
    if (doc->count == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 8;
        ota_manifest_entry_t *grown = realloc(doc->entries, cap * sizeof *grown);
        if (grown == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        doc->entries = grown;
        tool_mfdoc_patches_t *grown_patches = realloc(doc->patches, cap * sizeof *grown_patches);
        if (grown_patches == NULL) {
            return OTA_ERR_NO_SPACE; /* entries grew: harmless, cap stays */
        }
        doc->patches = grown_patches;
        unsigned *grown_index = realloc(doc->index, cap * sizeof *grown_index);
        if (grown_index == NULL) {
            return OTA_ERR_NO_SPACE;
        }
        doc->index = grown_index;
        doc->cap = cap;
    }
    doc->index[doc->count] = index;
    doc->patches[doc->count].count = 0;
    doc->entries[doc->count++] = *e;
    return OTA_OK;
}

struct load_ctx {
    tool_mfdoc_t *doc;
    tool_mfdoc_problem_fn fn;
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

/* ---- the "Patch" records ------------------------------------------------ */

/* The token just past the subtree rooted at token i (a token's size is its
 * count of direct children). */
static int tok_next(const jsmntok_t *t, int ntok, int i)
{
    for (int remaining = 1; remaining > 0 && i < ntok; i++) {
        remaining += t[i].size - 1;
    }
    return i;
}

static bool tok_is(const char *js, const jsmntok_t *t, const char *word)
{
    return t->type == JSMN_STRING && ota_json_str_is(js + t->start, (size_t)(t->end - t->start), word);
}

/* A JSON number 1..2^32-1 written as plain digits. */
static bool tok_positive(const char *js, const jsmntok_t *t, uint32_t *out)
{
    return t->type == JSMN_PRIMITIVE && ota_dec_parse(js + t->start, (size_t)(t->end - t->start), out) == OTA_OK &&
           *out > 0;
}

/* A string value decoded into out (cap bytes); false when it does not fit. */
static bool tok_text(const char *js, const jsmntok_t *t, char *out, size_t cap)
{
    return t->type == JSMN_STRING && ota_json_str_decode(js + t->start, (size_t)(t->end - t->start), out, cap) >= 0;
}

static bool tok_digest(const char *js, const jsmntok_t *t, uint8_t out[OTA_SHA256_LEN])
{
    char hex[2 * OTA_SHA256_LEN + 1];
    return tok_text(js, t, hex, sizeof hex) && ota_hex_decode(hex, strlen(hex), out, OTA_SHA256_LEN) == OTA_OK;
}

enum { PK_BASE_VERSION, PK_BASE_DIGEST, PK_URL, PK_PATCH_DIGEST, PK_TARGET_DIGEST, PK_FORMAT, PK_SIZE, PK_COUNT };
static const char *const patch_keys[PK_COUNT] = { "BaseVersion",  "BaseVerDigest", "PatchURL", "PatchDigest",
                                                  "TargetDigest", "Format",        "PatchSize" };

/* One record (the object at token obj): NULL, or what is wrong with it. */
static const char *read_patch(const char *js, const jsmntok_t *t, int ntok, int obj, tool_mfdoc_patch_t *p)
{
    int val[PK_COUNT];
    char name[OTA_STORE_NAME_MAX + 1];

    if (t[obj].type != JSMN_OBJECT) {
        return "not an object";
    }
    for (int k = 0; k < PK_COUNT; k++) {
        val[k] = -1;
    }
    int key = obj + 1;
    for (int m = 0; m < t[obj].size; m++, key = tok_next(t, ntok, key)) {
        for (int j = obj + 1; j < key; j = tok_next(t, ntok, j)) {
            if (ota_json_str_equal(js + t[j].start, (size_t)(t[j].end - t[j].start), js + t[key].start,
                                   (size_t)(t[key].end - t[key].start))) {
                return "a key given twice";
            }
        }
        for (int k = 0; k < PK_COUNT; k++) {
            if (tok_is(js, &t[key], patch_keys[k])) {
                val[k] = key + 1;
            }
        }
    }
    memset(p, 0, sizeof *p);
    if (val[PK_BASE_VERSION] < 0 || !tok_positive(js, &t[val[PK_BASE_VERSION]], &p->base_version)) {
        return "BaseVersion: missing, or not an integer 1..4294967295";
    }
    if (val[PK_BASE_DIGEST] < 0 || !tok_digest(js, &t[val[PK_BASE_DIGEST]], p->base_digest)) {
        return "BaseVerDigest: missing, or not 64 hex digits";
    }
    if (val[PK_PATCH_DIGEST] < 0 || !tok_digest(js, &t[val[PK_PATCH_DIGEST]], p->patch_digest)) {
        return "PatchDigest: missing, or not 64 hex digits";
    }
    if (val[PK_TARGET_DIGEST] < 0 || !tok_digest(js, &t[val[PK_TARGET_DIGEST]], p->target_digest)) {
        return "TargetDigest: missing, or not 64 hex digits";
    }
    if (val[PK_URL] < 0 || !tok_text(js, &t[val[PK_URL]], p->url, sizeof p->url) ||
        ota_url_file_name(p->url, name, sizeof name) != OTA_OK) {
        return "PatchURL: missing, longer than OTA_URL_MAX, or naming no file a device can store";
    }
    if (val[PK_FORMAT] >= 0) {
        if (tok_is(js, &t[val[PK_FORMAT]], "vcdiff")) {
            p->format = OTA_DELTA_VCDIFF;
        } else if (!tok_is(js, &t[val[PK_FORMAT]], "jojodiff")) {
            return "Format: not \"jojodiff\" or \"vcdiff\"";
        }
    }
    if (val[PK_SIZE] >= 0 && !tok_positive(js, &t[val[PK_SIZE]], &p->size)) {
        return "PatchSize: not an integer 1..4294967295";
    }
    return NULL;
}

/* The records of the entry (the object at token obj) into *out. */
static const char *read_patches(const char *js, const jsmntok_t *t, int ntok, int obj, tool_mfdoc_patches_t *out,
                                char *what, size_t what_cap)
{
    out->count = 0;
    int key = obj + 1;
    for (int m = 0; m < t[obj].size; m++, key = tok_next(t, ntok, key)) {
        if (!tok_is(js, &t[key], "Patch")) {
            continue;
        }
        int arr = key + 1;
        if (t[arr].type != JSMN_ARRAY) {
            return "Patch: not an array";
        }
        if (t[arr].size > TOOL_MFDOC_PATCHES_MAX) {
            snprintf(what, what_cap, "Patch: more than %d records", TOOL_MFDOC_PATCHES_MAX);
            return what;
        }
        int rec = arr + 1;
        for (int k = 0; k < t[arr].size; k++, rec = tok_next(t, ntok, rec)) {
            const char *bad = read_patch(js, t, ntok, rec, &out->p[k]);
            if (bad != NULL) {
                snprintf(what, what_cap, "Patch[%d]: %s", k, bad);
                return what;
            }
        }
        out->count = (unsigned)t[arr].size;
    }
    return NULL;
}

/*
 * The "Patch" records of the entries doc->entries[first..] that this load
 * appended (the device's parser, which read them, ignores that key). The
 * document is known to be well-formed and a manifest.
 */
static int load_patches(tool_mfdoc_t *doc, size_t first, const char *js, size_t len, struct load_ctx *c)
{
    jsmn_parser parser;
    jsmn_init(&parser);
    int ntok = jsmn_parse(&parser, js, len, NULL, 0);
    if (ntok <= 0) {
        return OTA_ERR_JSON;
    }
    jsmntok_t *t = malloc((size_t)ntok * sizeof *t);
    if (t == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    jsmn_init(&parser);
    ntok = jsmn_parse(&parser, js, len, t, (unsigned)ntok);
    int arr = -1;
    for (int m = 0, key = 1; ntok > 0 && m < t[0].size; m++, key = tok_next(t, ntok, key)) {
        if (tok_is(js, &t[key], "ota")) {
            arr = key + 1;
        }
    }
    size_t i = first;
    int obj = arr + 1;
    for (int k = 0; arr >= 0 && k < t[arr].size && i < doc->count; k++, obj = tok_next(t, ntok, obj)) {
        if (doc->index[i] != (unsigned)k) {
            continue; /* an element the device rejects */
        }
        char what[96];
        const char *bad = read_patches(js, t, ntok, obj, &doc->patches[i], what, sizeof what);
        if (bad != NULL) {
            c->rejected++;
            if (c->fn != NULL) {
                c->fn(c->arg, (unsigned)k, OTA_ERR_ENTRY, bad);
            }
        }
        i++;
    }
    free(t);
    return OTA_OK;
}

int tool_mfdoc_load(tool_mfdoc_t *doc, const char *json, size_t len, tool_mfdoc_problem_fn fn, void *arg,
                    unsigned *rejected)
{
    struct load_ctx c = { doc, fn, arg, 0, OTA_OK };
    ota_manifest_header_t header;
    size_t first = doc->count;
    int err = ota_manifest_parse(json, len, &header, load_entry, &c);
    if (err == OTA_OK) {
        doc->header = header;
        if (c.err == OTA_OK) {
            c.err = load_patches(doc, first, json, len, &c);
        }
    }
    if (rejected != NULL) {
        *rejected = c.rejected;
    }
    return c.err != OTA_OK ? c.err : err;
}

int tool_mfdoc_set(tool_mfdoc_t *doc, const ota_manifest_entry_t *e)
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
    const ota_manifest_entry_t *was = &doc->entries[first];
    if (!(was->has_digest && e->has_digest && memcmp(was->digest, e->digest, OTA_SHA256_LEN) == 0)) {
        doc->patches[first].count = 0; /* they rebuild another image */
    }
    doc->entries[first] = *e;
    size_t kept = first + 1;
    for (size_t i = first + 1; i < doc->count; i++) {
        if (doc->entries[i].version != e->version) {
            doc->index[kept] = doc->index[i];
            doc->patches[kept] = doc->patches[i];
            doc->entries[kept++] = doc->entries[i];
        }
    }
    doc->count = kept;
    return 1;
}

int tool_mfdoc_add_patch(tool_mfdoc_t *doc, uint32_t version, const tool_mfdoc_patch_t *p)
{
    for (size_t i = 0; i < doc->count; i++) {
        if (doc->entries[i].version != version) {
            continue;
        }
        tool_mfdoc_patches_t *ps = &doc->patches[i];
        for (unsigned k = 0; k < ps->count; k++) {
            if (ps->p[k].base_version == p->base_version) {
                ps->p[k] = *p;
                return 1;
            }
        }
        if (ps->count == TOOL_MFDOC_PATCHES_MAX) {
            return OTA_ERR_FULL;
        }
        ps->p[ps->count++] = *p;
        return 0;
    }
    return OTA_ERR_NOT_FOUND;
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

int tool_mfdoc_time_text(uint64_t seconds, char out[TOOL_MFDOC_TIME_SIZE])
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
    int n = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != TOOL_MFDOC_TIME_SIZE - 1) {
        return OTA_ERR_RANGE;
    }
    memcpy(out, text, TOOL_MFDOC_TIME_SIZE);
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
        char when[TOOL_MFDOC_TIME_SIZE];
        if (tool_mfdoc_time_text(h->expires, when) != OTA_OK) {
            o->full = true; /* the parser never yields such a time; refuse rather than drop it */
            return;
        }
        puts_(o, "\n  \"Expires\": ");
        put_string(o, when);
        puts_(o, ",");
    }
}

static void put_digest(struct out *o, const char *key, const uint8_t digest[OTA_SHA256_LEN])
{
    char hex[2 * OTA_SHA256_LEN + 1];
    (void)ota_hex_encode(digest, OTA_SHA256_LEN, hex);
    puts_(o, key);
    put_string(o, hex);
}

/* ', "Patch": [ {...}, ... ]' at the end of an entry's line. */
static void put_patches(struct out *o, const tool_mfdoc_patches_t *ps)
{
    puts_(o, ", \"Patch\": [");
    for (unsigned k = 0; k < ps->count; k++) {
        const tool_mfdoc_patch_t *p = &ps->p[k];
        puts_(o, k == 0 ? " { \"BaseVersion\": " : ", { \"BaseVersion\": ");
        put_u32(o, p->base_version);
        put_digest(o, ", \"BaseVerDigest\": ", p->base_digest);
        puts_(o, ", \"PatchURL\": ");
        put_string(o, p->url);
        put_digest(o, ", \"PatchDigest\": ", p->patch_digest);
        put_digest(o, ", \"TargetDigest\": ", p->target_digest);
        if (p->format == OTA_DELTA_VCDIFF) {
            puts_(o, ", \"Format\": \"vcdiff\"");
        }
        if (p->size != 0) {
            puts_(o, ", \"PatchSize\": ");
            put_u32(o, p->size);
        }
        puts_(o, " }");
    }
    puts_(o, " ]");
}

static void put_entry(struct out *o, const ota_manifest_entry_t *e, const tool_mfdoc_patches_t *ps)
{
    puts_(o, "{ \"Version\": ");
    put_u32(o, e->version);
    if (e->url[0] != '\0') {
        puts_(o, ", \"URL\": ");
        put_string(o, e->url);
    }
    if (e->has_digest) {
        put_digest(o, ", \"Digest\": ", e->digest);
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
    if (e->has_rollout) {
        puts_(o, ", \"Rollout\": ");
        put_u32(o, e->rollout);
    }
    puts_(o, e->erase ? ", \"EraseVer\": true" : ", \"EraseVer\": false");
    if (e->has_signature) {
        char b64[(OTA_SIG_LEN + 2) / 3 * 4 + 1];
        (void)ota_base64_encode(e->signature, OTA_SIG_LEN, b64, sizeof b64);
        puts_(o, ", \"Signature\": ");
        put_string(o, b64);
    }
    if (ps->count > 0) {
        put_patches(o, ps);
    }
    puts_(o, " }");
}

int tool_mfdoc_format(const tool_mfdoc_t *doc, char *buf, size_t cap)
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
        put_entry(&o, &doc->entries[i], &doc->patches[i]);
    }
    puts_(&o, doc->count > 0 ? "\n  ]\n}\n" : "]\n}\n");
    if (o.full) {
        return OTA_ERR_TOO_LARGE;
    }
    return (int)o.len;
}
