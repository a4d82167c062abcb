/*
 * The service's delta updates: the choice of a Patch record, and the
 * rebuilding of the image from its base and the patch (docs/delta.md).
 *
 *   choose a base -> download the patch (".dl_<ver>_<PatchDigest>.tmp",
 *   resumable) -> PatchDigest -> rebuild into ".dr_<ver>_<Digest>.tmp"
 *   while hashing -> TargetDigest and signature -> publish as a download
 *
 * The base is only ever read (a stored image through a READ handle, or
 * the image in program flash through the flash port), so no cut can damage
 * it. A cut while the patch downloads leaves a ".dl_" prefix that the next
 * attempt resumes; a cut while the image is rebuilt leaves a ".dr_" file,
 * which is not a download and goes at the next start-up's clean pass: the
 * next check rebuilds from the verified patch again. Anything that fails
 * with a patch (a missing base, a download refused, PatchDigest, a decoder
 * error, TargetDigest, the signature) falls back to the entry's full image
 * (svc_fail).
 */
#include <string.h>

#include "service_internal.h"

#define SVC_DELTA (OTA_DELTA_UPDATES && OTA_MANIFEST_MAX_PATCHES > 0)

const char *svc_dl_url(const ota_service_t *svc)
{
#if SVC_DELTA
    if (svc->patch_phase != SVC_PATCH_NONE) {
        return svc->choice.update.patch[svc->patch_i].url;
    }
#endif
    return svc->choice.update.url;
}

uint32_t svc_dl_size(const ota_service_t *svc)
{
#if SVC_DELTA
    if (svc->patch_phase != SVC_PATCH_NONE) {
        return svc->choice.update.patch[svc->patch_i].size;
    }
#endif
    return svc->choice.update.size;
}

#if SVC_DELTA

#include "ota_bootctl.h"
#include "ota_delta.h"
#include "ota_imgdb.h"

/* What lives in ota_service_t.delta while a patch is chosen or applied. */
typedef struct svc_delta {
    ota_delta_t *dec; /* in the service's buffer while the image is rebuilt (decoder_place) */
    ota_delta_io_t io;
    ota_service_t *svc;
    int fh_patch;       /* the verified patch, READ */
    int fh_base;        /* the stored base, READ; -1 for the base in program flash */
    int fh_out;         /* VCDIFF: a reader of the image being rebuilt (svc->fh writes it) */
    uint32_t pos_patch; /* where each READ handle stands, to seek only when a read jumps */
    uint32_t pos_base;
    uint32_t pos_out;
    uint32_t base_addr; /* the base in program flash: its first byte */
    uint32_t base_size;
    uint32_t reported;                      /* image bytes at the last PATCH_PROGRESS */
    char base_name[OTA_STORE_NAME_MAX + 1]; /* "" : the base is in program flash */
    char patch_tmp[OTA_STORE_NAME_MAX + 1]; /* the patch's file once it is verified */
} svc_delta_t;

_Static_assert(sizeof(svc_delta_t) <= sizeof(ota_delta_space_t), "OTA_DELTA_SPACE_WORDS too small");
_Static_assert(OTA_EVENT_PATCH_VERIFY_FAILED - OTA_EVENT_PATCH_VERIFY_START ==
                   OTA_EVENT_VERIFY_FAILED - OTA_EVENT_VERIFY_START,
               "the rebuilt image's verify events mirror the download's");

static svc_delta_t *delta_of(ota_service_t *svc)
{
    return (svc_delta_t *)(void *)&svc->delta;
}

/* Bytes of work buffer a decoder must have beside its state: below this a
 * rebuild would cost a store write every few bytes. */
#define SVC_DELTA_WORK_MIN 64u

/*
 * The decoder's state (about 1.8 KB: VCDIFF's address cache) lives at the
 * start of the service's buffer, and the rest of the buffer is its work
 * buffer: while an image is rebuilt, the buffer holds neither a manifest
 * nor download chunks, so a device pays no RAM of its own for delta
 * updates. NULL when the buffer cannot hold the state and
 * SVC_DELTA_WORK_MIN bytes of work: the service then takes full images only.
 */
