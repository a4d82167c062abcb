/*
 * sysota simulator: one simulated device, assembled from the simulator's
 * models and the host port's parts: a NOR flash model (boot control sector
 * + application region) over a file flash, a simulated store over a
 * directory store, one power supply shared by both, SHA-256, and a system
 * port. Tests, the power-cut sweeps and `sysota sim` all build devices here,
 * so they agree on the layout:
 *
 *   flash [bootctl_offset, +its sector)    boot control sector (default offset 0)
 *   flash [app_offset, nvm_size)           application region (default: right
 *                                          after the boot control sector)
 *
 * Flash below app_offset outside the boot control sector is left alone: on
 * a PIC32MZ W1 laid out as Microchip's OTA service has it, that is where
 * its bootloader lives (boot control at 0x20000, application at 0x21000).
 */
#ifndef SYSOTA_SIM_DEVICE_H
#define SYSOTA_SIM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_app.h"
#include "sysota/ota_boot.h"
#include "sysota/ota_port.h"
#include "crypto_host.h"
#include "sim_nor.h"
#include "sim_power.h"
#include "store_dir.h"
#include "sim_store.h"
#include "system_posix.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Shape of a simulated device. Zero fields take the defaults below. */
typedef struct sim_device_config {
    const char *flash_path;                /**< backing file of the flash; NULL: in memory */
    const char *store_path;                /**< host directory of the store (required) */
    uint32_t nvm_size;                     /**< default 1 MiB */
    uint32_t sector_size;                  /**< uniform sectors; default 4 KiB (ignored with a sector map) */
    const posix_flash_file_run_t *sectors; /**< sector map (see flash_file.h); NULL: uniform */
    size_t nsectors;                       /**< runs in sectors */
    uint32_t write_unit;                   /**< default 16 (PIC32MZ quad word) */
    uint32_t bootctl_offset;               /**< boot control area (two sectors from here); default 0 */
    uint32_t app_offset;     /**< first byte of the application region; 0: right after the boot control area */
    bool lenient;            /**< allow a write unit to be programmed twice (default: strict, refused) */
    uint64_t store_capacity; /**< bytes; 0: unlimited */
    uint64_t seed;           /**< torn bytes and poll jitter */
    uint8_t max_attempts;    /**< bootloader's attempt limit; 0: OTA_BOOT_MAX_ATTEMPTS */
    const ota_keys_t *keys;  /**< the keys the bootloader trusts (must outlive the device); NULL: none */
} sim_device_config_t;

/** Where a configuration puts things, defaults applied. */
typedef struct sim_device_layout {
    uint32_t nvm_size;
    uint32_t sector_size; /**< the boot control sector's size */
    uint32_t write_unit;
    uint32_t bootctl_addr; /**< flash offset of the boot control area */
    uint32_t bootctl_size; /**< its bytes (two sectors) */
    uint32_t app_addr;     /**< flash offset of the application region */
    uint32_t app_size;     /**< to the end of flash */
} sim_device_layout_t;

/**
 * The layout cfg asks for, with the defaults applied, and whether its boot
 * control sector and application region fit the flash: OTA_OK, or
 * OTA_ERR_INVALID_ARG with *why (if why is not NULL) naming the first
 * problem. sim_device_open refuses what this refuses (and the flash
 * refuses a geometry that is not whole powers of two, or a sector map that
 * does not add up). With a sector map, the areas must start on sectors of
 * it (the bootloader checks the whole memory map again, ota_layout_check).
 */
int sim_device_layout(const sim_device_config_t *cfg, sim_device_layout_t *out, const char **why);

/** One simulated device. Fields may be read; the ports are ready after open. */
typedef struct sim_device {
    sim_power_t power;
    sim_nor_t nor;
    posix_store_dir_t store_dir; /**< the files */
    sim_store_t store_sim;       /**< the files under the power model: what store is */
    posix_system_t sys_posix;
    ota_flash_t flash;
    ota_store_t store;
    ota_crypto_t crypto;
    ota_system_t sys;
    ota_boot_config_t boot_cfg; /**< the bootloader's view of this device */
    uint64_t utc_base;          /**< trusted time (seconds since 1970) when now_ms read utc_ms0 */
    uint32_t utc_ms0;
} sim_device_t;

/** Open (or create) a device. Returns OTA_OK or the first port error. */
int sim_device_open(sim_device_t *dev, const sim_device_config_t *cfg);

/** Close the device; its files stay. */
int sim_device_close(sim_device_t *dev);

/**
 * Program a factory (golden) image as an external programmer would: the
 * image into the application region and a boot control record (type
 * factory, status valid, its digest) into the boot control sector. The
 * device is wiped first. No power faults, no counters.
 */
int sim_device_factory_program(sim_device_t *dev, const void *image, uint32_t len, uint32_t version);

/**
 * Give the system port a trusted time (ota_system_t.utc_time): utc_now
 * seconds since 1970-01-01 UTC at this moment of the device's clock, and
 * advancing with it (the fake clock's simulated time included). Without
 * this call the device has no trusted time, as most boards have not.
 * Returns OTA_OK.
 */
int sim_device_trusted_time(sim_device_t *dev, uint64_t utc_now);

/** Power back on after a cut (or a reset): the same as pressing reset. */
int sim_device_reboot(sim_device_t *dev);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SIM_DEVICE_H */
