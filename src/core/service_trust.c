/*
 * The service's trust steps: what a device provisioned with keys does
 * beyond the original (docs/security.md).
 *
 *  - the manifest's detached signature is fetched (manifest URL + ".sig")
 *    and verified before a single entry is read;
 *  - the manifest's own keys are checked: Sequence (replay), HardwareId,
 *    Expires; a higher Sequence is recorded in the boot control record
 *    before anything of the manifest is acted on;
 *  - a downloaded image's signature is verified with its digest, and kept
 *    beside it in the store ("v<version>.sig") for the bootloader, which
 *    checks it again before programming;
 *  - a signed Golden entry replaces the golden copy.
 *
 * A device without keys runs none of this: the original's unsigned flow.
 */
#include <string.h>

#include "ota_bootctl.h"
#include "ota_file.h"
#include "ota_imgdb.h"
#include "ota_trust.h"
#include "ota_util.h"
#include "service_internal.h"

bool svc_signed(const ota_service_t *svc)
{
    return ota_trust_provisioned(svc->cfg.keys);
}

/* ---- the manifest's signature ------------------------------------------------ */

void svc_sig_start(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    ota_http_options_t opt;
    /* The URL is built where the chosen update's URL will go: nothing has
     * been chosen yet. */
    char *url = svc->choice.update.url;
    size_t n = strlen(svc->cfg.manifest_url);
    int err = OTA_OK;

    if (n > sizeof svc->choice.update.url - 5u) {
        err = OTA_ERR_URL;
    } else {
        memcpy(url, svc->cfg.manifest_url, n);
        memcpy(url + n, ".sig", 5);
        svc_http_options(svc, &opt, 0);
        err = t->get(t->ctx, url, &opt);
    }
    if (err < 0) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, err);
        return;
    }
    svc->http_open = true;
    svc->sig_len = 0;
    svc_transfer_start(svc);
    svc->step = ST_SIG_HEAD;
}

void svc_step_sig_head(ota_service_t *svc)
{
    ota_http_response_t r;
    int err = svc_response(svc, &r);

    if (err == OTA_ERR_AGAIN) {
        err = svc_transfer_check(svc, 0, OTA_SIGFILE_LEN, svc->cfg.manifest_timeout_ms);
    } else if (err == OTA_OK) {
        if (r.status == 404 || r.status == 410) {
            svc_log(svc, OTA_LOG_WARN, "ota: the manifest has no signature", r.status);
            err = OTA_ERR_UNSIGNED;
        } else if (r.status != 200) {
            err = svc_status_error(svc, &r, "ota: signature HTTP status");
        } else {
            svc->step = ST_SIG_BODY;
        }
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, err);
    }
}

void svc_step_sig_body(ota_service_t *svc)
{
    const ota_transport_t *t = svc->port.transport;
    uint8_t extra;
    uint32_t cap = OTA_SIGFILE_LEN - svc->sig_len;
    /* One byte past the layout's size proves a file of another shape. */
    int n = cap ? t->read(t->ctx, svc->sigfile + svc->sig_len, cap) : t->read(t->ctx, &extra, 1);

    if (n == OTA_ERR_AGAIN) {
        n = svc_transfer_check(svc, 0, OTA_SIGFILE_LEN, svc->cfg.manifest_timeout_ms);
    } else if (n > 0) {
        if (cap == 0) {
            n = OTA_ERR_SIGNATURE; /* longer than a signature file */
        } else {
            svc->sig_len = (uint8_t)(svc->sig_len + n);
            n = svc_transfer_check(svc, (uint32_t)n, OTA_SIGFILE_LEN, svc->cfg.manifest_timeout_ms);
        }
    } else if (n == 0) {
        t->close(t->ctx);
        svc->http_open = false;
        svc->step = ST_MF_PARSE;
        return;
    }
    if (n != OTA_OK) {
        svc_fail(svc, OTA_EVENT_CHECK_FAILED, n);
    }
}

