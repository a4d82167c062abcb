/*
 * sysota application side: the calls a running application makes about the
 * image it runs, through the boot control record that the bootloader reads
 * at the next reset, and the image database that follows it. They take the
 * bootloader's configuration (the same ports and layout the bootloader
 * uses). Each writes the record first and the database after: a power cut
 * between the two leaves the decision in force, and ota_app_sync brings
 * the database up to date at the next start.
 */
#ifndef SYSOTA_OTA_APP_H
#define SYSOTA_OTA_APP_H

#include "sysota/ota_boot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The running image's record (what the application runs). */
int ota_app_running(const ota_boot_config_t *cfg, ota_bootctl_record_t *out);

/**
 * Confirm the running image after its self-test: OTA_STATUS_UNBOOTED ->
 * OTA_STATUS_VALID in the boot control record, then the database. When the
 * release of this image carried a Floor, the same record write raises the
 * device's floor to it. Confirming an already valid image is OTA_OK and
 * writes nothing.
 */
int ota_app_confirm(const ota_boot_config_t *cfg);

/**
 * Give up the running image: its row and record become OTA_STATUS_DISABLED
 * and the next boot installs the next candidate. OTA_ERR_STATE when the
 * golden image runs (it is never disabled); OTA_ERR_DOWNGRADE when no other
 * image at or above the device's floor is there to take over.
 */
int ota_app_request_rollback(const ota_boot_config_t *cfg);

/**
 * Return to the factory state: every image but the golden one is removed
 * from the database and the store, and the next boot installs the golden
 * image. OTA_ERR_DOWNGRADE, with nothing changed, when the golden image is
 * below the device's floor (a signed Golden release replaces it first).
 */
int ota_app_factory_reset(const ota_boot_config_t *cfg);

/**
 * Factory step, once per device, by the production line's firmware or a
 * test jig: the image already programmed at the start of the application
 * region (size bytes, hashed now) becomes the golden image, version
 * version, confirmed: the boot control area gets its first record. The
 * first start of the application then keeps a copy in the store
 * (ota_app_sync). OTA_ERR_EXISTS, with nothing written, when the area holds
 * anything already; OTA_ERR_INVALID_ARG for a version of 0 or a size of 0
 * or beyond the application region.
 */
int ota_app_provision(const ota_boot_config_t *cfg, uint32_t version, uint32_t size);

/**
 * Bring the image database and the boot control record into line, once per
 * start of the application, before any other call here (the service does
 * it in ota_service_init):
 *  - on the first start after the factory, keep a copy of the golden image
 *    (program flash, checked against the record) in the store;
 *  - apply to the database what was decided through the record since the
 *    last start (by the bootloader: an image disabled, a rollback; by a
 *    call above cut before the database followed), and repair the golden
 *    row and the running image's row from the record;
 *  - give the record the candidate table of the database, the list of
 *    stored images the bootloader chooses from.
 * Writes only what differs: nothing on a start where all agree.
 */
int ota_app_sync(const ota_boot_config_t *cfg);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_APP_H */
