/*
 * sysota application side: the calls a running application makes about the
 * image it runs, through the boot control record and the image database
 * that the bootloader reads at the next reset. They take the bootloader's
 * configuration (the same ports and layout the bootloader uses).
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
 * OTA_STATUS_VALID in the database and the boot control record. When the
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

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_APP_H */