int svc_manifest_verify(ota_service_t *svc)
{
    const ota_crypto_t *c = svc->port.crypto;
    ota_sigfile_t sf;
    ota_sha256_t sha;
    uint8_t digest[OTA_SHA256_LEN];
    const char *what = NULL;

    int err = ota_sigfile_parse(svc->sigfile, svc->sig_len, &sf, &what);
    if (err != OTA_OK) {
        svc_log(svc, OTA_LOG_WARN, what != NULL ? what : "ota: bad manifest signature file", svc->sig_len);
        return err;
    }
    /* The manifest is at most OTA_MANIFEST_MAX_SIZE bytes: one bounded step. */
    err = c->sha256_start(c->ctx, &sha);
    if (err != OTA_OK) {
        return err;
    }
    err = c->sha256_update(c->ctx, &sha, svc->cfg.manifest_buf, svc->done);
    int fin = c->sha256_finish(c->ctx, &sha, digest);
    if (err == OTA_OK) {
        err = fin;
    }
    if (err == OTA_OK) {
        err = ota_trust_verify(c, svc->cfg.keys, sf.key_id, digest, sf.sig);
    }
    if (err != OTA_OK) {
        svc_log(svc, OTA_LOG_WARN, "ota: manifest signature refused", err);
    }
    return err;
}

/* ---- the manifest's own keys --------------------------------------------------- */

int svc_manifest_accept(ota_service_t *svc)
{
    const ota_manifest_header_t *h = &svc->choice.header;
    const ota_system_t *sys = svc->port.sys;
    uint64_t now;

    if (h->has_hardware_id && svc->cfg.hardware_id != NULL &&
        !ota_db_name_equal(h->hardware_id, svc->cfg.hardware_id)) {
        return OTA_ERR_HARDWARE;
    }
    /* Only a trusted clock can say a manifest has expired; without one,
     * Sequence alone keeps old manifests out. */
    if (h->has_expires && sys->utc_time != NULL && sys->utc_time(sys->ctx, &now) == OTA_OK && now > h->expires) {
        return OTA_ERR_EXPIRED;
    }
    if (!svc_signed(svc)) {
        return OTA_OK;
    }
    if (!h->has_sequence) {
        svc_log(svc, OTA_LOG_WARN, "ota: a signed manifest must carry a Sequence", 0);
        return OTA_ERR_MANIFEST;
    }
    if (h->sequence < svc->manifest_seq) {
        svc_log(svc, OTA_LOG_WARN, "ota: manifest older than the last one accepted", (int32_t)h->sequence);
        return OTA_ERR_REPLAY;
    }
    if (h->sequence == svc->manifest_seq) {
        return OTA_OK; /* the same manifest read again */
    }
    /* Recorded before any entry is acted on: a cut after this leaves the
     * new sequence (an older manifest is refused from now on) and nothing
     * of the manifest done yet, which the next check does. */
    ota_bootctl_record_t rec;
    int err = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr, svc->cfg.layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        rec.manifest_seq = h->sequence;
        err = ota_bootctl_write(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        svc->manifest_seq = h->sequence;
    }
    return err;
}

/* ---- an image's signature -------------------------------------------------------- */

int svc_image_verify(ota_service_t *svc, const uint8_t digest[OTA_SHA256_LEN])
{
    const ota_manifest_entry_t *u = &svc->choice.update;
    if (!svc_signed(svc)) {
        return OTA_OK;
    }
    if (!u->has_signature) {
        return OTA_ERR_UNSIGNED; /* refused by the choice already; kept as a guard */
    }
    return ota_trust_verify(svc->port.crypto, svc->cfg.keys, NULL, digest, u->signature);
}

