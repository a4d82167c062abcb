/*
 * sysota OTA service: the device-side task that
 * polls the manifest, applies erase requests, downloads the chosen image
 * into the store, verifies it, publishes it in the image database and marks
 * the running image so that the bootloader installs the new one at the next
 * reset.
 *
 * Non-blocking: the application calls ota_service_task() from its main loop
 * or an RTOS thread; each call does a bounded amount of work (at most one
 * transport read plus one store write, or one step of publishing) and
 * returns. All memory is the caller's: the ota_service_t and the buffers
 * named in the configuration. docs/service.md describes the states, the
 * events and the power-loss argument.
 */
#ifndef SYSOTA_OTA_SERVICE_H
#define SYSOTA_OTA_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_layout.h"
#include "sysota/ota_port.h"
#include "sysota/ota_security.h"
#include "sysota/ota_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the service tells the application (the original's SYS_OTA_STATUS list, plus progress). */
typedef enum ota_service_event {
    OTA_EVENT_CHECK_START = 0,    /**< a manifest GET starts */
    OTA_EVENT_CHECK_FAILED,       /**< the manifest could not be fetched or parsed (reason) */
    OTA_EVENT_UPDATE_AVAILABLE,   /**< a version above the running one is offered (version) */
    OTA_EVENT_NO_UPDATE,          /**< nothing to do (reason: first rejected entry's error, or OTA_OK);
                                       not_modified: the server said 304, the manifest is the one last processed */
    OTA_EVENT_DOWNLOAD_START,     /**< image download starts (version; done > 0 when resuming) */
    OTA_EVENT_DOWNLOAD_PROGRESS,  /**< bytes stored so far (done) of total (0: unknown) */
    OTA_EVENT_DOWNLOAD_SUCCESS,   /**< the whole body is stored */
    OTA_EVENT_DOWNLOAD_FAILED,    /**< any failure from download start to update ready (reason) */
    OTA_EVENT_VERIFY_START,       /**< SHA-256 comparison starts */
    OTA_EVENT_VERIFY_SUCCESS,     /**< the digest matches the manifest's */
    OTA_EVENT_VERIFY_FAILED,      /**< the digest differs: the file is deleted (reason OTA_ERR_DIGEST) */
    OTA_EVENT_UPDATE_READY,       /**< row 0xFE added, running image marked 0xF0 (the original's DB entry success) */
    OTA_EVENT_IMAGE_ERASED,       /**< a stored version was removed (EraseVer or eviction) */
    OTA_EVENT_IMAGE_ERASE_FAILED, /**< an erase request was refused or failed (reason) */
    OTA_EVENT_DATABASE_FULL,      /**< no image may be evicted to make room (reason OTA_ERR_FULL) */
    OTA_EVENT_FACTORY_RESET,      /**< ota_service_factory_reset() done (reason OTA_OK) or failed */
    OTA_EVENT_ROLLBACK,           /**< ota_service_rollback() done (reason OTA_OK) or failed */
    OTA_EVENT_CONFIRMED,          /**< the running image was confirmed (version) */
    OTA_EVENT_TRIGGER_FAILED,     /**< a manual trigger was refused (reason OTA_ERR_STATE) */
    OTA_EVENT_RESET,              /**< the system port's reset() is about to be called */
    OTA_EVENT_GOLDEN_REPLACED,    /**< a signed Golden entry replaced the golden copy (version) */
    /* Delta updates (docs/delta.md). The patch's own download and digest
     * check are DOWNLOAD_* and VERIFY_* events with data.patch set. */
    OTA_EVENT_PATCH_BASE_NOT_FOUND, /**< the entry has Patch records, but the device holds none of their bases:
                                         the full image follows */
    OTA_EVENT_PATCH_START,          /**< the image is rebuilt from the base and the patch (total: the image's Size) */
    OTA_EVENT_PATCH_PROGRESS,       /**< bytes of the image rebuilt so far (done) */
    OTA_EVENT_PATCH_COMPLETED,      /**< the whole patch applied (done: the image's bytes) */
    OTA_EVENT_PATCH_VERIFY_START,   /**< the rebuilt image's SHA-256 (TargetDigest) and signature are checked */
    OTA_EVENT_PATCH_VERIFY_SUCCESS,
    OTA_EVENT_PATCH_VERIFY_FAILED, /**< (reason); a PATCH_FALLBACK follows */
    OTA_EVENT_PATCH_FALLBACK       /**< the patch failed (reason: why): the full image is downloaded instead */
} ota_service_event_t;

/** ota_service_event_data_t.next_check_ms when the service checks only when asked (periodic off). */
#define OTA_SERVICE_NO_CHECK UINT32_MAX

