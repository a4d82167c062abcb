/*
 * The service's publish sequence, one step per task() call:
 *
 *   verify digest -> make room -> rename temp to final name -> database row
 *   0xFE -> boot control mark 0xF0 on the running image -> "update ready"
 *
 * Each write is atomic (store rename/remove, database swap, boot control
 * append), so a cut between two steps leaves one of these states, all of
 * which boot the running image and are finished by the next check:
 *   temp file only            -> resumed (Range) or removed, re-verified;
 *   final file, no row        -> hashed and adopted, or deleted;
 *   row 0xFE, record not 0xF0 -> "already downloaded": only the mark is redone;
 *   row 0xFE, record 0xF0     -> the bootloader installs the update.
 */
#include <string.h>

#include "service_internal.h"
#include "ota_bootctl.h"
#include "ota_handover.h"
#include "ota_imgdb.h"

void svc_step_verify(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    uint8_t digest[OTA_SHA256_LEN];
    int err = OTA_OK;

    if (svc->fh >= 0) {
        /* Durable before it can be renamed into place: a published name
         * must never point at bytes a cut can still take away. */
        err = st->sync(st->ctx, svc->fh);
        svc_close_file(svc);
    }
    if (err == OTA_OK) {
        svc->sha_open = false;
        err = svc->port.crypto->sha256_finish(svc->port.crypto->ctx, &svc->sha, digest);
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    if (svc->patch_phase == SVC_PATCH_GET) {
        svc_patch_downloaded(svc, digest);
        return;
    }
    /* A rebuilt image is checked exactly as a downloaded one, under events of its own. */
    int built = svc->patch_phase == SVC_PATCH_BUILT ? OTA_EVENT_PATCH_VERIFY_START - OTA_EVENT_VERIFY_START : 0;
    svc_emit(svc, (ota_service_event_t)(OTA_EVENT_VERIFY_START + built), OTA_OK, svc->choice.update.version);
    if (memcmp(digest, svc->choice.update.digest, OTA_SHA256_LEN) != 0) {
        svc_fail(svc, (ota_service_event_t)(OTA_EVENT_VERIFY_FAILED + built), OTA_ERR_DIGEST);
        return;
    }
    err = svc_image_verify(svc, digest);
    if (err != OTA_OK) {
        /* The bytes are the manifest's, but no trusted key signed them. */
        svc_fail(svc, (ota_service_event_t)(OTA_EVENT_VERIFY_FAILED + built), err);
        return;
    }
    svc_emit(svc, (ota_service_event_t)(OTA_EVENT_VERIFY_SUCCESS + built), OTA_OK, svc->choice.update.version);
    /* From here on the rebuilt image is published exactly as a downloaded one. */
    svc_patch_release(svc, true);
    svc->patch_phase = SVC_PATCH_NONE;
    svc->step = svc->choice.update.golden ? ST_GOLDEN_STAGE : ST_ROOM;
}

void svc_step_adopt_hash(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    uint8_t digest[OTA_SHA256_LEN];
    int n = svc_hash_chunk(svc, digest);

    if (n == 1) {
        return;
    }
    if (n < 0) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, n);
        return;
    }
    svc_emit(svc, OTA_EVENT_VERIFY_START, OTA_OK, svc->choice.update.version);
    if (memcmp(digest, svc->choice.update.digest, OTA_SHA256_LEN) == 0 && svc_image_verify(svc, digest) == OTA_OK) {
        svc_log(svc, OTA_LOG_INFO, "ota: adopting stored image without row", (int32_t)svc->choice.update.version);
        svc_emit(svc, OTA_EVENT_VERIFY_SUCCESS, OTA_OK, svc->choice.update.version);
        svc->adopt = true;
        svc->step = ST_ROOM;
        return;
    }
    svc_log(svc, OTA_LOG_WARN, "ota: stored file without row does not match, removed", (int32_t)svc->done);
    /* Not in the database, so never a boot candidate: removing it is safe
     * at any instant, and a cut before it just repeats this check. */
    n = st->remove(st->ctx, svc->name);
    if (n < 0 && n != OTA_ERR_NOT_FOUND) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, n);
        return;
    }
    svc->done = 0;
    svc_after_decide(svc);
}