static ota_delta_t *decoder_place(const ota_service_t *svc, uint8_t **work, uint32_t *work_len)
{
    uintptr_t start = (uintptr_t)svc->cfg.buf;
    uint32_t pad = (uint32_t)((_Alignof(ota_delta_t) - start % _Alignof(ota_delta_t)) % _Alignof(ota_delta_t));
    uint32_t need = pad + (uint32_t)sizeof(ota_delta_t) + SVC_DELTA_WORK_MIN;

    if (svc->cfg.buf_size < need) {
        return NULL;
    }
    uint32_t rest = svc->cfg.buf_size - pad - (uint32_t)sizeof(ota_delta_t);
    *work = svc->cfg.buf + pad + sizeof(ota_delta_t);
    *work_len = rest < OTA_DELTA_WORK_MAX ? rest : OTA_DELTA_WORK_MAX;
    return (ota_delta_t *)(void *)(svc->cfg.buf + pad);
}

static const ota_manifest_patch_t *chosen(const ota_service_t *svc)
{
    return &svc->choice.update.patch[svc->patch_i];
}

/* The stored image of version v with exactly this digest, as a base. */
static bool base_in_store(ota_service_t *svc, svc_delta_t *x, const ota_manifest_patch_t *p)
{
    const ota_db_row_t *row = ota_db_find_version(&svc->db, p->base_version);
    const ota_store_t *st = svc->port.store;
    if (row == NULL || row->status == OTA_STATUS_EMPTY || memcmp(row->digest, p->base_digest, OTA_SHA256_LEN) != 0 ||
        st->stat(st->ctx, row->name, &x->base_size) != OTA_OK) {
        return false;
    }
    memcpy(x->base_name, row->name, sizeof x->base_name);
    return true;
}

static void patch_choose(ota_service_t *svc)
{
    const ota_manifest_entry_t *u = &svc->choice.update;
    svc_delta_t *x = delta_of(svc);
    ota_bootctl_record_t rec;

    uint8_t *work;
    uint32_t work_len;
    if (u->patch_count == 0 || u->golden || svc->patch_off || svc->port.store->seek == NULL ||
        decoder_place(svc, &work, &work_len) == NULL) {
        return;
    }
    memset(x, 0, sizeof *x);
    x->fh_patch = x->fh_base = x->fh_out = -1;
    /* Without a readable record only stored bases count; without a
     * database only the running image does. */
    bool flash_ok = ota_bootctl_init(&svc->bc, svc->port.flash, svc->cfg.layout.bootctl_addr,
                                     svc->cfg.layout.bootctl_size) == OTA_OK &&
                    ota_bootctl_read(&svc->bc, &rec) == OTA_OK && rec.size != 0 && rec.size <= svc->cfg.layout.app_size;
    if (svc_db_reload(svc) != OTA_OK) {
        svc->db.count = 0;
    }
    for (uint8_t i = 0; i < u->patch_count; i++) {
        const ota_manifest_patch_t *p = &u->patch[i];
        /* The running image first: read through the flash port, it costs
         * no store handle and no seek. */
        if (flash_ok && rec.version == p->base_version && memcmp(rec.digest, p->base_digest, OTA_SHA256_LEN) == 0) {
            x->base_name[0] = '\0';
            x->base_addr = svc->cfg.layout.app_addr;
            x->base_size = rec.size;
        } else if (!base_in_store(svc, x, p)) {
            continue;
        }
        svc->patch_i = i;
        svc->patch_phase = SVC_PATCH_GET;
        svc_make_name(svc->tmp, ".dl_", u->version, p->patch_digest, ".tmp");
        svc_log(svc, OTA_LOG_INFO,
                x->base_name[0] != '\0' ? "ota: delta update from the stored version"
                                        : "ota: delta update from program flash, version",
                (int32_t)p->base_version);
        return;
    }
    svc_emit(svc, OTA_EVENT_PATCH_BASE_NOT_FOUND, OTA_ERR_NOT_FOUND, u->version);
}

void svc_step_dl_choose(ota_service_t *svc)
{
    svc->patch_phase = SVC_PATCH_NONE;
    svc->step = ST_DL_CLEAN;
    patch_choose(svc);
}

