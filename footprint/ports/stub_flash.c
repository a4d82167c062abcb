/*
 * Internal flash stub: reads are memory-mapped; erase and program drive a
 * flash controller shaped like the common Cortex-M ones (address register,
 * control register, busy flag). Register addresses are illustrative.
 */
#include <string.h>

#include "stub_ports.h"

#define FLASH_CTRL_BASE 0x40023C00u
#define FLASH_SR (*(volatile uint32_t *)(FLASH_CTRL_BASE + 0x0Cu))
#define FLASH_CR (*(volatile uint32_t *)(FLASH_CTRL_BASE + 0x10u))
#define FLASH_AR (*(volatile uint32_t *)(FLASH_CTRL_BASE + 0x14u))
#define SR_BUSY 0x00010000u
#define SR_ERRORS 0x000000F0u
#define CR_PG 0x00000001u
#define CR_SER 0x00000002u
#define CR_STRT 0x00010000u

static int wait_ready(void)
{
    while (FLASH_SR & SR_BUSY) {
    }
    uint32_t err = FLASH_SR & SR_ERRORS;
    FLASH_SR = err; /* write-one-to-clear */
    return err ? OTA_ERR_IO : OTA_OK;
}

static int flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    (void)ctx;
    memcpy(buf, (const void *)(uintptr_t)(STUB_FLASH_BASE + addr), len);
    return OTA_OK;
}

static int flash_erase(void *ctx, uint32_t addr)
{
    (void)ctx;
    FLASH_AR = STUB_FLASH_BASE + addr;
    FLASH_CR = CR_SER | CR_STRT;
    int err = wait_ready();
    FLASH_CR = 0;
    return err;
}

static int flash_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    (void)ctx;
    const uint8_t *p = buf;
    int err = OTA_OK;
    FLASH_CR = CR_PG;
    for (uint32_t i = 0; i < len && err == OTA_OK; i += 4u) {
        uint32_t w;
        memcpy(&w, p + i, 4u);
        *(volatile uint32_t *)(uintptr_t)(STUB_FLASH_BASE + addr + i) = w;
        err = wait_ready();
    }
    FLASH_CR = 0;
    return err;
}

const ota_flash_t stub_flash = {
    .ctx = NULL,
    .size = STUB_FLASH_SIZE,
    .sector_size = STUB_SECTOR_SIZE,
    .write_unit = 8u,
    .read = flash_read,
    .erase = flash_erase,
    .program = flash_program,
};
