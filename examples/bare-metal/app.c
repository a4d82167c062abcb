/*
 * The application. Its main loop calls ota_service_task() with its own
 * work: each call does a bounded step (one network read and one store
 * write at most) and returns. When an update has been downloaded and
 * verified, the service records it and resets the device through the
 * system port, and the bootloader installs it.
 */
#include "board.h"
#include "firmware.h"

/* The service's RAM and buffer: static (no heap, and too large for most stacks). */
static ota_service_t svc;
static uint8_t ota_buf[1024]; /* 2 KiB or more: room for delta patches too (ota_service_config_t.buf) */

/* What the application makes of the service's events: here, console lines. */
static void on_ota_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *d)
{
    (void)arg;
    switch (ev) {
    case OTA_EVENT_UPDATE_AVAILABLE:
        board_log("app: update available, version", (int32_t)d->version);
        break;
    case OTA_EVENT_NO_UPDATE:
        board_log("app: up to date, version", (int32_t)ota_service_running_version(&svc));
        break;
    case OTA_EVENT_VERIFY_SUCCESS:
        board_log("app: download verified, version", (int32_t)d->version);
        break;
    case OTA_EVENT_UPDATE_READY:
        board_log("app: update ready, resetting into it, version", (int32_t)d->version);
        break;
    case OTA_EVENT_CONFIRMED:
        board_log("app: confirmed version", (int32_t)d->version);
        break;
    case OTA_EVENT_CHECK_FAILED:
    case OTA_EVENT_DOWNLOAD_FAILED:
    case OTA_EVENT_VERIFY_FAILED:
        board_log("app: update failed, error", d->reason);
        break;
    default:
        break;
    }
}

/* The application's own check that it works (peripherals, server reachable, ...). */
static bool app_self_test(void)
{
    return true;
}

void app_main(void)
{
    ota_service_config_t cfg;
    example_service_config(&cfg, ota_buf, sizeof ota_buf);
    cfg.on_event = on_ota_event;

    int err = ota_service_init(&svc, &cfg, &example_service_ports);
    if (err != OTA_OK) {
        board_log("app: update service not started, error", err);
    } else {
        /* A new image counts its boots until it is confirmed; confirm only
         * once it has shown it works, or the bootloader rolls it back. */
        if (app_self_test()) {
            (void)ota_service_confirm(&svc);
        }
    }
    while (board_running()) {
        if (err == OTA_OK) {
            (void)ota_service_task(&svc);
        }
        /* ... the application's own work ... */
    }
}
