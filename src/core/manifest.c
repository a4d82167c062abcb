/*
 * The manifest: its entries and the choice among them (ota_manifest.h).
 *
 * Two passes over the bytes, both bounded and non-recursive:
 *  1. ota_json_check(): the strict syntax check (json_check.c);
 *  2. jsmn tokenises the (now known good) text into a fixed stack array, and
 *     the walk below reads the "ota" array entry by entry.
 *
 * Stack: OTA_MANIFEST_MAX_TOKENS jsmntok_t (16 bytes each, 2560 bytes by
 * default), one ota_manifest_entry_t (about 240 bytes), the checker's
 * nesting bitmap of OTA_MANIFEST_MAX_TOKENS bits and a few scalars. No
 * recursion anywhere: subtrees are skipped by counting tokens.
 */
#include "ota_manifest.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ota_codec.h"
#include "ota_json.h"
#include "ota_url.h"
#include "ota_util.h"
#include "sysota/ota_error.h"
#include "ota_hex.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

/* jsmn keeps offsets in int: the whole document must fit. */
_Static_assert(OTA_MANIFEST_MAX_SIZE > 0 && OTA_MANIFEST_MAX_SIZE < INT_MAX / 2,
               "OTA_MANIFEST_MAX_SIZE must fit jsmn's int offsets");
_Static_assert(OTA_MANIFEST_MAX_TOKENS >= 4, "a manifest needs at least 4 tokens");
_Static_assert(OTA_MANIFEST_MAX_ENTRIES >= 1 && OTA_MANIFEST_MAX_ENTRIES <= 255,
               "ota_manifest_choice_t counts entries in uint8_t");

/* ------------------------------------------------------------------------ */
/* Tokens.                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Index just past the subtree rooted at token i. A token's size is its
 * number of direct children (an object's keys, a key's one value, an array's
 * elements), so the subtree holds 1 + the sum of the sizes of its tokens:
 * counting replaces recursion.
 */
static int tok_skip(const jsmntok_t *t, int ntok, int i)
{
    int remaining = 1;

    while (remaining > 0 && i < ntok) {
        remaining += t[i].size - 1;
        i++;
    }
    return i;
}

/* The text of a token. */
#define TOK_TEXT(js, t) ((js) + (t)->start), ((size_t)((t)->end - (t)->start))


/* ------------------------------------------------------------------------ */
/* Entries.                                                                 */
/* ------------------------------------------------------------------------ */

/* The keys of an entry this parser knows; any other key is ignored. */
enum entry_key {
    KEY_VERSION,
    KEY_URL,
    KEY_DIGEST,
    KEY_ERASEVER,
    KEY_SIZE,
    KEY_FLOOR,
    KEY_SIGNATURE,
    KEY_GOLDEN,
    KEY_COUNT,
    KEY_OTHER = KEY_COUNT
};

static const struct {
    const char *name;
    const char *dup_what;
} entry_keys[KEY_COUNT] = {
    [KEY_VERSION] = { "Version", "Version: duplicate key" },
    [KEY_URL] = { "URL", "URL: duplicate key" },
    [KEY_DIGEST] = { "Digest", "Digest: duplicate key" },
    [KEY_ERASEVER] = { "EraseVer", "EraseVer: duplicate key" },
    [KEY_SIZE] = { "Size", "Size: duplicate key" },
    [KEY_FLOOR] = { "Floor", "Floor: duplicate key" },
    [KEY_SIGNATURE] = { "Signature", "Signature: duplicate key" },
    [KEY_GOLDEN] = { "Golden", "Golden: duplicate key" },
};

static enum entry_key key_id(const char *js, const jsmntok_t *t)
{
    for (int k = 0; k < KEY_COUNT; k++) {
        if (ota_json_str_is(TOK_TEXT(js, t), entry_keys[k].name)) {
            return (enum entry_key)k;
        }
    }
    return KEY_OTHER;
}

/* An unsigned integer written as a plain JSON integer: digits only (the
 * syntax check already refused a leading zero before another digit). */
static bool parse_u32(const char *js, const jsmntok_t *t, uint32_t *out)
{
    return t->type == JSMN_PRIMITIVE && ota_dec_parse(TOK_TEXT(js, t), out) == OTA_OK;
}

/* 1 .. 2^32-1: versions, sizes, floors. */
static bool parse_positive(const char *js, const jsmntok_t *t, uint32_t *out)
{
    return parse_u32(js, t, out) && *out != 0;
}

static bool primitive_is(const char *js, const jsmntok_t *t, const char *word)
{
    size_t n = strlen(word);

    return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
           memcmp(js + t->start, word, n) == 0;
}

/* true or false. */
static bool parse_bool(const char *js, const jsmntok_t *t, bool *out)
{
    *out = primitive_is(js, t, "true");
    return *out || primitive_is(js, t, "false");
}

