/*
 * The OTA service: initialisation, the application's API and the task()
 * dispatcher: one case per step, and the public state of each step. The
 * steps live in service_check.c (manifest, erase requests, decision),
 * service_download.c (temporary files, streaming, resume) and
 * service_publish.c (verify, make room, rename, database row, boot control
 * mark); what they share is in service_job.c.
 */
#include <string.h>

#include "ota_url.h"
#include "ota_util.h"
#include "service_internal.h"
#include "sysota/ota_app.h"
#include "sysota/ota_boot.h"
#include "ota_bootctl.h"
#include "ota_imgdb.h"
#include "ota_manifest.h"
#include "ota_trust.h"

void ota_service_config_defaults(ota_service_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->periodic = true;
    cfg->interval_ms = 3600u * 1000u;
    cfg->jitter_ms = 300u * 1000u;
    cfg->first_check_ms = 2000u;
    cfg->auto_update = true;
    cfg->auto_reset = true;
    cfg->resume = true;
    cfg->sync_interval = 64u * 1024u;
    cfg->full_check_every = 24;
    cfg->backoff_base_ms = 60u * 1000u;
    cfg->backoff_max_ms = 6u * 3600u * 1000u;
    cfg->max_images = 3;
    cfg->connect_timeout_ms = 10000u;
    cfg->idle_timeout_ms = 20000u;
    cfg->min_rate = 1024u;
    cfg->rate_window_ms = 30000u;
    cfg->max_redirects = 5;
    cfg->manifest_max = OTA_MANIFEST_MAX_SIZE;
}

/* The public state of each step. */
static const uint8_t svc_step_state[ST_COUNT] = {
    [ST_CLEAN] = OTA_SERVICE_MAINTENANCE,
    [ST_IDLE] = OTA_SERVICE_IDLE,
    [ST_MF_HEAD] = OTA_SERVICE_CHECKING,
    [ST_MF_BODY] = OTA_SERVICE_CHECKING,
    [ST_SIG_HEAD] = OTA_SERVICE_CHECKING,
    [ST_SIG_BODY] = OTA_SERVICE_CHECKING,
    [ST_MF_PARSE] = OTA_SERVICE_CHECKING,
    [ST_ERASE] = OTA_SERVICE_CHECKING,
    [ST_DECIDE] = OTA_SERVICE_CHECKING,
    [ST_AVAILABLE] = OTA_SERVICE_AVAILABLE,
    [ST_DL_CHOOSE] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_CLEAN] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_OPEN] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_REHASH] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_GET] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_HEAD] = OTA_SERVICE_DOWNLOADING,
    [ST_DL_BODY] = OTA_SERVICE_DOWNLOADING,
    [ST_VERIFY] = OTA_SERVICE_PUBLISHING,
    [ST_ADOPT_HASH] = OTA_SERVICE_PUBLISHING,
    [ST_ROOM] = OTA_SERVICE_PUBLISHING,
    [ST_RENAME] = OTA_SERVICE_PUBLISHING,
    [ST_SIG_SAVE] = OTA_SERVICE_PUBLISHING,
    [ST_ROW] = OTA_SERVICE_PUBLISHING,
    [ST_MARK] = OTA_SERVICE_PUBLISHING,
    [ST_DONE] = OTA_SERVICE_PUBLISHING,
    [ST_GOLDEN_STAGE] = OTA_SERVICE_PUBLISHING,
    [ST_GOLDEN_RECORD] = OTA_SERVICE_PUBLISHING,
    [ST_GOLDEN_COMMIT] = OTA_SERVICE_PUBLISHING,
    [ST_GOLDEN_ROW] = OTA_SERVICE_PUBLISHING,
    [ST_GOLDEN_FINISH] = OTA_SERVICE_MAINTENANCE,
    [ST_PATCH_OPEN] = OTA_SERVICE_DOWNLOADING,
    [ST_PATCH_STEP] = OTA_SERVICE_DOWNLOADING,
    [ST_READY] = OTA_SERVICE_READY,
    [ST_RESET] = OTA_SERVICE_RESET,
};
/* A step added to the enum without its state makes the table one short. */
_Static_assert(sizeof svc_step_state == ST_COUNT, "one public state per step");
_Static_assert(ST_COUNT <= UINT8_MAX, "ota_service_t.step is a uint8_t");

