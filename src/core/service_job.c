/*
 * The service's current job, shared by every step: events and log, the
 * transfer's clocks and limits, the open file and hash, failure and reset,
 * and the few transitions more than one step makes (clean, download,
 * evict). The step files (service_check.c, service_download.c,
 * service_publish.c) call these and nothing of each other.
 */
#include <string.h>

#include "ota_hex.h"
#include "ota_trust.h"
#include "ota_util.h"
#include "service_internal.h"
#include "ota_imgdb.h"

void svc_log(const ota_service_t *svc, ota_log_level_t level, const char *msg, int32_t value)
{
    ota_log(svc->port.sys, level, msg, value);
}

static void svc_emit_data(ota_service_t *svc, ota_service_event_t ev, int reason, uint32_t version, bool not_modified)
{
    ota_service_event_data_t d;
    memset(&d, 0, sizeof d);
    d.reason = reason;
    d.version = version;
    d.done = svc->done;
    d.total = svc->total;
    d.not_modified = not_modified;
    d.patch = svc->patch_phase != SVC_PATCH_NONE;
    d.next_check_ms = OTA_SERVICE_NO_CHECK;
    if (svc->cfg.periodic) {
        int32_t left = (int32_t)(svc->next_check - svc_now(svc));
        d.next_check_ms = left > 0 ? (uint32_t)left : 0u;
    }
    if (svc->cfg.on_event != NULL) {
        svc->cfg.on_event(svc->cfg.event_arg, ev, &d);
    }
}

void svc_emit(ota_service_t *svc, ota_service_event_t ev, int reason, uint32_t version)
{
    svc_emit_data(svc, ev, reason, version, false);
}

void svc_emit_not_modified(ota_service_t *svc, int reason, uint32_t version)
{
    svc_emit_data(svc, OTA_EVENT_NO_UPDATE, reason, version, true);
}

uint32_t svc_now(const ota_service_t *svc)
{
    return svc->port.sys->now_ms(svc->port.sys->ctx);
}

void svc_http_options(const ota_service_t *svc, ota_http_options_t *opt, uint32_t range)
{
    memset(opt, 0, sizeof *opt);
    opt->range_start = range;
    opt->trust_anchor = svc->cfg.trust_anchor;
    opt->insecure = svc->cfg.insecure;
    opt->connect_timeout_ms = svc->cfg.connect_timeout_ms;
    opt->idle_timeout_ms = svc->cfg.idle_timeout_ms;
    opt->max_redirects = svc->cfg.max_redirects;
}

int svc_response(ota_service_t *svc, ota_http_response_t *r)
{
    const ota_transport_t *t = svc->port.transport;
    memset(r, 0, sizeof *r);
    return t->response(t->ctx, r);
}

int svc_status_error(ota_service_t *svc, const ota_http_response_t *r, const char *what)
{
    svc_log(svc, OTA_LOG_WARN, what, r->status);
    svc_retry_after(svc, r);
    return OTA_ERR_HTTP_STATUS;
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
    return row->version == svc->running || (svc->golden && row->version == svc->golden) || ota_db_row_is_golden(row);
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
    /* Anything else that goes wrong with a patch falls back to the full
     * image; a patch cut by the network is kept and resumed like any download. */
    bool fallback = svc->patch_phase != SVC_PATCH_NONE && !keep;
    svc_close_http(svc);
    svc_patch_release(svc, fallback);
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
    if (fallback) {
        uint32_t v = svc->choice.update.version;
        svc_log(svc, OTA_LOG_WARN, "ota: patch failed, full image instead", err);
        svc_emit(svc, ev, err, v);
        svc_emit(svc, OTA_EVENT_PATCH_FALLBACK, err, v);
        svc->patch_phase = SVC_PATCH_NONE;
        svc->patch_off = true;
        svc_make_name(svc->tmp, ".dl_", v, svc->choice.update.digest, ".tmp");
        svc_start_download(svc);
        return;
    }
    svc->tmp[0] = '\0';
    svc->force_dl = false;
    svc->last_err = err;
    svc_log(svc, OTA_LOG_WARN, "ota: failed", err);
    svc->step = ST_IDLE;
    /* A version refused for this device (disabled after a failed install)
     * is an answer, not a failure to back off from. */
    svc_backoff(svc, ev != OTA_EVENT_NO_UPDATE);
    /* The job ends here: not a patch's failure followed by the full image. */
    svc->patch_phase = SVC_PATCH_NONE;
    svc_emit(svc, ev, err, svc->choice.has_update ? svc->choice.update.version : 0);
}

