/*
 * Bootloader core (docs/design.md, "The bootloader").
 *
 * One state model, read from one place at every reset: the boot control
 * record (bootctl.c), which says what program flash holds and its status,
 * and carries the candidate table, the stored images the service listed
 * from the image database. The bootloader never reads or writes the CSV:
 * what it decides about a stored image (disabled, rolled back) goes into the
 * record's table, flagged OTA_BOOT_ENTRY_AHEAD, and the service applies it
 * to the database at its next start (ota_app_sync).
 *
 *   record F8 ...................... direct jump (no hashing)
 *   record FC, attempts < max ...... count the attempt, jump
 *   record FC, attempts >= max ..... entry F0, record F0, then program mode
 *   anything else .................. program mode: rank, verify, install
 *
 * Invariants the power-cut sweep tests check after every cut:
 *   - a record says F8 or FC only after program flash was verified against
 *     its digest, and before program flash is erased the record is set F0:
 *     so a jump never lands in unverified or half-written code;
 *   - the golden image is never disabled or deleted;
 *   - every step is idempotent: redoing it after a cut converges.
 *
 * The store is only read: open, read, close.
 */
#include "sysota/ota_boot.h"

#include <string.h>

#include "ota_bootctl.h"
#include "ota_handover.h"
#include "ota_trust.h"
#include "ota_util.h"

/* Table entries are tracked in a bit mask. */
_Static_assert(OTA_BOOT_TABLE_MAX <= 32, "one bit per table entry");

typedef struct boot_candidate {
    uint32_t version;
    uint32_t size; /* bytes of the stored file */
    const uint8_t *digest;
    const char *name; /* store file */
    bool golden;
    bool confirmed; /* already booted and confirmed once (F8) */
} boot_candidate_t;

/* Working state of one ota_boot_run(), on the caller's stack. */
typedef struct boot_state {
    ota_boot_t *boot;
    bool flash_changing; /* an install has set the record F0: failures now stop the boot */
    bool decided;        /* the table holds a decision not written yet */
    ota_bootctl_record_t rec;
} boot_state_t;

static void boot_log(const ota_boot_t *boot, ota_log_level_t level, const char *msg, int32_t value)
{
    ota_log(boot->cfg.sys, level, msg, value);
}

/* Errors that condemn what is stored (a candidate image), not the device:
 * the boot goes on without it. */
static bool boot_image_fault(int err)
{
    return err == OTA_ERR_DIGEST || err == OTA_ERR_VERIFY || err == OTA_ERR_TOO_LARGE || err == OTA_ERR_CORRUPT ||
           err == OTA_ERR_NOT_FOUND || err == OTA_ERR_SIGNATURE || err == OTA_ERR_UNSIGNED;
}

/*
 * When a port fails, whatever its code (a port may fail for any reason after
 * a power cut, ota_port.h):
 *  - once the boot has started changing program flash (the record set F0
 *    for an install), or a write of the boot control record fails, the boot
 *    stops: the next boot redoes every step from the record (each step is
 *    idempotent);
 *  - before that, the failure is the store's or a read's: the candidate it
 *    concerns is passed over (not disabled: the failure says nothing about
 *    the image). So a store that fails for good never keeps the device
 *    from booting the image program flash holds, which the record vouches
 *    for.
 */

/* ---- streaming: hashing and copying ------------------------------------------ */

/* Fill boot->buf with exactly want bytes of the file (a shorter file has
 * changed since it was listed: that is a digest failure). */
static int read_exact(ota_boot_t *boot, int fh, uint32_t want)
{
    const ota_store_t *store = boot->cfg.store;
    for (uint32_t got = 0; got < want;) {
        int n = store->read(store->ctx, fh, boot->buf + got, want - got);
        if (n <= 0) {
            return n < 0 ? n : OTA_ERR_DIGEST;
        }
        got += (uint32_t)n;
    }
    return OTA_OK;
}