/* A string decoded into out (cap bytes with its NUL), with no NUL inside
 * ("\u0000" would cut the C string short and hide the rest). Returns its
 * length, -1 when it is not a string or holds a NUL, -2 when too long. */
static int parse_text(const char *js, const jsmntok_t *t, char *out, size_t cap)
{
    if (t->type != JSMN_STRING) {
        return -1;
    }
    int n = ota_json_str_decode(TOK_TEXT(js, t), out, cap);
    if (n < 0) {
        return -2;
    }
    return strlen(out) == (size_t)n ? n : -1;
}

/*
 * The values of the known keys of the object at obj, into val[] (token
 * index of each value, -1 when absent). A duplicate key is refused, not
 * resolved: parsers disagree on which copy wins, and an object that means
 * two things to two readers (a proxy, the tools, this device) must mean
 * nothing. Returns true, or false with *dup the known key given twice
 * (nkeys when an unknown one is).
 */
static bool collect_keys(const char *js, const jsmntok_t *t, int ntok, int obj, int *val, int nkeys,
                         int (*id_of)(const char *, const jsmntok_t *), int *dup)
{
    int k = obj + 1;

    for (int i = 0; i < nkeys; i++) {
        val[i] = -1;
    }
    for (int m = 0; m < t[obj].size && k < ntok; m++) {
        int id = id_of(js, &t[k]);
        if (id < nkeys) {
            if (val[id] >= 0) {
                *dup = id;
                return false;
            }
            val[id] = k + 1;
        } else {
            for (int j = obj + 1; j < k; j = tok_skip(t, ntok, j)) {
                if (ota_json_str_equal(TOK_TEXT(js, &t[j]), TOK_TEXT(js, &t[k]))) {
                    *dup = nkeys;
                    return false;
                }
            }
        }
        k = tok_skip(t, ntok, k);
    }
    return true;
}

static int entry_key_id(const char *js, const jsmntok_t *t)
{
    return (int)key_id(js, t);
}

/* The image's URL, checked for a usable store name. */
static int parse_url(const char *js, const jsmntok_t *u, ota_manifest_entry_t *e, const char **what)
{
    char name[OTA_STORE_NAME_MAX + 1];
    int n = parse_text(js, u, e->url, sizeof e->url);

    if (n == -2) {
        *what = "URL: longer than OTA_URL_MAX";
        return OTA_ERR_TOO_LARGE;
    }
    if (n < 0) {
        if (u->type != JSMN_STRING) {
            *what = "URL: not a string";
            return OTA_ERR_ENTRY;
        }
        *what = "URL: space, control, backslash or non-ASCII character";
        return OTA_ERR_URL;
    }
    return ota_url_name(e->url, name, sizeof name, what);
}

/* A SHA-256 digest written as 64 hex digits. */
static bool parse_digest(const char *js, const jsmntok_t *d, uint8_t out[OTA_SHA256_LEN])
{
    char hex[2 * OTA_SHA256_LEN + 1];
    return parse_text(js, d, hex, sizeof hex) == 2 * OTA_SHA256_LEN &&
           ota_hex_decode(hex, 2 * OTA_SHA256_LEN, out, OTA_SHA256_LEN) == OTA_OK;
}

/* A raw r||s signature written in base64 (88 characters), as the original's Secure OTA writes it. */
static bool parse_signature(const char *js, const jsmntok_t *t, uint8_t out[OTA_SIG_LEN])
{
    char text[(OTA_SIG_LEN + 2) / 3 * 4 + 1];
    size_t n = 0;
    int len = parse_text(js, t, text, sizeof text);
    return len > 0 && ota_base64_decode(text, (size_t)len, out, OTA_SIG_LEN, &n) == OTA_OK && n == OTA_SIG_LEN;
}

