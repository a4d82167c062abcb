/*
 * The original's SYS_OTA_* API over one static ota_service_t (see
 * sysota/sys_ota.h). Kept apart from the service so that an application
 * using the native API pays for none of it.
 */
#include <string.h>

#include "ota_hex.h"
#include "sysota/sys_ota.h"

static ota_service_t g_svc;
static ota_service_config_t g_cfg;
static ota_service_ports_t g_ports;
static SYS_OTA_CALLBACK g_cb;
static bool g_setup, g_ready;

/* The request SYS_OTA_CtrlMsg() accepted, run by the next SYS_OTA_Tasks();
 * SYS_OTA_REGCALLBACK (never queued) means none. */
static uint8_t g_request;

/* The image of SYS_OTA_SET_PARAMETERS(); err is why it cannot be asked for. */
static struct {
    bool armed;
    int err;
    uint32_t version;
    uint8_t digest[OTA_SHA256_LEN];
    char url[OTA_URL_MAX + 1];
} g_image;

static bool g_image_job;    /* a named image was handed to the service; its first event is pending */
static bool g_check_erased; /* the current check applied an erase request */

/* Indexed by ota_service_event_t; SYS_OTA_NONE for events the original lacks. */
static const uint8_t g_map[] = {
    SYS_OTA_UPDATE_CHECK_START,                /* CHECK_START */
    SYS_OTA_UPDATE_CHECK_FAILED,               /* CHECK_FAILED */
    SYS_OTA_UPDATE_AVAILABLE,                  /* UPDATE_AVAILABLE */
    SYS_OTA_UPDATE_NOTAVAILABLE,               /* NO_UPDATE */
    SYS_OTA_DOWNLOAD_START,                    /* DOWNLOAD_START */
    SYS_OTA_NONE,                              /* DOWNLOAD_PROGRESS */
    SYS_OTA_DOWNLOAD_SUCCESS,                  /* DOWNLOAD_SUCCESS */
    SYS_OTA_DOWNLOAD_FAILED,                   /* DOWNLOAD_FAILED */
    SYS_OTA_IMAGE_DIGEST_VERIFY_START,         /* VERIFY_START */
    SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS,       /* VERIFY_SUCCESS */
    SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED,        /* VERIFY_FAILED */
    SYS_OTA_DB_ENTRY_SUCCESS,                  /* UPDATE_READY */
    SYS_OTA_IMAGE_ERASED,                      /* IMAGE_ERASED */
    SYS_OTA_IMAGE_ERASE_FAILED,                /* IMAGE_ERASE_FAILED */
    SYS_OTA_IMAGE_DATABASE_FULL,               /* DATABASE_FULL */
    SYS_OTA_FACTORY_RESET_SUCCESS,             /* FACTORY_RESET (reason picks FAILED) */
    SYS_OTA_ROLLBACK_SUCCESS,                  /* ROLLBACK (reason picks FAILED) */
    SYS_OTA_NONE,                              /* CONFIRMED */
    SYS_OTA_TRIGGER_OTA_FAILED,                /* TRIGGER_FAILED */
    SYS_OTA_NONE,                              /* RESET */
    SYS_OTA_NONE,                              /* GOLDEN_REPLACED (the original has no such entry) */
    SYS_OTA_PATCH_BASEVERSION_NOTFOUND,        /* PATCH_BASE_NOT_FOUND */
    SYS_OTA_PATCH_EVENT_START,                 /* PATCH_START */
    SYS_OTA_NONE,                              /* PATCH_PROGRESS */
    SYS_OTA_PATCH_EVENT_COMPLETED,             /* PATCH_COMPLETED */
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START,   /* PATCH_VERIFY_START */
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS, /* PATCH_VERIFY_SUCCESS */
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED,  /* PATCH_VERIFY_FAILED */
    SYS_OTA_NONE,                              /* PATCH_FALLBACK (the full image's DOWNLOAD_START follows) */
};
_Static_assert(sizeof g_map == OTA_EVENT_PATCH_FALLBACK + 1, "one entry per ota_service_event_t");

SYS_OTA_STATUS sys_ota_status_of(ota_service_event_t ev, int reason)
{
    SYS_OTA_STATUS s;
    if ((unsigned)ev >= sizeof g_map) {
        return SYS_OTA_NONE;
    }
    s = (SYS_OTA_STATUS)g_map[ev];
    /* Each *_FAILED value directly follows its *_SUCCESS in the enum. */
    if (reason != OTA_OK && (ev == OTA_EVENT_FACTORY_RESET || ev == OTA_EVENT_ROLLBACK)) {
        s = (SYS_OTA_STATUS)(s + 1);
    }
    return s;
}

static void sys_ota_report(SYS_OTA_STATUS s, int reason, uint32_t version)
{
    ota_service_event_data_t d;
    memset(&d, 0, sizeof d);
    d.reason = reason;
    d.version = version;
    if (g_cb != NULL) {
        g_cb((uint32_t)s, &d, NULL);
    }
}

/* What the original would not say at this point of the story (see the
 * header): returns the status to pass on, or SYS_OTA_NONE. */
