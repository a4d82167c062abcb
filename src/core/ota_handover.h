/*
 * Internal to the core: the hand-over between the image database (the CSV
 * the service and the tools own) and the boot control record's candidate
 * table (what the bootloader reads). handover.c.
 *
 * Two directions, one rule each:
 *  - database -> record: the service writes the table from the database
 *    (ota_handover_table) with every record it appends after changing the
 *    database; between the two the table lags the database by one change,
 *    which the next start of the service makes good (ota_app_sync);
 *  - record -> database: whoever decides about a stored image through the
 *    record (the bootloader disabling an image or rolling back; the
 *    application confirming, rolling back, resetting to factory) changes
 *    the table entry and flags it OTA_BOOT_ENTRY_AHEAD in the same record,
 *    before the CSV; the service's next start applies flagged entries to
 *    the CSV (ota_handover_apply), and the next table clears the flags.
 */
#ifndef SYSOTA_OTA_HANDOVER_H
#define SYSOTA_OTA_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_port.h"
#include "sysota/ota_types.h"

/** The table entry of version, or NULL. */
ota_boot_entry_t *ota_handover_entry(ota_bootctl_record_t *rec, uint32_t version);

/**
 * Record a decision: the entry of version takes status, flagged
 * OTA_BOOT_ENTRY_AHEAD. An image without an entry is left alone (nothing
 * lists it, so nothing installs it).
 */
void ota_handover_decide(ota_bootctl_record_t *rec, uint32_t version, uint8_t status);

/**
 * Give rec the table of db: one entry per row but the golden one, in row
 * order, each with its file's size from the store (0 when the file is
 * missing). A flagged entry whose decision the database does not show yet
 * keeps its status and flag. Returns whether the table changed, or a store
 * error (other than OTA_ERR_NOT_FOUND).
 */
int ota_handover_table(ota_bootctl_record_t *rec, const ota_db_t *db, const ota_store_t *store, bool *changed);

/**
 * Bring db (in RAM) in line with what the record knows better, and return
 * whether it changed (the caller saves it):
 *  - the statuses of flagged entries (decisions made through the record);
 *  - the golden row: the record's golden identity is the authority (the
 *    CSV has no checksum; one damaged character can change a row and still
 *    parse), put again when it disagrees and golden_stored says the copy
 *    is in the store;
 *  - the row of the image in program flash takes the record's digest, or,
 *    without a row of its version, a row holding its digest under another
 *    version takes the record's version (the digit that changed).
 * Other statuses are never touched.
 */
bool ota_handover_apply(const ota_bootctl_record_t *rec, ota_db_t *db, bool golden_stored);

#endif /* SYSOTA_OTA_HANDOVER_H */
