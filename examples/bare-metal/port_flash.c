/*
 * Internal flash port. Here a RAM array stands for the chip's flash; on a
 * board, read() is a memcpy from the memory-mapped flash and erase() and
 * program() drive the flash controller (unlock, start, wait for the busy
 * flag to clear, check the error flags, lock).
 */
#include <stdbool.h>
#include <string.h>

#include "ports.h"

#define FLASH_WRITE_UNIT 8u

/* A new chip comes erased: the RAM stand-in is filled with 0xFF at first use. */
static uint8_t flash_mem[EXAMPLE_FLASH_SIZE];
static bool flash_fresh = true;

static uint8_t *flash_at(uint32_t addr)
{
    if (flash_fresh) {
        memset(flash_mem, OTA_FLASH_ERASED, sizeof flash_mem);
        flash_fresh = false;
    }
    return flash_mem + addr;
}

/*
 * Read len bytes at addr, any alignment. The real driver: copy from the
 * memory-mapped flash (mind the data cache after a program or an erase),
 * or read through the controller if the flash is not mapped.
 */
static int flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    (void)ctx;
    if (addr > EXAMPLE_FLASH_SIZE || len > EXAMPLE_FLASH_SIZE - addr) {
        return OTA_ERR_RANGE;
    }
    memcpy(buf, flash_at(addr), len);
    return OTA_OK;
}

/*
 * Erase the one sector starting at addr: every byte becomes
 * OTA_FLASH_ERASED (0xFF). The real driver: start a sector erase and wait
 * until it is complete before returning (the core does not poll). A power
 * cut during it may leave anything in this sector and must leave every
 * other sector untouched. A flash that erases to 0x00 inverts every byte it
 * reads and programs.
 */
static int flash_erase(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (addr >= EXAMPLE_FLASH_SIZE) {
        return OTA_ERR_RANGE;
    }
    if (addr % EXAMPLE_SECTOR_SIZE != 0u) {
        return OTA_ERR_ALIGN;
    }
    memset(flash_at(addr), OTA_FLASH_ERASED, EXAMPLE_SECTOR_SIZE);
    return OTA_OK;
}

/*
 * Program len bytes at addr; both are multiples of write_unit. Programming
 * only clears bits: a bit the data would set back to 1 is an error
 * (OTA_ERR_FLASH_BITS), never silently ignored. The core programs each
 * write unit at most once between erases, so ECC flash is fine. The real
 * driver: program unit by unit, wait for each to complete, report the
 * controller's error flags as OTA_ERR_IO (or OTA_ERR_VERIFY after a
 * read-back mismatch).
 */
static int flash_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    (void)ctx;
    const uint8_t *src = buf;
    if (addr > EXAMPLE_FLASH_SIZE || len > EXAMPLE_FLASH_SIZE - addr) {
        return OTA_ERR_RANGE;
    }
    if (addr % FLASH_WRITE_UNIT != 0u || len % FLASH_WRITE_UNIT != 0u) {
        return OTA_ERR_ALIGN;
    }
    uint8_t *cell = flash_at(addr);
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(src[i] & ~cell[i]) != 0u) {
            return OTA_ERR_FLASH_BITS;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        cell[i] &= src[i];
    }
    return OTA_OK;
}

const ota_flash_t port_flash = {
    .ctx = NULL,
    .size = EXAMPLE_FLASH_SIZE,
    .sector_size = EXAMPLE_SECTOR_SIZE,
    .write_unit = FLASH_WRITE_UNIT,
    .read = flash_read,
    .erase = flash_erase,
    .program = flash_program,
    .sector = NULL, /* uniform sectors; set it for a flash whose sectors vary in size (STM32F4) */
};
