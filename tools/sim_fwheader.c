/*
 * `sysota sim`: the boot control page that an application built for
 * Microchip's OTA service carries in its HEX file.
 *
 * That application's linker script reserves the page before the
 * application (0x10020000 on a PIC32MZ W1) and fills it with a 256-byte
 * FIRMWARE_IMAGE_HEADER, version 1, little-endian:
 *
 *   0  status u8      4  size u32        16  SHA-256 digest, 32 bytes
 *   1  slot u8        8  version u32     48  reserved, 208 bytes
 *   2  order u8      12  boot address u32
 *   3  type u8 (0 programmer, 1 production, 2 debug, 3 factory reset)
 *
 * The rest of the page is zero except its last byte, a second copy of the
 * status. A fresh build has status 0xFF, type 3, size 0xFFFFFFFF, its
 * version, and the application's boot address. There is no magic and no
 * CRC, so "is this such a page" can only be answered by its shape: a type
 * in range, status bytes that are status values, and nothing else in the
 * page. Application code that happens to sit there fails that test.
 */
#include <stdio.h>
#include <string.h>

#include "ota_util.h"
#include "sim.h"

#define FWHDR_STATUS 0u
#define FWHDR_SLOT 1u
#define FWHDR_ORDER 2u
#define FWHDR_TYPE 3u
#define FWHDR_SIZE 4u
#define FWHDR_VERSION 8u
#define FWHDR_BOOT_ADDR 12u
#define FWHDR_DIGEST 16u
#define FWHDR_STATUS_COPY (SIMCMD_FWHDR_PAGE_SIZE - 1u)
#define FWHDR_TYPE_MAX 3u

/* MIPS kseg0/kseg1 addresses and the physical one name the same byte. */
#define MIPS_PHYSICAL_MASK 0x1FFFFFFFu

static bool is_status(uint8_t b)
{
    return b == OTA_STATUS_EMPTY || b == OTA_STATUS_DOWNLOADED || b == OTA_STATUS_UNBOOTED || b == OTA_STATUS_VALID ||
           b == OTA_STATUS_DISABLED;
}

int simcmd_fwhdr_parse(const uint8_t *page, simcmd_fwhdr_t *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (page[FWHDR_TYPE] > FWHDR_TYPE_MAX) {
        snprintf(why, cap, "byte 3 (image type) is 0x%02X, not 0..%u", page[FWHDR_TYPE], FWHDR_TYPE_MAX);
        return OTA_ERR_NOT_FOUND;
    }
    if (!is_status(page[FWHDR_STATUS]) || !is_status(page[FWHDR_STATUS_COPY])) {
        snprintf(why, cap, "bytes 0 and %u (status and its copy) are 0x%02X and 0x%02X, not status values",
                 FWHDR_STATUS_COPY, page[FWHDR_STATUS], page[FWHDR_STATUS_COPY]);
        return OTA_ERR_NOT_FOUND;
    }
    /* 0x00 as the linker writes it, 0xFF where the HEX has no record. */
    for (uint32_t i = SIMCMD_FWHDR_SIZE; i < FWHDR_STATUS_COPY; i++) {
        if (page[i] != 0x00u && page[i] != 0xFFu) {
            snprintf(why, cap, "byte %u is 0x%02X: past the 256-byte header the page is blank", (unsigned)i, page[i]);
            return OTA_ERR_NOT_FOUND;
        }
    }
    out->status = page[FWHDR_STATUS];
    out->slot = page[FWHDR_SLOT];
    out->order = page[FWHDR_ORDER];
    out->type = page[FWHDR_TYPE];
    out->size = ota_le32_get(page + FWHDR_SIZE);
    out->version = ota_le32_get(page + FWHDR_VERSION);
    out->boot_addr = ota_le32_get(page + FWHDR_BOOT_ADDR);
    memcpy(out->digest, page + FWHDR_DIGEST, sizeof out->digest);
    out->status_copy = page[FWHDR_STATUS_COPY];
    snprintf(why, cap, "%s", "");
    return OTA_OK;
}

bool simcmd_fwhdr_has_version(const simcmd_fwhdr_t *h)
{
    return h->version != 0u && h->version != 0xFFFFFFFFu;
}

bool simcmd_fwhdr_boot_addr_is(const simcmd_fwhdr_t *h, uint32_t addr)
{
    return h->boot_addr == 0xFFFFFFFFu || (h->boot_addr & MIPS_PHYSICAL_MASK) == (addr & MIPS_PHYSICAL_MASK);
}

const char *simcmd_fwhdr_type_name(uint8_t type)
{
    static const char *const names[] = { "programmer", "production", "debug", "factory reset" };
    return type <= FWHDR_TYPE_MAX ? names[type] : "?";
}
