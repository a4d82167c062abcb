/*
 * An application written against Microchip's SYS_OTA_* interface, the
 * shape of the one its code generator produces: an APP_Initialize() /
 * APP_Tasks() pair with a small state machine, a callback with a case for
 * the statuses it cares about, registration with SYS_OTA_CtrlMsg(). Only
 * the start-up differs: sys_ota_setup() hands over the configuration and
 * the ports, which the generator's files would otherwise provide.
 *
 * It runs on the board of examples/bare-metal: the same ports, the same
 * bootloader; this file takes the place of that example's app.c.
 */
#include <stddef.h>

#include "board.h"
#include "firmware.h"
#include "sysota/sys_ota.h"

typedef enum {
    APP_STATE_INIT,          /* register the callback */
    APP_STATE_SERVICE_TASKS, /* normal work; the OTA service runs beside it */
    APP_STATE_RESET,         /* an update waits: reset once the work allows */
} APP_STATES;

typedef struct {
    APP_STATES state;
} APP_DATA;

static APP_DATA appData;

/* Runs inside SYS_OTA_Tasks(); data points to an ota_service_event_data_t. */
static void APP_OTA_Callback(uint32_t event, void *data, void *cookie)
{
    const ota_service_event_data_t *d = data;
    (void)cookie;
    switch (event) {
    case SYS_OTA_UPDATE_AVAILABLE:
        board_log("app: SYS_OTA_UPDATE_AVAILABLE, version", (int32_t)d->version);
        break;
    case SYS_OTA_UPDATE_NOTAVAILABLE:
        board_log("app: SYS_OTA_UPDATE_NOTAVAILABLE", 0);
        break;
    case SYS_OTA_DOWNLOAD_START:
        board_log("app: SYS_OTA_DOWNLOAD_START, version", (int32_t)d->version);
        break;
    case SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS:
        board_log("app: SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS", 0);
        break;
    case SYS_OTA_DB_ENTRY_SUCCESS:
        /* The image is stored, verified and recorded: reset into it when
         * the application is ready (here: at its next turn). */
        board_log("app: SYS_OTA_DB_ENTRY_SUCCESS, version", (int32_t)d->version);
        appData.state = APP_STATE_RESET;
        break;
    case SYS_OTA_UPDATE_CHECK_FAILED:
    case SYS_OTA_DOWNLOAD_FAILED:
    case SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED:
    case SYS_OTA_IMAGE_DATABASE_FULL:
        board_log("app: OTA failed, error", d->reason);
        break;
    default:
        break;
    }
}

static void APP_Initialize(void)
{
    appData.state = APP_STATE_INIT;
}

static void APP_Tasks(void)
{
    switch (appData.state) {
    case APP_STATE_INIT:
        /* The callback itself, as the original's applications pass it. */
        if (SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, APP_OTA_Callback, sizeof(uint8_t *)) == SYS_OTA_SUCCESS) {
            appData.state = APP_STATE_SERVICE_TASKS;
        }
        break;
    case APP_STATE_SERVICE_TASKS:
        /* ... the application's own work ... */
        break;
    case APP_STATE_RESET:
        if (SYS_OTA_CtrlMsg(SYS_OTA_TRIGGER_SYSTEM_RESET, NULL, 0) == SYS_OTA_SUCCESS) {
            appData.state = APP_STATE_SERVICE_TASKS;
        }
        break;
    }
}

/* What the generator's system files do: configure, initialise, loop. */
void app_main(void)
{
    static uint8_t ota_buf[1024];
    ota_service_config_t cfg;
    example_service_config(&cfg, ota_buf, sizeof ota_buf);
    cfg.auto_reset = false;  /* the application resets on SYS_OTA_DB_ENTRY_SUCCESS */
    cfg.auto_confirm = true; /* a new image is accepted once it starts (the original's behaviour) */
    if (sys_ota_setup(&cfg, &example_service_ports) != OTA_OK) {
        board_log("app: bad OTA configuration", 0);
        return;
    }
    SYS_OTA_Initialize();
    APP_Initialize();
    while (board_running()) {
        SYS_OTA_Tasks();
        APP_Tasks();
    }
}