/* Idle, or only tidying up before going idle: a trigger may be queued. */
static bool svc_idle(const ota_service_t *svc)
{
    return svc->step == ST_IDLE ||
           ((svc->step == ST_CLEAN || svc->step == ST_GOLDEN_FINISH) && svc->after_clean == ST_IDLE);
}

static void svc_boot_config(const ota_service_t *svc, ota_boot_config_t *b)
{
    memset(b, 0, sizeof *b);
    b->flash = svc->port.flash;
    b->store = svc->port.store;
    b->crypto = svc->port.crypto;
    b->sys = svc->port.sys;
    b->layout = svc->cfg.layout;
}

int ota_service_init(ota_service_t *svc, const ota_service_config_t *cfg, const ota_service_ports_t *ports)
{
    ota_bootctl_record_t rec;
    ota_db_row_t *g;
    int err;

    if (svc == NULL || cfg == NULL || ports == NULL || ports->flash == NULL || ports->store == NULL ||
        ports->transport == NULL || ports->crypto == NULL || ports->sys == NULL || ports->sys->now_ms == NULL ||
        ports->sys->reset == NULL || cfg->manifest_url == NULL || cfg->buf == NULL || cfg->buf_size < 64 ||
        cfg->max_images < 2 || (cfg->periodic && (cfg->interval_ms == 0 || cfg->interval_ms > INT32_MAX))) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(svc, 0, sizeof *svc);
    svc->cfg = *cfg;
    svc->port = *ports;
    svc->fh = -1;
    if (svc->cfg.manifest_buf == NULL) {
        svc->cfg.manifest_buf = (char *)cfg->buf;
        svc->cfg.manifest_max = cfg->manifest_max < cfg->buf_size ? cfg->manifest_max : cfg->buf_size;
    }
    svc->mf_max = svc->cfg.manifest_max < OTA_MANIFEST_MAX_SIZE ? svc->cfg.manifest_max : OTA_MANIFEST_MAX_SIZE;
    if (svc->cfg.max_images > OTA_DB_MAX_ROWS) {
        svc->cfg.max_images = OTA_DB_MAX_ROWS;
    }
    if (svc->cfg.jitter_ms > svc->cfg.interval_ms / 2) {
        svc->cfg.jitter_ms = svc->cfg.interval_ms / 2;
    }
    /* Clock differences are compared as int32_t: no wait may reach 2^31 ms. */
    if (svc->cfg.backoff_max_ms > INT32_MAX) {
        svc->cfg.backoff_max_ms = INT32_MAX;
    }
    if (svc->cfg.full_check_every != 0 && ports->sys->random != NULL) {
        /* The count of checks since a full fetch lives in RAM: started at
         * a random point, a device restarted before every check still
         * fetches in full one check in full_check_every on average, and a
         * fleet restarted together does not do it together. */
        svc->since_full = (uint16_t)(ports->sys->random(ports->sys->ctx) % svc->cfg.full_check_every);
    }

    ota_boot_config_t b;
    svc_boot_config(svc, &b);
    /* What the bootloader decided since the last start goes into the
     * database, and the database's table into the record, before anything
     * reads either. */
    err = ota_app_sync(&b);
    if (err != OTA_OK && err != OTA_ERR_NOT_FOUND && err != OTA_ERR_CORRUPT) {
        return err;
    }
    err = ota_bootctl_init(&svc->bc, ports->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        if (rec.status == OTA_STATUS_UNBOOTED && cfg->auto_confirm) {
            err = ota_app_confirm(&b);
            if (err != OTA_OK) {
                return err;
            }
            svc_emit(svc, OTA_EVENT_CONFIRMED, OTA_OK, rec.version);
        }
        svc->running = rec.version;
        svc->golden = rec.golden_version;
        svc->manifest_seq = rec.manifest_seq;
        svc->floor = rec.floor;
    } else if (cfg->running_version) {
        svc_log(svc, OTA_LOG_WARN, "ota: no boot control record, configured version", (int32_t)cfg->running_version);
        svc->running = cfg->running_version;
    } else {
        return err;
    }
    err = svc_db_reload(svc);
    if (err != OTA_OK) {
        return err;
    }
    g = ota_db_find_golden(&svc->db);
    if (g && !svc->golden) {
        svc->golden = g->version;
    }
    if (ports->sys->device_id != NULL) {
        int n = ports->sys->device_id(ports->sys->ctx, svc->device_id, sizeof svc->device_id);
        /* An identity the port could not give, or longer than the buffer
         * (it may have been cut): none, rather than a wrong cohort. */
        svc->device_id_len = n > 0 && n <= (int)sizeof svc->device_id ? (uint8_t)n : 0u;
    }
    svc_log(svc, OTA_LOG_INFO, "ota: running version", (int32_t)svc->running);
    if (!svc_signed(svc)) {
        /* Said once: this is the original's trust model, not a secure one. */
        svc_log(svc, OTA_LOG_WARN, "ota: no keys: unsigned manifests and images are accepted (compatibility mode)", 0);
    }
    /* Leftovers of a cut (half-written database or download temp files) go
     * first; interrupted downloads are kept for a resume. */
    svc_clean(svc, true, ST_IDLE);
    uint32_t size;
    const ota_store_t *st = ports->store;
    if (st->stat(st->ctx, OTA_GOLDEN_NEW_NAME, &size) == OTA_OK) {
        /* A golden replacement a cut interrupted: finish (or drop) it first. */
        err = svc->port.crypto->sha256_start(svc->port.crypto->ctx, &svc->sha);
        svc->sha_open = err == OTA_OK;
        if (err == OTA_OK) {
            svc->fh = err = st->open(st->ctx, OTA_GOLDEN_NEW_NAME, OTA_STORE_READ);
        }
        if (err >= 0) {
            svc->step = ST_GOLDEN_FINISH;
        } else {
            svc_sha_release(svc);
        }
    }
    return OTA_OK;
}

