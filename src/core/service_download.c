/*
 * The service's download: stale temporary files, streaming the image
 * through the transport into ".dl_<version>_<digest prefix>.tmp" while
 * hashing it, and resuming an interrupted download with a Range request.
 *
 * Names starting with '.' are the service's temporary files: never in the
 * database, never looked at by the bootloader, so any of them may be
 * removed at any time without losing a published image.
 */
#include <string.h>

#include "ota_http.h"
#include "ota_trust.h"
#include "service_internal.h"
#include "ota_imgdb.h"

static int find_stale(void *arg, const char *name, uint32_t size)
{
    ota_service_t *svc = arg;
    (void)size;
    /* A new golden copy is left to svc_step_golden_finish, which knows
     * whether the record already names it. */
    if (name[0] != '.' || ota_db_name_equal(name, svc->tmp) || ota_db_name_equal(name, OTA_GOLDEN_NEW_NAME) ||
        (svc->clean_keep_dl && name[1] == 'd' && name[2] == 'l' && name[3] == '_') /* ".dl_": short-circuits at a NUL */
        || strlen(name) > OTA_STORE_NAME_MAX) {
        return 0;
    }
    memcpy(svc->cfg.buf, name, strlen(name) + 1);
    return 1;
}

void svc_step_clean(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    int err;

    svc->cfg.buf[0] = '\0';
    err = st->list(st->ctx, find_stale, svc);
    if (err >= 0 && svc->cfg.buf[0]) {
        /* Cut right after: the file is gone or not; either way it was never
         * published, and the next clean pass looks again. */
        err = st->remove(st->ctx, (const char *)svc->cfg.buf);
        if (err == OTA_OK || err == OTA_ERR_NOT_FOUND) {
            return; /* one file per call; look again next time */
        }
    }
    if (err < 0) {
        svc_log(svc, OTA_LOG_WARN, "ota: temp clean-up failed", err);
        if (svc->step == ST_DL_CLEAN) {
            svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
            return;
        }
    }
    svc->step = svc->step == ST_DL_CLEAN ? (uint8_t)ST_DL_OPEN : svc->after_clean;
}

void svc_step_dl_open(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    uint32_t size = 0;
    int err;

    svc->done = svc->total = svc->range = svc->synced = 0;
    err = svc->port.crypto->sha256_start(svc->port.crypto->ctx, &svc->sha);
    svc->sha_open = err == OTA_OK;
    if (err == OTA_OK && svc->cfg.resume && st->stat(st->ctx, svc->tmp, &size) == OTA_OK && size > 0) {
        svc->fh = err = st->open(st->ctx, svc->tmp, OTA_STORE_READ);
        svc->step = ST_DL_REHASH;
    } else if (err == OTA_OK) {
        /* The file is opened once the response says what it will hold. */
        svc->step = ST_DL_GET;
    }
    if (err < 0) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
    }
}

/* Re-hash what an interrupted download left, so that the digest of the
 * whole file can be checked when the rest arrives. */
void svc_step_dl_rehash(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    const ota_crypto_t *c = svc->port.crypto;
    int n = st->read(st->ctx, svc->fh, svc->cfg.buf, svc->cfg.buf_size);

    if (n > 0) {
        svc->done += (uint32_t)n;
        n = c->sha256_update(c->ctx, &svc->sha, svc->cfg.buf, (size_t)n);
    } else if (n == 0) {
        svc_close_file(svc);
        /* What a cut left was durable, or it would not be here. */
        svc->range = svc->synced = svc->done;
        svc->step = ST_DL_GET;
        svc_log(svc, OTA_LOG_INFO, "ota: resuming download at", (int32_t)svc->done);
    }
    if (n < 0) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, n);
    }
}

