/*
 * `sysota sim`: the simulated application image format.
 *
 * The simulator runs no machine code: what an "application" does is read
 * from the header at the start of its image in program flash. Everything
 * after the header is filler derived from version and flags, so every test
 * image has its own digest and a torn copy never passes for a good one.
 */
#include <string.h>

#include "ota_util.h"
#include "sim.h"

static const uint8_t simcmd_magic[8] = { 'S', 'O', 'T', 'A', '-', 'S', 'I', 'M' };

#define SIMCMD_IMAGE_FORMAT 1u

int simcmd_image_build(uint8_t *buf, uint32_t size, uint32_t version, uint32_t flags)
{
    if (size < SIMCMD_IMAGE_HEADER_SIZE || version == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(buf, 0, SIMCMD_IMAGE_HEADER_SIZE);
    memcpy(buf, simcmd_magic, sizeof simcmd_magic);
    ota_le32_put(buf + 8, SIMCMD_IMAGE_FORMAT);
    ota_le32_put(buf + 12, flags);
    ota_le32_put(buf + 16, version);
    ota_le32_put(buf + 20, size);
    ota_le32_put(buf + 28, ota_crc32(buf, 28));
    /* xorshift32 seeded by version and flags: v7 and a no-confirm v7 differ. */
    uint32_t x = version * 2654435761u ^ (flags + 1u) * 0x85EBCA6Bu;
    if (x == 0) {
        x = 0x9E3779B9u;
    }
    for (uint32_t i = SIMCMD_IMAGE_HEADER_SIZE; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 24);
    }
    return OTA_OK;
}

int simcmd_image_parse(const uint8_t *buf, size_t len, simcmd_image_info_t *out)
{
    if (len < SIMCMD_IMAGE_HEADER_SIZE || memcmp(buf, simcmd_magic, sizeof simcmd_magic) != 0 ||
        ota_le32_get(buf + 8) != SIMCMD_IMAGE_FORMAT || ota_le32_get(buf + 28) != ota_crc32(buf, 28)) {
        return OTA_ERR_NOT_FOUND;
    }
    out->flags = ota_le32_get(buf + 12);
    out->version = ota_le32_get(buf + 16);
    out->size = ota_le32_get(buf + 20);
    return OTA_OK;
}