void svc_patch_downloaded(ota_service_t *svc, const uint8_t digest[OTA_SHA256_LEN])
{
    svc_delta_t *x = delta_of(svc);
    svc_emit(svc, OTA_EVENT_VERIFY_START, OTA_OK, svc->choice.update.version);
    if (memcmp(digest, chosen(svc)->patch_digest, OTA_SHA256_LEN) != 0) {
        svc_fail(svc, OTA_EVENT_VERIFY_FAILED, OTA_ERR_DIGEST); /* falls back to the full image */
        return;
    }
    svc_emit(svc, OTA_EVENT_VERIFY_SUCCESS, OTA_OK, svc->choice.update.version);
    memcpy(x->patch_tmp, svc->tmp, sizeof x->patch_tmp);
    svc->step = ST_PATCH_OPEN;
}

/* Close the READ handles of the patch, the base and the image being rebuilt. */
static void close_readers(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    svc_delta_t *x = delta_of(svc);
    int *fh[3] = { &x->fh_patch, &x->fh_base, &x->fh_out };
    for (int i = 0; i < 3; i++) {
        if (*fh[i] >= 0) {
            (void)st->close(st->ctx, *fh[i]);
            *fh[i] = -1;
        }
    }
}

void svc_patch_release(ota_service_t *svc, bool drop)
{
    const ota_store_t *st = svc->port.store;
    svc_delta_t *x = delta_of(svc);

    if (svc->patch_phase < SVC_PATCH_APPLY) {
        return; /* nothing of the delta's is open or named yet */
    }
    close_readers(svc);
    if (drop && x->patch_tmp[0] != '\0') {
        /* A cut before this leaves a verified ".dl_" patch, which the next
         * attempt takes again (416, re-hashed), or the next download's
         * clean pass removes. */
        (void)st->remove(st->ctx, x->patch_tmp);
        x->patch_tmp[0] = '\0';
    }
}

/* ---- the decoder's callbacks ------------------------------------------------ */

/* len bytes at off of an open READ handle whose position is *pos. */
static int read_at(const ota_store_t *st, int fh, uint32_t *pos, uint32_t off, uint8_t *buf, uint32_t len)
{
    if (*pos != off) {
        int err = st->seek(st->ctx, fh, off);
        if (err != OTA_OK) {
            return err;
        }
        *pos = off;
    }
    while (len > 0) {
        int n = st->read(st->ctx, fh, buf, len);
        if (n <= 0) {
            return n < 0 ? n : OTA_ERR_IO; /* shorter than stat said: the file changed under us */
        }
        *pos += (uint32_t)n;
        buf += n;
        len -= (uint32_t)n;
    }
    return OTA_OK;
}

static int patch_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    svc_delta_t *x = ctx;
    return read_at(x->svc->port.store, x->fh_patch, &x->pos_patch, off, buf, len);
}

static int base_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    svc_delta_t *x = ctx;
    const ota_flash_t *fl = x->svc->port.flash;
    if (x->fh_base < 0) {
        return fl->read(fl->ctx, x->base_addr + off, buf, len);
    }
    return read_at(x->svc->port.store, x->fh_base, &x->pos_base, off, buf, len);
}

static int out_write(void *ctx, const void *buf, uint32_t len)
{
    svc_delta_t *x = ctx;
    ota_service_t *svc = x->svc;
    const ota_store_t *st = svc->port.store;
    uint32_t limit = svc->choice.update.size != 0 ? svc->choice.update.size : svc->cfg.layout.app_size;

    if (len > limit - svc->done) {
        return OTA_ERR_TOO_LARGE; /* never more than the image can be: the patch is wrong */
    }
    int err = st->write(st->ctx, svc->fh, buf, len);
    if (err == OTA_OK) {
        err = svc->port.crypto->sha256_update(svc->port.crypto->ctx, &svc->sha, buf, len);
        svc->done += len;
    }
    return err;
}

static int out_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    svc_delta_t *x = ctx;
    const ota_store_t *st = x->svc->port.store;
    if (x->fh_out < 0) {
        x->fh_out = st->open(st->ctx, x->svc->tmp, OTA_STORE_READ);
        x->pos_out = 0;
        if (x->fh_out < 0) {
            return x->fh_out;
        }
    }
    return read_at(st, x->fh_out, &x->pos_out, off, buf, len);
}

