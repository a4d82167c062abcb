/*
 * The update service's ports and settings on this device, as the
 * application hands them to ota_service_init() (app.c) or to
 * sys_ota_setup() (examples/sys-ota-app).
 */
#include "firmware.h"
#include "ports.h"

const ota_service_ports_t example_service_ports = {
    .flash = &port_flash,
    .store = &port_store,
    .transport = &port_transport,
    .crypto = &port_crypto,
    .sys = &port_system,
};

void example_service_config(ota_service_config_t *cfg, uint8_t *buf, uint32_t buf_size)
{
    ota_service_config_defaults(cfg); /* hourly checks, automatic download and reset */
    cfg->manifest_url = EXAMPLE_MANIFEST_URL;
    cfg->layout = (ota_layout_t)EXAMPLE_LAYOUT;
    cfg->require_tls = true;
    /* Download chunks; the manifest is parsed in the same buffer, before any download. */
    cfg->buf = buf;
    cfg->buf_size = buf_size;
    cfg->manifest_max = buf_size;
}