/*
 * Walk size bytes of a source in buffer-sized chunks: the store file name, or
 * program flash's application region when name is NULL. Each chunk is hashed
 * into out (when out is not NULL) and programmed at the same offset of the
 * application region (when program is true). One loop serves the three
 * passes of an install: verify the file, copy it, verify the flash.
 */
static int boot_stream(ota_boot_t *boot, const char *name, uint32_t size, uint8_t out[OTA_SHA256_LEN], bool program)
{
    const ota_boot_config_t *cfg = &boot->cfg;
    const ota_crypto_t *crypto = cfg->crypto;
    uint32_t unit = cfg->flash->write_unit;
    ota_sha256_t sha;
    int fh = -1;
    int err = OTA_OK;

    if (name != NULL) {
        fh = cfg->store->open(cfg->store->ctx, name, OTA_STORE_READ);
        if (fh < 0) {
            return fh;
        }
    }
    if (out != NULL) {
        err = crypto->sha256_start(crypto->ctx, &sha);
    }
    bool hashing = out != NULL && err == OTA_OK;
    for (uint32_t off = 0; off < size && err == OTA_OK;) {
        uint32_t want = size - off < sizeof boot->buf ? size - off : (uint32_t)sizeof boot->buf;
        err = fh >= 0 ? read_exact(boot, fh, want)
                      : cfg->flash->read(cfg->flash->ctx, cfg->layout.app_addr + off, boot->buf, want);
        if (err == OTA_OK && hashing) {
            err = crypto->sha256_update(crypto->ctx, &sha, boot->buf, want);
        }
        if (err == OTA_OK && program) {
            /* The last chunk is padded with erased bytes up to the write unit.
             * Cut during this program: the record already says F0 (see
             * install), so the next boot redoes the copy from the start. */
            uint32_t padded = (want + unit - 1u) / unit * unit;
            memset(boot->buf + want, 0xFF, padded - want);
            err = cfg->flash->program(cfg->flash->ctx, cfg->layout.app_addr + off, boot->buf, padded);
        }
        off += want;
    }
    if (hashing) {
        /* Always finish: it releases what start acquired. */
        uint8_t digest[OTA_SHA256_LEN];
        int fin = crypto->sha256_finish(crypto->ctx, &sha, digest);
        if (err == OTA_OK) {
            err = fin;
        }
        if (err == OTA_OK) {
            memcpy(out, digest, OTA_SHA256_LEN);
        }
    }
    if (fh >= 0) {
        (void)cfg->store->close(cfg->store->ctx, fh);
    }
    return err;
}

/* OTA_OK when size bytes of the source (see boot_stream) hash to digest,
 * OTA_ERR_DIGEST when they do not, or the port's error. */
static int boot_verify(ota_boot_t *boot, const char *name, uint32_t size, const uint8_t digest[OTA_SHA256_LEN])
{
    uint8_t actual[OTA_SHA256_LEN];
    int err = boot_stream(boot, name, size, actual, false);
    if (err == OTA_OK && memcmp(actual, digest, OTA_SHA256_LEN) != 0) {
        err = OTA_ERR_DIGEST;
    }
    return err;
}

static int erase_app(ota_boot_t *boot, uint32_t size)
{
    const ota_flash_t *flash = boot->cfg.flash;
    uint32_t end = boot->cfg.layout.app_addr + size;
    /* Only the sectors the image covers: the rest of the region is never
     * read. Sectors may differ in size (ota_flash_sector). */
    for (uint32_t addr = boot->cfg.layout.app_addr; addr < end;) {
        uint32_t start;
        uint32_t sector;
        int err = ota_flash_sector(flash, addr, &start, &sector);
        if (err == OTA_OK) {
            err = flash->erase(flash->ctx, start);
        }
        if (err != OTA_OK) {
            return err;
        }
        addr = start + sector;
    }
    return OTA_OK;
}

/* ---- install one candidate --------------------------------------------------------- */

/* The signature kept beside a stored image verifies its digest under a
 * trusted key: OTA_OK, OTA_ERR_UNSIGNED (none, or not whole), or the
 * verification's error. */
