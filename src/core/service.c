/*
 * The OTA service: initialisation, the application's API, the task()
 * dispatcher and the helpers every step shares. The steps themselves live in
 * service_check.c (manifest, erase requests, decision), service_download.c
 * (temporary files, streaming, resume) and service_publish.c (verify, make
 * room, rename, database row, boot control mark).
 */
#include <string.h>

#include "ota_url.h"
#include "ota_util.h"
#include "service_internal.h"
#include "sysota/ota_app.h"
#include "sysota/ota_boot.h"

void ota_service_config_defaults(ota_service_config_t *cfg)
{
    if (!cfg) {
        return;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->periodic = true;
    cfg->interval_ms = 3600u * 1000u;
    cfg->jitter_ms = 300u * 1000u;
    cfg->first_check_ms = 2000u;
    cfg->auto_update = true;
    cfg->auto_reset = true;
    cfg->resume = true;
    cfg->max_images = 3;
    cfg->connect_timeout_ms = 10000u;
    cfg->idle_timeout_ms = 20000u;
    cfg->min_rate = 1024u;
    cfg->rate_window_ms = 30000u;
    cfg->max_redirects = 5;
    cfg->manifest_max = OTA_MANIFEST_MAX_SIZE;
}

void svc_log(const ota_service_t *svc, ota_log_level_t level, const char *msg, int32_t value)
{
    ota_log(svc->port.sys, level, msg, value);
}

void svc_emit(ota_service_t *svc, ota_service_event_t ev, int reason, uint32_t version)
{
    ota_service_event_data_t d;
    d.reason = reason;
    d.version = version;
    d.done = svc->done;
    d.total = svc->total;
    if (svc->cfg.on_event) {
        svc->cfg.on_event(svc->cfg.event_arg, ev, &d);
    }
}

uint32_t svc_now(const ota_service_t *svc)
{
    return svc->port.sys->now_ms(svc->port.sys->ctx);
}

void svc_http_options(const ota_service_t *svc, ota_http_options_t *opt, uint32_t range)
{
    memset(opt, 0, sizeof(*opt));
    opt->range_start = range;
    opt->ca_file = svc->cfg.ca_file;
    opt->insecure = svc->cfg.insecure;
    opt->connect_timeout_ms = svc->cfg.connect_timeout_ms;
    opt->idle_timeout_ms = svc->cfg.idle_timeout_ms;
    opt->max_redirects = svc->cfg.max_redirects;
}

void svc_transfer_start(ota_service_t *svc)
{
    svc->t_start = svc->t_last = svc->t_window = svc_now(svc);
    svc->xfer_got = svc->window_got = 0;
}

/* ms needed to move bytes at rate bytes/s, saturated below 2^31 so that the
 * unsigned clock differences it is compared with stay meaningful. */
static uint32_t ms_at_rate(uint32_t bytes, uint32_t rate)
{
    uint64_t ms = (uint64_t)bytes * 1000u / rate;
    return ms > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)ms;
}

int svc_transfer_check(ota_service_t *svc, uint32_t got, uint32_t expected, uint32_t limit_ms)
{
    const ota_service_config_t *c = &svc->cfg;
    uint32_t now = svc_now(svc);

    if (got) {
        svc->t_last = now;
        svc->xfer_got += got;
        svc->window_got += got;
    }
    /* Unsigned differences stay right across the 2^32 wrap of now_ms. */
    if (c->idle_timeout_ms && now - svc->t_last >= c->idle_timeout_ms) {
        return OTA_ERR_TIMEOUT;
    }
    if (c->min_rate && c->rate_window_ms && now - svc->t_window >= c->rate_window_ms) {
        /* A server trickling a byte now and then keeps the idle timer alive
         * forever: the rate, averaged over a window, does not. */
        if (svc->window_got < (uint64_t)c->min_rate * (now - svc->t_window) / 1000u) {
            return OTA_ERR_TIMEOUT;
        }
        svc->t_window = now;
        svc->window_got = 0;
    }
    if (!limit_ms && c->min_rate && expected) {
        /* The finite default of the whole transfer: its length at the
         * minimum rate, plus one rate window of grace for the start. */
        uint32_t at_rate = ms_at_rate(expected, c->min_rate);
        limit_ms = at_rate > 0x7FFFFFFFu - c->rate_window_ms ? 0x7FFFFFFFu : at_rate + c->rate_window_ms;
    }
    if (limit_ms && now - svc->t_start >= limit_ms) {
        return OTA_ERR_TIMEOUT;
    }
    return OTA_OK;
}

