/*
 * The manifest: its entries and the choice among them (ota_manifest.h).
 *
 * Two passes over the bytes, both bounded and non-recursive:
 *  1. ota_json_check(): the strict syntax check (json_check.c);
 *  2. the walk below reads the (now known good) text in place, the "ota"
 *     array entry by entry (json_walk.c: no tokens, no recursion).
 *
 * Stack: one ota_manifest_entry_t (about 240 bytes), one value span per
 * known key, the checker's nesting bitmap of OTA_JSON_DEPTH_MAX bits and a
 * few scalars.
 */
#include "ota_manifest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ota_codec.h"
#include "ota_json.h"
#include "ota_rollout.h"
#include "ota_url.h"
#include "ota_util.h"
#include "sysota/ota_error.h"
#include "ota_hex.h"

_Static_assert(OTA_MANIFEST_MAX_ENTRIES >= 1 && OTA_MANIFEST_MAX_ENTRIES <= 255,
               "ota_manifest_choice_t counts entries in uint8_t");

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
    KEY_ROLLOUT,
    KEY_PATCH,
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
    [KEY_ROLLOUT] = { "Rollout", "Rollout: duplicate key" },
    [KEY_PATCH] = { "Patch", "Patch: duplicate key" },
};

static enum entry_key key_id(ota_json_span_t key)
{
    for (int k = 0; k < KEY_COUNT; k++) {
        if (ota_json_str_is(key.p, key.len, entry_keys[k].name)) {
            return (enum entry_key)k;
        }
    }
    return KEY_OTHER;
}

/* An unsigned integer written as a plain JSON integer: digits only (the
 * syntax check already refused a leading zero before another digit). */
static bool parse_u32(ota_json_span_t v, uint32_t *out)
{
    return ota_json_kind(v) == OTA_JSON_NUMBER && ota_dec_parse(v.p, v.len, out) == OTA_OK;
}

/* 1 .. 2^32-1: versions, sizes, floors. */
static bool parse_positive(ota_json_span_t v, uint32_t *out)
{
    return parse_u32(v, out) && *out != 0;
}

/* true or false. */
static bool parse_bool(ota_json_span_t v, bool *out)
{
    *out = ota_json_kind(v) == OTA_JSON_TRUE;
    return *out || ota_json_kind(v) == OTA_JSON_FALSE;
}

/* A string decoded into out (cap bytes with its NUL), with no NUL inside
 * ("\u0000" would cut the C string short and hide the rest). Returns its
 * length, -1 when it is not a string or holds a NUL, -2 when too long. */
static int parse_text(ota_json_span_t v, char *out, size_t cap)
{
    if (ota_json_kind(v) != OTA_JSON_STRING) {
        return -1;
    }
    ota_json_span_t c = ota_json_contents(v);
    int n = ota_json_str_decode(c.p, c.len, out, cap);
    if (n < 0) {
        return -2;
    }
    return strlen(out) == (size_t)n ? n : -1;
}

/*
 * The values of the known keys of the object obj, into val[] (len 0 when
 * absent). A duplicate key is refused, not resolved: parsers disagree on
 * which copy wins, and an object that means two things to two readers (a
 * proxy, the tools, this device) must mean nothing. Returns true, or false
 * with *dup the known key given twice (nkeys when an unknown one is).
 */
static bool collect_keys(ota_json_span_t obj, ota_json_span_t *val, int nkeys, int (*id_of)(ota_json_span_t), int *dup)
{
    ota_json_iter_t it;
    ota_json_span_t key;
    ota_json_span_t v;

    for (int i = 0; i < nkeys; i++) {
        val[i].p = NULL;
        val[i].len = 0;
    }
    ota_json_iter_init(&it, obj);
    while (ota_json_next_member(&it, &key, &v)) {
        int id = id_of(key);
        if (id < nkeys) {
            if (val[id].len != 0) {
                *dup = id;
                return false;
            }
            val[id] = v;
            continue;
        }
        /* An unknown key: only its duplicates matter, among the keys before it. */
        ota_json_iter_t earlier;
        ota_json_span_t k2;
        ota_json_span_t v2;
        ota_json_iter_init(&earlier, obj);
        while (ota_json_next_member(&earlier, &k2, &v2) && k2.p != key.p) {
            if (ota_json_str_equal(k2.p, k2.len, key.p, key.len)) {
                *dup = nkeys;
                return false;
            }
        }
    }
    return true;
}

/* Given: a value was found for the key. */
#define HAS(v) ((v).len != 0)

static int entry_key_id(ota_json_span_t key)
{
    return (int)key_id(key);
}