static int candidate_signature(ota_boot_t *boot, const boot_candidate_t *c)
{
    const ota_store_t *store = boot->cfg.store;
    char name[OTA_SIG_NAME_MAX];
    ota_sig_name(c->version, name);
    int fh = store->open(store->ctx, name, OTA_STORE_READ);
    if (fh < 0) {
        return fh == OTA_ERR_NOT_FOUND ? OTA_ERR_UNSIGNED : fh;
    }
    int err = read_exact(boot, fh, OTA_SIG_LEN);
    (void)store->close(store->ctx, fh);
    if (err == OTA_ERR_DIGEST) {
        return OTA_ERR_UNSIGNED; /* shorter than a signature */
    }
    if (err != OTA_OK) {
        return err;
    }
    return ota_trust_verify(boot->cfg.crypto, boot->cfg.keys, NULL, c->digest, boot->buf);
}

/* Append st->rec. */
static int record_write(boot_state_t *st)
{
    int err = ota_bootctl_write(&st->boot->bootctl, &st->rec);
    if (err == OTA_OK) {
        st->decided = false;
    }
    return err;
}

static int install(boot_state_t *st, const boot_candidate_t *c, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    const ota_boot_config_t *cfg = &boot->cfg;
    ota_bootctl_record_t *rec = &st->rec;
    uint32_t size = c->size;
    int err = OTA_ERR_NOT_FOUND;

    /* Skip the copy when program flash already holds this image: only when
     * the record names its digest, since hashing flash costs a read of it. */
    if (memcmp(rec->digest, c->digest, OTA_SHA256_LEN) == 0 && rec->size != 0 && rec->size <= cfg->layout.app_size) {
        err = boot_verify(boot, NULL, rec->size, c->digest);
        if (err != OTA_OK && err != OTA_ERR_DIGEST) {
            return err;
        }
        if (err == OTA_OK) {
            size = rec->size;
        }
    }
    if (err != OTA_OK) {
        if (size == 0) {
            return OTA_ERR_NOT_FOUND; /* the file was missing when the table was written */
        }
        if (size > cfg->layout.app_size) {
            boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: image larger than the application region"),
                     (int32_t)c->version);
            return OTA_ERR_TOO_LARGE;
        }
        /* Verify the stored file BEFORE erasing anything. */
        err = boot_verify(boot, c->name, size, c->digest);
        if (err == OTA_ERR_DIGEST) {
            boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: stored image fails its digest"), (int32_t)c->version);
        }
        /* The golden image's digest is the record's, in internal flash; any
         * other image's was listed from the store's database, so its
         * signature must vouch for it (the store may have been changed). */
        if (err == OTA_OK && !c->golden && ota_trust_provisioned(cfg->keys)) {
            err = candidate_signature(boot, c);
            if (err != OTA_OK) {
                boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: stored image fails its signature"), (int32_t)c->version);
            }
        }
        if (err != OTA_OK) {
            return err;
        }
        st->flash_changing = true;
        if (rec->status != OTA_STATUS_DISABLED || st->decided) {
            /* Before program flash is touched the record must not say
             * "bootable". Cut here: the old record (program flash intact)
             * or the F0 one. */
            rec->status = OTA_STATUS_DISABLED;
            err = record_write(st);
        }
        if (err == OTA_OK) {
            err = erase_app(boot, size);
        }
        if (err == OTA_OK) {
            err = boot_stream(boot, c->name, size, NULL, true);
        }
        if (err == OTA_OK) {
            err = boot_verify(boot, NULL, size, c->digest);
            if (err == OTA_ERR_DIGEST) {
                boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: programmed flash fails its digest"), (int32_t)c->version);
                err = OTA_ERR_VERIFY;
            }
        }
        if (err != OTA_OK) {
            return err;
        }
        res->installed = true;
    }
    rec->status = c->confirmed ? OTA_STATUS_VALID : OTA_STATUS_UNBOOTED;
    rec->type = c->golden ? OTA_TYPE_FACTORY : OTA_TYPE_PRODUCTION;
    rec->attempts = c->confirmed ? 0u : 1u; /* this boot is the first attempt */
    rec->version = c->version;
    rec->size = size;
    rec->boot_addr = cfg->layout.app_addr;
    memmove(rec->digest, c->digest, OTA_SHA256_LEN);
    /* The commit point of an install: program flash is verified; a cut before
     * this leaves the F0 record and the next boot re-verifies and skips the copy. */
    return record_write(st);
}

