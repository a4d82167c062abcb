/*
 * Compatibility layer: the names and values of Microchip's Harmony OTA
 * system service for PIC32MZ W1 (sys_ota.h of v3.6.0 and later, v3.9.1
 * included), mapped onto ota_service.h, so that an application written for
 * the original needs only one extra call at start-up:
 *
 *     sys_ota_setup(&cfg, &ports);   // ours: the configuration MHC generated
 *     SYS_OTA_Initialize();
 *     SYS_OTA_CtrlMsg(SYS_OTA_REGCALLBACK, app_cb, sizeof(uint8_t *));
 *     for (;;) { SYS_OTA_Tasks(); ... }
 *
 * One service instance (as in the original). As in the original,
 * SYS_OTA_CtrlMsg() only asks: the action runs in the next SYS_OTA_Tasks(),
 * and the callback is called from SYS_OTA_Tasks() only, never from inside
 * SYS_OTA_CtrlMsg(). The callback receives a SYS_OTA_STATUS value as
 * `event` and a pointer to an ota_service_event_data_t (reason, version,
 * progress) as `data` (the original passes NULL); cookie is NULL.
 *
 * The service's events are mapped so that an update, an erase request, a
 * rollback and a factory reset give the application the statuses in the
 * order the original gives them (docs/service.md has the table): progress,
 * confirmation and reset have no status and are not forwarded, nor is the
 * removal of an old image to make room (the original overwrites its oldest
 * database row without a word), nor "update not available" after a check
 * that applied an erase request, nor "update available" for an image named
 * with SYS_OTA_SET_PARAMETERS().
 *
 * SYS_OTA_SET_PARAMETERS() names one image without a manifest; the next
 * SYS_OTA_INITIATE_OTA updates to it (ota_service_update_image()). Unlike
 * the original, its digest is checked as text and against the image, and a
 * version the bootloader would never install (not above the running one)
 * is refused before anything is fetched: SYS_OTA_TRIGGER_OTA_FAILED with
 * the reason.
 */
#ifndef SYSOTA_SYS_OTA_H
#define SYSOTA_SYS_OTA_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_service.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Control messages of SYS_OTA_CtrlMsg(). */
typedef enum {
    SYS_OTA_REGCALLBACK = 0,           /**< buffer: a SYS_OTA_CALLBACK */
    SYS_OTA_UPDATECHCK = 1,            /**< ota_service_check_now() */
    SYS_OTA_INITIATE_OTA = 2,          /**< ota_service_download_now(), or the image of SYS_OTA_SET_PARAMETERS() */
    SYS_OTA_TRIGGER_SYSTEM_RESET = 3,  /**< ota_service_reset_now() */
    SYS_OTA_TRIGGER_FACTORY_RESET = 4, /**< ota_service_factory_reset() */
    SYS_OTA_TRIGGER_ROLLBACK = 5       /**< ota_service_rollback() */
} SYS_OTA_CTRLMSG;

/**
 * Status values passed to the callback as `event`, with the values of the
 * original since its v3.6.0 (the PATCH_* entries moved everything from
 * DOWNLOAD_START on). Values are part of the interface: an application may
 * have stored or logged them. The PATCH_* values report a delta update
 * (docs/delta.md): BASEVERSION_NOTFOUND when an entry's patches need a base
 * the device does not hold, EVENT_START and EVENT_COMPLETED around the
 * rebuilding of the image, and IMAGE_DIGEST_VERIFY_* for the rebuilt
 * image's digest and signature (the patch file's own digest is reported
 * as IMAGE_DIGEST_VERIFY_*, like a download's); IDLE, the WAITING_* values and NONE are never
 * passed to the callback (neither does the original).
 */
typedef enum {
    SYS_OTA_IDLE = 0,
    SYS_OTA_WAITING_FOR_NETWORK_CONNECTION = 1,
    SYS_OTA_WAITING_FOR_OTACORE_IDLE = 2,
    SYS_OTA_WAITING_FOR_USER_DEFINED_PERIOD = 3,
    SYS_OTA_UPDATE_CHECK_START = 4,
    SYS_OTA_UPDATE_CHECK_FAILED = 5,
    SYS_OTA_UPDATE_AVAILABLE = 6,
    SYS_OTA_UPDATE_NOTAVAILABLE = 7,
    SYS_OTA_TRIGGER_OTA_FAILED = 8,
    SYS_OTA_FACTORY_RESET_SUCCESS = 9,
    SYS_OTA_FACTORY_RESET_FAILED = 10,
    SYS_OTA_ROLLBACK_SUCCESS = 11,
    SYS_OTA_ROLLBACK_FAILED = 12,
    SYS_OTA_PATCH_BASEVERSION_NOTFOUND = 13,
    SYS_OTA_PATCH_EVENT_START = 14,
    SYS_OTA_PATCH_EVENT_COMPLETED = 15,
    SYS_OTA_DOWNLOAD_START = 16,
    SYS_OTA_DOWNLOAD_SUCCESS = 17,
    SYS_OTA_DOWNLOAD_FAILED = 18,
    SYS_OTA_IMAGE_DIGEST_VERIFY_START = 19,
    SYS_OTA_IMAGE_DIGEST_VERIFY_SUCCESS = 20,
    SYS_OTA_IMAGE_DIGEST_VERIFY_FAILED = 21,
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_START = 22,
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_SUCCESS = 23,
    SYS_OTA_PATCH_IMAGE_DIGEST_VERIFY_FAILED = 24,
    SYS_OTA_DB_ENTRY_SUCCESS = 25,
    SYS_OTA_IMAGE_ERASE_FAILED = 26,
    SYS_OTA_IMAGE_ERASED = 27,
    SYS_OTA_IMAGE_DATABASE_FULL = 28,
    SYS_OTA_NONE = 29
} SYS_OTA_STATUS;

