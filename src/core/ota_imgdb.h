/*
 * Internal to the core: the image database, the CSV file OTA_DB_NAME in the
 * external store, one row per stored image:
 *
 *     name,status,version,digest          e.g.  app_v6.bin,FE,6,885189cb...
 *
 * status is two hex digits, version decimal, digest 64 hex digits (written
 * lowercase, read in either case). The original's five-column rows
 * (name,status,version,type,digest) are read too; type is ignored.
 *
 * The database lives in RAM as an ota_db_t; every change is written to a new
 * file, synced and renamed over the old one, so a power cut leaves either the
 * old or the new database, never a mix. The golden (factory) image's row has
 * the reserved name OTA_GOLDEN_NAME.
 */
#ifndef SYSOTA_OTA_IMGDB_H
#define SYSOTA_OTA_IMGDB_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"
#include "sysota/ota_types.h"
#include "sysota/ota_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * True when two store names are equal. The core compares names with this
 * (strlen + memcmp, both linked anyway) rather than strcmp, whose
 * speed-tuned C-library versions cost a bootloader ~700 bytes of flash.
 */
bool ota_db_name_equal(const char *a, const char *b);

/** True when row is the golden (factory) image's row. */
bool ota_db_row_is_golden(const ota_db_row_t *row);

/**
 * Load the database from the store. A missing file is an empty database
 * (OTA_OK). Malformed lines are skipped and counted in bad_lines /
 * first_bad_line (and logged through sys when not NULL); rows beyond
 * OTA_DB_MAX_ROWS and duplicate versions are skipped the same way. Returns an
 * error only when the store itself fails; db is then empty.
 */
int ota_db_load(ota_db_t *db, const ota_store_t *store, const ota_system_t *sys);

/** Write db to the store atomically (temp file, sync, rename). */
int ota_db_save(const ota_db_t *db, const ota_store_t *store);

/** The row of a version, or NULL. */
ota_db_row_t *ota_db_find_version(ota_db_t *db, uint32_t version);

/** The row of a file name, or NULL. */
ota_db_row_t *ota_db_find_name(ota_db_t *db, const char *name);

/** The golden image's row, or NULL. */
ota_db_row_t *ota_db_find_golden(ota_db_t *db);

/**
 * Add a row and save. OTA_ERR_NAME for an invalid name, OTA_ERR_EXISTS when
 * the version or the name is already present, OTA_ERR_FULL when the table is
 * full. On any failure db is left as it was.
 */
int ota_db_add(ota_db_t *db, const ota_store_t *store, const char *name, uint8_t status, uint32_t version,
               const uint8_t digest[OTA_SHA256_LEN]);

/** Set the status of a version's row and save. OTA_ERR_NOT_FOUND if absent. On failure db is left as it was. */
int ota_db_set_status(ota_db_t *db, const ota_store_t *store, uint32_t version, uint8_t status);

/** Remove a version's row and save (the image file is the caller's). On failure db is left as it was. */
int ota_db_remove(ota_db_t *db, const ota_store_t *store, uint32_t version);

/**
 * Format one row as a CSV line without the newline into buf (at least
 * OTA_DB_LINE_MAX bytes). Returns the length, or an error.
 */
int ota_db_format_row(const ota_db_row_t *row, char *buf, uint32_t cap);

/**
 * Parse one CSV line (4 or 5 columns, no newline) into row. Returns OTA_OK or
 * OTA_ERR_CORRUPT.
 */
int ota_db_parse_row(const char *line, uint32_t len, ota_db_row_t *row);

/** Longest database line, newline excluded. */
#define OTA_DB_LINE_MAX (OTA_STORE_NAME_MAX + 1 + 2 + 1 + 10 + 1 + 16 + 1 + 64)

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_IMGDB_H */