/** The small payload of every event. */
typedef struct ota_service_event_data {
    int reason;       /**< OTA_OK or the OTA_ERR_* that caused the event */
    uint32_t version; /**< the version concerned, 0 when none */
    uint32_t done;    /**< download progress: bytes stored */
    uint32_t total;   /**< bytes expected, 0 when the server did not say */
    /**
     * ms from this event to the next periodic check: after a failure the
     * backoff's (or the server's Retry-After), otherwise the regular
     * interval's; OTA_SERVICE_NO_CHECK when periodic checks are off.
     * ota_service_check_now() checks at once whatever it says.
     */
    uint32_t next_check_ms;
    bool not_modified; /**< NO_UPDATE: answered 304, no manifest body was fetched or parsed */
    bool patch;        /**< the event concerns a delta patch (its download, its digest, its application);
                            a DOWNLOAD_FAILED or VERIFY_FAILED with patch set does not end the job:
                            PATCH_FALLBACK and the full image's download follow */
} ota_service_event_data_t;

/** Event callback; runs inside ota_service_task() or the API call that caused it. */
typedef void (*ota_service_event_cb)(void *arg, ota_service_event_t ev, const ota_service_event_data_t *data);

/** The ports the service uses. All but transport are the bootloader's too. */
typedef struct ota_service_ports {
    const ota_flash_t *flash;         /**< internal flash holding the boot control sector */
    const ota_store_t *store;         /**< images and the database */
    const ota_transport_t *transport; /**< HTTP(S) */
    const ota_crypto_t *crypto;       /**< SHA-256 */
    const ota_system_t *sys;          /**< clock, random, reset, network state, log */
} ota_service_ports_t;

/**
 * Configuration (the original's MHC options). Fill it with
 * ota_service_config_defaults(), then set what you need; the service copies
 * it, but the strings and buffers it points to must outlive the service.
 */
typedef struct ota_service_config {
    const char *manifest_url; /**< http(s)://... of the JSON manifest */
    ota_layout_t layout;      /**< internal flash: the boot control area and the application region
                                       (an image larger than layout.app_size is refused before it is stored) */
    uint32_t running_version; /**< used only when the boot control record cannot be read */

    bool periodic;             /**< check every interval_ms (plus jitter) */
    uint32_t interval_ms;      /**< 1 .. 2^31-1 when periodic */
    uint32_t jitter_ms;        /**< next check at interval +- jitter (clamped to interval/2) */
    uint32_t first_check_ms;   /**< first periodic check this long after the network comes up */
    bool auto_update;          /**< download as soon as found; false: wait for download_now() */
    bool auto_reset;           /**< reset once the update is ready; false: wait for reset_now() */
    bool auto_confirm;         /**< confirm a first-boot (0xFC) image at init */
    bool resume;               /**< keep a partial download and continue it with a Range request
                                       (and If-Range, so that a file changed meanwhile starts over) */
    uint32_t sync_interval;    /**< bytes: the download is made durable (store sync) at least this often,
                                       so a power cut costs at most this much again (default 64 KiB);
                                       0: only when it fails or ends */
    uint16_t full_check_every; /**< the manifest is fetched in full at least every this many checks
                                       (default 24); between, a check sends the validator of the last
                                       manifest processed and a 304 ends it. 1: every check in full
                                       (no conditional polls), 0: never forced */
    uint32_t backoff_base_ms;  /**< after a failed check or download the next periodic check comes
                                       after a random wait in [0, base * 2^(failures-1)] (default 60 s);
                                       0: failures keep the regular interval */
    uint32_t backoff_max_ms;   /**< the backoff's ceiling, and of a server's Retry-After (default 6 h) */
    uint8_t max_images;        /**< database rows kept, golden included (2 .. OTA_DB_MAX_ROWS) */

    const ota_keys_t *keys;       /**< the keys the device trusts; NULL or none: unsigned updates (compatibility) */
    const char *hardware_id;      /**< this hardware's id: a manifest for another is refused; NULL: any */
    bool require_tls;             /**< refuse http:// (manifest and images) with OTA_ERR_TLS_REQUIRED */
    const void *trust_anchor;     /**< passed to the transport as is (ota_http_options_t); NULL: port default */
    bool insecure;                /**< skip TLS peer verification (tests only) */
    uint8_t max_redirects;        /**< redirects followed per GET (manifest, image); default 5, 0: none */
    uint32_t connect_timeout_ms;  /**< passed to the transport; 0: port default */
    uint32_t idle_timeout_ms;     /**< no byte for this long fails the transfer; 0: none */
    uint32_t min_rate;            /**< bytes/s a transfer must average over each rate window (default 1 KiB/s);
                                       0: no rate check and no derived limits. The service reads at most
                                       buf_size bytes per task() call: call task() often enough */
    uint32_t rate_window_ms;      /**< the window of that average (default 30 s); 0: no window check */
    uint32_t manifest_timeout_ms; /**< whole manifest fetch; 0: derived (rate window + manifest_max at min_rate) */
    uint32_t download_timeout_ms; /**< whole image download; 0: derived (rate window + image length at
                                       min_rate; the length announced, else app_size; none if both unknown) */

    uint8_t *buf; /**< download chunk buffer (host: 64 KiB, MCU: 512 B); >= 64 bytes. While a
                                       delta patch is applied it holds the decoder's state (about 1.8 KB) and
                                       its work buffer (the rest, up to OTA_DELTA_WORK_MAX): with fewer than
                                       the state + 64 bytes, every update is a full image */
    uint32_t buf_size;
    char *manifest_buf;    /**< manifest buffer; NULL: share buf (parsed before any download) */
    uint32_t manifest_max; /**< limit (<= OTA_MANIFEST_MAX_SIZE); a larger body fails OTA_ERR_TOO_LARGE */

    ota_service_event_cb on_event; /**< may be NULL */
    void *event_arg;
} ota_service_config_t;

