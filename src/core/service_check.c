/*
 * The service's update check: fetch the manifest into its bounded buffer,
 * choose (ota_manifest_choose), apply the EraseVer requests, and decide what
 * the chosen update needs: nothing (already stored, only the mark is
 * missing), adoption of a file found without its row, a download, or the
 * application's go.
 */
#include <string.h>

#include "ota_http.h"
#include "ota_url.h"
#include "ota_util.h"
#include "service_internal.h"
#include "ota_hex.h"
#include "ota_imgdb.h"
#include "ota_manifest.h"

void svc_start_check(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    ota_http_options_t opt;
    int err;

    svc->check_req = false;
    svc_job_reset(svc);
    svc->step = ST_MF_HEAD;
    svc_emit(svc, OTA_EVENT_CHECK_START, OTA_OK, 0);
    if (svc->cfg.require_tls && !ota_url_is_https(svc->cfg.manifest_url)) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, OTA_ERR_TLS_REQUIRED);
        return;
    }
    svc_http_options(svc, &opt, 0);
    svc_poll_condition(svc, &opt);
    err = t->get(t->ctx, svc->cfg.manifest_url, &opt);
    if (err < 0) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, err);
        return;
    }
    svc->http_open = true;
    svc_transfer_start(svc);
}

/* 304 to a conditional GET: the manifest is the one last processed, whose
 * outcome for this device was "no update". Nothing is read or parsed. */
static void mf_not_modified(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    t->close(t->ctx);
    svc->http_open = false;
    svc->since_full++;
    svc->last_err = OTA_OK;
    svc->force_dl = false;
    svc_backoff(svc, false);
    svc_emit_not_modified(svc, svc->mf_reason, svc->mf_version);
    svc_clean(svc, false, ST_IDLE);
}

void svc_step_mf_head(ota_service_t *svc)
{
    ota_http_response_t r;
    int err = svc_response(svc, &r);

    if (err == OTA_ERR_AGAIN) {
        err = svc_transfer_check(svc, 0, svc->mf_max, svc->cfg.manifest_timeout_ms);
    } else if (err == OTA_OK) {
        if (r.status == 304 && svc->cond_sent) {
            mf_not_modified(svc);
            return;
        }
        if (r.status != 200) {
            err = svc_status_error(svc, &r, "ota: manifest HTTP status");
        } else if (r.content_length > (int64_t)svc->mf_max) {
            err = OTA_ERR_TOO_LARGE;
        } else {
            /* Kept until the check's outcome is known: recorded only if it
             * ends in "no update" (svc_poll_remember). */
            svc->since_full = 0;
            svc->mf_fetched = true;
            svc->vkind = (uint8_t)ota_http_validator(&r, false, svc->validator);
            svc->done = 0;
            svc->step = ST_MF_BODY;
        }
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, err);
    }
}

void svc_step_mf_body(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    uint32_t cap = svc->mf_max - svc->done;
    char extra;
    int n;

    /* With the buffer full, one more byte proves the body is over the limit:
     * it is read into a byte of its own, never past the buffer. */
    n = cap ? t->read(t->ctx, svc->cfg.manifest_buf + svc->done, cap) : t->read(t->ctx, &extra, 1);
    if (n == OTA_ERR_AGAIN) {
        n = svc_transfer_check(svc, 0, svc->mf_max, svc->cfg.manifest_timeout_ms);
        if (n == OTA_OK) {
            return;
        }
    }
    if (n < 0 || (n > 0 && cap == 0)) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, n < 0 ? n : OTA_ERR_TOO_LARGE);
        return;
    }
    if (n > 0) {
        svc->done += (uint32_t)n;
        n = svc_transfer_check(svc, (uint32_t)n, svc->mf_max, svc->cfg.manifest_timeout_ms);
        if (n != OTA_OK) {
            svc_fail(svc, OTA_EVENT_CHECK_FAILED, n);
        }
        return;
    }
    t->close(t->ctx);
    svc->http_open = false;
    if (svc_signed(svc)) {
        svc_sig_start(svc); /* the signature before a single entry is read */
    } else {
        svc->step = ST_MF_PARSE;
    }
}

void svc_step_mf_parse(ota_service_t *svc)
{
    ota_manifest_choice_t *c = &svc->choice;
    ota_manifest_policy_t policy = { .running = svc->running,
                                     .floor = svc->floor,
                                     .golden = svc->golden,
                                     .need_signature = svc_signed(svc),
                                     .device_id = svc->device_id,
                                     .device_id_len = svc->device_id_len };
    int err = svc_signed(svc) ? svc_manifest_verify(svc) : OTA_OK;
    if (err == OTA_OK) {
        err = ota_manifest_choose(svc->cfg.manifest_buf, svc->done, &policy, c);
    }
    if (err == OTA_OK) {
        err = svc_manifest_accept(svc);
    }

    svc->done = 0;
    if (err == OTA_OK && c->held_back) {
        /* Not an error: this device's turn in a staged rollout has not come. */
        svc_log(svc, OTA_LOG_INFO, "ota: entries held back by their rollout", (int32_t)c->held_back);
    }
    if (err == OTA_OK && c->rejected) {
        svc_log(svc, OTA_LOG_WARN, c->first_reject_what ? c->first_reject_what : "ota: entry rejected",
                (int32_t)c->first_reject_index);
        if (!c->accepted) {
            err = c->first_reject_err;
        }
    }
    if (err != OTA_OK) {
        c->has_update = false;
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, err);
        return;
    }
    svc->erase_i = 0;
    svc->step = ST_ERASE;
}

