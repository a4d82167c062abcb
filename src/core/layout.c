/*
 * Flash geometry and the memory map (sysota/ota_layout.h): the one place
 * that knows how sectors are found, uniform or of varying size.
 */
#include "sysota/ota_layout.h"

#include "ota_bootctl.h"
#include "ota_util.h"

int ota_flash_sector(const ota_flash_t *flash, uint32_t addr, uint32_t *start, uint32_t *size)
{
    if (flash == NULL || flash->write_unit == 0 || addr >= flash->size) {
        return flash == NULL || flash->write_unit == 0 ? OTA_ERR_INVALID_ARG : OTA_ERR_RANGE;
    }
    if (flash->sector != NULL) {
        int err = flash->sector(flash->ctx, addr, start, size);
        if (err != OTA_OK) {
            return err;
        }
    } else {
        if (flash->sector_size == 0) {
            return OTA_ERR_INVALID_ARG;
        }
        *size = flash->sector_size;
        *start = addr - addr % flash->sector_size;
    }
    /* A port's answer is checked, not trusted: the erase loops step by it. */
    if (*size == 0 || *size % flash->write_unit != 0u || *start > addr || addr - *start >= *size ||
        *size > flash->size - *start) {
        return OTA_ERR_INVALID_ARG;
    }
    return OTA_OK;
}

static int layout_refuse(const char **why, const char *what)
{
    if (why != NULL) {
        *why = what;
    }
    return OTA_ERR_INVALID_ARG;
}

int ota_layout_check(const ota_layout_t *layout, const ota_flash_t *flash, const char **why)
{
    uint32_t start;
    uint32_t size;

    if (layout == NULL || flash == NULL) {
        return layout_refuse(why, OTA_TEXT("layout: no layout or no flash"));
    }
    ota_bootctl_t bc;
    if (ota_bootctl_init(&bc, flash, layout->bootctl_addr, layout->bootctl_size) != OTA_OK) {
        return layout_refuse(why,
                             OTA_TEXT("layout: the boot control area is not one or two whole sectors of the flash"));
    }
    uint32_t bootctl_end = bc.sector_addr[bc.sectors - 1u] + bc.sector_size[bc.sectors - 1u];
    if (layout->app_size == 0 || layout->app_addr >= flash->size || layout->app_size > flash->size - layout->app_addr) {
        return layout_refuse(why, OTA_TEXT("layout: the application region is empty or past the end of the flash"));
    }
    if (ota_flash_sector(flash, layout->app_addr, &start, &size) != OTA_OK || start != layout->app_addr) {
        return layout_refuse(why, OTA_TEXT("layout: the application region does not start on a sector"));
    }
    /* An install erases the application region: it must not hold the record
     * that says what is installed. */
    if (layout->app_addr < bootctl_end && layout->bootctl_addr < layout->app_addr + layout->app_size) {
        return layout_refuse(why, OTA_TEXT("layout: the application region overlaps the boot control area"));
    }
    if (why != NULL) {
        *why = "";
    }
    return OTA_OK;
}
