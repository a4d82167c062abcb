/*
 * sysota host tools: a manifest document being edited (`sysota manifest`).
 *
 * Reading goes through the device's own parser (ota_manifest_parse), so the
 * tool accepts exactly what a device accepts. Writing produces the original's
 * format with a fixed key order, one entry a line:
 *
 *   {
 *     "ota": [
 *       { "Version": 3, "URL": "http://host:8000/app_v3.bin", "Digest": "<64 hex>", "EraseVer": false }
 *     ]
 *   }
 *
 * One line per entry keeps a manifest under version control readable as a
 * diff, and keeps OTA_MANIFEST_MAX_ENTRIES entries within
 * OTA_MANIFEST_MAX_SIZE where an indented layout would not.
 */
#ifndef SYSOTA_TOOLS_OTA_MFDOC_H
#define SYSOTA_TOOLS_OTA_MFDOC_H

#include <stddef.h>
#include <stdint.h>

#include "ota_manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The entries of a manifest, in array order. */
typedef struct ota_mfdoc {
    ota_manifest_entry_t *entries;
    unsigned *index; /**< index[i]: where entries[i] stood in the "ota" array it was loaded from
                          (for messages; an entry appended by ota_mfdoc_set gets its own position) */
    size_t count;
    size_t cap;
} ota_mfdoc_t;

/** Told about each element of the "ota" array the device would reject. */
typedef void (*ota_mfdoc_problem_fn)(void *arg, unsigned index, int err, const char *what);

/** Make an empty document. Never fails. */
void ota_mfdoc_init(ota_mfdoc_t *doc);

/** Release the entries; the document is empty again. */
void ota_mfdoc_free(ota_mfdoc_t *doc);

/**
 * Append the accepted entries of the manifest json (len bytes) to doc, and
 * report each rejected element to fn (may be NULL) with its index. Returns
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
 * small. "URL" is left out when it is empty and "Digest" when has_digest is
 * false (both allowed only for an erase entry); "EraseVer" is always written.
 */
int ota_mfdoc_format(const ota_mfdoc_t *doc, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_TOOLS_OTA_MFDOC_H */
