/*
 * The two programs of the device: the bootloader (bootloader.c), which
 * the reset handler runs, and the application (app.c), which it hands
 * over to. Both use the same ports and memory map (ports.h).
 */
#ifndef EXAMPLE_FIRMWARE_H
#define EXAMPLE_FIRMWARE_H

#include "sysota/ota_boot.h"
#include "sysota/ota_service.h"

/** Where the application looks for updates. */
#define EXAMPLE_MANIFEST_URL "https://updates.example.com/fw/manifest.json"

/** The bootloader's configuration; the application's ota_app_* calls take the same. */
extern const ota_boot_config_t example_boot_config;

/** The update service's ports (service_config.c). */
extern const ota_service_ports_t example_service_ports;

/** The service's settings on this device, with buf (buf_size bytes) as its buffer. */
void example_service_config(ota_service_config_t *cfg, uint8_t *buf, uint32_t buf_size);

/** The bootloader: called by the reset handler; hands over or halts. */
void bootloader_main(void);

/** The application's main(), entered from the bootloader's jump. */
void app_main(void);

#endif /* EXAMPLE_FIRMWARE_H */