/* The image's URL, checked for a usable store name. */
static int parse_url(ota_json_span_t u, ota_manifest_entry_t *e, const char **what)
{
    char name[OTA_STORE_NAME_MAX + 1];
    int n = parse_text(u, e->url, sizeof e->url);

    if (n == -2) {
        *what = "URL: longer than OTA_URL_MAX";
        return OTA_ERR_TOO_LARGE;
    }
    if (n < 0) {
        if (ota_json_kind(u) != OTA_JSON_STRING) {
            *what = "URL: not a string";
            return OTA_ERR_ENTRY;
        }
        *what = "URL: space, control, backslash or non-ASCII character";
        return OTA_ERR_URL;
    }
    return ota_url_name(e->url, name, sizeof name, what);
}

/* A SHA-256 digest written as 64 hex digits. */
static bool parse_digest(ota_json_span_t d, uint8_t out[OTA_SHA256_LEN])
{
    char hex[2 * OTA_SHA256_LEN + 1];
    return parse_text(d, hex, sizeof hex) == 2 * OTA_SHA256_LEN &&
           ota_hex_decode(hex, 2 * OTA_SHA256_LEN, out, OTA_SHA256_LEN) == OTA_OK;
}

/* A raw r||s signature written in base64 (88 characters), as the original's Secure OTA writes it. */
static bool parse_signature(ota_json_span_t v, uint8_t out[OTA_SIG_LEN])
{
    char text[(OTA_SIG_LEN + 2) / 3 * 4 + 1];
    size_t n = 0;
    int len = parse_text(v, text, sizeof text);
    return len > 0 && ota_base64_decode(text, (size_t)len, out, OTA_SIG_LEN, &n) == OTA_OK && n == OTA_SIG_LEN;
}

/* ------------------------------------------------------------------------ */
/* Patch records.                                                           */
/* ------------------------------------------------------------------------ */

/* A device that keeps no Patch record reads none: "Patch" is then a key it ignores. */
#if OTA_MANIFEST_MAX_PATCHES > 0

/* The keys of a "Patch" record; Format and PatchSize are optional. */
enum patch_key {
    PK_BASE_VERSION,
    PK_BASE_DIGEST,
    PK_URL,
    PK_PATCH_DIGEST,
    PK_TARGET_DIGEST,
    PK_FORMAT, /* the first optional key */
    PK_SIZE,
    PK_COUNT
};

static int patch_key_id(ota_json_span_t key)
{
    static const char *const names[PK_COUNT] = { "BaseVersion",  "BaseVerDigest", "PatchURL", "PatchDigest",
                                                 "TargetDigest", "Format",        "PatchSize" };
    for (int k = 0; k < PK_COUNT; k++) {
        if (ota_json_str_is(key.p, key.len, names[k])) {
            return k;
        }
    }
    return PK_COUNT;
}

/*
 * One "Patch" record into *p. OTA_OK: usable. 1: well formed but not
 * usable by this device (a Format it does not know, or a TargetDigest that
 * is not the entry's Digest: the patch would build another image), so it
 * is skipped and the entry stays. Otherwise the entry's error with *what:
 * a record that is malformed says the manifest was written wrong, and an
 * entry read half right is not taken.
 */
