/*
 * The device's ports and configuration (see device.h).
 */
#include "device.h"

#include "board.h"
#include "crypto_port.h"
#include "flash_port.h"
#include "store_port.h"
#include "system_port.h"

#ifdef MPS2_PUBKEY_HEADER
/* `sysota key pub --c-array --name MPS2_PUBKEY` wrote it. */
#include MPS2_PUBKEY_HEADER
static const ota_keys_t keys = { .count = 1, .point = { MPS2_PUBKEY } };
#define KEYS (&keys)
#else
#define KEYS NULL
#endif

static ota_flash_t flash;
static ota_store_t store;
static ota_crypto_t crypto;
static ota_system_t sys;

void mps2_device_config(ota_boot_config_t *cfg, const char *prefix)
{
    (void)mps2_flash_port(&flash);
    (void)mps2_store_port(&store);
    (void)mps2_crypto_port(&crypto);
    (void)mps2_system_port(&sys, prefix);
    *cfg = (ota_boot_config_t){
        .flash = &flash,
        .store = &store,
        .crypto = &crypto,
        .sys = &sys,
        .keys = KEYS,
        .layout = MPS2_LAYOUT,
        .max_attempts = MPS2_MAX_ATTEMPTS,
        .verify_on_jump = false,
    };
}