/* ---- the decision ------------------------------------------------------------------- */

static void result_from_record(const ota_bootctl_record_t *rec, ota_boot_result_t *res)
{
    res->version = rec->version;
    res->boot_addr = rec->boot_addr;
    res->status = rec->status;
    res->type = rec->type;
}

/* Try one candidate; OTA_OK (installed or already there), a port error that
 * stops the boot, or OTA_ERR_AGAIN: passed over, try the next. */
static int boot_try(boot_state_t *st, const boot_candidate_t *c, ota_boot_entry_t *entry, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    int err = install(st, c, res);
    if (err == OTA_OK) {
        boot_log(boot, OTA_LOG_INFO,
                 res->installed ? OTA_TEXT("boot: installed") : OTA_TEXT("boot: flash already holds"),
                 (int32_t)c->version);
        result_from_record(&st->rec, res);
        return OTA_OK;
    }
    if (st->flash_changing) {
        return err; /* program flash half-written: the next boot redoes it */
    }
    res->rejected++;
    boot_log(boot, OTA_LOG_WARN, OTA_TEXT("boot: candidate passed over"), err);
    if (entry != NULL && boot_image_fault(err)) {
        /* The image itself is bad: never try it again. Any other error (a
         * store that failed a read) says nothing about the image. Written
         * with the next record. */
        entry->status = OTA_STATUS_DISABLED;
        entry->flags |= OTA_BOOT_ENTRY_AHEAD;
        st->decided = true;
    }
    return OTA_ERR_AGAIN;
}

/* Below the device's floor: never installed, nor rolled back to, the golden
 * image included (a signed release raised the floor past it). */
static bool below_floor(const boot_state_t *st, uint32_t version)
{
    return version < st->rec.floor;
}

/* The untried table entry with the highest version that may be installed, or -1. */
static int best_entry(const boot_state_t *st, uint32_t tried)
{
    const ota_bootctl_record_t *rec = &st->rec;
    int best = -1;
    for (uint8_t i = 0; i < rec->table_count; i++) {
        const ota_boot_entry_t *e = &rec->table[i];
        /* The golden image is the last candidate, from the record's own
         * identity: an entry claiming its version is not another. */
        if ((tried >> i) & 1u || (e->status != OTA_STATUS_DOWNLOADED && e->status != OTA_STATUS_VALID) ||
            below_floor(st, e->version) || (rec->golden_version != 0 && e->version == rec->golden_version)) {
            continue;
        }
        if (best < 0 || e->version > rec->table[best].version) {
            best = i;
        }
    }
    return best;
}