int svc_db_reload(ota_service_t *svc)
{
    /* The bootloader and the ota_app_* calls change the database behind our
     * back; every mutation starts from the file, never from a stale copy. */
    return ota_db_load(&svc->db, svc->port.store, svc->port.sys);
}

bool svc_protected(const ota_service_t *svc, const ota_db_row_t *row)
{
    return row->version == svc->running || (svc->golden && row->version == svc->golden) ||
           ota_db_row_is_golden(row);
}

void svc_sha_release(ota_service_t *svc)
{
    uint8_t scratch[OTA_SHA256_LEN];
    if (svc->sha_open) {
        svc->sha_open = false;
        (void)svc->port.crypto->sha256_finish(svc->port.crypto->ctx, &svc->sha, scratch);
    }
}

void svc_close_file(ota_service_t *svc)
{
    if (svc->fh >= 0) {
        (void)svc->port.store->close(svc->port.store->ctx, svc->fh);
        svc->fh = -1;
    }
}

static void svc_close_http(ota_service_t *svc)
{
    if (svc->http_open) {
        svc->http_open = false;
        svc->port.transport->close(svc->port.transport->ctx);
    }
}

void svc_fail(ota_service_t *svc, ota_service_event_t ev, int err)
{
    const ota_store_t *st = svc->port.store;
    /* A transfer cut by the network leaves a prefix of the image: worth
     * keeping for a Range request. Anything else starts over. */
    bool keep = svc->cfg.resume && (svc->step == ST_DL_HEAD || svc->step == ST_DL_BODY) &&
                (err == OTA_ERR_NET || err == OTA_ERR_TIMEOUT || err == OTA_ERR_SHORT_BODY);
    svc_close_http(svc);
    if (svc->fh >= 0 && keep) {
        /* Kept for a resume: make the part we have durable so that a cut
         * does not cost it; a torn sync only shortens it, and the next
         * attempt re-hashes whatever prefix is there. */
        (void)st->sync(st->ctx, svc->fh);
    }
    svc_close_file(svc);
    svc_sha_release(svc);
    if (svc->tmp[0] && !keep) {
        /* Cut right after: the temp file is gone or still there; a leftover
         * is removed by the next clean pass and was never published. */
        (void)st->remove(st->ctx, svc->tmp);
    }
    svc->tmp[0] = '\0';
    svc->force_dl = false;
    svc->last_err = err;
    svc_log(svc, OTA_LOG_WARN, "ota: failed", err);
    svc->step = ST_IDLE;
    svc_emit(svc, ev, err, svc->choice.has_update ? svc->choice.update.version : 0);
}

void svc_do_reset(ota_service_t *svc)
{
    svc_close_http(svc);
    svc_close_file(svc);
    svc_sha_release(svc);
    svc->step = ST_RESET;
    svc_emit(svc, OTA_EVENT_RESET, OTA_OK, 0);
    svc->port.sys->reset(svc->port.sys->ctx);
}

/* Idle, or only tidying up before going idle: a trigger may be queued. */
static bool svc_idle(const ota_service_t *svc)
{
    return svc->step == ST_IDLE || (svc->step == ST_CLEAN && svc->after_clean == ST_IDLE);
}

static void svc_boot_config(const ota_service_t *svc, ota_boot_config_t *b)
{
    memset(b, 0, sizeof(*b));
    b->flash = svc->port.flash;
    b->store = svc->port.store;
    b->crypto = svc->port.crypto;
    b->sys = svc->port.sys;
    b->bootctl_addr = svc->cfg.bootctl_addr;
    b->app_addr = svc->cfg.app_addr;
    b->app_size = svc->cfg.app_size;
}