void svc_step_dl_get(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    ota_http_options_t opt;
    int err;

    svc_emit(svc, OTA_EVENT_DOWNLOAD_START, OTA_OK, svc->choice.update.version);
    svc_http_options(svc, &opt, svc->range);
    if (svc->range > 0) {
        /* The rest of the file the stored bytes came from, or (a changed
         * file) the whole new one: never the tail of another. */
        svc_dl_validator_load(svc);
        opt.if_range = svc->validator[0] ? svc->validator : NULL;
    }
    err = t->get(t->ctx, svc_dl_url(svc), &opt);
    if (err < 0) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->http_open = true;
    svc_transfer_start(svc);
    svc->step = ST_DL_HEAD;
}

/* Bytes the current image GET should bring: what the server announced, else
 * what the application region can still take; 0 when neither is known. */
static uint32_t dl_expected(const ota_service_t *svc)
{
    if (svc->total) {
        return svc->total - svc->range;
    }
    if (svc_dl_size(svc) > svc->range) {
        return svc_dl_size(svc) - svc->range;
    }
    return svc->cfg.layout.app_size > svc->range ? svc->cfg.layout.app_size - svc->range : 0;
}

/* An image larger than the application region can never be installed, and
 * one larger than its manifest's Size is not the image signed for it. */
static bool image_too_large(const ota_service_t *svc, uint32_t size)
{
    uint32_t exact = svc_dl_size(svc);
    return (svc->cfg.layout.app_size != 0 && size > svc->cfg.layout.app_size) || (exact != 0 && size > exact);
}

/* The body of a 200 starts the file from byte 0: after a Range request
 * the server ignored Range, or (If-Range) the file changed since the
 * stored bytes came. Either way they go, and so does their hash. */
static int dl_start_over(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    int err;

    svc_log(svc, OTA_LOG_INFO, "ota: whole file sent, download starts over", 200);
    svc_sha_release(svc);
    svc->done = svc->range = svc->synced = 0;
    /* Removed (atomic and durable) before the new validator is recorded:
     * a cut in between can never leave the old bytes under the new one. */
    err = st->remove(st->ctx, svc->tmp);
    if (err == OTA_OK || err == OTA_ERR_NOT_FOUND) {
        err = svc->port.crypto->sha256_start(svc->port.crypto->ctx, &svc->sha);
        svc->sha_open = err == OTA_OK;
    }
    return err;
}

/* A 206 must start where the stored bytes end; a server that sends
 * another range would splice the file. */
static int dl_check_range(const ota_service_t *svc, const ota_http_response_t *r)
{
    uint32_t first, length;
    if (r->content_range[0] == '\0') {
        return OTA_OK; /* not told (a port that does not report it): the digest decides */
    }
    if (ota_http_content_range(r->content_range, &first, &length) != OTA_OK || first != svc->range) {
        svc_log(svc, OTA_LOG_WARN, "ota: 206 for another range than asked", (int32_t)svc->range);
        return OTA_ERR_NET;
    }
    return OTA_OK;
}

/* Open the temporary file for the body of r: from byte 0 (its validator
 * recorded first), or at the end of the stored bytes. */
static int dl_open_body(ota_service_t *svc, const ota_http_response_t *r)
{
    const ota_store_t *st = svc->port.store;
    int err = OTA_OK;

    if (svc->range == 0 && svc->cfg.resume) {
        err = svc_dl_validator_record(svc, r);
    }
    if (err == OTA_OK) {
        /* WRITE creates (or empties) the file, APPEND changes nothing until
         * the first write: a cut leaves the stored prefix and no more. */
        svc->fh = err = st->open(st->ctx, svc->tmp, svc->range ? OTA_STORE_APPEND : OTA_STORE_WRITE);
    }
    return err < 0 ? err : OTA_OK;
}