static int boot_program_mode(boot_state_t *st, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    ota_bootctl_record_t *rec = &st->rec;
    boot_candidate_t c;
    uint32_t tried = 0;
    int err;

    /* Highest version first. */
    for (int i = best_entry(st, tried); i >= 0; i = best_entry(st, tried)) {
        ota_boot_entry_t *e = &rec->table[i];
        tried |= 1u << i;
        c.version = e->version;
        c.size = e->size;
        c.digest = e->digest;
        c.name = e->name;
        c.golden = false;
        c.confirmed = e->status == OTA_STATUS_VALID;
        err = boot_try(st, &c, e, res);
        if (err != OTA_ERR_AGAIN) {
            return err;
        }
    }
    /* The golden image last, whatever its version; under its name, then
     * under the name of a replacement a cut interrupted between the record
     * (which names the new golden image) and the rename over factory.bin. */
    if (rec->golden_version != 0 && below_floor(st, rec->golden_version)) {
        boot_log(boot, OTA_LOG_WARN, OTA_TEXT("boot: the golden image is below the floor, not a candidate"),
                 (int32_t)rec->golden_version);
    } else if (rec->golden_version != 0) {
        static const char *const names[] = { OTA_GOLDEN_NAME, OTA_GOLDEN_NEW_NAME };
        for (unsigned n = 0; n < 2u; n++) {
            c.version = rec->golden_version;
            c.size = rec->golden_size;
            c.digest = rec->golden_digest;
            c.name = names[n];
            c.golden = true;
            c.confirmed = true;
            err = boot_try(st, &c, NULL, res);
            if (err != OTA_ERR_AGAIN) {
                return err;
            }
        }
    }
    if (st->decided) {
        /* Nothing bootable; keep what was learnt so the next boot does not
         * verify the same images again. */
        (void)record_write(st);
    }
    boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: no valid image, halting"), 0);
    return OTA_ERR_NO_IMAGE;
}

int ota_boot_run(ota_boot_t *boot, const ota_boot_config_t *cfg, ota_boot_result_t *res)
{
    boot_state_t st;
    int err;

    if (boot == NULL || cfg == NULL || res == NULL || cfg->flash == NULL || cfg->store == NULL || cfg->crypto == NULL ||
        cfg->flash->write_unit == 0 || sizeof boot->buf % cfg->flash->write_unit != 0u) {
        return OTA_ERR_INVALID_ARG;
    }
    const char *why;
    if (ota_layout_check(&cfg->layout, cfg->flash, &why) != OTA_OK) {
        ota_log(cfg->sys, OTA_LOG_ERROR, why, 0);
        return OTA_ERR_INVALID_ARG;
    }
    memset(res, 0, sizeof *res);
    memset(&st, 0, sizeof st);
    boot->cfg = *cfg;
    st.boot = boot;
    uint8_t max_attempts = cfg->max_attempts ? cfg->max_attempts : OTA_BOOT_MAX_ATTEMPTS;

    err = ota_bootctl_init(&boot->bootctl, cfg->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&boot->bootctl, &st.rec);
    }
    if (err == OTA_ERR_NOT_FOUND || err == OTA_ERR_CORRUPT) {
        /* Never provisioned, or internal flash damaged: nothing here says
         * what any image should hash to, so nothing can be verified. */
        boot_log(boot, OTA_LOG_ERROR, OTA_TEXT("boot: no boot control record, halting"), err);
        return OTA_ERR_NO_IMAGE;
    }
    if (err != OTA_OK) {
        return err; /* internal flash cannot be read */
    }

    if (st.rec.status == OTA_STATUS_VALID) {
        err = cfg->verify_on_jump ? boot_verify(boot, NULL, st.rec.size, st.rec.digest) : OTA_OK;
        if (err == OTA_OK) {
            result_from_record(&st.rec, res);
            res->direct = true;
            return OTA_OK;
        }
        /* Not verified: program mode decides. */
    }

    if (st.rec.status == OTA_STATUS_UNBOOTED) {
        if (st.rec.attempts < max_attempts) {
            st.rec.attempts++;
            /* Cut here: the attempt is not counted and this boot is not taken;
             * the next boot counts it. The count only grows. */
            err = record_write(&st);
            if (err != OTA_OK) {
                return err;
            }
            result_from_record(&st.rec, res);
            return OTA_OK;
        }
        boot_log(boot, OTA_LOG_WARN, OTA_TEXT("boot: image never confirmed, rolling back"), (int32_t)st.rec.version);
        /* One record: the image's entry disabled and program mode. A cut
         * before it lands leaves the record FC at the limit, which comes
         * back here. */
        ota_handover_decide(&st.rec, st.rec.version, OTA_STATUS_DISABLED);
        st.rec.status = OTA_STATUS_DISABLED;
        err = record_write(&st);
        if (err != OTA_OK) {
            return err;
        }
    }
    return boot_program_mode(&st, res);
}