static SYS_OTA_STATUS sys_ota_story(ota_service_event_t ev, SYS_OTA_STATUS s)
{
    if (g_image_job) {
        /* The first word on a named image. The original goes from the
         * trigger straight to the download; a refusal of the decision step
         * is a refused trigger to it. */
        g_image_job = false;
        if (ev == OTA_EVENT_UPDATE_AVAILABLE) {
            return SYS_OTA_NONE;
        }
        if (ev == OTA_EVENT_CHECK_FAILED || ev == OTA_EVENT_NO_UPDATE) {
            return SYS_OTA_TRIGGER_OTA_FAILED;
        }
    } else if (ev == OTA_EVENT_UPDATE_AVAILABLE) {
        /* The original's trigger downloads what was named last: this offer. */
        g_image.armed = false;
    }
    switch (ev) {
    case OTA_EVENT_CHECK_START:
        g_check_erased = false;
        break;
    case OTA_EVENT_IMAGE_ERASED:
    case OTA_EVENT_IMAGE_ERASE_FAILED:
        if (ota_service_state(&g_svc) == OTA_SERVICE_PUBLISHING) {
            return SYS_OTA_NONE; /* room made for the update, not an erase request */
        }
        g_check_erased = true;
        break;
    case OTA_EVENT_NO_UPDATE:
        if (g_check_erased) {
            return SYS_OTA_NONE; /* an erase request is the whole answer of such a check */
        }
        break;
    default:
        break;
    }
    return s;
}

static void sys_ota_adapter(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data)
{
    SYS_OTA_STATUS s = sys_ota_story(ev, sys_ota_status_of(ev, data->reason));
    (void)arg;
    if (g_cb && s != SYS_OTA_NONE) {
        g_cb((uint32_t)s, (void *)(uintptr_t)data, NULL);
    }
}

int sys_ota_setup(const ota_service_config_t *cfg, const ota_service_ports_t *ports)
{
    if (cfg == NULL || ports == NULL) {
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
    g_request = SYS_OTA_REGCALLBACK;
    g_image.armed = g_image_job = g_check_erased = false;
    if (!g_ready && g_setup && g_ports.sys != NULL && g_ports.sys->log != NULL) {
        g_ports.sys->log(g_ports.sys->ctx, OTA_LOG_ERROR, "SYS_OTA_Initialize failed", err);
    }
}

static void sys_ota_initiate(void)
{
    if (!g_image.armed) {
        (void)ota_service_download_now(&g_svc); /* a refusal is its TRIGGER_FAILED event */
    } else if (g_image.err != OTA_OK) {
        sys_ota_report(SYS_OTA_TRIGGER_OTA_FAILED, g_image.err, g_image.version);
    } else if (ota_service_update_image(&g_svc, g_image.url, g_image.version, g_image.digest) == OTA_OK) {
        g_image_job = true;
    }
}

static void sys_ota_run(uint8_t request)
{
    switch (request) {
    case SYS_OTA_UPDATECHCK:
        if (ota_service_check_now(&g_svc) != OTA_OK) {
            sys_ota_report(SYS_OTA_UPDATE_CHECK_FAILED, OTA_ERR_STATE, 0);
        }
        break;
    case SYS_OTA_INITIATE_OTA:
        sys_ota_initiate();
        break;
    case SYS_OTA_TRIGGER_SYSTEM_RESET:
        (void)ota_service_reset_now(&g_svc);
        break;
    case SYS_OTA_TRIGGER_FACTORY_RESET:
        (void)ota_service_factory_reset(&g_svc);
        break;
    default:
        (void)ota_service_rollback(&g_svc);
        break;
    }
}

void SYS_OTA_Tasks(void)
{
    uint8_t request = g_request;
    if (!g_ready) {
        return;
    }
    if (request != SYS_OTA_REGCALLBACK) {
        g_request = SYS_OTA_REGCALLBACK; /* first: the callback may ask again */
        sys_ota_run(request);
    }
    (void)ota_service_task(&g_svc);
}

/* In the middle of a job: the original's state machine takes no request then. */
static bool sys_ota_busy(void)
{
    ota_service_state_t st = ota_service_state(&g_svc);
    return st == OTA_SERVICE_CHECKING || st == OTA_SERVICE_DOWNLOADING || st == OTA_SERVICE_PUBLISHING ||
           st == OTA_SERVICE_RESET;
}

SYS_OTA_RESULT SYS_OTA_CtrlMsg(uint32_t event, void *buffer, uint32_t length)
{
    if (event == SYS_OTA_REGCALLBACK) {
        /* The original passes the function as a void *; copy the bits back
         * rather than cast (ISO C has no void * to function conversion). */
        _Static_assert(sizeof(SYS_OTA_CALLBACK) == sizeof(void *), "function and data pointers differ");
        if (buffer == NULL || length != sizeof(void *)) {
            return SYS_OTA_FAILURE;
        }
        memcpy(&g_cb, &buffer, sizeof g_cb);
        return SYS_OTA_SUCCESS;
    }
    if (!g_ready || event > SYS_OTA_TRIGGER_ROLLBACK || g_request != SYS_OTA_REGCALLBACK || sys_ota_busy()) {
        return SYS_OTA_FAILURE;
    }
    /* Run later, never here: the application's callback is not re-entered
     * from inside its own call, and an action that resets reports first. */
    g_request = (uint8_t)event;
    return SYS_OTA_SUCCESS;
}

void SYS_OTA_SET_PARAMETERS(char *url, uint32_t version, char *digest)
{
    size_t n = url ? strlen(url) : 0;
    g_image.armed = true;
    g_image.version = version;
    g_image.url[0] = '\0';
    if (url == NULL || digest == NULL ||
        ota_hex_decode(digest, strlen(digest), g_image.digest, sizeof g_image.digest) != OTA_OK) {
        g_image.err = OTA_ERR_INVALID_ARG;
    } else if (n > OTA_URL_MAX) {
        g_image.err = OTA_ERR_TOO_LARGE;
    } else {
        memcpy(g_image.url, url, n + 1);
        g_image.err = OTA_OK; /* the rest is the service's to judge when asked */
    }
}

void SYS_OTA_SystemReset(void)
{
    if (g_ready) {
        (void)ota_service_reset_now(&g_svc);
    } else if (g_setup && g_ports.sys != NULL && g_ports.sys->reset != NULL) {
        g_ports.sys->reset(g_ports.sys->ctx);
    }
}
