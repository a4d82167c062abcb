/*
 * The original's SYS_OTA_* API over one static ota_service_t (see
 * sysota/sys_ota.h). Kept apart from the service so that an application
 * using the native API pays for none of it.
 */
#include <string.h>

#include "sysota/sys_ota.h"

static ota_service_t g_svc;
static ota_service_config_t g_cfg;
static ota_service_ports_t g_ports;
static SYS_OTA_CALLBACK g_cb;
static bool g_setup, g_ready;

/* Indexed by ota_service_event_t; SYS_OTA_NONE for events the original lacks. */
static const uint8_t g_map[] = {
    SYS_OTA_UPDATE_CHECK_START,          /* CHECK_START */
    SYS_OTA_UPDATE_CHECK_FAILED,         /* CHECK_FAILED */
    SYS_OTA_UPDATE_AVAILABLE,            /* UPDATE_AVAILABLE */
    SYS_OTA_UPDATE_NOTAVAILABLE,         /* NO_UPDATE */
    SYS_OTA_DOWNLOAD_START,              /* DOWNLOAD_START */
    SYS_OTA_NONE,                        /* DOWNLOAD_PROGRESS */
    SYS_OTA_DOWNLOAD_SUCCESS,            /* DOWNLOAD_SUCCESS */
    SYS_OTA_DOWNLOAD_FAILED,             /* DOWNLOAD_FAILED */
    SYS_OTA_IMAGE_DIGEST_VERIFY_START,   /* VERIFY_START */
    SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS, /* VERIFY_SUCCESS */
    SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED,  /* VERIFY_FAILED */
    SYS_OTA_DB_ENTRY_SUCCESS,            /* UPDATE_READY */
    SYS_OTA_IMAGE_ERASED,                /* IMAGE_ERASED */
    SYS_OTA_IMAGE_ERASE_FAILED,          /* IMAGE_ERASE_FAILED */
    SYS_OTA_IMAGE_DATABASE_FULL,         /* DATABASE_FULL */
    SYS_OTA_FACTORY_RESET_SUCCESS,       /* FACTORY_RESET (reason picks FAILED) */
    SYS_OTA_ROLLBACK_SUCCESS,            /* ROLLBACK (reason picks FAILED) */
    SYS_OTA_NONE,                        /* CONFIRMED */
    SYS_OTA_TRIGGER_OTA_FAILED,          /* TRIGGER_FAILED */
    SYS_OTA_NONE,                        /* RESET */
};
_Static_assert(sizeof(g_map) == OTA_EVENT_RESET + 1, "one entry per ota_service_event_t");

SYS_OTA_STATUS sys_ota_status_of(ota_service_event_t ev, int reason)
{
    SYS_OTA_STATUS s;
    if ((unsigned)ev >= sizeof(g_map)) {
        return SYS_OTA_NONE;
    }
    s = (SYS_OTA_STATUS)g_map[ev];
    /* Each *_FAILED value directly follows its *_SUCCESS in the enum. */
    if (reason != OTA_OK && (ev == OTA_EVENT_FACTORY_RESET || ev == OTA_EVENT_ROLLBACK)) {
        s = (SYS_OTA_STATUS)(s + 1);
    }
    return s;
}

static void sys_ota_adapter(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    SYS_OTA_STATUS s = sys_ota_status_of(ev, data->reason);
    (void)arg;
    if (g_cb && s != SYS_OTA_NONE) {
        g_cb((uint32_t)s, (void *)(uintptr_t)data, NULL);
    }
}

int sys_ota_setup(const ota_service_config_t *cfg, const ota_service_ports_t *ports)
{
    if (!cfg || !ports) {
        return OTA_ERR_INVALID_ARG;
    }
    g_cfg = *cfg;
    g_ports = *ports;
    g_cfg.on_event = sys_ota_adapter;
    g_cfg.event_arg = NULL;
    g_setup = true;
    return OTA_OK;
}

ota_service_t *sys_ota_service(void)
{
    return g_ready ? &g_svc : NULL;
}

void SYS_OTA_Initialize(void)
{
    int err = g_setup ? ota_service_init(&g_svc, &g_cfg, &g_ports) : OTA_ERR_STATE;
    g_ready = err == OTA_OK;
    if (!g_ready && g_setup && g_ports.sys && g_ports.sys->log) {
        g_ports.sys->log(g_ports.sys->ctx, OTA_LOG_ERROR, "SYS_OTA_Initialize failed", err);
    }
}

void SYS_OTA_Tasks(void)
{
    if (g_ready) {
        (void)ota_service_task(&g_svc);
    }
}

SYS_OTA_RESULT SYS_OTA_CtrlMsg(uint32_t event, void *buffer, uint32_t length)
{
    int err = OTA_ERR_STATE;

    if (event == SYS_OTA_REGCALLBACK) {
        /* The original passes the function as a void *; copy the bits back
         * rather than cast (ISO C has no void * to function conversion). */
        _Static_assert(sizeof(SYS_OTA_CALLBACK) == sizeof(void *), "function and data pointers differ");
        if (!buffer || length != sizeof(void *)) {
            return SYS_OTA_FAILURE;
        }
        memcpy(&g_cb, &buffer, sizeof(g_cb));
        return SYS_OTA_SUCCESS;
    }
    if (!g_ready) {
        return SYS_OTA_FAILURE;
    }
    switch (event) {
    case SYS_OTA_UPDATECHCK:
        err = ota_service_check_now(&g_svc);
        break;
    case SYS_OTA_INITIATE_OTA:
        err = ota_service_download_now(&g_svc);
        break;
    case SYS_OTA_TRIGGER_SYSTEM_RESET:
        err = ota_service_reset_now(&g_svc);
        break;
    case SYS_OTA_TRIGGER_FACTORY_RESET:
        err = ota_service_factory_reset(&g_svc);
        break;
    case SYS_OTA_TRIGGER_ROLLBACK:
        err = ota_service_rollback(&g_svc);
        break;
    default:
        err = OTA_ERR_INVALID_ARG;
        break;
    }
    return err == OTA_OK ? SYS_OTA_SUCCESS : SYS_OTA_FAILURE;
}

void SYS_OTA_SystemReset(void)
{
    if (g_ready) {
        (void)ota_service_reset_now(&g_svc);
    } else if (g_setup && g_ports.sys && g_ports.sys->reset) {
        g_ports.sys->reset(g_ports.sys->ctx);
    }
}
