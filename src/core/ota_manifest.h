/*
 * Internal to the core: parse and validate the server's JSON manifest in
 * place, into fixed buffers, and choose what to do with it.
 *
 *   { "ota": [ { "Version": 3, "URL": "http://host:8000/app_v3.bin",
 *                "Digest": "<64 hex>", "EraseVer": false } ] }
 *
 * Pure: no port is called, no malloc, no recursion, no tokens: the text is
 * checked, then walked in place (json_walk.c). Stack use of a parse is one
 * ota_manifest_entry_t and small change, plus the callback's own use.
 *
 * JSON is checked strictly (RFC 8259) before anything is read from it: one
 * top-level value and only whitespace around it, no trailing or missing
 * commas, no raw control characters in strings, valid escapes and numbers.
 * NUL bytes inside len are malformed; a leading UTF-8 byte order mark
 * (EF BB BF, as Windows editors save a file) is skipped; bytes >= 0x80 in
 * strings are not checked for valid UTF-8.
 * String values and keys are compared and used after decoding their escapes
 * (so "http:\/\/host\/a.bin", as PHP writes it, is an ordinary URL, and
 * "Vers\u0069on" is the key Version).
 */
#ifndef SYSOTA_OTA_MANIFEST_H
#define SYSOTA_OTA_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"
#include "sysota/ota_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Called once per element of the "ota" array, in array order.
 * err is OTA_OK for an accepted entry (entry is valid, what is NULL), or the
 * reason the element was rejected, with entry NULL and `what` a constant
 * string naming the key and the problem (e.g. "Digest: not 64 hex digits"):
 *  - OTA_ERR_ENTRY: not an object; a mandatory key missing; a value of the
 *    wrong type or out of range (Version, Size, Floor not a plain integer
 *    1..2^32-1, Digest not exactly 64 hex digits, Signature not the base64
 *    of 64 bytes, EraseVer or Golden not true/false, both true); a key
 *    given twice in the entry (any key, known or not: "<Key>: duplicate
 *    key" or "entry: duplicate key");
 *  - OTA_ERR_TOO_LARGE: URL longer than OTA_URL_MAX bytes once decoded;
 *  - OTA_ERR_URL / OTA_ERR_NAME: what ota_url_file_name() says of the URL;
 *  - OTA_ERR_FULL: the element's index is OTA_MANIFEST_MAX_ENTRIES or more;
 *  - a "Patch" that is not an array of records, or a record that is not an
 *    object, lacks one of BaseVersion, BaseVerDigest, PatchURL, PatchDigest,
 *    TargetDigest, or has one of them (or PatchSize, Format) of the wrong
 *    type or out of range (PatchURL: longer than OTA_URL_MAX, or not what
 *    ota_url_file_name() takes), or a key twice (OTA_ERR_ENTRY, "Patch: ...").
 * A well-formed record is skipped, the entry kept, when its Format is not
 * "jojodiff" (the default) or "vcdiff", or its TargetDigest is not the
 * entry's Digest; the first OTA_MANIFEST_MAX_PATCHES others are kept in
 * entry->patch, later ones ignored. An erase entry's records are not read,
 * nor any with OTA_MANIFEST_MAX_PATCHES 0.
 * Return non-zero to stop parsing early (ota_manifest_parse then returns OTA_OK).
 */
typedef int (*ota_manifest_entry_cb)(void *arg, unsigned index, const ota_manifest_entry_t *entry, int err,
                                     const char *what);

/**
 * Parse a manifest of len bytes (need not be NUL-terminated).
 * Returns OTA_OK when the document is a manifest (even if every entry was
 * rejected), OTA_ERR_TOO_LARGE when len exceeds OTA_MANIFEST_MAX_SIZE or the
 * document nests deeper than OTA_JSON_DEPTH_MAX (32) levels, OTA_ERR_JSON when
 * it is not well-formed JSON, OTA_ERR_MANIFEST when it is not a manifest.
 * OTA_ERR_INVALID_ARG when json is NULL. Nothing is read beyond json[len-1];
 * no callback is made unless the whole document is well-formed and its own
 * keys are good.
 * The top-level value must be an object with an "ota" key whose value is an
 * array, and no key twice (else OTA_ERR_MANIFEST). Its keys "Sequence" (an
 * integer 0..2^32-1), "HardwareId" (a string of 1..OTA_HARDWARE_ID_MAX
 * bytes) and "Expires" (an RFC 3339 date-time) are optional; a bad value of
 * one of them is OTA_ERR_MANIFEST; they are returned in *header (may be
 * NULL). Other keys are ignored. Unknown keys of an entry are ignored
 * whatever their value. Mandatory entry keys: Version always; URL and
 * Digest unless EraseVer is true (then they are checked only if present).
 * A rejected entry never fails the document. cb may be NULL (validate only).
 */
int ota_manifest_parse(const char *json, size_t len, ota_manifest_header_t *header, ota_manifest_entry_cb cb,
                       void *arg);

/** What a device holds that decides which entries it may take. */
typedef struct ota_manifest_policy {
    uint32_t running;      /**< the running version: an update must be above it */
    uint32_t floor;        /**< the device's downgrade floor: a lower version is refused (0: none) */
    uint32_t golden;       /**< the golden image's version: a Golden entry must be above it */
    bool need_signature;   /**< a device with keys: an entry (not an erase) without Signature is refused */
    const char *device_id; /**< the device's identity for staged rollouts, or NULL */
    size_t device_id_len;  /**< its length; 0: none (only entries rolled out to everyone are taken) */
} ota_manifest_policy_t;

/**
 * Parse and choose. Every accepted EraseVer entry becomes an erase request
 * (each version listed once, in manifest order). Entries refused by the
 * policy count as rejected (OTA_ERR_UNSIGNED: no Signature on a device that
 * needs one; OTA_ERR_DOWNGRADE: below the floor). An entry whose "Rollout"
 * does not include this device (ota_rollout.h) counts as held back, as if
 * it were not there: a lower version rolled out further may be the choice.
 * Among the others:
 *  - a Golden entry above the golden version (the highest such) is the
 *    choice, before any update: the golden copy is replaced first;
 *  - else the highest version strictly above the running one, the first
 *    one of that version if several.
 * A version both offered and to be erased is both: the service applies
 * erases first. Returns what ota_manifest_parse returns; on any error *out
 * is all zero (no update, nothing to erase). OTA_ERR_INVALID_ARG when out
 * or policy is NULL.
 */
int ota_manifest_choose(const char *json, size_t len, const ota_manifest_policy_t *policy, ota_manifest_choice_t *out);

/**
 * The store file name for an image URL (NUL-terminated): its last path
 * segment, with any "?query" or "#fragment" removed, copied NUL-terminated
 * into name (cap bytes). The scheme is matched case-insensitively.
 * OTA_ERR_URL: not http:// or https://, no host, a port that is not digits,
 * no path or a path ending in '/', or a space, control, backslash or
 * non-ASCII byte anywhere outside the name.
 * OTA_ERR_NAME: the name is longer than cap-1, is not an image name by the
 * store name rule of sysota/ota_name.h (so no '%': no percent-encoded "/" or
 * "..", no '\\', no control characters, no leading '.', no "~1"), or is,
 * ignoring case, OTA_GOLDEN_NAME or OTA_DB_NAME.
 * OTA_ERR_INVALID_ARG: a NULL pointer or cap 0. On any error name is "".
 */
int ota_url_file_name(const char *url, char *name, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_MANIFEST_H */