void svc_step_sig_save(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    char name[OTA_SIG_NAME_MAX];
    const char *tmp = ".sig.tmp";
    int err = OTA_OK;

    ota_sig_name(svc->choice.update.version, name);
    /* Before the row: the bootloader refuses a row whose signature is
     * missing, and a cut after this leaves only a signature no row names
     * (it is rewritten with the row, or removed with its version). */
    int fh = st->open(st->ctx, tmp, OTA_STORE_WRITE);
    if (fh < 0) {
        err = fh;
    } else {
        err = st->write(st->ctx, fh, svc->choice.update.signature, OTA_SIG_LEN);
        err = ota_file_publish(st, fh, err, tmp, name);
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->step = ST_ROW;
}

/* ---- the golden copy, replaced ----------------------------------------------------- */

/*
 * A signed Golden entry, downloaded and verified like any image, replaces
 * the golden copy in four steps, each atomic; after a cut at any point the
 * boot control record names a golden image that one of the two files holds
 * (the bootloader tries factory.bin, then the new copy), and the old copy is
 * replaced only once the new one is durable:
 *   stage:  the verified download becomes ".golden.new";
 *   record: the record's golden identity becomes the new image's;
 *   commit: ".golden.new" is renamed over factory.bin;
 *   row:    the database's golden row follows (the bootloader also repairs it).
 * A cut between record and commit is finished by the next start of the
 * service (svc_step_golden_finish).
 */
void svc_step_golden_stage(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    int err = st->rename(st->ctx, svc->tmp, OTA_GOLDEN_NEW_NAME);
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->tmp[0] = '\0';
    svc->step = ST_GOLDEN_RECORD;
}

void svc_step_golden_record(ota_service_t *svc)
{
    const ota_manifest_entry_t *u = &svc->choice.update;
    ota_bootctl_record_t rec;
    int err = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr, svc->cfg.layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        rec.golden_version = u->version;
        rec.golden_size = svc->total;
        memcpy(rec.golden_digest, u->digest, OTA_SHA256_LEN);
        /* The switch: before it the old golden image is the one, after it
         * the new (found as ".golden.new" until the commit). */
        err = ota_bootctl_write(&svc->bc, &rec);
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->golden = u->version;
    svc->step = ST_GOLDEN_COMMIT;
}

void svc_step_golden_commit(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    /* Atomic: the old copy is replaced by the durable new one in one step. */
    int err = st->rename(st->ctx, OTA_GOLDEN_NEW_NAME, OTA_GOLDEN_NAME);
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->step = ST_GOLDEN_ROW;
}

void svc_step_golden_row(ota_service_t *svc)
{
    ota_bootctl_record_t rec;
    int err = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr, svc->cfg.layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK) {
        err = svc_db_reload(svc);
    }
    if (err == OTA_OK) {
        /* The golden image owns its name and its version: one save puts the
         * row and drops a production row of that version. */
        ota_db_t *db = &svc->db;
        uint8_t n = 0;
        for (uint8_t i = 0; i < db->count; i++) {
            if (!ota_db_row_is_golden(&db->rows[i]) && db->rows[i].version != rec.golden_version) {
                db->rows[n++] = db->rows[i];
            }
        }
        ota_db_row_t *row = &db->rows[n < OTA_DB_MAX_ROWS ? n : OTA_DB_MAX_ROWS - 1u];
        memset(row, 0, sizeof *row);
        memcpy(row->name, OTA_GOLDEN_NAME, sizeof OTA_GOLDEN_NAME);
        row->status = OTA_STATUS_VALID;
        row->version = rec.golden_version;
        memcpy(row->digest, rec.golden_digest, OTA_SHA256_LEN);
        db->count = (uint8_t)((row - db->rows) + 1);
        err = ota_db_save(db, svc->port.store);
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->golden = rec.golden_version;
    svc->last_err = OTA_OK;
    svc->force_dl = false;
    svc_log(svc, OTA_LOG_INFO, "ota: golden image replaced", (int32_t)rec.golden_version);
    svc_emit(svc, OTA_EVENT_GOLDEN_REPLACED, OTA_OK, rec.golden_version);
    /* The update the manifest may also offer comes with the next check, now. */
    svc->check_req = true;
    svc_clean(svc, false, ST_IDLE);
}

void svc_step_golden_finish(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    uint8_t digest[OTA_SHA256_LEN];
    int n = svc_hash_chunk(svc, digest);
    if (n == 1) {
        return; /* more to hash */
    }
    ota_bootctl_record_t rec;
    int err = n;
    if (err == OTA_OK) {
        err = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr, svc->cfg.layout.bootctl_size);
    }
    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    if (err == OTA_OK && memcmp(digest, rec.golden_digest, OTA_SHA256_LEN) == 0) {
        /* The record already names it: finish the swap a cut interrupted. */
        svc_log(svc, OTA_LOG_INFO, "ota: finishing the golden image's replacement", (int32_t)rec.golden_version);
        svc->step = ST_GOLDEN_COMMIT;
        return;
    }
    /* Not the golden image the record names (the cut came before the
     * switch): an unpublished copy, removed like any temporary file. */
    (void)st->remove(st->ctx, OTA_GOLDEN_NEW_NAME);
    svc_clean(svc, true, ST_IDLE);
}