/* A check should start now: asked for, or the periodic one is due. */
static bool svc_check_due(const ota_service_t *svc, bool up)
{
    return up && (svc->check_req || (svc->cfg.periodic && (int32_t)(svc_now(svc) - svc->next_check) >= 0));
}

int ota_service_task(ota_service_t *svc)
{
    const ota_system_t *s;
    uint32_t now;
    bool up;

    if (svc == NULL || svc->port.sys == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    s = svc->port.sys;
    now = svc_now(svc);
    up = s->network_up ? s->network_up(s->ctx) : true;
    if (up && !svc->net_was_up) {
        svc_network_up(svc, now);
    }
    svc->net_was_up = up;
    if (!up && svc->http_open) {
        svc_fail(svc,
                 ota_service_state(svc) == OTA_SERVICE_CHECKING ? OTA_EVENT_CHECK_FAILED : OTA_EVENT_DOWNLOAD_FAILED,
                 OTA_ERR_NET);
        return 1;
    }

    switch ((enum svc_step)svc->step) {
    case ST_IDLE:
    case ST_AVAILABLE:
        if (svc_check_due(svc, up)) {
            svc_schedule(svc, now);
            svc_start_check(svc);
            return 1;
        }
        return 0;
    case ST_READY:
    case ST_RESET:
    case ST_COUNT:
        return 0;
    case ST_CLEAN:
    case ST_DL_CLEAN:
        svc_step_clean(svc);
        break;
    case ST_MF_HEAD:
        svc_step_mf_head(svc);
        break;
    case ST_MF_BODY:
        svc_step_mf_body(svc);
        break;
    case ST_SIG_HEAD:
        svc_step_sig_head(svc);
        break;
    case ST_SIG_BODY:
        svc_step_sig_body(svc);
        break;
    case ST_MF_PARSE:
        svc_step_mf_parse(svc);
        break;
    case ST_ERASE:
        svc_step_erase(svc);
        break;
    case ST_DECIDE:
        svc_step_decide(svc);
        break;
    case ST_DL_CHOOSE:
        svc_step_dl_choose(svc);
        break;
    case ST_DL_OPEN:
        svc_step_dl_open(svc);
        break;
    case ST_DL_REHASH:
        svc_step_dl_rehash(svc);
        break;
    case ST_DL_GET:
        svc_step_dl_get(svc);
        break;
    case ST_DL_HEAD:
        svc_step_dl_head(svc);
        break;
    case ST_DL_BODY:
        svc_step_dl_body(svc);
        break;
    case ST_VERIFY:
        svc_step_verify(svc);
        break;
    case ST_ADOPT_HASH:
        svc_step_adopt_hash(svc);
        break;
    case ST_ROOM:
        svc_step_room(svc);
        break;
    case ST_RENAME:
        svc_step_rename(svc);
        break;
    case ST_SIG_SAVE:
        svc_step_sig_save(svc);
        break;
    case ST_ROW:
        svc_step_row(svc);
        break;
    case ST_MARK:
        svc_step_mark(svc);
        break;
    case ST_DONE:
        svc_step_done(svc);
        break;
    case ST_GOLDEN_STAGE:
        svc_step_golden_stage(svc);
        break;
    case ST_GOLDEN_RECORD:
        svc_step_golden_record(svc);
        break;
    case ST_GOLDEN_COMMIT:
        svc_step_golden_commit(svc);
        break;
    case ST_GOLDEN_ROW:
        svc_step_golden_row(svc);
        break;
    case ST_PATCH_OPEN:
        svc_step_patch_open(svc);
        break;
    case ST_PATCH_STEP:
        svc_step_patch_step(svc);
        break;
    case ST_GOLDEN_FINISH:
        svc_step_golden_finish(svc);
        break;
    }
    switch (ota_service_state(svc)) {
    case OTA_SERVICE_IDLE:
    case OTA_SERVICE_AVAILABLE:
        return svc_check_due(svc, up) ? 1 : 0; /* a trigger queued by a callback, or a check due, runs next */
    case OTA_SERVICE_READY:
    case OTA_SERVICE_RESET:
        return 0;
    case OTA_SERVICE_CHECKING:
    case OTA_SERVICE_DOWNLOADING:
    case OTA_SERVICE_PUBLISHING:
    case OTA_SERVICE_MAINTENANCE:
        return 1;
    }
    return 1;
}

int ota_service_check_now(ota_service_t *svc)
{
    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!svc_idle(svc) && svc->step != ST_AVAILABLE) {
        return OTA_ERR_STATE;
    }
    svc->check_req = true;
    return OTA_OK;
}

