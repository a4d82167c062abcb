/*
 * Manifest parsing (spec section 2).
 *
 * Two passes over the bytes, both bounded and non-recursive:
 *  1. json_validate(): a strict RFC 8259 syntax check. jsmn, even with
 *     JSMN_STRICT, accepts missing or trailing commas, "tru", "01", raw
 *     control characters in strings and anything after the first value; a
 *     manifest comes from the network, so we refuse all of that ourselves
 *     rather than guess what a sloppy document meant.
 *  2. jsmn tokenises the (now known good) text into a fixed stack array, and
 *     the walk below reads the "ota" array entry by entry.
 *
 * Stack: OTA_MANIFEST_MAX_TOKENS jsmntok_t (16 bytes each, 2560 bytes by
 * default), one ota_manifest_entry_t (about 240 bytes), a nesting bitmap of
 * OTA_MANIFEST_MAX_TOKENS bits and a few scalars. No recursion anywhere:
 * subtrees are skipped by counting tokens.
 */
#include "sysota/ota_manifest.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sysota/ota_error.h"
#include "sysota/ota_hex.h"
#include "sysota/ota_name.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

/* jsmn keeps offsets in int: the whole document must fit. */
_Static_assert(OTA_MANIFEST_MAX_SIZE > 0 && OTA_MANIFEST_MAX_SIZE < INT_MAX / 2,
               "OTA_MANIFEST_MAX_SIZE must fit jsmn's int offsets");
_Static_assert(OTA_MANIFEST_MAX_TOKENS >= 4, "a manifest needs at least 4 tokens");
_Static_assert(OTA_MANIFEST_MAX_ENTRIES >= 1 && OTA_MANIFEST_MAX_ENTRIES <= 255,
               "ota_manifest_choice_t counts entries in uint8_t");

/*
 * Deepest nesting json_validate() tracks. Every '{' or '[' costs jsmn one
 * token, so a document nested deeper than the token budget could not be
 * tokenised anyway: same answer, OTA_ERR_TOO_LARGE.
 */
#define JSON_DEPTH_MAX OTA_MANIFEST_MAX_TOKENS

/* ------------------------------------------------------------------------ */
/* Pass 1: strict syntax check.                                             */
/* ------------------------------------------------------------------------ */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* pos is at the opening quote. Returns the offset just past the closing quote, 0 if malformed. */
static size_t scan_string(const char *js, size_t pos, size_t len)
{
    pos++;
    while (pos < len) {
        unsigned char c = (unsigned char)js[pos];
        if (c == '"') {
            return pos + 1;
        }
        if (c < 0x20) {
            return 0; /* RFC 8259: control characters must be escaped */
        }
        if (c != '\\') {
            pos++;
            continue;
        }
        if (len - pos < 2) {
            return 0;
        }
        c = (unsigned char)js[pos + 1];
        if (c == 'u') {
            if (len - pos < 6) {
                return 0;
            }
            for (size_t i = 2; i < 6; i++) {
                if (ota_hex_digit((unsigned char)js[pos + i]) < 0) {
                    return 0;
                }
            }
            pos += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            pos += 2;
        } else {
            return 0;
        }
    }
    return 0; /* unterminated */
}