static int parse_patch(ota_json_span_t obj, const ota_manifest_entry_t *e, ota_manifest_patch_t *p, const char **what)
{
    ota_json_span_t val[PK_COUNT];
    uint8_t target[OTA_SHA256_LEN];
    char name[OTA_STORE_NAME_MAX + 1];
    char format[12];
    int dup;

    *what = "Patch: record not an object";
    if (ota_json_kind(obj) != OTA_JSON_OBJECT) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: duplicate key in a record";
    if (!collect_keys(obj, val, PK_COUNT, patch_key_id, &dup)) {
        return OTA_ERR_ENTRY;
    }
    memset(p, 0, sizeof *p);
    *what = "Patch: a record without BaseVersion, BaseVerDigest, PatchURL, PatchDigest or TargetDigest";
    for (int k = 0; k < PK_FORMAT; k++) {
        if (!HAS(val[k])) {
            return OTA_ERR_ENTRY;
        }
    }
    *what = "Patch: BaseVersion not an integer in 1..4294967295";
    if (!parse_positive(val[PK_BASE_VERSION], &p->base_version)) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: BaseVerDigest not 64 hex digits";
    if (!parse_digest(val[PK_BASE_DIGEST], p->base_digest)) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: PatchDigest not 64 hex digits";
    if (!parse_digest(val[PK_PATCH_DIGEST], p->patch_digest)) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: TargetDigest not 64 hex digits";
    if (!parse_digest(val[PK_TARGET_DIGEST], target)) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: PatchSize not an integer in 1..4294967295";
    if (HAS(val[PK_SIZE]) && !parse_positive(val[PK_SIZE], &p->size)) {
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: PatchURL not a string, or longer than OTA_URL_MAX";
    int n = parse_text(val[PK_URL], p->url, sizeof p->url);
    if (n <= 0) {
        return OTA_ERR_ENTRY;
    }
    if (ota_url_name(p->url, name, sizeof name, what) != OTA_OK) {
        *what = "Patch: PatchURL not an http(s) URL naming a file";
        return OTA_ERR_ENTRY;
    }
    *what = "Patch: Format not a string";
    if (HAS(val[PK_FORMAT]) && ota_json_kind(val[PK_FORMAT]) != OTA_JSON_STRING) {
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[PK_FORMAT])) {
        n = parse_text(val[PK_FORMAT], format, sizeof format);
        if (n > 0 && strcmp(format, "vcdiff") == 0) {
            p->format = OTA_PATCH_VCDIFF;
        } else if (n <= 0 || strcmp(format, "jojodiff") != 0) {
            return 1; /* a format of a later release: another device may read it */
        }
    }
    return memcmp(target, e->digest, OTA_SHA256_LEN) == 0 ? OTA_OK : 1;
}

/* The entry's "Patch" array: every record checked, the first
 * OTA_MANIFEST_MAX_PATCHES usable ones kept. */
static int parse_patches(ota_json_span_t arr, ota_manifest_entry_t *e, const char **what)
{
    ota_json_iter_t it;
    ota_json_span_t el;
    ota_manifest_patch_t scratch;

    if (ota_json_kind(arr) != OTA_JSON_ARRAY) {
        *what = "Patch: not an array";
        return OTA_ERR_ENTRY;
    }
    ota_json_iter_init(&it, arr);
    while (ota_json_next_element(&it, &el)) {
        bool keep = e->patch_count < OTA_MANIFEST_MAX_PATCHES;
        ota_manifest_patch_t *p = keep ? &e->patch[e->patch_count] : &scratch;
        int err = parse_patch(el, e, p, what);
        if (err < 0) {
            e->patch_count = 0;
            return err;
        }
        e->patch_count += keep && err == OTA_OK;
    }
    return OTA_OK;
}
#endif

/* Fill e from the object obj. Returns OTA_OK, or a reason with *what set. */
static int parse_entry(ota_json_span_t obj, ota_manifest_entry_t *e, const char **what)
{
    ota_json_span_t val[KEY_COUNT];

    if (ota_json_kind(obj) != OTA_JSON_OBJECT) {
        *what = "entry: not an object";
        return OTA_ERR_ENTRY;
    }
    int dup;
    if (!collect_keys(obj, val, KEY_COUNT, entry_key_id, &dup)) {
        *what = dup < KEY_COUNT ? entry_keys[dup].dup_what : "entry: duplicate key";
        return OTA_ERR_ENTRY;
    }

    memset(e, 0, sizeof *e);
    if (!HAS(val[KEY_VERSION])) {
        *what = "Version: missing";
        return OTA_ERR_ENTRY;
    }
    if (!parse_positive(val[KEY_VERSION], &e->version)) {
        *what = "Version: not an integer in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_ERASEVER]) && !parse_bool(val[KEY_ERASEVER], &e->erase)) {
        *what = "EraseVer: not true or false";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_GOLDEN]) && !parse_bool(val[KEY_GOLDEN], &e->golden)) {
        *what = "Golden: not true or false";
        return OTA_ERR_ENTRY;
    }
    if (e->golden && e->erase) {
        *what = "Golden: an erase request cannot replace the golden image";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_URL])) {
        int err = parse_url(val[KEY_URL], e, what);
        if (err != OTA_OK) {
            return err;
        }
    } else if (!e->erase) {
        *what = "URL: missing";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_DIGEST])) {
        if (ota_json_kind(val[KEY_DIGEST]) != OTA_JSON_STRING) {
            *what = "Digest: not a string";
            return OTA_ERR_ENTRY;
        }
        if (!parse_digest(val[KEY_DIGEST], e->digest)) {
            *what = "Digest: not 64 hex digits";
            return OTA_ERR_ENTRY;
        }
        e->has_digest = true;
    } else if (!e->erase) {
        *what = "Digest: missing";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_SIZE]) && !parse_positive(val[KEY_SIZE], &e->size)) {
        *what = "Size: not an integer in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_FLOOR]) && !parse_positive(val[KEY_FLOOR], &e->floor)) {
        *what = "Floor: not a version in 1..4294967295";
        return OTA_ERR_ENTRY;
    }
    if (HAS(val[KEY_ROLLOUT])) {
        uint32_t pct;
        if (!parse_u32(val[KEY_ROLLOUT], &pct) || pct > 100u) {
            *what = "Rollout: not a percentage in 0..100";
            return OTA_ERR_ENTRY;
        }
        e->rollout = (uint8_t)pct;
        e->has_rollout = true;
    }
    if (HAS(val[KEY_SIGNATURE])) {
        if (!parse_signature(val[KEY_SIGNATURE], e->signature)) {
            *what = "Signature: not the base64 of 64 bytes";
            return OTA_ERR_ENTRY;
        }
        e->has_signature = true;
    }