int ota_service_download_now(ota_service_t *svc)
{
    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (svc->step == ST_AVAILABLE) {
        svc_start_download(svc);
        return OTA_OK;
    }
    if (svc_idle(svc)) {
        svc->check_req = true;
        svc->force_dl = true;
        return OTA_OK;
    }
    svc_emit(svc, OTA_EVENT_TRIGGER_FAILED, OTA_ERR_STATE, 0);
    return OTA_ERR_STATE;
}

/* Everything that can be known before a byte is fetched; the size of the
 * image is known only from the server, so the download refuses that. */
static int svc_image_refusal(const ota_service_t *svc, const char *url, uint32_t version, const uint8_t *digest)
{
    char name[OTA_STORE_NAME_MAX + 1];

    if (url == NULL || digest == NULL || version == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!svc_idle(svc) && svc->step != ST_AVAILABLE) {
        return OTA_ERR_STATE;
    }
    if (version <= svc->running) {
        /* The bootloader ranks stored images highest version first: a lower
         * one would be stored, and never installed. */
        return OTA_ERR_DOWNGRADE;
    }
    if (strlen(url) > OTA_URL_MAX) {
        return OTA_ERR_TOO_LARGE;
    }
    if (svc->cfg.require_tls && !ota_url_is_https(url)) {
        return OTA_ERR_TLS_REQUIRED;
    }
    return ota_url_file_name(url, name, sizeof name);
}

