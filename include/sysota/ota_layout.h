/*
 * sysota memory map: where the boot control area and the application region
 * sit in internal flash. One struct, shared by the bootloader's and the
 * service's configuration, so the two can never disagree.
 */
#ifndef SYSOTA_OTA_LAYOUT_H
#define SYSOTA_OTA_LAYOUT_H

#include <stdint.h>

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The memory map of internal flash, as offsets of the flash port. */
typedef struct ota_layout {
    uint32_t bootctl_addr; /**< the boot control area: one whole sector, or two one after the other */
    uint32_t bootctl_size; /**< its bytes: 0 or one sector's size (one sector), or two sectors' */
    uint32_t app_addr;     /**< first byte of the application region, on a sector boundary */
    uint32_t app_size;     /**< bytes of the application region (sectors of any size) */
} ota_layout_t;

/**
 * The sector of flash holding addr: its first byte and its size, from the
 * port's sector() or its uniform sector_size. OTA_ERR_RANGE outside the
 * device, OTA_ERR_INVALID_ARG for a geometry the core cannot use (a sector
 * size of 0 or not a multiple of the write unit).
 */
int ota_flash_sector(const ota_flash_t *flash, uint32_t addr, uint32_t *start, uint32_t *size);

/**
 * Check a memory map against the flash it describes: the boot control area
 * is one or two whole sectors, the application region starts on a sector and
 * fits in the device, and the two do not overlap. OTA_OK or
 * OTA_ERR_INVALID_ARG, with *why (when not NULL) naming the problem.
 */
int ota_layout_check(const ota_layout_t *layout, const ota_flash_t *flash, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_LAYOUT_H */