/* Fill e from the object token at obj. Returns OTA_OK, or a reason with *what set. */
static int parse_entry(const char *js, const jsmntok_t *t, int ntok, int obj, ota_manifest_entry_t *e,
                       const char **what)
{
    int val[KEY_COUNT];

    if (t[obj].type != JSMN_OBJECT) {
        *what = "entry: not an object";
        return OTA_ERR_ENTRY;
    }
    int dup;
    if (!collect_keys(js, t, ntok, obj, val, KEY_COUNT, entry_key_id, &dup)) {
        *what = dup < KEY_COUNT ? entry_keys[dup].dup_what : "entry: duplicate key";
        return OTA_ERR_ENTRY;
    }

    memset(e, 0, sizeof *e);
    if (val[KEY_VERSION] < 0) {
        *what = "Version: missing";
        return OTA_ERR_ENTRY;
    }
    if (!parse_positive(js, &t[val[KEY_VERSION]], &e->version)) {
        *what = "Version: not an integer in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_ERASEVER] >= 0 && !parse_bool(js, &t[val[KEY_ERASEVER]], &e->erase)) {
        *what = "EraseVer: not true or false";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_GOLDEN] >= 0 && !parse_bool(js, &t[val[KEY_GOLDEN]], &e->golden)) {
        *what = "Golden: not true or false";
        return OTA_ERR_ENTRY;
    }
    if (e->golden && e->erase) {
        *what = "Golden: an erase request cannot replace the golden image";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_URL] >= 0) {
        int err = parse_url(js, &t[val[KEY_URL]], e, what);
        if (err != OTA_OK) {
            return err;
        }
    } else if (!e->erase) {
        *what = "URL: missing";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_DIGEST] >= 0) {
        if (t[val[KEY_DIGEST]].type != JSMN_STRING) {
            *what = "Digest: not a string";
            return OTA_ERR_ENTRY;
        }
        if (!parse_digest(js, &t[val[KEY_DIGEST]], e->digest)) {
            *what = "Digest: not 64 hex digits";
            return OTA_ERR_ENTRY;
        }
        e->has_digest = true;
    } else if (!e->erase) {
        *what = "Digest: missing";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_SIZE] >= 0 && !parse_positive(js, &t[val[KEY_SIZE]], &e->size)) {
        *what = "Size: not an integer in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_FLOOR] >= 0 && !parse_positive(js, &t[val[KEY_FLOOR]], &e->floor)) {
        *what = "Floor: not a version in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_SIGNATURE] >= 0) {
        if (!parse_signature(js, &t[val[KEY_SIGNATURE]], e->signature)) {
            *what = "Signature: not the base64 of 64 bytes";
            return OTA_ERR_ENTRY;
        }
        e->has_signature = true;
    }
    return OTA_OK;
}

/* The keys of the top-level object this parser knows. */
enum doc_key { DOC_OTA, DOC_SEQUENCE, DOC_HARDWARE_ID, DOC_EXPIRES, DOC_COUNT };

static int doc_key_id(const char *js, const jsmntok_t *t)
{
    static const char *const names[DOC_COUNT] = { "ota", "Sequence", "HardwareId", "Expires" };
    for (int k = 0; k < DOC_COUNT; k++) {
        if (ota_json_str_is(TOK_TEXT(js, t), names[k])) {
            return k;
        }
    }
    return DOC_COUNT;
}

/*
 * The manifest's own keys. A bad value of one of them refuses the whole
 * document (OTA_ERR_MANIFEST): they say which device and which moment the
 * manifest is for, so no entry may be read under a doubt about them.
 */
static int parse_header(const char *js, const int *val, const jsmntok_t *t, ota_manifest_header_t *h)
{
    char text[40];

    memset(h, 0, sizeof *h);
    if (val[DOC_SEQUENCE] >= 0) {
        if (!parse_u32(js, &t[val[DOC_SEQUENCE]], &h->sequence)) {
            return OTA_ERR_MANIFEST;
        }
        h->has_sequence = true;
    }
    if (val[DOC_HARDWARE_ID] >= 0) {
        if (parse_text(js, &t[val[DOC_HARDWARE_ID]], h->hardware_id, sizeof h->hardware_id) <= 0) {
            return OTA_ERR_MANIFEST;
        }
        h->has_hardware_id = true;
    }
    if (val[DOC_EXPIRES] >= 0) {
        int n = parse_text(js, &t[val[DOC_EXPIRES]], text, sizeof text);
        if (n <= 0 || ota_rfc3339_parse(text, (size_t)n, &h->expires) != OTA_OK) {
            return OTA_ERR_MANIFEST;
        }
        h->has_expires = true;
    }
    return OTA_OK;
}

/* ------------------------------------------------------------------------ */
/* Document.                                                                */
/* ------------------------------------------------------------------------ */

