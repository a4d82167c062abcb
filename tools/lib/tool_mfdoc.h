/*
 * sysota host tools: a manifest document being edited (`sysota manifest`).
 *
 * Reading goes through the device's own parser (ota_manifest_parse), so the
 * tool accepts exactly what a device accepts. Writing produces the original's
 * format with a fixed key order, one entry a line:
 *
 *   {
 *     "Sequence": 7,
 *     "HardwareId": "pic32mz-w1-curiosity",
 *     "Expires": "2027-01-31T00:00:00Z",
 *     "ota": [
 *       { "Version": 3, "URL": "http://host:8000/app_v3.bin", "Digest": "<64 hex>", "Size": 204800,
 *         "Floor": 2, "Golden": true, "EraseVer": false, "Signature": "<88 base64>" }
 *     ]
 *   }
 *
 * (the entry is one line in the file). The manifest's own keys come first,
 * in that order, each only when present; without them the document is the
 * original's { "ota": [...] }. An entry's keys always come in the order
 * Version, URL, Digest, Size, Floor, Golden, EraseVer, Signature: URL,
 * Digest, Size, Floor and Signature only when present, Golden only when
 * true, EraseVer always. The short keys lead and the 88-character
 * signature ends the line, so that entries line up in a diff.
 * An entry that can be rebuilt from an older image (a delta update) ends
 * with its "Patch" array, on the same line: one record per base image,
 * each with the keys BaseVersion, BaseVerDigest, PatchURL, PatchDigest,
 * TargetDigest, in that order as the original writes them, then Format
 * (only "vcdiff": "jojodiff", the original's format, is the default) and
 * PatchSize (when known).
 * "Expires" is written in UTC ("Z"), whatever offset it was read with: the
 * same instant, so a device reads the same time.
 *
 * One line per entry keeps a manifest under version control readable as a
 * diff, and keeps OTA_MANIFEST_MAX_ENTRIES unsigned entries within
 * OTA_MANIFEST_MAX_SIZE where an indented layout would not. A signed entry
 * with its Size and Floor takes about 300 bytes (a 40-character URL): with
 * the default limits, OTA_MANIFEST_MAX_SIZE (4 KiB) holds 13 such entries.
 */
#ifndef SYSOTA_TOOLS_TOOL_MFDOC_H
#define SYSOTA_TOOLS_TOOL_MFDOC_H

#include <stddef.h>
#include <stdint.h>

#include "ota_delta.h"
#include "ota_manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Patch records one entry may carry here. */
#define TOOL_MFDOC_PATCHES_MAX 4

/** One record of an entry's "Patch" array: how to rebuild the entry's image from an older one. */
typedef struct tool_mfdoc_patch {
    uint32_t base_version;                 /**< "BaseVersion": the image a device must hold */
    uint32_t size;                         /**< "PatchSize": the patch's length; 0 when not given */
    uint8_t format;                        /**< "Format": an ota_delta_format_t, OTA_DELTA_JOJODIFF when not given */
    uint8_t base_digest[OTA_SHA256_LEN];   /**< "BaseVerDigest": that image's SHA-256 */
    uint8_t patch_digest[OTA_SHA256_LEN];  /**< "PatchDigest": the patch file's SHA-256 */
    uint8_t target_digest[OTA_SHA256_LEN]; /**< "TargetDigest": the rebuilt image's, the entry's Digest */
    char url[OTA_URL_MAX + 1];             /**< "PatchURL" */
} tool_mfdoc_patch_t;

/** An entry's patch records, in array order. */
typedef struct tool_mfdoc_patches {
    unsigned count;
    tool_mfdoc_patch_t p[TOOL_MFDOC_PATCHES_MAX];
} tool_mfdoc_patches_t;

