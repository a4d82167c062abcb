/*
 * sysota bootloader core: the decision at every reset, the install, the
 * rollback. The application's side (confirm, rollback request, factory
 * reset) is in sysota/ota_app.h.
 *
 * At every reset the platform's startup code fills an ota_boot_config_t and
 * calls ota_boot_run(). It returns the address to jump to, or
 * OTA_ERR_NO_IMAGE, in which case the platform reports and halts: the core
 * never hands over to code it has not verified.
 */
#ifndef SYSOTA_OTA_BOOT_H
#define SYSOTA_OTA_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_layout.h"
#include "sysota/ota_port.h"
#include "sysota/ota_security.h"
#include "sysota/ota_status.h"
#include "sysota/ota_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where things are and what the bootloader may use. */
typedef struct ota_boot_config {
    const ota_flash_t *flash;   /**< internal flash: boot control sector + application region */
    const ota_store_t *store;   /**< external store: images and the database (the bootloader only reads images) */
    const ota_crypto_t *crypto; /**< SHA-256 */
    const ota_system_t *sys;    /**< log (may be NULL) */
    const ota_keys_t
        *keys; /**< trusted keys: a stored image is installed only with a valid signature; NULL or none: not checked */
    ota_layout_t layout;  /**< the boot control area and the application region */
    uint8_t max_attempts; /**< boots of an unconfirmed image before rollback; 0: OTA_BOOT_MAX_ATTEMPTS */
    bool verify_on_jump;  /**< also hash program flash on the direct-jump path */
} ota_boot_config_t;

/** What the bootloader decided. */
typedef struct ota_boot_result {
    uint32_t version;   /**< version of the image handed over */
    uint32_t boot_addr; /**< where to jump */
    uint8_t status;     /**< OTA_STATUS_UNBOOTED (first boots) or OTA_STATUS_VALID */
    uint8_t type;       /**< OTA_TYPE_* */
    bool installed;     /**< program flash was (re)programmed during this boot */
    bool direct;        /**< the direct-jump path (no install, no hashing) */
    uint8_t rejected;   /**< candidates passed over (failed verification, or their file could not be read) */
} ota_boot_result_t;

/** RAM the bootloader works in: give it a static one (no malloc). */
typedef struct ota_boot {
    ota_boot_config_t cfg;
    ota_bootctl_t bootctl;
    uint8_t buf[OTA_BOOT_BUF_SIZE]; /**< copy buffer */
} ota_boot_t;

/**
 * Decide and, when needed, install, from the boot control record alone:
 * direct jump when it says OTA_STATUS_VALID; otherwise rank the candidates
 * of its table (highest version first, the golden image last), verify,
 * program, verify, record. The image database (CSV) is never read or
 * written: decisions about stored images go into the record's table, and
 * the service applies them to the database (ota_app_sync). Returns OTA_OK
 * with res filled, OTA_ERR_NO_IMAGE (halt: nothing verifiable, or no boot
 * control record at all), or a port error (a power cut in simulation).
 */
int ota_boot_run(ota_boot_t *boot, const ota_boot_config_t *cfg, ota_boot_result_t *res);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_BOOT_H */