int ota_manifest_parse(const char *json, size_t len, ota_manifest_header_t *header, ota_manifest_entry_cb cb,
                       void *arg)
{
    jsmntok_t tok[OTA_MANIFEST_MAX_TOKENS];
    jsmn_parser parser;
    ota_manifest_entry_t entry;
    size_t pos = 0;
    int ntok;
    int err;

    if (json == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    /* Checked before reading a byte: len may describe a buffer larger than we accept. */
    if (len > OTA_MANIFEST_MAX_SIZE) {
        return OTA_ERR_TOO_LARGE;
    }
    /* A UTF-8 byte order mark, as Windows editors save a file, is not JSON
     * but says nothing either: skip it, as the original's parser does. */
    if (len >= 3 && (unsigned char)json[0] == 0xEFu && (unsigned char)json[1] == 0xBBu &&
        (unsigned char)json[2] == 0xBFu) {
        json += 3;
        len -= 3;
    }
    err = ota_json_check(json, len);
    if (err != OTA_OK) {
        return err;
    }
    while (ota_json_is_ws(json[pos])) {
        pos++; /* validated: a value follows, so this stops inside the buffer */
    }
    if (json[pos] != '{') {
        return OTA_ERR_MANIFEST;
    }

    jsmn_init(&parser);
    ntok = jsmn_parse(&parser, json, len, tok, OTA_MANIFEST_MAX_TOKENS);
    if (ntok == JSMN_ERROR_NOMEM) {
        return OTA_ERR_TOO_LARGE;
    }
    if (ntok < 1 || tok[0].type != JSMN_OBJECT) {
        return OTA_ERR_JSON; /* cannot happen after ota_json_check(); kept as a guard */
    }

    /* The top-level keys; any known one twice is ambiguous, so not a manifest. */
    int val[DOC_COUNT];
    int dup;
    ota_manifest_header_t local;
    if (!collect_keys(json, tok, ntok, 0, val, DOC_COUNT, doc_key_id, &dup)) {
        return OTA_ERR_MANIFEST;
    }
    int arr = val[DOC_OTA];
    if (arr < 0 || tok[arr].type != JSMN_ARRAY) {
        return OTA_ERR_MANIFEST;
    }
    err = parse_header(json, val, tok, header != NULL ? header : &local);
    if (err != OTA_OK) {
        return err;
    }

    int el = arr + 1;
    for (int index = 0; index < tok[arr].size && el < ntok; index++) {
        const char *what = NULL;
        if (index >= OTA_MANIFEST_MAX_ENTRIES) {
            err = OTA_ERR_FULL;
            what = "entry: beyond OTA_MANIFEST_MAX_ENTRIES";
        } else {
            err = parse_entry(json, tok, ntok, el, &entry, &what);
        }
        if (cb != NULL && cb(arg, (unsigned)index, err == OTA_OK ? &entry : NULL, err,
                             err == OTA_OK ? NULL : what) != 0) {
            break;
        }
        el = tok_skip(tok, ntok, el);
    }
    return OTA_OK;
}

/* ------------------------------------------------------------------------ */
/* Choice.                                                                  */
/* ------------------------------------------------------------------------ */

struct choose_ctx {
    ota_manifest_choice_t *out;
    const ota_manifest_policy_t *policy;
};

static void choose_reject(ota_manifest_choice_t *out, unsigned index, int err, const char *what)
{
    if (out->first_reject_err == OTA_OK) {
        out->first_reject_err = err;
        out->first_reject_what = what;
        out->first_reject_index = index;
    }
    if (out->rejected < UINT8_MAX) {
        out->rejected++;
    }
}

/* True when a is the better choice than b: a Golden replacement first, then
 * the higher version; among equals the first entry stays. */
static bool choose_better(const ota_manifest_entry_t *a, const ota_manifest_entry_t *b)
{
    if (a->golden != b->golden) {
        return a->golden;
    }
    return a->version > b->version;
}

static int choose_cb(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err, const char *what)
{
    struct choose_ctx *ctx = arg;
    ota_manifest_choice_t *out = ctx->out;
    const ota_manifest_policy_t *p = ctx->policy;

    if (err == OTA_OK && !entry->erase && p->need_signature && !entry->has_signature) {
        err = OTA_ERR_UNSIGNED;
        what = "Signature: missing (this device takes signed images only)";
    } else if (err == OTA_OK && !entry->erase && entry->version < p->floor) {
        err = OTA_ERR_DOWNGRADE;
        what = "Version: below the device's floor";
    }
    if (err != OTA_OK) {
        choose_reject(out, index, err, what);
        return 0;
    }
    out->accepted++; /* at most OTA_MANIFEST_MAX_ENTRIES <= 255 */
    if (entry->erase) {
        for (unsigned i = 0; i < out->erase_count; i++) {
            if (out->erase[i] == entry->version) {
                return 0;
            }
        }
        out->erase[out->erase_count++] = entry->version;
        return 0;
    }
    bool wanted = entry->golden ? entry->version > p->golden : entry->version > p->running;
    if (wanted && (!out->has_update || choose_better(entry, &out->update))) {
        out->update = *entry;
        out->has_update = true;
    }
    return 0;
}

int ota_manifest_choose(const char *json, size_t len, const ota_manifest_policy_t *policy,
                        ota_manifest_choice_t *out)
{
    struct choose_ctx ctx;
    int err;

    if (out == NULL || policy == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    out->first_reject_err = OTA_OK;
    ctx.out = out;
    ctx.policy = policy;
    err = ota_manifest_parse(json, len, &out->header, choose_cb, &ctx);
    if (err != OTA_OK) {
        memset(out, 0, sizeof *out);
        out->first_reject_err = OTA_OK;
    }
    return err;
}