/** Result of SYS_OTA_CtrlMsg(). */
typedef enum { SYS_OTA_SUCCESS = 0, SYS_OTA_FAILURE = 1 } SYS_OTA_RESULT;

/** The application's callback: event is a SYS_OTA_STATUS, data an ota_service_event_data_t *. */
typedef void (*SYS_OTA_CALLBACK)(uint32_t event, void *data, void *cookie);

/**
 * Ours, called once before SYS_OTA_Initialize(): the configuration and the
 * ports (what MHC generated in the original). Both are copied at
 * SYS_OTA_Initialize(); cfg->on_event is replaced by the compatibility
 * adapter. Returns OTA_OK or OTA_ERR_INVALID_ARG.
 */
int sys_ota_setup(const ota_service_config_t *cfg, const ota_service_ports_t *ports);

/** The service instance behind the compatibility API, for the native calls. */
ota_service_t *sys_ota_service(void);

/** The SYS_OTA_STATUS value an ota_service_event_t maps to (SYS_OTA_NONE: not forwarded). */
SYS_OTA_STATUS sys_ota_status_of(ota_service_event_t ev, int reason);

/**
 * ota_service_init() with the configuration given to sys_ota_setup();
 * failures are logged. What was asked before (a request not yet run, the
 * image of SYS_OTA_SET_PARAMETERS()) is forgotten, as by a reset.
 */
void SYS_OTA_Initialize(void);

/** Run the action SYS_OTA_CtrlMsg() asked for, if any, then ota_service_task(). */
void SYS_OTA_Tasks(void);

/**
 * Register the callback (at once; length must be the size of a pointer) or
 * ask for an action (SYS_OTA_CTRLMSG), which the next SYS_OTA_Tasks() runs
 * and reports through the callback:
 *  - UPDATECHCK: ota_service_check_now(); refused there (an update is
 *    ready): SYS_OTA_UPDATE_CHECK_FAILED with OTA_ERR_STATE;
 *  - INITIATE_OTA: the image of SYS_OTA_SET_PARAMETERS() if it was given
 *    after the last check that found an update, else
 *    ota_service_download_now(); refusals: SYS_OTA_TRIGGER_OTA_FAILED;
 *  - TRIGGER_SYSTEM_RESET, _FACTORY_RESET, _ROLLBACK: ota_service_reset_now(),
 *    _factory_reset(), _rollback() (which reset when auto_reset is set).
 * SYS_OTA_FAILURE, and no callback, when the service is not initialised, a
 * check, download or publish is running, another request waits for
 * SYS_OTA_Tasks(), or the message is unknown.
 */
SYS_OTA_RESULT SYS_OTA_CtrlMsg(uint32_t event, void *buffer, uint32_t length);

/**
 * Name the image the next SYS_OTA_INITIATE_OTA updates to, without a
 * manifest: its URL (http:// or https://, at most OTA_URL_MAX bytes), its
 * version and its SHA-256 as exactly 64 hex digits. Only stored here (the
 * strings are copied); SYS_OTA_INITIATE_OTA then reports a refusal as
 * SYS_OTA_TRIGGER_OTA_FAILED with the reason in data: OTA_ERR_INVALID_ARG
 * (NULL or a digest that is not 64 hex digits), OTA_ERR_TOO_LARGE (URL too
 * long), OTA_ERR_DOWNGRADE (version not above the running one), or the
 * others of ota_service_update_image().
 */
void SYS_OTA_SET_PARAMETERS(char *url, uint32_t version, char *digest);

/**
 * Reset the device now, through the service (ota_service_reset_now(): any
 * transfer is abandoned, a partial download stays for a resume) or, before
 * SYS_OTA_Initialize() succeeded, straight through the system port.
 */
void SYS_OTA_SystemReset(void);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SYS_OTA_H */
