/*
 * The "service core alone" footprint image: ota_service_init() and a main
 * loop calling ota_service_task(), on the stub ports, with the buffers an
 * MCU product would give it. Transport and TLS are stubs (left out of the
 * figure, as owed); the buffers are in.
 *
 * Buffers: FOOTPRINT_SVC_BUF bytes for download chunks, shared with the
 * manifest (the manifest is parsed before any download starts), so the
 * manifest limit is the same number of bytes.
 */
#include <stdint.h>

#include "ports/stub_ports.h"
#include "sysota/ota_service.h"

#ifndef FOOTPRINT_SVC_BUF
#define FOOTPRINT_SVC_BUF 2048u
#endif

static ota_service_t svc;
static uint8_t buf[FOOTPRINT_SVC_BUF];

int main(void)
{
    static const ota_service_ports_t ports = {
        .flash = &stub_flash,
        .store = &stub_store,
        .transport = &stub_transport,
        .crypto = &stub_crypto,
        .sys = &stub_system,
    };
    ota_service_config_t cfg;
    ota_service_config_defaults(&cfg);
    cfg.manifest_url = "https://updates.example.com/fw/manifest.json";
    cfg.layout.bootctl_addr = STUB_BOOTCTL_ADDR;
    cfg.layout.app_addr = STUB_APP_ADDR;
    cfg.layout.app_size = STUB_APP_SIZE;
    cfg.require_tls = true;
    cfg.auto_confirm = true;
    cfg.buf = buf;
    cfg.buf_size = sizeof buf;
    cfg.manifest_buf = NULL;
    cfg.manifest_max = sizeof buf;
    if (ota_service_init(&svc, &cfg, &ports) != OTA_OK) {
        for (;;) {
        }
    }
    for (;;) {
        (void)ota_service_task(&svc);
    }
}