int ota_service_update_image(ota_service_t *svc, const char *url, uint32_t version,
                             const uint8_t digest[OTA_SHA256_LEN])
{
    ota_manifest_entry_t *u;
    int err;

    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    err = svc_image_refusal(svc, url, version, digest);
    if (err != OTA_OK) {
        svc_emit(svc, OTA_EVENT_TRIGGER_FAILED, err, version);
        return err;
    }
    /* The image stands where a manifest's choice would: from the decision
     * on (row already there, file without row, download, verify, publish)
     * it is a manifest update, with the same power-cut guarantees. */
    svc_job_reset(svc);
    u = &svc->choice.update;
    svc->choice.has_update = true;
    u->version = version;
    u->has_digest = true;
    memcpy(u->digest, digest, OTA_SHA256_LEN);
    memcpy(u->url, url, strlen(url) + 1);
    svc->force_dl = true; /* the call is the application's go */
    if (svc->step == ST_CLEAN) {
        svc->after_clean = ST_DECIDE; /* leftovers of a cut go first */
    } else {
        svc->step = ST_DECIDE;
    }
    return OTA_OK;
}

int ota_service_reset_now(ota_service_t *svc)
{
    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    svc_do_reset(svc);
    return OTA_OK;
}

int ota_service_confirm(ota_service_t *svc)
{
    ota_boot_config_t b;
    int err;
    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    svc_boot_config(svc, &b);
    err = ota_app_confirm(&b);
    if (err == OTA_OK) {
        svc_emit(svc, OTA_EVENT_CONFIRMED, OTA_OK, svc->running);
    }
    return err;
}

/* Rollback and factory reset rewrite the database and the store: never under
 * a running transfer or publish. */
static int svc_app_call(ota_service_t *svc, int (*fn)(const ota_boot_config_t *), ota_service_event_t ev)
{
    ota_boot_config_t b;
    int err;
    if (svc == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    if (!svc_idle(svc) && svc->step != ST_AVAILABLE && svc->step != ST_READY) {
        svc_emit(svc, ev, OTA_ERR_STATE, svc->running);
        return OTA_ERR_STATE;
    }
    svc_boot_config(svc, &b);
    err = fn(&b);
    svc_emit(svc, ev, err, svc->running);
    if (err == OTA_OK) {
        svc->step = ST_READY;
        if (svc->cfg.auto_reset) {
            svc_do_reset(svc);
        }
    }
    return err;
}

int ota_service_rollback(ota_service_t *svc)
{
    return svc_app_call(svc, ota_app_request_rollback, OTA_EVENT_ROLLBACK);
}

int ota_service_factory_reset(ota_service_t *svc)
{
    return svc_app_call(svc, ota_app_factory_reset, OTA_EVENT_FACTORY_RESET);
}

ota_service_state_t ota_service_state(const ota_service_t *svc)
{
    return svc->step < ST_COUNT ? (ota_service_state_t)svc_step_state[svc->step] : OTA_SERVICE_RESET;
}

int ota_service_last_error(const ota_service_t *svc)
{
    return svc->last_err;
}

uint32_t ota_service_running_version(const ota_service_t *svc)
{
    return svc->running;
}

uint32_t ota_service_update_version(const ota_service_t *svc)
{
    ota_service_state_t st = ota_service_state(svc);
    bool busy_with_it = st == OTA_SERVICE_AVAILABLE || st == OTA_SERVICE_DOWNLOADING || st == OTA_SERVICE_PUBLISHING ||
                        st == OTA_SERVICE_READY;
    return busy_with_it && svc->choice.has_update ? svc->choice.update.version : 0;
}