void svc_step_erase(ota_service_t *svc)
{
    uint32_t v;
    int err;

    if (svc->erase_i >= svc->choice.erase_count) {
        svc->step = ST_DECIDE;
        return;
    }
    v = svc->choice.erase[svc->erase_i++];
    err = svc_db_reload(svc);
    if (err == OTA_OK && ota_db_find_version(&svc->db, v) == NULL) {
        return; /* not stored: the request stays in the manifest, nothing to say */
    }
    if (err == OTA_OK) {
        (void)svc_evict(svc, v);
    } else {
        svc_emit(svc, OTA_EVENT_IMAGE_ERASE_FAILED, err, v);
    }
}

/* The update already has a row. Returns 1 when it is stored and usable (go
 * and mark), 0 when the caller should go on with a fresh download, or a
 * negative error. */
static int decide_existing(ota_service_t *svc, ota_db_row_t *row)
{
    const ota_manifest_entry_t *u = &svc->choice.update;
    uint32_t size;
    bool same = memcmp(row->digest, u->digest, OTA_SHA256_LEN) == 0;

    if (same && row->status == OTA_STATUS_DISABLED) {
        /* Installed once and failed (or rolled back): fetching it again
         * would loop download -> reset -> rollback forever. */
        svc_log(svc, OTA_LOG_WARN, "ota: update disabled earlier, ignored", (int32_t)u->version);
        return OTA_ERR_STATE;
    }
    if (same && row->status != OTA_STATUS_EMPTY &&
        svc->port.store->stat(svc->port.store->ctx, row->name, &size) == OTA_OK) {
        /* Downloaded and recorded, but a cut (or a failure) came before the
         * boot control mark: do not download again. */
        memcpy(svc->name, row->name, sizeof svc->name);
        return 1;
    }
    /* A different build under the same version, or a row whose file is
     * gone: replace it. */
    return svc_drop_version(svc, u->version);
}

void svc_step_decide(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    ota_manifest_entry_t *u = &svc->choice.update;
    ota_db_row_t *row;
    uint32_t size;
    int err;

    if (!svc->choice.has_update) {
        svc->last_err = OTA_OK;
        svc->force_dl = false;
        /* The whole manifest is behind us (signature, Sequence, erase
         * requests): only now may a 304 stand for it. */
        svc_poll_remember(svc, svc->choice.first_reject_err, 0);
        svc_backoff(svc, false);
        svc_emit(svc, OTA_EVENT_NO_UPDATE, svc->choice.first_reject_err, 0);
        svc_clean(svc, false, ST_IDLE);
        return;
    }
    err = ota_url_file_name(u->url, svc->name, sizeof svc->name);
    if (err == OTA_OK && svc->cfg.require_tls && !ota_url_is_https(u->url)) {
        err = OTA_ERR_TLS_REQUIRED;
    }
    if (err == OTA_OK && u->golden) {
        /* A new golden copy: downloaded afresh, never a row's file. */
        svc_make_name(svc->tmp, ".dl_", u->version, u->digest, ".tmp");
        svc->last_err = OTA_OK;
        svc_after_decide(svc);
        svc_emit(svc, OTA_EVENT_UPDATE_AVAILABLE, OTA_OK, u->version);
        return;
    }
    if (err == OTA_OK) {
        err = svc_db_reload(svc);
    }
    row = err == OTA_OK ? ota_db_find_version(&svc->db, u->version) : NULL;
    if (row) {
        err = decide_existing(svc, row);
        if (err == 1) {
            svc->last_err = OTA_OK;
            svc->step = ST_MARK;
            svc_emit(svc, OTA_EVENT_UPDATE_AVAILABLE, OTA_OK, u->version);
            return;
        }
    }
    if (err == OTA_OK && ota_db_find_name(&svc->db, svc->name)) {
        /* The URL's file name is taken by another version (servers that
         * always serve "firmware.bin"): renaming over it would destroy that
         * image, so this one gets a name of its own. */
        svc_make_name(svc->name, "app_v", u->version, NULL, ".bin");
        if (ota_db_find_name(&svc->db, svc->name)) {
            err = OTA_ERR_EXISTS;
        }
    }
    if (err == OTA_ERR_STATE) {
        /* The version on offer failed here before: the answer stays "no
         * update" for as long as this manifest and this device do. */
        svc_poll_remember(svc, err, u->version);
    }
    if (err != OTA_OK) {
        svc_fail(svc, err == OTA_ERR_STATE ? OTA_EVENT_NO_UPDATE : OTA_EVENT_CHECK_FAILED, err);
        return;
    }
    svc_make_name(svc->tmp, ".dl_", u->version, u->digest, ".tmp");
    svc->last_err = OTA_OK;
    if (st->stat(st->ctx, svc->name, &size) == OTA_OK) {
        /* The file is there without its row: a cut between the rename and
         * the row. Hash it; adopt it only if it is exactly the image. */
        err = svc->port.crypto->sha256_start(svc->port.crypto->ctx, &svc->sha);
        svc->sha_open = err == OTA_OK;
        if (err == OTA_OK) {
            svc->fh = err = st->open(st->ctx, svc->name, OTA_STORE_READ);
        }
        if (err < 0) {
            svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
            return;
        }
        svc->done = 0;
        svc->step = ST_ADOPT_HASH;
    } else {
        svc_after_decide(svc);
    }
    /* Last, so that the application may call download_now() from its
     * callback (the step is already AVAILABLE). */
    svc_emit(svc, OTA_EVENT_UPDATE_AVAILABLE, OTA_OK, u->version);
}