/* pos is at '-' or a digit. Returns the offset just past the number, 0 if malformed. */
static size_t scan_number(const char *js, size_t pos, size_t len)
{
    if (js[pos] == '-') {
        pos++;
    }
    if (pos >= len || !is_digit(js[pos])) {
        return 0;
    }
    if (js[pos] == '0') {
        pos++; /* a leading zero stands alone: "01" leaves '1' as garbage */
    } else {
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    if (pos < len && js[pos] == '.') {
        pos++;
        if (pos >= len || !is_digit(js[pos])) {
            return 0;
        }
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    if (pos < len && (js[pos] == 'e' || js[pos] == 'E')) {
        pos++;
        if (pos < len && (js[pos] == '+' || js[pos] == '-')) {
            pos++;
        }
        if (pos >= len || !is_digit(js[pos])) {
            return 0;
        }
        while (pos < len && is_digit(js[pos])) {
            pos++;
        }
    }
    return pos;
}

/* Returns the offset past "true", "false" or "null" at pos, 0 otherwise. */
static size_t scan_literal(const char *js, size_t pos, size_t len)
{
    static const char *const words[] = { "true", "false", "null" };

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (len - pos >= n && memcmp(js + pos, words[i], n) == 0) {
            return pos + n;
        }
    }
    return 0;
}

enum json_expect {
    EXPECT_VALUE,
    EXPECT_VALUE_OR_CLOSE, /* just after '[' */
    EXPECT_KEY,
    EXPECT_KEY_OR_CLOSE,   /* just after '{' */
    EXPECT_COLON,
    EXPECT_COMMA_OR_CLOSE  /* just after a value */
};

/*
 * One complete JSON value, optionally surrounded by whitespace, and nothing
 * else. A pushdown automaton whose stack is one bit per open container
 * (object or array), so its memory is fixed.
 */
static int json_validate(const char *js, size_t len)
{
    uint8_t is_object[(JSON_DEPTH_MAX + 7) / 8] = { 0 };
    size_t depth = 0;
    enum json_expect st = EXPECT_VALUE;
    size_t pos = 0;

    while (pos < len) {
        char c = js[pos];
        size_t end;

        if (is_ws(c)) {
            pos++;
            continue;
        }
        if (st == EXPECT_COMMA_OR_CLOSE) {
            if (depth == 0) {
                return OTA_ERR_JSON; /* something after the top-level value */
            }
            bool in_object = (is_object[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1u;
            if (c == ',') {
                st = in_object ? EXPECT_KEY : EXPECT_VALUE;
            } else if (c == (in_object ? '}' : ']')) {
                depth--;
            } else {
                return OTA_ERR_JSON;
            }
            pos++;
            continue;
        }
        if (st == EXPECT_COLON) {
            if (c != ':') {
                return OTA_ERR_JSON;
            }
            st = EXPECT_VALUE;
            pos++;
            continue;
        }
        if (st == EXPECT_KEY || st == EXPECT_KEY_OR_CLOSE) {
            if (c == '}' && st == EXPECT_KEY_OR_CLOSE) {
                depth--;
                st = EXPECT_COMMA_OR_CLOSE;
                pos++;
                continue;
            }
            if (c != '"' || (end = scan_string(js, pos, len)) == 0) {
                return OTA_ERR_JSON;
            }
            st = EXPECT_COLON;
            pos = end;
            continue;
        }
        /* EXPECT_VALUE or EXPECT_VALUE_OR_CLOSE */
        if (c == ']' && st == EXPECT_VALUE_OR_CLOSE) {
            depth--;
            st = EXPECT_COMMA_OR_CLOSE;
            pos++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == JSON_DEPTH_MAX) {
                return OTA_ERR_TOO_LARGE;
            }
            uint8_t bit = (uint8_t)(1u << (depth % 8));
            if (c == '{') {
                is_object[depth / 8] |= bit;
            } else {
                is_object[depth / 8] &= (uint8_t)~bit;
            }
            depth++;
            st = (c == '{') ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
            pos++;
            continue;
        }
        if (c == '"') {
            end = scan_string(js, pos, len);
        } else if (c == '-' || is_digit(c)) {
            end = scan_number(js, pos, len);
        } else {
            end = scan_literal(js, pos, len);
        }
        if (end == 0) {
            return OTA_ERR_JSON;
        }
        st = EXPECT_COMMA_OR_CLOSE;
        pos = end;
    }
    return (st == EXPECT_COMMA_OR_CLOSE && depth == 0) ? OTA_OK : OTA_ERR_JSON;
}

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

/* Decoded bytes of a JSON string token, one at a time (escapes resolved, \u as UTF-8). */
typedef struct jstr {
    const char *p;
    const char *end;
    uint8_t pend[4];
    uint8_t npend;
    uint8_t ipend;
} jstr_t;

static void jstr_init(jstr_t *s, const char *js, const jsmntok_t *t)
{
    s->p = js + t->start;
    s->end = js + t->end;
    s->npend = 0;
    s->ipend = 0;
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v = (v << 4) | (uint32_t)ota_hex_digit((unsigned char)p[i]);
    }
    return v;
}

/* Next decoded byte 0..255, or -1 at the end. The text was validated: escapes are whole. */
static int jstr_next(jstr_t *s)
{
    if (s->ipend < s->npend) {
        return s->pend[s->ipend++];
    }
    if (s->p >= s->end) {
        return -1;
    }
    unsigned char c = (unsigned char)*s->p++;
    if (c != '\\' || s->p >= s->end) {
        return c;
    }
    c = (unsigned char)*s->p++;
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default:
        return c; /* '"', '\\' or '/' */
    }
    if (s->end - s->p < 4) {
        return -1;
    }
    uint32_t cp = hex4(s->p);
    s->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
        uint32_t lo = hex4(s->p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            s->p += 6;
        }
    }
    /* A lone surrogate keeps its 3-byte form: only equality of keys depends on it. */
    if (cp < 0x80) {
        s->pend[0] = (uint8_t)cp;
        s->npend = 1;
    } else if (cp < 0x800) {
        s->pend[0] = (uint8_t)(0xC0 | (cp >> 6));
        s->pend[1] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 2;
    } else if (cp < 0x10000) {
        s->pend[0] = (uint8_t)(0xE0 | (cp >> 12));
        s->pend[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s->pend[2] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 3;
    } else {
        s->pend[0] = (uint8_t)(0xF0 | (cp >> 18));
        s->pend[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        s->pend[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        s->pend[3] = (uint8_t)(0x80 | (cp & 0x3F));
        s->npend = 4;
    }
    s->ipend = 1;
    return s->pend[0];
}

/* Decode a string token into out (NUL-terminated). Returns its length, or -1 if it needs more than cap-1 bytes. */
static int jstr_decode(const char *js, const jsmntok_t *t, char *out, size_t cap)
{
    jstr_t s;
    size_t n = 0;
    int c;

    jstr_init(&s, js, t);
    while ((c = jstr_next(&s)) >= 0) {
        if (n + 1 >= cap) {
            return -1;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return (int)n;
}

static bool jstr_equal(const char *js, const jsmntok_t *a, const jsmntok_t *b)
{
    jstr_t sa;
    jstr_t sb;
    int ca;
    int cb;

    jstr_init(&sa, js, a);
    jstr_init(&sb, js, b);
    do {
        ca = jstr_next(&sa);
        cb = jstr_next(&sb);
        if (ca != cb) {
            return false;
        }
    } while (ca >= 0);
    return true;
}

/* The decoded string token equals the plain ASCII word. */
static bool jstr_is(const char *js, const jsmntok_t *t, const char *word)
{
    jstr_t s;
    int c;

    jstr_init(&s, js, t);
    for (; *word != '\0'; word++) {
        if (jstr_next(&s) != (unsigned char)*word) {
            return false;
        }
    }
    c = jstr_next(&s);
    return c < 0;
}

/* ------------------------------------------------------------------------ */
/* URL -> file name.                                                        */
/* ------------------------------------------------------------------------ */

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        if (ascii_lower(*s) != *prefix) {
            return false;
        }
    }
    return true;
}

static bool equal_nocase(const char *a, size_t a_len, const char *b)
{
    size_t b_len = strlen(b);

    if (a_len != b_len) {
        return false;
    }
    for (size_t i = 0; i < a_len; i++) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

static int url_name(const char *url, char *name, size_t cap, const char **what)
{
    const char *auth;
    const char *p;

    if (prefix_nocase(url, "http://")) {
        auth = url + 7;
    } else if (prefix_nocase(url, "https://")) {
        auth = url + 8;
    } else {
        *what = "URL: not http:// or https://";
        return OTA_ERR_URL;
    }

    /* Authority: [userinfo@]host[:port], up to the path, query or fragment. */
    const char *auth_end = auth;
    while (*auth_end != '\0' && *auth_end != '/' && *auth_end != '?' && *auth_end != '#') {
        auth_end++;
    }
    const char *host = auth;
    for (p = auth; p < auth_end; p++) {
        if (*p == '@') {
            host = p + 1;
        }
    }
    const char *host_end;
    if (host < auth_end && *host == '[') {
        host_end = host + 1;
        while (host_end < auth_end && *host_end != ']') {
            host_end++;
        }
        if (host_end == auth_end || host_end == host + 1) {
            *what = "URL: no host";
            return OTA_ERR_URL;
        }
        host_end++;
    } else {
        host_end = host;
        while (host_end < auth_end && *host_end != ':') {
            host_end++;
        }
    }
    if (host_end == host) {
        *what = "URL: no host";
        return OTA_ERR_URL;
    }
    if (host_end < auth_end) {
        if (*host_end != ':') {
            *what = "URL: bad port";
            return OTA_ERR_URL;
        }
        for (p = host_end + 1; p < auth_end; p++) {
            if (!is_digit(*p)) {
                *what = "URL: bad port";
                return OTA_ERR_URL;
            }
        }
    }

    if (*auth_end != '/') {
        *what = "URL: no file name";
        return OTA_ERR_URL;
    }
    const char *path_end = auth_end;
    while (*path_end != '\0' && *path_end != '?' && *path_end != '#') {
        path_end++;
    }
    const char *seg = path_end;
    while (seg[-1] != '/') {
        seg--; /* stops at auth_end at the latest, which is '/' */
    }
    size_t n = (size_t)(path_end - seg);
    if (n == 0) {
        *what = "URL: no file name";
        return OTA_ERR_URL;
    }

    if (n > cap - 1) {
        *what = "URL: file name longer than the buffer";
        return OTA_ERR_NAME;
    }
    if (ota_name_check_image(seg, n, NULL) != OTA_OK) {
        *what = "URL: file name unsafe for the store (letters, digits and ._+~- only; no leading or "
                "trailing '.', no '~' and a digit; at most OTA_STORE_NAME_MAX)";
        return OTA_ERR_NAME;
    }
    /* Case-insensitive: on a FAT store "FACTORY.BIN" would overwrite the golden image. */
    if (equal_nocase(seg, n, OTA_GOLDEN_NAME) || equal_nocase(seg, n, OTA_DB_NAME)) {
        *what = "URL: file name reserved for the store";
        return OTA_ERR_NAME;
    }

    for (p = url; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7F || c == '\\') {
            *what = "URL: space, control, backslash or non-ASCII character";
            return OTA_ERR_URL;
        }
    }

    memcpy(name, seg, n);
    name[n] = '\0';
    return OTA_OK;
}

int ota_url_file_name(const char *url, char *name, size_t cap)
{
    const char *what = NULL;
    int err;

    if (url == NULL || name == NULL || cap == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    err = url_name(url, name, cap, &what);
    if (err != OTA_OK) {
        name[0] = '\0';
    }
    return err;
}

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
        if (jstr_is(js, t, key_names[k])) {
            return (enum entry_key)k;
        }
    }
    return KEY_OTHER;
}

/* 1 .. 2^32-1 written as a plain JSON integer: digits only, no leading zero. */
static bool parse_version(const char *js, const jsmntok_t *t, uint32_t *out)
{
    const char *p = js + t->start;
    int n = t->end - t->start;
    uint32_t v = 0;

    if (t->type != JSMN_PRIMITIVE || n < 1 || n > 10 || p[0] == '0') {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i])) {
            return false;
        }
        uint32_t d = (uint32_t)(p[i] - '0');
        if (v > (UINT32_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
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
                if (jstr_equal(js, &t[j], &t[k])) {
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
        int n = jstr_decode(js, u, e->url, sizeof e->url);
        if (n < 0) {
            *what = "URL: longer than OTA_URL_MAX";
            return OTA_ERR_TOO_LARGE;
        }
        /* An escaped NUL ("\u0000") would cut the C string short and hide the rest. */
        if (strlen(e->url) != (size_t)n) {
            *what = "URL: space, control, backslash or non-ASCII character";
            return OTA_ERR_URL;
        }
        err = url_name(e->url, name, sizeof name, what);
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
        if (jstr_decode(js, d, hex, sizeof hex) != 2 * OTA_SHA256_LEN ||
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
    err = json_validate(json, len);
    if (err != OTA_OK) {
        return err;
    }
    while (is_ws(json[pos])) {
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
        return OTA_ERR_JSON; /* cannot happen after json_validate(); kept as a guard */
    }

    /* The "ota" key of the top-level object; two of them is ambiguous, so not a manifest. */
    int arr = -1;
    int k = 1;
    for (int m = 0; m < tok[0].size && k + 1 < ntok; m++) {
        if (jstr_is(json, &tok[k], "ota")) {
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
