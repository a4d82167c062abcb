/*
 * Flash port of the board: internal flash is code memory, read in place,
 * and every erase and program is written through to the host file
 * MPS2_FLASH_FILE, which QEMU loads at address 0 at the next power-on.
 * So a "reset" is a QEMU restart from that file, and what a power cut
 * leaves is what the file holds (see board.h for the memory map).
 */
#ifndef MPS2_FLASH_PORT_H
#define MPS2_FLASH_PORT_H

#include "sysota/ota_port.h"

/** Fill *out with the flash port (uniform 4 KiB sectors, 8-byte write unit). Returns OTA_OK. */
int mps2_flash_port(ota_flash_t *out);

#endif /* MPS2_FLASH_PORT_H */
