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
 * "Expires" is written in UTC ("Z"), whatever offset it was read with: the
 * same instant, so a device reads the same time.
 *
 * One line per entry keeps a manifest under version control readable as a
 * diff, and keeps OTA_MANIFEST_MAX_ENTRIES unsigned entries within
 * OTA_MANIFEST_MAX_SIZE where an indented layout would not. A signed entry
 * with its Size and Floor takes about 300 bytes (a 40-character URL) and 15
 * JSON tokens: with the default limits, the parser's OTA_MANIFEST_MAX_TOKENS
 * (160) then binds before the size does, at 10 such entries.
 */
#ifndef SYSOTA_TOOLS_OTA_MFDOC_H
#define SYSOTA_TOOLS_OTA_MFDOC_H

#include <stddef.h>
#include <stdint.h>

#include "ota_manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A manifest: its own keys and its entries, in array order. */
typedef struct ota_mfdoc {
    ota_manifest_header_t header; /**< Sequence, HardwareId, Expires (each with its has_ flag) */
    ota_manifest_entry_t *entries;
    unsigned *index; /**< index[i]: where entries[i] stood in the "ota" array it was loaded from
                          (for messages; an entry appended by ota_mfdoc_set gets its own position) */
    size_t count;
    size_t cap;
} ota_mfdoc_t;

/** Told about each element of the "ota" array the device would reject. */
typedef void (*ota_mfdoc_problem_fn)(void *arg, unsigned index, int err, const char *what);

/** Make an empty document (no entry, no header key). Never fails. */
void ota_mfdoc_init(ota_mfdoc_t *doc);

/** Release the entries; the document is empty again. */
void ota_mfdoc_free(ota_mfdoc_t *doc);

/**
 * Append the accepted entries of the manifest json (len bytes) to doc, take
 * its own keys into doc->header (replacing those held), and report each
 * rejected element to fn (may be NULL) with its index. Returns
 * what ota_manifest_parse returns (OTA_OK even when elements were rejected:
 * *rejected, if not NULL, counts them), or OTA_ERR_NO_SPACE when out of
 * memory.
 */
int ota_mfdoc_load(ota_mfdoc_t *doc, const char *json, size_t len, ota_mfdoc_problem_fn fn, void *arg,
                   unsigned *rejected);

/**
 * Put entry e into doc: it replaces the first entry with the same version
 * (in place, so the order of the others is kept) and any further ones are
 * removed; otherwise it is appended. Returns 1 when it replaced, 0 when it
 * appended, or OTA_ERR_NO_SPACE.
 */
int ota_mfdoc_set(ota_mfdoc_t *doc, const ota_manifest_entry_t *e);

/**
 * Write doc as JSON (see above) into buf of cap bytes, NUL-terminated.
 * Returns the length without the NUL, or OTA_ERR_TOO_LARGE when cap is too
 * small. The keys and their order are those above; "URL" is left out when it
 * is empty, "Digest" when has_digest is false (both allowed only for an
 * erase entry), "Size" and "Floor" when 0, "Signature" when has_signature is
 * false.
 */
int ota_mfdoc_format(const ota_mfdoc_t *doc, char *buf, size_t cap);

/** Characters of an "Expires" time as written ("2027-01-31T00:00:00Z"), plus the NUL. */
#define OTA_MFDOC_TIME_SIZE 21

/**
 * seconds since 1970 (UTC) as "Expires" is written: RFC 3339 in UTC, to the
 * second. OTA_OK, or OTA_ERR_RANGE past the year 9999 (out is then "").
 */
int ota_mfdoc_time_text(uint64_t seconds, char out[OTA_MFDOC_TIME_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_MFDOC_H */
