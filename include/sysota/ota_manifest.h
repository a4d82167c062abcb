/*
 * sysota manifest: parse and validate the server's JSON manifest (spec
 * section 2) with jsmn, into fixed buffers, and choose what to do with it.
 *
 *   { "ota": [ { "Version": 3, "URL": "http://host:8000/app_v3.bin",
 *                "Digest": "<64 hex>", "EraseVer": false } ] }
 *
 * Pure: no port is called. Stack use is bounded by OTA_MANIFEST_MAX_TOKENS.
 */
#ifndef SYSOTA_OTA_MANIFEST_H
#define SYSOTA_OTA_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One accepted entry of the "ota" array. */
typedef struct ota_manifest_entry {
    uint32_t version;                /**< 1 .. 2^32-1 */
    bool erase;                      /**< "EraseVer": true */
    bool has_digest;                 /**< false only for an erase entry without "Digest" */
    uint8_t digest[OTA_SHA256_LEN];  /**< "Digest", decoded from 64 hex digits */
    char url[OTA_URL_MAX + 1];       /**< "URL", NUL-terminated; "" only for an erase entry without "URL" */
} ota_manifest_entry_t;

/**
 * Called once per element of the "ota" array, in array order.
 * err is OTA_OK for an accepted entry (entry is valid), or the reason the
 * element was rejected (OTA_ERR_ENTRY, OTA_ERR_TOO_LARGE, OTA_ERR_FULL, ...)
 * with `what`, a constant string naming the key and the problem
 * (e.g. "Digest: not 64 hex digits"); entry is then NULL.
 * Return non-zero to stop parsing early.
 */
typedef int (*ota_manifest_entry_cb)(void *arg, unsigned index, const ota_manifest_entry_t *entry,
                                     int err, const char *what);

/**
 * Parse a manifest of len bytes (need not be NUL-terminated).
 * Returns OTA_OK when the document is a manifest (even if every entry was
 * rejected), OTA_ERR_TOO_LARGE when len exceeds OTA_MANIFEST_MAX_SIZE or the
 * document needs more than OTA_MANIFEST_MAX_TOKENS tokens, OTA_ERR_JSON when
 * it is not well-formed JSON, OTA_ERR_MANIFEST when there is no "ota" array.
 * Unknown keys are ignored. Mandatory keys: Version always; URL and Digest
 * unless EraseVer is true (then they are checked only if present).
 */
int ota_manifest_parse(const char *json, size_t len, ota_manifest_entry_cb cb, void *arg);

/** What the service should do with a manifest (spec section 2). */
typedef struct ota_manifest_choice {
    bool has_update;                 /**< an entry above the running version exists */
    ota_manifest_entry_t update;     /**< the highest such entry, when has_update */
    uint8_t erase_count;
    uint32_t erase[OTA_MANIFEST_MAX_ENTRIES]; /**< versions to erase from the store */
    uint8_t accepted;                /**< entries accepted */
    uint8_t rejected;                /**< entries rejected */
    int first_reject_err;            /**< reason of the first rejected entry, OTA_OK if none */
    const char *first_reject_what;   /**< its description, NULL if none */
    unsigned first_reject_index;     /**< its index in the "ota" array */
} ota_manifest_choice_t;

/**
 * Parse and choose: every EraseVer entry becomes an erase request; among the
 * other accepted entries the highest version strictly above running_version is
 * the update. Returns what ota_manifest_parse returns.
 */
int ota_manifest_choose(const char *json, size_t len, uint32_t running_version,
                        ota_manifest_choice_t *out);

/**
 * The store file name for an image URL: its last path segment, with any
 * "?query" or "#fragment" removed. Fails with OTA_ERR_URL when the URL is not
 * http(s)://host/... or has no file name, and OTA_ERR_NAME when the name is
 * unsafe (".", "..", "/", "\\", control characters, longer than
 * OTA_STORE_NAME_MAX or cap-1) or reserved (the golden image's name).
 */
int ota_url_file_name(const char *url, char *name, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_MANIFEST_H */