int ota_service_init(ota_service_t *svc, const ota_service_config_t *cfg, const ota_service_ports_t *ports)
{
    ota_bootctl_record_t rec;
    ota_db_row_t *g;
    int err;

    if (!svc || !cfg || !ports || !ports->flash || !ports->store || !ports->transport || !ports->crypto ||
        !ports->sys || !ports->sys->now_ms || !ports->sys->reset || !cfg->manifest_url || !cfg->buf ||
        cfg->buf_size < 64 || cfg->max_images < 2 ||
        (cfg->periodic && (cfg->interval_ms == 0 || cfg->interval_ms > INT32_MAX))) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(svc, 0, sizeof(*svc));
    svc->cfg = *cfg;
    svc->port = *ports;
    svc->fh = -1;
    if (!svc->cfg.manifest_buf) {
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

    err = ota_bootctl_init(&svc->bc, ports->flash, cfg->bootctl_addr);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        if (rec.status == OTA_STATUS_UNBOOTED && cfg->auto_confirm) {
            ota_boot_config_t b;
            svc_boot_config(svc, &b);
            err = ota_app_confirm(&b);
            if (err != OTA_OK) {
                return err;
            }
            svc_emit(svc, OTA_EVENT_CONFIRMED, OTA_OK, rec.version);
        }
        svc->running = rec.version;
        svc->golden = rec.golden_version;
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
    svc_log(svc, OTA_LOG_INFO, "ota: running version", (int32_t)svc->running);
    /* Leftovers of a cut (half-written database or download temp files) go
     * first; interrupted downloads are kept for a resume. */
    svc_clean(svc, true, ST_IDLE);
    return OTA_OK;
}

static void svc_schedule(ota_service_t *svc, uint32_t now)
{
    uint32_t j = svc->cfg.jitter_ms;
    uint32_t r = svc->port.sys->random ? svc->port.sys->random(svc->port.sys->ctx) : 0;
    /* interval - jitter + [0, 2*jitter]: a fleet does not poll in lockstep. */
    svc->next_check = now + svc->cfg.interval_ms - j + (j ? r % (2u * j + 1u) : 0u);
}

int ota_service_task(ota_service_t *svc)
{
    const ota_system_t *s;
    uint32_t now;
    bool up;

    if (!svc || !svc->port.sys) {
        return OTA_ERR_INVALID_ARG;
    }
    s = svc->port.sys;
    now = svc_now(svc);
    up = s->network_up ? s->network_up(s->ctx) : true;
    if (up && !svc->net_was_up) {
        svc->next_check = now + svc->cfg.first_check_ms;
    }
    svc->net_was_up = up;
    if (!up && svc->http_open) {
        svc_fail(svc, svc->step <= ST_MF_PARSE ? OTA_EVENT_CHECK_FAILED : OTA_EVENT_DOWNLOAD_FAILED, OTA_ERR_NET);
        return 1;
    }

    switch (svc->step) {
    case ST_IDLE:
    case ST_AVAILABLE:
        if (up && (svc->check_req || (svc->cfg.periodic && (int32_t)(now - svc->next_check) >= 0))) {
            svc_schedule(svc, now);
            svc_start_check(svc);
            return 1;
        }
        return 0;
    case ST_READY:
    case ST_RESET:
        return 0;
    case ST_CLEAN:
        svc_step_clean(svc);
        break;
    case ST_MF_HEAD:
    case ST_MF_BODY:
    case ST_MF_PARSE:
    case ST_ERASE:
    case ST_DECIDE:
        svc_step_check(svc);
        break;
    case ST_DL_OPEN:
    case ST_DL_REHASH:
    case ST_DL_GET:
    case ST_DL_HEAD:
    case ST_DL_BODY:
        svc_step_download(svc);
        break;
    default:
        svc_step_publish(svc);
        break;
    }
    if (svc->step == ST_IDLE || svc->step == ST_AVAILABLE) {
        return svc->check_req && up ? 1 : 0;
    }
    return svc->step >= ST_READY ? 0 : 1;
}

int ota_service_check_now(ota_service_t *svc)
{
    if (!svc) {
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
    if (!svc) {
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

    if (!url || !digest || version == 0) {
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
    return ota_url_file_name(url, name, sizeof(name));
}

int ota_service_update_image(ota_service_t *svc, const char *url, uint32_t version,
                             const uint8_t digest[OTA_SHA256_LEN])
{
    ota_manifest_entry_t *u;
    int err;

    if (!svc) {
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
    if (!svc) {
        return OTA_ERR_INVALID_ARG;
    }
    svc_do_reset(svc);
    return OTA_OK;
}

int ota_service_confirm(ota_service_t *svc)
{
    ota_boot_config_t b;
    int err;
    if (!svc) {
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
    if (!svc) {
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
    uint8_t st = svc->step;
    if (st == ST_CLEAN) {
        return svc->after_clean == ST_DL_OPEN ? OTA_SERVICE_DOWNLOADING : OTA_SERVICE_MAINTENANCE;
    }
    if (st == ST_IDLE) {
        return OTA_SERVICE_IDLE;
    }
    if (st <= ST_DECIDE) {
        return OTA_SERVICE_CHECKING;
    }
    if (st == ST_AVAILABLE) {
        return OTA_SERVICE_AVAILABLE;
    }
    if (st <= ST_DL_BODY) {
        return OTA_SERVICE_DOWNLOADING;
    }
    if (st < ST_READY) {
        return OTA_SERVICE_PUBLISHING;
    }
    return st == ST_READY ? OTA_SERVICE_READY : OTA_SERVICE_RESET;
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
    return svc->step > ST_DECIDE && svc->step <= ST_READY && svc->choice.has_update ? svc->choice.update.version
                                                                                     : 0;
}