void svc_do_reset(ota_service_t *svc)
{
    svc_close_http(svc);
    svc_patch_release(svc, false);
    svc_close_file(svc);
    svc_sha_release(svc);
    svc->step = ST_RESET;
    svc_emit(svc, OTA_EVENT_RESET, OTA_OK, 0);
    svc->port.sys->reset(svc->port.sys->ctx);
}

void svc_job_reset(ota_service_t *svc)
{
    memset(&svc->choice, 0, sizeof svc->choice);
    svc->tmp[0] = '\0';
    svc->name[0] = '\0';
    svc->adopt = false;
    svc->done = svc->total = 0;
    svc->retry_after = 0;
    svc->vkind = 0;
    svc->validator[0] = '\0';
    svc->mf_fetched = false;
    svc->patch_phase = SVC_PATCH_NONE;
    svc->patch_off = false;
}

/* Remove a version's row, then its file. In this order a cut in between
 * leaves a file no row names: the bootloader never sees it, and at worst it
 * wastes space until a check adopts or replaces it. The other order could
 * leave a row naming a missing file. */
int svc_drop_version(ota_service_t *svc, uint32_t version)
{
    const ota_store_t *st = svc->port.store;
    char file[OTA_STORE_NAME_MAX + 1];
    ota_db_row_t *row = ota_db_find_version(&svc->db, version);
    int err;

    if (row == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    if (svc_protected(svc, row)) {
        return OTA_ERR_STATE;
    }
    memcpy(file, row->name, sizeof file);
    err = ota_db_remove(&svc->db, st, version); /* atomic database swap: before or after, both consistent */
    if (err == OTA_OK) {
        err = st->remove(st->ctx, file); /* cut before: an orphan file, harmless (see above) */
        if (err == OTA_ERR_NOT_FOUND) {
            err = OTA_OK;
        }
    }
    if (err == OTA_OK) {
        /* Its signature, if it has one: after the file, for the same reason. */
        char sig[OTA_SIG_NAME_MAX];
        ota_sig_name(version, sig);
        int rm = st->remove(st->ctx, sig);
        err = rm == OTA_ERR_NOT_FOUND ? OTA_OK : rm;
    }
    return err;
}

int svc_hash_chunk(ota_service_t *svc, uint8_t digest[OTA_SHA256_LEN])
{
    const ota_store_t *st = svc->port.store;
    const ota_crypto_t *c = svc->port.crypto;
    int n = st->read(st->ctx, svc->fh, svc->cfg.buf, svc->cfg.buf_size);

    if (n > 0) {
        svc->done += (uint32_t)n;
        n = c->sha256_update(c->ctx, &svc->sha, svc->cfg.buf, (size_t)n);
        return n == OTA_OK ? 1 : n;
    }
    svc_close_file(svc);
    if (n < 0) {
        return n;
    }
    svc->sha_open = false;
    return c->sha256_finish(c->ctx, &svc->sha, digest);
}

int svc_evict(ota_service_t *svc, uint32_t version)
{
    int err = svc_drop_version(svc, version);
    svc_emit(svc, err == OTA_OK ? OTA_EVENT_IMAGE_ERASED : OTA_EVENT_IMAGE_ERASE_FAILED, err, version);
    return err;
}

void svc_after_decide(ota_service_t *svc)
{
    if (svc->cfg.auto_update || svc->force_dl) {
        svc_start_download(svc);
    } else {
        svc->step = ST_AVAILABLE;
    }
}

void svc_clean(ota_service_t *svc, bool keep_dl, uint8_t then)
{
    svc->clean_keep_dl = keep_dl;
    svc->after_clean = then;
    svc->step = ST_CLEAN;
}

void svc_make_name(char *out, const char *pre, uint32_t version, const uint8_t *digest, const char *suf)
{
    unsigned n = (unsigned)strlen(pre);
    memcpy(out, pre, n);
    n += ota_dec_format(version, out + n);
    if (digest) {
        out[n++] = '_';
        (void)ota_hex_encode(digest, 4, out + n);
        n += 8;
    }
    memcpy(out + n, suf, strlen(suf) + 1);
}

void svc_start_download(ota_service_t *svc)
{
    svc->clean_keep_dl = false;
    svc->step = ST_DL_CHOOSE;
}