/** What the service is doing, for ota_service_state(). */
typedef enum ota_service_state {
    OTA_SERVICE_IDLE = 0,    /**< waiting for a trigger */
    OTA_SERVICE_CHECKING,    /**< fetching and applying the manifest */
    OTA_SERVICE_AVAILABLE,   /**< an update waits for ota_service_download_now() */
    OTA_SERVICE_DOWNLOADING, /**< streaming (or re-hashing a partial download) */
    OTA_SERVICE_PUBLISHING,  /**< verifying, making room, renaming, recording */
    OTA_SERVICE_READY,       /**< update ready: waiting for ota_service_reset_now() */
    OTA_SERVICE_RESET,       /**< reset requested; nothing more happens until re-init */
    OTA_SERVICE_MAINTENANCE  /**< removing stale temporary files */
} ota_service_state_t;

/** The service's RAM; allocate it statically and treat the fields as private. */
typedef struct ota_service {
    ota_service_config_t cfg;
    ota_service_ports_t port;
    ota_bootctl_t bc;
    ota_db_t db;
    ota_manifest_choice_t choice;
    ota_sha256_t sha;
    uint32_t running;                  /* running version */
    uint32_t manifest_seq;             /* highest signed manifest Sequence accepted (from the record) */
    uint32_t floor;                    /* the device's floor (from the record) */
    uint8_t sigfile[OTA_SIGFILE_LEN];  /* the manifest's detached signature */
    uint8_t sig_len;                   /* bytes of it received */
    uint32_t golden;                   /* golden version, 0 when unknown */
    char device_id[OTA_DEVICE_ID_MAX]; /* the system port's identity, for staged rollouts (not NUL-terminated) */
    uint8_t device_id_len;             /* its length; 0: none */
    uint32_t next_check;               /* now_ms of the next periodic check */
    uint32_t retry_after;              /* ms a 429 or 503 of the current job asked to wait, 0: none */
    uint32_t synced;                   /* bytes of the temporary file made durable (download) */
    int32_t mf_reason;                 /* the NO_UPDATE reason and version recorded with the manifest validator sent */
    uint32_t mf_version;
    uint32_t t_start;    /* start of the current transfer */
    uint32_t t_last;     /* last byte received */
    uint32_t t_window;   /* start of the current rate window */
    uint32_t xfer_got;   /* body bytes of the current transfer */
    uint32_t window_got; /* of which in the current rate window */
    uint32_t done;       /* bytes in the manifest buffer, or of the image stored */
    uint32_t total;      /* image bytes expected, 0: unknown */
    uint32_t range;      /* Range start of the current GET */
    uint32_t mf_max;     /* effective manifest limit */
    int fh;              /* open store handle, -1 when none */
    int last_err;
    uint16_t since_full; /* checks since the manifest was last fetched in full */
    uint8_t failures;    /* failed jobs in a row (the backoff's exponent) */
    uint8_t vkind;       /* what validator holds (enum in the core), 0: nothing */
    bool cond_sent;      /* the manifest GET carries the validator of the last manifest processed */
    bool mf_fetched;     /* this job read a manifest in full (its validator may be recorded) */
    uint8_t step;        /* internal state */
    uint8_t after_clean; /* state entered when the clean pass ends */
    uint8_t erase_i;
    bool http_open, sha_open, check_req, force_dl, adopt, clean_keep_dl, net_was_up;
    char name[OTA_STORE_NAME_MAX + 1]; /* final store name of the update */
    char tmp[OTA_STORE_NAME_MAX + 1];  /* its temporary name ".dl_<ver>_<8 hex>.tmp" */
    /* The current GET's validator: the one it sends (If-None-Match, If-Range),
     * then the one its response carried, kept until it is recorded. */
    char validator[OTA_HTTP_VALIDATOR_MAX + 1];
    uint8_t patch_phase; /* 0: a full image; else downloading the patch, applying it, or verifying its image */
    uint8_t patch_i;     /* the Patch record chosen */
    bool patch_off;      /* a patch failed in this job: the full image */
#if OTA_DELTA_UPDATES
    ota_delta_space_t delta; /* the decoder and its handles while a patch is applied (service_delta.c) */
#endif
} ota_service_t;

