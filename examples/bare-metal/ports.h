/*
 * The five ports of this example and the memory map they serve. Each port
 * is one file (port_<name>.c), a stand-in that keeps its data in RAM so
 * that the example also runs on a PC: replace each with your driver, keeping
 * the contract of sysota/ota_port.h that the comments in the file repeat.
 *
 * Internal flash (offsets of the flash port, 128 KiB, 4 KiB sectors):
 *   0x00000 .. 0x03FFF  the bootloader (this example's bootloader.c)
 *   0x04000 .. 0x05FFF  boot control area: two sectors (sysota's record log
 *                       and candidate table; never erased both at once)
 *   0x06000 .. 0x1FFFF  application region
 */
#ifndef EXAMPLE_PORTS_H
#define EXAMPLE_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "sysota/ota_layout.h"
#include "sysota/ota_port.h"

#define EXAMPLE_FLASH_SIZE (128u * 1024u)
#define EXAMPLE_SECTOR_SIZE 4096u
#define EXAMPLE_BOOTCTL_ADDR 0x04000u
#define EXAMPLE_APP_ADDR 0x06000u
#define EXAMPLE_APP_SIZE (EXAMPLE_FLASH_SIZE - EXAMPLE_APP_ADDR)

/** The memory map, shared by the bootloader's and the service's configuration. */
#define EXAMPLE_LAYOUT                                                                                   \
    {                                                                                                    \
        .bootctl_addr = EXAMPLE_BOOTCTL_ADDR, .app_addr = EXAMPLE_APP_ADDR, .app_size = EXAMPLE_APP_SIZE \
    }

extern const ota_flash_t port_flash;         /* port_flash.c */
extern const ota_store_t port_store;         /* port_store.c */
extern const ota_transport_t port_transport; /* port_transport.c */
extern const ota_crypto_t port_crypto;       /* port_crypto.c */
extern const ota_system_t port_system;       /* port_system.c */

/**
 * RAM stand-in only: what the example's pretend server answers for url
 * (a real transport fetches it over the network). data must outlive the run.
 */
int port_transport_serve(const char *url, const void *data, uint32_t len);

#endif /* EXAMPLE_PORTS_H */
