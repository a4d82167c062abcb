/*
 * The "delta decoders alone" footprint image: both patch decoders
 * (ota_delta.h) stepped over callbacks that stand for the product's store
 * reads and flash writes, with a one-page work buffer. The decoders' RAM is
 * the static ota_delta_t (its size by format: delta_sizes.c); the work
 * buffer is the page the caller lends.
 */
#include <stdint.h>
#include <string.h>

#include "ota_delta.h"

#ifndef FOOTPRINT_DELTA_WORK
#define FOOTPRINT_DELTA_WORK 4096u
#endif

static ota_delta_t delta;
static uint8_t work[FOOTPRINT_DELTA_WORK];

/* Reads of a memory-mapped base, patch and output (what a NOR store gives). */
static int mapped_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    memcpy(buf, (const uint8_t *)ctx + off, len);
    return OTA_OK;
}

static int program(void *ctx, const void *buf, uint32_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return OTA_OK;
}

int main(void)
{
    static const ota_delta_io_t io = {
        .ctx = (void *)0x08040000u,
        .base_size = 0x40000u,
        .patch_size = 0x10000u,
        .base_read = mapped_read,
        .patch_read = mapped_read,
        .out_write = program,
        .out_read = mapped_read,
    };
    /* The format comes from the manifest at run time: both decoders link. */
    ota_delta_format_t format = (ota_delta_format_t)(*(volatile uint8_t *)0x08000400u & 1u);
    if (ota_delta_init(&delta, format, work, sizeof work, &io) == OTA_OK) {
        while (ota_delta_step(&delta) == OTA_ERR_AGAIN) {
        }
    }
    for (;;) {
    }
}