/**
 * Fill cfg with the defaults (periodic hourly, auto update and reset, resume
 * synced every 64 KiB, conditional polls with a full one every 24th,
 * backoff from 1 min to 6 h, 4 KiB manifest).
 */
void ota_service_config_defaults(ota_service_config_t *cfg);

/**
 * Bind the service to its configuration and ports: read the running version
 * from the boot control record (cfg->running_version if there is none), load
 * the image database, confirm a first-boot image when cfg->auto_confirm.
 * Stale temporary files are removed by the first task() calls. Call it at
 * start-up (after a reset); on a service in the middle of a transfer, call
 * ota_service_reset_now() first so that the transfer is released.
 * Returns OTA_OK, OTA_ERR_INVALID_ARG for a missing port, URL or buffer, or
 * the port's error.
 */
int ota_service_init(ota_service_t *svc, const ota_service_config_t *cfg, const ota_service_ports_t *ports);

/**
 * Advance the state machine by one bounded step. Returns 1 when there is
 * more work to do (call again soon), 0 when the service waits for a timer
 * or a trigger, or OTA_ERR_INVALID_ARG.
 */
int ota_service_task(ota_service_t *svc);

/** Check the manifest now (when idle or an update waits). OTA_ERR_STATE while busy. */
int ota_service_check_now(ota_service_t *svc);

/**
 * Download the waiting update (auto-update off), or, when idle, check and
 * download whatever is found. OTA_ERR_STATE otherwise (and a TRIGGER_FAILED event).
 */
int ota_service_download_now(ota_service_t *svc);

/**
 * Update to one image named directly, without a manifest: its URL, version
 * and SHA-256. From the decision on it is a manifest update (events
 * UPDATE_AVAILABLE, DOWNLOAD_*, VERIFY_*, UPDATE_READY, no CHECK_START) and
 * it downloads whatever auto_update says: the call is the application's go.
 * The digest is verified as always. Allowed when idle or when an update
 * waits (it replaces the offer). Refused before anything is fetched, with
 * a TRIGGER_FAILED event carrying the same code:
 *  - OTA_ERR_STATE while a check, download or publish runs, or an update
 *    is ready;
 *  - OTA_ERR_DOWNGRADE when version is not above the running one: the
 *    bootloader installs the highest stored version, so it would never be
 *    installed;
 *  - OTA_ERR_TOO_LARGE for a URL longer than OTA_URL_MAX, OTA_ERR_URL or
 *    OTA_ERR_NAME for one that names no usable file (ota_url_file_name),
 *    OTA_ERR_TLS_REQUIRED for http:// under require_tls;
 *  - OTA_ERR_INVALID_ARG for a NULL url or digest, or version 0.
 * An image larger than app_size fails with DOWNLOAD_FAILED
 * (OTA_ERR_TOO_LARGE) before any of it is stored, as a manifest's would.
 */
int ota_service_update_image(ota_service_t *svc, const char *url, uint32_t version,
                             const uint8_t digest[OTA_SHA256_LEN]);

/** Abandon any transfer and reset through the system port. OTA_OK. */
int ota_service_reset_now(ota_service_t *svc);

/** Confirm the running image (ota_app_confirm); event CONFIRMED on success. */
int ota_service_confirm(ota_service_t *svc);

/**
 * Give up the running image (ota_app_request_rollback); event ROLLBACK.
 * Resets when auto_reset is set. OTA_ERR_STATE while a transfer runs.
 */
int ota_service_rollback(ota_service_t *svc);

/**
 * Remove every image but the golden one (ota_app_factory_reset); event
 * FACTORY_RESET. Resets when auto_reset is set. OTA_ERR_STATE while a transfer runs.
 */
int ota_service_factory_reset(ota_service_t *svc);

/** The service's current state. */
ota_service_state_t ota_service_state(const ota_service_t *svc);

/** The reason of the last failure (OTA_OK after a success). */
int ota_service_last_error(const ota_service_t *svc);

/** The running version (from the boot control record). */
uint32_t ota_service_running_version(const ota_service_t *svc);

/** The version on offer or being downloaded / published, 0 when none. */
uint32_t ota_service_update_version(const ota_service_t *svc);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_OTA_SERVICE_H */
