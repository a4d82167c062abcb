/*
 * sysota host port: one simulated device, assembled from the host port's
 * parts: a NOR flash (boot control sector + application region), a
 * directory store, one power supply shared by both, SHA-256, and a system
 * port. Tests, the power-cut sweeps and `sysota sim` all build devices here,
 * so they agree on the layout:
 *
 *   flash [0, sector_size)             boot control sector
 *   flash [sector_size, nvm_size)      application region
 */
#ifndef SYSOTA_DEVICE_SIM_H
#define SYSOTA_DEVICE_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_app.h"
#include "sysota/ota_boot.h"
#include "sysota/ota_port.h"
#include "crypto_host.h"
#include "flash_sim.h"
#include "power_sim.h"
#include "store_dir.h"
#include "system_posix.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Shape of a simulated device. Zero fields take the defaults below. */
typedef struct ota_device_sim_config {
    const char *flash_path;  /**< backing file of the flash; NULL: in memory */
    const char *store_path;  /**< host directory of the store (required) */
    uint32_t nvm_size;       /**< default 1 MiB */
    uint32_t sector_size;    /**< default 4 KiB */
    uint32_t write_unit;     /**< default 16 (PIC32MZ quad word) */
    bool lenient;            /**< allow a write unit to be programmed twice (default: strict, refused) */
    uint64_t store_capacity; /**< bytes; 0: unlimited */
    uint64_t seed;           /**< torn bytes and poll jitter */
    uint8_t max_attempts;    /**< bootloader's attempt limit; 0: OTA_BOOT_MAX_ATTEMPTS */
} ota_device_sim_config_t;

/** One simulated device. Fields may be read; the ports are ready after open. */
typedef struct ota_device_sim {
    ota_power_t power;
    ota_flash_sim_t flash_sim;
    ota_store_dir_t store_dir;
    ota_system_posix_t sys_posix;
    ota_flash_t flash;
    ota_store_t store;
    ota_crypto_t crypto;
    ota_system_t sys;
    ota_boot_config_t boot_cfg; /**< the bootloader's view of this device */
} ota_device_sim_t;

/** Open (or create) a device. Returns OTA_OK or the first port error. */
int ota_device_sim_open(ota_device_sim_t *dev, const ota_device_sim_config_t *cfg);

/** Close the device; its files stay. */
int ota_device_sim_close(ota_device_sim_t *dev);

/**
 * Program a factory (golden) image as an external programmer would: the
 * image into the application region and a boot control record (type
 * factory, status valid, its digest) into the boot control sector. The
 * device is wiped first. No power faults, no counters.
 */
int ota_device_sim_factory_program(ota_device_sim_t *dev, const void *image, uint32_t len, uint32_t version);

/** Power back on after a cut (or a reset): the same as pressing reset. */
int ota_device_sim_reboot(ota_device_sim_t *dev);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_DEVICE_SIM_H */