void svc_step_room(ota_service_t *svc)
{
    const ota_db_row_t *victim = NULL;
    int err = svc_db_reload(svc);

    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    if (svc->db.count < svc->cfg.max_images) {
        svc->step = !svc->adopt ? ST_RENAME : svc_signed(svc) ? ST_SIG_SAVE : ST_ROW;
        return;
    }
    for (unsigned i = 0; i < svc->db.count; i++) {
        const ota_db_row_t *r = &svc->db.rows[i];
        if (!svc_protected(svc, r) && r->version != svc->choice.update.version &&
            (victim == NULL || r->version < victim->version)) {
            victim = r;
        }
    }
    if (victim == NULL) {
        svc_fail(svc, OTA_EVENT_DATABASE_FULL, OTA_ERR_FULL);
        return;
    }
    /* Row first, then file (see svc_drop_version); a cut repeats this step. */
    err = svc_evict(svc, victim->version);
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
    }
}

void svc_step_rename(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    /* Atomic: a cut leaves the verified temp file (resumed: 416, re-hashed)
     * or the final file without a row (adopted after re-hashing). */
    int err = st->rename(st->ctx, svc->tmp, svc->name);
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->tmp[0] = '\0';
    svc->step = svc_signed(svc) ? ST_SIG_SAVE : ST_ROW;
}

void svc_step_row(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    const ota_manifest_entry_t *u = &svc->choice.update;
    int err = svc_db_reload(svc);

    if (err == OTA_OK) {
        /* Atomic database swap: a cut leaves the old database (the file is
         * then adopted by the next check) or the new one with row 0xFE and
         * the running image still valid (only the mark is redone). */
        err = ota_db_add(&svc->db, st, svc->name, OTA_STATUS_DOWNLOADED, u->version, u->digest);
    }
    if (err != OTA_OK) {
        /* No row, so nothing may stay published: drop the file. */
        (void)st->remove(st->ctx, svc->name);
        svc_fail(svc, err == OTA_ERR_FULL ? OTA_EVENT_DATABASE_FULL : OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->step = ST_MARK;
}

void svc_step_mark(ota_service_t *svc)
{
    ota_bootctl_record_t rec;
    /* A fresh handle: ota_app_* calls append records through handles of
     * their own, so a cached scan position could be stale. */
    int err = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr, svc->cfg.layout.bootctl_size);

    if (err == OTA_OK) {
        err = ota_bootctl_read(&svc->bc, &rec);
    }
    const ota_manifest_entry_t *u = &svc->choice.update;
    uint32_t pending_floor = u->floor > rec.floor ? u->floor : 0;
    bool table_changed = false;
    if (err == OTA_OK) {
        /* The table lists the new row for the bootloader. */
        err = ota_handover_table(&rec, &svc->db, svc->port.store, &table_changed);
    }
    if (err == OTA_OK &&
        (table_changed || rec.status != OTA_STATUS_DISABLED ||
         rec.pending_version != (pending_floor ? u->version : 0) || rec.pending_floor != pending_floor)) {
        /* One appended record: a cut before it completes leaves the old
         * record newest (valid image runs on, next check only redoes this
         * mark); after it, the bootloader installs the 0xFE entry. The floor
         * the release carries rides along, applied when it confirms. */
        rec.status = OTA_STATUS_DISABLED;
        rec.pending_version = pending_floor ? u->version : 0;
        rec.pending_floor = pending_floor;
        err = ota_bootctl_write(&svc->bc, &rec);
    }
    if (err != OTA_OK) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->step = ST_DONE;
}

void svc_step_done(ota_service_t *svc)
{
    svc->last_err = OTA_OK;
    svc->force_dl = false;
    svc->step = ST_READY;
    svc_log(svc, OTA_LOG_INFO, "ota: update ready", (int32_t)svc->choice.update.version);
    svc_emit(svc, OTA_EVENT_UPDATE_READY, OTA_OK, svc->choice.update.version);
    if (svc->cfg.auto_reset && svc->step == ST_READY) {
        svc_do_reset(svc);
    }
}
