/*
 * The device as both programs see it: the ports over this board, the keys
 * it trusts, and the bootloader's configuration, which the application's
 * ota_app_* calls and the service take too (one memory map, board.h).
 */
#ifndef MPS2_DEVICE_H
#define MPS2_DEVICE_H

#include "sysota/ota_boot.h"

/** Where the service looks for updates (transport_semihost.h: the host folder MPS2_SERVER_DIR). */
#define MPS2_MANIFEST_URL "http://updates.example/manifest.json"

/** Boots of an unconfirmed image before the bootloader rolls it back. */
#define MPS2_MAX_ATTEMPTS 3u

/** The application must feed the watchdog at least this often once the bootloader has started it. */
#define MPS2_WATCHDOG_MS 1000u

/**
 * Set the ports up and fill cfg (the log lines start with prefix). With a
 * public key built in (MPS2_PUBKEY_HEADER), cfg->keys trusts it: stored
 * images and manifests must then be signed by its private key.
 */
void mps2_device_config(ota_boot_config_t *cfg, const char *prefix);

#endif /* MPS2_DEVICE_H */