void svc_step_dl_head(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    ota_http_response_t r;
    int err = svc_response(svc, &r);

    if (err == OTA_ERR_AGAIN) {
        err = svc_transfer_check(svc, 0, dl_expected(svc), svc->cfg.download_timeout_ms);
    } else if (err == OTA_OK) {
        if (r.status == 416 && svc->range) {
            /* Nothing left past our length: the file may already be whole
             * (a cut after its last write). The digest decides, on bytes
             * made durable by the verify step's sync. */
            t->close(t->ctx);
            svc->http_open = false;
            svc->total = svc->done;
            err = dl_open_body(svc, &r);
            if (err == OTA_OK) {
                svc->step = ST_VERIFY;
                return;
            }
        } else if (r.status == 200 && svc->range) {
            err = dl_start_over(svc);
        } else if (r.status == 206 && svc->range) {
            err = dl_check_range(svc, &r);
        } else if (r.status != 200) {
            err = svc_status_error(svc, &r, "ota: image HTTP status");
        }
        if (err == OTA_OK && r.content_length > (int64_t)(UINT32_MAX - svc->range)) {
            err = OTA_ERR_TOO_LARGE;
        }
        svc->total = r.content_length >= 0 && err == OTA_OK ? svc->range + (uint32_t)r.content_length : 0;
        if (err == OTA_OK && image_too_large(svc, svc->total)) {
            /* The bootloader could never install it, or it is not the image
             * of the manifest's Size: refuse before storing a byte. */
            err = OTA_ERR_TOO_LARGE;
        } else if (err == OTA_OK && svc->total != 0 && svc_dl_size(svc) != 0 && svc->total < svc_dl_size(svc)) {
            err = OTA_ERR_SHORT_BODY; /* announced shorter than the manifest's Size */
        }
        if (err == OTA_OK) {
            err = dl_open_body(svc, &r);
        }
        svc->step = ST_DL_BODY;
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
    }
}

void svc_step_dl_body(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    const ota_store_t *st = svc->port.store;
    const ota_crypto_t *c = svc->port.crypto;
    int n = t->read(t->ctx, svc->cfg.buf, svc->cfg.buf_size);

    if (n == OTA_ERR_AGAIN) {
        n = svc_transfer_check(svc, 0, dl_expected(svc), svc->cfg.download_timeout_ms);
        if (n == OTA_OK) {
            return;
        }
    } else if (n > 0) {
        if ((uint32_t)n > UINT32_MAX - svc->done || image_too_large(svc, svc->done + (uint32_t)n)) {
            n = OTA_ERR_TOO_LARGE; /* no announced length, and more than the region holds */
        } else {
            n = c->sha256_update(c->ctx, &svc->sha, svc->cfg.buf, (size_t)n) == OTA_OK ? n : OTA_ERR_IO;
        }
        if (n > 0) {
            /* A cut loses at most the unsynced suffix of the temp file, and
             * a resume re-hashes whatever prefix survived. */
            int err = st->write(st->ctx, svc->fh, svc->cfg.buf, (uint32_t)n);
            svc->done += err < 0 ? 0u : (uint32_t)n;
            if (err == OTA_OK && svc->cfg.sync_interval &&
                (uint64_t)(svc->done - svc->synced) + svc->cfg.buf_size > svc->cfg.sync_interval) {
                /* Synced before the next read could leave more than
                 * sync_interval bytes exposed to a cut. */
                err = st->sync(st->ctx, svc->fh);
                svc->synced = svc->done;
            }
            if (err < 0) {
                n = err;
            } else {
                svc_emit(svc, OTA_EVENT_DOWNLOAD_PROGRESS, OTA_OK, svc->choice.update.version);
                /* A server trickling bytes never trips the idle timeout: the
                 * rate and the whole-download limit do. */
                n = svc_transfer_check(svc, (uint32_t)n, dl_expected(svc), svc->cfg.download_timeout_ms);
                if (n == OTA_OK) {
                    return;
                }
            }
        }
    } else if (n == 0) {
        if ((svc->total && svc->done != svc->total) || (svc_dl_size(svc) != 0 && svc->done != svc_dl_size(svc))) {
            n = OTA_ERR_SHORT_BODY;
        } else {
            t->close(t->ctx);
            svc->http_open = false;
            svc->total = svc->done;
            svc_emit(svc, OTA_EVENT_DOWNLOAD_SUCCESS, OTA_OK, svc->choice.update.version);
            svc->step = ST_VERIFY;
            return;
        }
    }
    svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, n);
}