#if OTA_MANIFEST_MAX_PATCHES > 0
    /* An erase entry names no image to rebuild: its records are not read. */
    if (HAS(val[KEY_PATCH]) && !e->erase) {
        return parse_patches(val[KEY_PATCH], e, what);
    }
#endif
    return OTA_OK;
}

/* The keys of the top-level object this parser knows. */
enum doc_key { DOC_OTA, DOC_SEQUENCE, DOC_HARDWARE_ID, DOC_EXPIRES, DOC_COUNT };

static int doc_key_id(ota_json_span_t key)
{
    static const char *const names[DOC_COUNT] = { "ota", "Sequence", "HardwareId", "Expires" };
    for (int k = 0; k < DOC_COUNT; k++) {
        if (ota_json_str_is(key.p, key.len, names[k])) {
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
static int parse_header(const ota_json_span_t *val, ota_manifest_header_t *h)
{
    char text[40];

    memset(h, 0, sizeof *h);
    if (HAS(val[DOC_SEQUENCE])) {
        if (!parse_u32(val[DOC_SEQUENCE], &h->sequence)) {
            return OTA_ERR_MANIFEST;
        }
        h->has_sequence = true;
    }
    if (HAS(val[DOC_HARDWARE_ID])) {
        if (parse_text(val[DOC_HARDWARE_ID], h->hardware_id, sizeof h->hardware_id) <= 0) {
            return OTA_ERR_MANIFEST;
        }
        h->has_hardware_id = true;
    }
    if (HAS(val[DOC_EXPIRES])) {
        int n = parse_text(val[DOC_EXPIRES], text, sizeof text);
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

int ota_manifest_parse(const char *json, size_t len, ota_manifest_header_t *header, ota_manifest_entry_cb cb, void *arg)
{
    ota_manifest_entry_t entry;
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
    ota_json_span_t root = ota_json_root(json, len);
    if (ota_json_kind(root) != OTA_JSON_OBJECT) {
        return OTA_ERR_MANIFEST;
    }

    /* The top-level keys; any known one twice is ambiguous, so not a manifest. */
    ota_json_span_t val[DOC_COUNT];
    int dup;
    ota_manifest_header_t local;
    if (!collect_keys(root, val, DOC_COUNT, doc_key_id, &dup)) {
        return OTA_ERR_MANIFEST;
    }
    if (!HAS(val[DOC_OTA]) || ota_json_kind(val[DOC_OTA]) != OTA_JSON_ARRAY) {
        return OTA_ERR_MANIFEST;
    }
    err = parse_header(val, header != NULL ? header : &local);
    if (err != OTA_OK) {
        return err;
    }

    ota_json_iter_t it;
    ota_json_span_t el;
    ota_json_iter_init(&it, val[DOC_OTA]);
    for (unsigned index = 0; ota_json_next_element(&it, &el); index++) {
        const char *what = NULL;
        if (index >= OTA_MANIFEST_MAX_ENTRIES) {
            err = OTA_ERR_FULL;
            what = "entry: beyond OTA_MANIFEST_MAX_ENTRIES";
        } else {
            err = parse_entry(el, &entry, &what);
        }
        if (cb != NULL && cb(arg, index, err == OTA_OK ? &entry : NULL, err, err == OTA_OK ? NULL : what) != 0) {
            break;
        }
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
    if (!entry->erase && entry->has_rollout &&
        !ota_rollout_includes(p->device_id, p->device_id_len, entry->version, entry->rollout)) {
        out->held_back++; /* not for this device yet: as if the entry were not there */
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

int ota_manifest_choose(const char *json, size_t len, const ota_manifest_policy_t *policy, ota_manifest_choice_t *out)
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