/** A manifest: its own keys and its entries, in array order. */
typedef struct tool_mfdoc {
    ota_manifest_header_t header; /**< Sequence, HardwareId, Expires (each with its has_ flag) */
    ota_manifest_entry_t *entries;
    tool_mfdoc_patches_t *patches; /**< patches[i]: the records of entries[i] */
    unsigned *index;               /**< index[i]: where entries[i] stood in the "ota" array it was loaded from
                          (for messages; an entry appended by tool_mfdoc_set gets its own position) */
    size_t count;
    size_t cap;
} tool_mfdoc_t;

/** Told about each element of the "ota" array the device would reject. */
typedef void (*tool_mfdoc_problem_fn)(void *arg, unsigned index, int err, const char *what);

/** Make an empty document (no entry, no header key). Never fails. */
void tool_mfdoc_init(tool_mfdoc_t *doc);

/** Release the entries; the document is empty again. */
void tool_mfdoc_free(tool_mfdoc_t *doc);

/**
 * Append the accepted entries of the manifest json (len bytes) to doc, take
 * its own keys into doc->header (replacing those held), and report each
 * rejected element to fn (may be NULL) with its index. Returns
 * what ota_manifest_parse returns (OTA_OK even when elements were rejected:
 * *rejected, if not NULL, counts them), or OTA_ERR_NO_SPACE when out of
 * memory.
 * The "Patch" records of each accepted entry are read here too, as strictly
 * as the entry's own keys (BaseVersion 1..2^32-1; the digests 64 hex
 * digits; PatchURL a URL the device takes; Format "jojodiff" or "vcdiff";
 * PatchSize 1..2^32-1; at most TOOL_MFDOC_PATCHES_MAX records, no key
 * twice; unknown keys ignored). An entry with a record that breaks these
 * rules is reported (OTA_ERR_ENTRY, "Patch[k]: ...") and counted as
 * rejected: an edit would otherwise drop what it cannot read.
 */
int tool_mfdoc_load(tool_mfdoc_t *doc, const char *json, size_t len, tool_mfdoc_problem_fn fn, void *arg,
                    unsigned *rejected);

/**
 * Put entry e into doc: it replaces the first entry with the same version
 * (in place, so the order of the others is kept) and any further ones are
 * removed; otherwise it is appended. A replaced entry's patch records are
 * kept when its Digest is e's (they still rebuild that image), else
 * dropped. Returns 1 when it replaced, 0 when it appended, or
 * OTA_ERR_NO_SPACE.
 */
int tool_mfdoc_set(tool_mfdoc_t *doc, const ota_manifest_entry_t *e);

/**
 * Add patch record p to the entry of version: it replaces a record with
 * the same BaseVersion, else is appended. Returns 1 when it replaced, 0
 * when it appended, OTA_ERR_NOT_FOUND (no such entry) or OTA_ERR_FULL
 * (TOOL_MFDOC_PATCHES_MAX records already).
 */
int tool_mfdoc_add_patch(tool_mfdoc_t *doc, uint32_t version, const tool_mfdoc_patch_t *p);

/**
 * Write doc as JSON (see above) into buf of cap bytes, NUL-terminated.
 * Returns the length without the NUL, or OTA_ERR_TOO_LARGE when cap is too
 * small. The keys and their order are those above; "URL" is left out when it
 * is empty, "Digest" when has_digest is false (both allowed only for an
 * erase entry), "Size" and "Floor" when 0, "Signature" when has_signature is
 * false, "Patch" when the entry has no patch record.
 */
int tool_mfdoc_format(const tool_mfdoc_t *doc, char *buf, size_t cap);

/** Characters of an "Expires" time as written ("2027-01-31T00:00:00Z"), plus the NUL. */
#define TOOL_MFDOC_TIME_SIZE 21

/**
 * seconds since 1970 (UTC) as "Expires" is written: RFC 3339 in UTC, to the
 * second. OTA_OK, or OTA_ERR_RANGE past the year 9999 (out is then "").
 */
int tool_mfdoc_time_text(uint64_t seconds, char out[TOOL_MFDOC_TIME_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_MFDOC_H */
