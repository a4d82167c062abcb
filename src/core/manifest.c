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

enum entry_key { KEY_VERSION, KEY_URL, KEY_DIGEST, KEY_ERASEVER, KEY_COUNT, KEY_OTHER = KEY_COUNT };

static const char *const key_names[KEY_COUNT] = { "Version", "URL", "Digest", "EraseVer" };
static const char *const key_dup_what[KEY_COUNT] = {
    "Version: duplicate key", "URL: duplicate key", "Digest: duplicate key", "EraseVer: duplicate key"
};

static enum entry_key key_id(const char *js, const jsmntok_t *t)
{
    for (int k = 0; k < KEY_COUNT; k++) {
        if (ota_json_str_is(TOK_TEXT(js, t), key_names[k])) {
            return (enum entry_key)k;
        }
    }
    return KEY_OTHER;
}

/* 1 .. 2^32-1 written as a plain JSON integer: digits only (the syntax check
 * already refused a leading zero before another digit). */
static bool parse_version(const char *js, const jsmntok_t *t, uint32_t *out)
{
    return t->type == JSMN_PRIMITIVE && ota_dec_parse(TOK_TEXT(js, t), out) == OTA_OK && *out != 0;
}

static bool primitive_is(const char *js, const jsmntok_t *t, const char *word)
{
    size_t n = strlen(word);

    return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
           memcmp(js + t->start, word, n) == 0;
}

/* Fill e from the object token at obj. Returns OTA_OK, or a reason with *what set. */
static int parse_entry(const char *js, const jsmntok_t *t, int ntok, int obj, ota_manifest_entry_t *e,
                       const char **what)
{
    int val[KEY_COUNT];
    int k;

    if (t[obj].type != JSMN_OBJECT) {
        *what = "entry: not an object";
        return OTA_ERR_ENTRY;
    }
    for (int i = 0; i < KEY_COUNT; i++) {
        val[i] = -1;
    }
    /*
     * A duplicate key is refused, not resolved: parsers disagree on which
     * copy wins, and an entry that means two things to two readers (a proxy,
     * the tools, this device) must mean nothing.
     */
    k = obj + 1;
    for (int m = 0; m < t[obj].size && k < ntok; m++) {
        enum entry_key id = key_id(js, &t[k]);
        if (id != KEY_OTHER) {
            if (val[id] >= 0) {
                *what = key_dup_what[id];
                return OTA_ERR_ENTRY;
            }
            val[id] = k + 1;
        } else {
            for (int j = obj + 1; j < k; j = tok_skip(t, ntok, j)) {
                if (ota_json_str_equal(TOK_TEXT(js, &t[j]), TOK_TEXT(js, &t[k]))) {
                    *what = "entry: duplicate key";
                    return OTA_ERR_ENTRY;
                }
            }
        }
        k = tok_skip(t, ntok, k);
    }

    memset(e, 0, sizeof *e);
    if (val[KEY_VERSION] < 0) {
        *what = "Version: missing";
        return OTA_ERR_ENTRY;
    }
    if (!parse_version(js, &t[val[KEY_VERSION]], &e->version)) {
        *what = "Version: not an integer in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (val[KEY_ERASEVER] >= 0) {
        if (primitive_is(js, &t[val[KEY_ERASEVER]], "true")) {
            e->erase = true;
        } else if (!primitive_is(js, &t[val[KEY_ERASEVER]], "false")) {
            *what = "EraseVer: not true or false";
            return OTA_ERR_ENTRY;
        }
    }

    if (val[KEY_URL] >= 0) {
        const jsmntok_t *u = &t[val[KEY_URL]];
        char name[OTA_STORE_NAME_MAX + 1];
        int err;
        if (u->type != JSMN_STRING) {
            *what = "URL: not a string";
            return OTA_ERR_ENTRY;
        }
        int n = ota_json_str_decode(TOK_TEXT(js, u), e->url, sizeof e->url);
        if (n < 0) {
            *what = "URL: longer than OTA_URL_MAX";
            return OTA_ERR_TOO_LARGE;
        }
        /* An escaped NUL ("\u0000") would cut the C string short and hide the rest. */
        if (strlen(e->url) != (size_t)n) {
            *what = "URL: space, control, backslash or non-ASCII character";
            return OTA_ERR_URL;
        }
        err = ota_url_name(e->url, name, sizeof name, what);
        if (err != OTA_OK) {
            return err;
        }
    } else if (!e->erase) {
        *what = "URL: missing";
        return OTA_ERR_ENTRY;
    }

    if (val[KEY_DIGEST] >= 0) {
        const jsmntok_t *d = &t[val[KEY_DIGEST]];
        char hex[2 * OTA_SHA256_LEN + 1];
        if (d->type != JSMN_STRING) {
            *what = "Digest: not a string";
            return OTA_ERR_ENTRY;
        }
        if (ota_json_str_decode(TOK_TEXT(js, d), hex, sizeof hex) != 2 * OTA_SHA256_LEN ||
            ota_hex_decode(hex, 2 * OTA_SHA256_LEN, e->digest, OTA_SHA256_LEN) != OTA_OK) {
            *what = "Digest: not 64 hex digits";
            return OTA_ERR_ENTRY;
        }
        e->has_digest = true;
    } else if (!e->erase) {
        *what = "Digest: missing";
        return OTA_ERR_ENTRY;
    }
    return OTA_OK;
}

/* ------------------------------------------------------------------------ */
/* Document.                                                                */
/* ------------------------------------------------------------------------ */

int ota_manifest_parse(const char *json, size_t len, ota_manifest_entry_cb cb, void *arg)
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

    /* The "ota" key of the top-level object; two of them is ambiguous, so not a manifest. */
    int arr = -1;
    int k = 1;
    for (int m = 0; m < tok[0].size && k + 1 < ntok; m++) {
        if (ota_json_str_is(TOK_TEXT(json, &tok[k]), "ota")) {
            if (arr >= 0) {
                return OTA_ERR_MANIFEST;
            }
            arr = k + 1;
        }
        k = tok_skip(tok, ntok, k);
    }
    if (arr < 0 || tok[arr].type != JSMN_ARRAY) {
        return OTA_ERR_MANIFEST;
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
    uint32_t running;
};

static int choose_cb(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err,
                     const char *what)
{
    struct choose_ctx *ctx = arg;
    ota_manifest_choice_t *out = ctx->out;

    if (err != OTA_OK) {
        if (out->first_reject_err == OTA_OK) {
            out->first_reject_err = err;
            out->first_reject_what = what;
            out->first_reject_index = index;
        }
        if (out->rejected < UINT8_MAX) {
            out->rejected++;
        }
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
    /* Strictly greater: among equal versions the first entry stays. */
    if (entry->version > ctx->running && (!out->has_update || entry->version > out->update.version)) {
        out->update = *entry;
        out->has_update = true;
    }
    return 0;
}

int ota_manifest_choose(const char *json, size_t len, uint32_t running_version, ota_manifest_choice_t *out)
{
    struct choose_ctx ctx;
    int err;

    if (out == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    out->first_reject_err = OTA_OK;
    ctx.out = out;
    ctx.running = running_version;
    err = ota_manifest_parse(json, len, choose_cb, &ctx);
    if (err != OTA_OK) {
        memset(out, 0, sizeof *out);
        out->first_reject_err = OTA_OK;
    }
    return err;
}