/* ---- the steps ------------------------------------------------------------------ */

void svc_step_patch_open(ota_service_t *svc)
{
    const ota_store_t *st = svc->port.store;
    const ota_manifest_entry_t *u = &svc->choice.update;
    svc_delta_t *x = delta_of(svc);
    uint32_t patch_size = 0;
    int err;

    svc->patch_phase = SVC_PATCH_APPLY;
    x->svc = svc;
    x->pos_patch = x->pos_base = x->pos_out = 0;
    err = st->stat(st->ctx, x->patch_tmp, &patch_size);
    if (err == OTA_OK) {
        x->fh_patch = err = st->open(st->ctx, x->patch_tmp, OTA_STORE_READ);
    }
    if (err >= 0 && x->base_name[0] != '\0') {
        x->fh_base = err = st->open(st->ctx, x->base_name, OTA_STORE_READ);
    }
    if (err >= 0) {
        /* Not a ".dl_" name: a cut while it grows leaves nothing to resume,
         * and the clean pass at start-up removes it. */
        svc_make_name(svc->tmp, ".dr_", u->version, u->digest, ".tmp");
        svc->fh = err = st->open(st->ctx, svc->tmp, OTA_STORE_WRITE);
    }
    if (err >= 0) {
        err = svc->port.crypto->sha256_start(svc->port.crypto->ctx, &svc->sha);
        svc->sha_open = err == OTA_OK;
    }
    if (err >= 0) {
        x->io.ctx = x;
        x->io.base_size = x->base_size;
        x->io.patch_size = patch_size;
        x->io.base_read = base_read;
        x->io.patch_read = patch_read;
        x->io.out_write = out_write;
        x->io.out_read = out_read;
        uint8_t *work = NULL;
        uint32_t work_len = 0;
        x->dec = decoder_place(svc, &work, &work_len);
        err = ota_delta_init(x->dec, (ota_delta_format_t)chosen(svc)->format, work, work_len, &x->io);
    }
    if (err < 0) {
        svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err);
        return;
    }
    svc->done = x->reported = 0;
    svc->total = u->size;
    svc_emit(svc, OTA_EVENT_PATCH_START, OTA_OK, u->version);
    svc->step = ST_PATCH_STEP;
}

void svc_step_patch_step(ota_service_t *svc)
{
    svc_delta_t *x = delta_of(svc);
    /* Bounded: at most one out_write, or OTA_DELTA_OPS_PER_STEP operations. */
    int err = ota_delta_step(x->dec);

    if (err == OTA_ERR_AGAIN) {
        if (svc->done != x->reported) {
            x->reported = svc->done;
            svc_emit(svc, OTA_EVENT_PATCH_PROGRESS, OTA_OK, svc->choice.update.version);
        }
        return;
    }
    if (err == OTA_OK) {
        /* The verify step syncs the image before anything may name it. */
        close_readers(svc);
        svc->total = svc->done;
        svc->patch_phase = SVC_PATCH_BUILT;
        svc_emit(svc, OTA_EVENT_PATCH_COMPLETED, OTA_OK, svc->choice.update.version);
        svc->step = ST_VERIFY;
        return;
    }
    svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, err); /* falls back to the full image */
}

#else /* no delta updates: every update is the full image */

void svc_step_dl_choose(ota_service_t *svc)
{
    svc->patch_phase = SVC_PATCH_NONE;
    svc->step = ST_DL_CLEAN;
}

void svc_patch_downloaded(ota_service_t *svc, const uint8_t digest[OTA_SHA256_LEN])
{
    (void)digest;
    svc_fail(svc, OTA_EVENT_VERIFY_FAILED, OTA_ERR_STATE);
}

void svc_step_patch_open(ota_service_t *svc)
{
    svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, OTA_ERR_STATE);
}

void svc_step_patch_step(ota_service_t *svc)
{
    svc_fail(svc, OTA_EVENT_DOWNLOAD_FAILED, OTA_ERR_STATE);
}

void svc_patch_release(ota_service_t *svc, bool drop)
{
    (void)svc;
    (void)drop;
}

#endif
