/*
 * Stub ports of the footprint images: the smallest honest implementation of
 * each sysota port on a generic Cortex-M4, so that the core links as it
 * would in a product. Their own size is reported apart from the core's.
 *
 * Flash layout (offsets into the 1 MiB internal flash):
 *   0x00000 .. 0x0FFFF  the bootloader
 *   0x10000 .. 0x10FFF  boot control sector
 *   0x11000 .. 0xFFFFF  application region
 */
#ifndef SYSOTA_FOOTPRINT_STUB_PORTS_H
#define SYSOTA_FOOTPRINT_STUB_PORTS_H

#include "sysota/ota_port.h"

#define STUB_FLASH_BASE 0x08000000u
#define STUB_FLASH_SIZE (1024u * 1024u)
#define STUB_SECTOR_SIZE 4096u
#define STUB_BOOTCTL_ADDR 0x10000u
#define STUB_APP_ADDR 0x11000u
#define STUB_APP_SIZE (STUB_FLASH_SIZE - STUB_APP_ADDR)

/** Internal flash through a memory-mapped NOR controller. */
extern const ota_flash_t stub_flash;
/** The external store: stands for the product's file system (littlefs, FatFs), not ours to size. */
extern const ota_store_t stub_store;
/**
 * SHA-256 from mbedTLS's sha256.c, context in the caller's ota_sha256_t.
 * Built with FOOTPRINT_ECDSA, verify is stub_ecdsa_verify; otherwise NULL.
 */
extern const ota_crypto_t stub_crypto;

/** Bytes of the static arena mbedTLS's verify allocates from (host-checked upper bound of its peak). */
#ifndef STUB_ECDSA_HEAP
#define STUB_ECDSA_HEAP 4096u
#endif

/** ECDSA P-256 verify through mbedTLS (ota_crypto_t.verify), allocating from a static arena. */
int stub_ecdsa_verify(void *ctx, const uint8_t key[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                      const uint8_t sig[OTA_SIG_LEN]);
/** Cycle counter clock, AIRCR reset, no log. */
extern const ota_system_t stub_system;
/** HTTP(S): stands for the product's network stack (lwIP + mbedTLS TLS), left out of the service figure. */
extern const ota_transport_t stub_transport;

#endif /* SYSOTA_FOOTPRINT_STUB_PORTS_H */
