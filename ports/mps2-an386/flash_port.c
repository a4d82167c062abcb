/*
 * The board's flash port (see flash_port.h), with the contract of
 * sysota/ota_port.h that a real flash driver keeps:
 *  - erase sets one whole sector to 0xFF; program only clears bits, a bit
 *    the data would set back to 1 is refused (OTA_ERR_FLASH_BITS) with
 *    nothing written;
 *  - each call returns once the operation is complete: here, once the host
 *    file holds it (semihosting writes are synchronous);
 *  - the bootloader's own region is refused (OTA_ERR_RANGE): on a real
 *    chip its write protection;
 *  - every erase and program is one operation of the power-cut hook
 *    (mps2_power_op): after operation cut=N the run ends as a power cut
 *    would, with the file holding exactly what was done before it.
 * What QEMU cannot show is a half-done operation (a torn program or
 * erase); the simulator's NOR model (src/sim) covers those on the host and
 * in the target build's tests.
 */
#include "flash_port.h"

#include <stdbool.h>
#include <string.h>

#include "board.h"
#include "semihost.h"

static int flash_file = -1;

/* Code memory at addr: offsets of this port are addresses. */
static uint8_t *mem(uint32_t addr)
{
    return (uint8_t *)(uintptr_t)addr;
}

static bool in_range(uint32_t addr, uint32_t len)
{
    return addr >= MPS2_BOOTCTL_ADDR && addr <= MPS2_FLASH_SIZE && len <= MPS2_FLASH_SIZE - addr;
}

/* Write len bytes of code memory at addr through to the flash file. */
static int persist(uint32_t addr, uint32_t len)
{
    if (flash_file < 0) {
        flash_file = semihost_open(MPS2_FLASH_FILE, SEMIHOST_RPB);
        if (flash_file < 0) {
            return OTA_ERR_IO;
        }
    }
    if (semihost_seek(flash_file, addr) != 0 || semihost_write(flash_file, mem(addr), len) != 0) {
        return OTA_ERR_IO;
    }
    return OTA_OK;
}

static int flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    (void)ctx;
    if (addr > MPS2_FLASH_SIZE || len > MPS2_FLASH_SIZE - addr) {
        return OTA_ERR_RANGE;
    }
    memcpy(buf, mem(addr), len);
    return OTA_OK;
}

static int flash_erase(void *ctx, uint32_t addr)
{
    (void)ctx;
    if (!in_range(addr, MPS2_FLASH_SECTOR)) {
        return OTA_ERR_RANGE;
    }
    if (addr % MPS2_FLASH_SECTOR != 0u) {
        return OTA_ERR_ALIGN;
    }
    memset(mem(addr), OTA_FLASH_ERASED, MPS2_FLASH_SECTOR);
    int err = persist(addr, MPS2_FLASH_SECTOR);
    mps2_power_op();
    return err;
}

static int flash_program(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    (void)ctx;
    const uint8_t *src = buf;
    if (!in_range(addr, len)) {
        return OTA_ERR_RANGE;
    }
    if (addr % MPS2_FLASH_WRITE_UNIT != 0u || len % MPS2_FLASH_WRITE_UNIT != 0u) {
        return OTA_ERR_ALIGN;
    }
    uint8_t *cell = mem(addr);
    for (uint32_t i = 0; i < len; i++) {
        if ((uint8_t)(src[i] & ~cell[i]) != 0u) {
            return OTA_ERR_FLASH_BITS;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        cell[i] &= src[i];
    }
    int err = persist(addr, len);
    mps2_power_op();
    return err;
}

int mps2_flash_port(ota_flash_t *out)
{
    memset(out, 0, sizeof *out);
    out->size = MPS2_FLASH_SIZE;
    out->sector_size = MPS2_FLASH_SECTOR;
    out->write_unit = MPS2_FLASH_WRITE_UNIT;
    out->read = flash_read;
    out->erase = flash_erase;
    out->program = flash_program;
    return OTA_OK;
}
