/*
 * Bootloader core (docs/design.md, "The bootloader").
 *
 * One state model, read from two places at every reset:
 *   - the boot control record (bootctl.c): what program flash holds and its status;
 *   - the image database (imgdb.c): what the store holds and each image's status.
 *
 *   record F8 + row F8 ............. direct jump (no hashing)
 *   record FC, attempts < max ...... count the attempt, jump
 *   record FC, attempts >= max ..... row F0, record F0, then program mode
 *   anything else .................. program mode: rank, verify, install
 *
 * Invariants the power-cut sweep tests check after every cut:
 *   - a record says F8 or FC only after program flash was verified against
 *     its digest, and before program flash is erased the record is set F0:
 *     so a jump never lands in unverified or half-written code;
 *   - the golden image is never disabled or deleted;
 *   - every step is idempotent: redoing it after a cut converges.
 */
#include "sysota/ota_boot.h"

#include <string.h>

#include "ota_trust.h"
#include "ota_util.h"
#include "ota_file.h"
#include "ota_bootctl.h"
#include "ota_imgdb.h"

/* The bootloader's temporary file for the golden copy ('.'-names are temporary). */
#define GOLDEN_TMP_NAME ".golden.tmp"

/* Candidates: every database row, the image in program flash, and the golden
 * one under its name and under the name of a replacement a cut interrupted. */
#define BOOT_MAX_CANDIDATES (OTA_DB_MAX_ROWS + 3)

typedef struct boot_candidate {
    uint32_t version;
    uint32_t size;           /* 0: take it from the store file */
    uint8_t digest[OTA_SHA256_LEN];
    const char *name;        /* store file, or NULL when only program flash may hold it */
    bool golden;
    bool confirmed;          /* already booted and confirmed once (row F8) */
} boot_candidate_t;

/* Working state of one ota_boot_run(), on the stack of the caller's ota_boot_t. */
typedef struct boot_state {
    ota_boot_t *boot;
    bool flash_changing;     /* an install has set the record F0: failures now stop the boot */
    ota_bootctl_record_t rec;
    bool rec_ok;
    bool have_golden;
    uint32_t golden_version;
    uint32_t golden_size;
    uint8_t golden_digest[OTA_SHA256_LEN];
} boot_state_t;

static void boot_log(const ota_boot_t *boot, ota_log_level_t level, const char *msg, int32_t value)
{
    ota_log(boot->cfg.sys, level, msg, value);
}

/* Errors that condemn what is stored (a candidate image, a record, the
 * database file), not the device: the boot goes on without it. */
static bool boot_image_fault(int err)
{
    return err == OTA_ERR_DIGEST || err == OTA_ERR_VERIFY || err == OTA_ERR_TOO_LARGE ||
           err == OTA_ERR_CORRUPT || err == OTA_ERR_NOT_FOUND || err == OTA_ERR_SIGNATURE ||
           err == OTA_ERR_UNSIGNED;
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
 *    the image), and a repair or a copy that failed is simply not done.
 *    So a store that fails for good never keeps the device from booting
 *    the image program flash holds, which the record vouches for.
 */

/* ---- streaming: hashing and copying ------------------------------------------ */

/* Fill boot->buf with exactly want bytes of the file (a shorter file has
 * changed since it was measured: that is a digest failure). */
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

/* True when program flash holds size bytes whose SHA-256 is digest. */
static int flash_holds(ota_boot_t *boot, uint32_t size, const uint8_t digest[OTA_SHA256_LEN], bool *holds)
{
    uint8_t actual[OTA_SHA256_LEN];
    *holds = false;
    if (size == 0 || size > boot->cfg.layout.app_size) {
        return OTA_OK;
    }
    int err = boot_stream(boot, NULL, size, actual, false);
    if (err == OTA_OK) {
        *holds = memcmp(actual, digest, OTA_SHA256_LEN) == 0;
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

/* ---- records ----------------------------------------------------------------- */

/* What every record carries beyond its image: the golden identity and the
 * device's security state (the last signed manifest accepted, the floor,
 * and the floor an unconfirmed image raises once it confirms). */
static void fill_carried(const boot_state_t *st, ota_bootctl_record_t *rec)
{
    if (st->rec_ok) {
        rec->manifest_seq = st->rec.manifest_seq;
        rec->floor = st->rec.floor;
        rec->pending_version = st->rec.pending_version;
        rec->pending_floor = st->rec.pending_floor;
    }
    if (st->have_golden) {
        rec->golden_version = st->golden_version;
        rec->golden_size = st->golden_size;
        memcpy(rec->golden_digest, st->golden_digest, OTA_SHA256_LEN);
    } else {
        rec->golden_version = 0;
        rec->golden_size = 0;
        memset(rec->golden_digest, 0xFF, OTA_SHA256_LEN);
    }
}

/* Before program flash is touched the record must not say "bootable". */
static int record_disable(boot_state_t *st)
{
    if (!st->rec_ok || st->rec.status == OTA_STATUS_DISABLED) {
        return OTA_OK; /* nothing readable says bootable */
    }
    st->rec.status = OTA_STATUS_DISABLED;
    /* Cut here: the old record (bootable, program flash intact) or the F0 one. */
    return ota_bootctl_write(&st->boot->bootctl, &st->rec);
}

/* Disable a failed candidate's row; the golden image is never disabled. */
static int disable_row(boot_state_t *st, uint32_t version)
{
    ota_boot_t *boot = st->boot;
    ota_db_row_t *row = boot->db_ok ? ota_db_find_version(&boot->db, version) : NULL;
    if (row == NULL || ota_db_row_is_golden(row) || row->status == OTA_STATUS_DISABLED) {
        return OTA_OK;
    }
    /* Cut here: the row is still FE/F8 and the candidate is tried (and fails) again. */
    return ota_db_set_status(&boot->db, boot->cfg.store, version, OTA_STATUS_DISABLED);
}

/* ---- the golden copy ------------------------------------------------------------ */

/*
 * Give the golden image its row in one atomic save. A stale golden row (an
 * earlier factory image, or one a damaged database changed) or a production
 * row with the golden's version gives way: the golden image owns its name
 * and its version.
 */
static int golden_row_put(ota_boot_t *boot, uint32_t version, const uint8_t digest[OTA_SHA256_LEN])
{
    ota_db_t *db = &boot->db;
    uint8_t n = 0;
    for (uint8_t i = 0; i < db->count; i++) {
        if (!ota_db_row_is_golden(&db->rows[i]) && db->rows[i].version != version) {
            db->rows[n++] = db->rows[i];
        }
    }
    if (n == OTA_DB_MAX_ROWS) {
        n--; /* a full table on a first boot: the golden row matters more */
    }
    ota_db_row_t *row = &db->rows[n];
    memset(row, 0, sizeof *row);
    memcpy(row->name, OTA_GOLDEN_NAME, sizeof OTA_GOLDEN_NAME);
    row->status = OTA_STATUS_VALID;
    row->version = version;
    memcpy(row->digest, digest, OTA_SHA256_LEN);
    db->count = (uint8_t)(n + 1u);
    /* Cut here: the old database (no or a wrong golden row: the next boot
     * puts it again) or the new one. */
    return ota_db_save(db, boot->cfg.store);
}

/*
 * First boot after the factory programmed the device: program flash holds the
 * golden image and its record (type factory), the store does not yet hold its
 * copy. Keep it, as the original does, so it can always be reinstalled.
 */
static int keep_golden(boot_state_t *st, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    const ota_boot_config_t *cfg = &boot->cfg;
    const ota_store_t *store = cfg->store;
    bool holds;

    int err = flash_holds(boot, st->rec.size, st->rec.digest, &holds);
    if (err != OTA_OK || !holds) {
        boot_log(boot, OTA_LOG_ERROR, "boot: factory image in flash fails its digest, not kept", (int32_t)st->rec.version);
        return err;
    }
    /* Cut anywhere before the rename: only the temporary file exists, and the
     * next boot starts the copy again. */
    int fh = store->open(store->ctx, GOLDEN_TMP_NAME, OTA_STORE_WRITE);
    if (fh < 0) {
        return fh;
    }
    for (uint32_t off = 0; off < st->rec.size && err == OTA_OK;) {
        uint32_t n = st->rec.size - off < sizeof boot->buf ? st->rec.size - off : (uint32_t)sizeof boot->buf;
        err = cfg->flash->read(cfg->flash->ctx, cfg->layout.app_addr + off, boot->buf, n);
        if (err == OTA_OK) {
            err = store->write(store->ctx, fh, boot->buf, n);
        }
        off += n;
    }
    /* Cut after the rename, before the row: the file is there, the row is
     * not; the next boot copies again (same bytes) and adds the row. */
    err = ota_file_publish(store, fh, err, GOLDEN_TMP_NAME, OTA_GOLDEN_NAME);
    if (err != OTA_OK) {
        return err;
    }
    if (boot->db_ok) {
        err = golden_row_put(boot, st->rec.version, st->rec.digest);
    }
    if (err == OTA_OK) {
        res->kept_golden = true;
        boot_log(boot, OTA_LOG_INFO, "boot: golden image kept in the store", (int32_t)st->rec.version);
    }
    return err;
}

static bool golden_missing(boot_state_t *st)
{
    ota_boot_t *boot = st->boot;
    uint32_t size;
    if (boot->db_ok && ota_db_find_golden(&boot->db) == NULL) {
        return true;
    }
    return boot->cfg.store->stat(boot->cfg.store->ctx, OTA_GOLDEN_NAME, &size) == OTA_ERR_NOT_FOUND;
}

/* ---- candidates ---------------------------------------------------------------- */

static void candidates_insert(boot_candidate_t *list, uint32_t *count, const boot_candidate_t *c)
{
    /* Highest version first; the golden image last whatever its version. */
    uint32_t at = *count;
    if (!c->golden) {
        while (at > 0 && (list[at - 1u].golden || list[at - 1u].version < c->version)) {
            at--;
        }
    }
    memmove(&list[at + 1u], &list[at], (*count - at) * sizeof *list);
    list[at] = *c;
    (*count)++;
}

/* Below the device's floor: never installed, nor rolled back to, the golden
 * image included (a signed release raised the floor past it). */
static bool below_floor(const boot_state_t *st, uint32_t version)
{
    return st->rec_ok && version < st->rec.floor;
}

static uint32_t candidates_build(boot_state_t *st, boot_candidate_t *list)
{
    ota_boot_t *boot = st->boot;
    uint32_t count = 0;
    boot_candidate_t c;

    if (boot->db_ok) {
        for (uint8_t i = 0; i < boot->db.count; i++) {
            const ota_db_row_t *row = &boot->db.rows[i];
            /* The golden image is the last candidate, built from the record
             * below: a row claiming its name or its version is not another. */
            if (ota_db_row_is_golden(row) || (st->have_golden && row->version == st->golden_version) ||
                (row->status != OTA_STATUS_DOWNLOADED && row->status != OTA_STATUS_VALID) ||
                below_floor(st, row->version)) {
                continue;
            }
            memset(&c, 0, sizeof c);
            c.version = row->version;
            memcpy(c.digest, row->digest, OTA_SHA256_LEN);
            c.name = row->name;
            c.confirmed = row->status == OTA_STATUS_VALID;
            if (st->rec_ok && row->version == st->rec.version) {
                /* Program flash may hold it (db_align made the row agree
                 * with the record): flash can serve even when the file is gone. */
                c.size = st->rec.size;
            }
            candidates_insert(list, &count, &c);
        }
    }
    /* The database lost this image (missing, unreadable, or its row gone) but
     * the record says program flash holds it, confirmed: a digest check of
     * program flash decides. A row that exists, even F0, is obeyed instead. */
    if (st->rec_ok && st->rec.status == OTA_STATUS_VALID &&
        !(st->have_golden && st->rec.version == st->golden_version) &&
        (!boot->db_ok || ota_db_find_version(&boot->db, st->rec.version) == NULL)) {
        memset(&c, 0, sizeof c);
        c.version = st->rec.version;
        c.size = st->rec.size;
        memcpy(c.digest, st->rec.digest, OTA_SHA256_LEN);
        c.confirmed = true;
        candidates_insert(list, &count, &c);
    }
    if (st->have_golden && below_floor(st, st->golden_version)) {
        boot_log(boot, OTA_LOG_WARN, "boot: the golden image is below the floor, not a candidate",
                 (int32_t)st->golden_version);
    } else if (st->have_golden) {
        memset(&c, 0, sizeof c);
        c.version = st->golden_version;
        c.size = st->golden_size;
        memcpy(c.digest, st->golden_digest, OTA_SHA256_LEN);
        c.name = OTA_GOLDEN_NAME;
        c.golden = true;
        c.confirmed = true;
        candidates_insert(list, &count, &c);
        /* A replacement cut between the record (which names the new golden
         * image) and the rename over factory.bin: the new copy is here. */
        uint32_t size;
        if (boot->cfg.store->stat(boot->cfg.store->ctx, OTA_GOLDEN_NEW_NAME, &size) == OTA_OK) {
            c.name = OTA_GOLDEN_NEW_NAME;
            candidates_insert(list, &count, &c);
        }
    }
    return count;
}

/*
 * The golden image's identity. The boot control record is the authority: it
 * is CRC-checked and carries the golden version, size and digest in every
 * record, while one damaged character of the CSV can change a row and still
 * parse. The golden row is used only when no record is readable.
 */
static void golden_identify(boot_state_t *st)
{
    ota_boot_t *boot = st->boot;
    const ota_db_row_t *row = boot->db_ok ? ota_db_find_golden(&boot->db) : NULL;
    uint32_t size = 0;

    st->have_golden = false;
    if (st->rec_ok && st->rec.golden_version != 0) {
        st->golden_version = st->rec.golden_version;
        st->golden_size = st->rec.golden_size;
        memcpy(st->golden_digest, st->rec.golden_digest, OTA_SHA256_LEN);
        st->have_golden = true;
    } else if (row != NULL) {
        if (boot->cfg.store->stat(boot->cfg.store->ctx, OTA_GOLDEN_NAME, &size) != OTA_OK) {
            size = 0; /* the copy is gone: nothing can install it */
        }
        st->golden_version = row->version;
        st->golden_size = size;
        memcpy(st->golden_digest, row->digest, OTA_SHA256_LEN);
        st->have_golden = true;
    }
}

/*
 * Bring the database back in line with the boot control record before
 * anything is decided from it. The record (CRC-checked) is the authority on
 * two things: the golden image, and the version and digest of the image in
 * program flash. The CSV has no checksum: one damaged character can change a
 * digest, a version or a status and still parse, and left alone it would turn
 * the direct jump off at every boot, or hide the image that runs.
 *
 *  - the golden row is put again when it disagrees with the record (or is
 *    missing while the golden copy is in the store);
 *  - the row of the record's version takes the record's digest; with no row
 *    of that version, a row holding the record's digest under another
 *    version takes the record's version (the digit that changed).
 * Statuses other than the golden row's are never touched: a row set F0 by a
 * rollback request before its record (a cut in between) must stay F0.
 * The RAM copy is what the decision uses, whether or not the save succeeds.
 */
static int db_align(boot_state_t *st)
{
    ota_boot_t *boot = st->boot;
    uint32_t size;
    bool changed = false;

    if (!boot->db_ok || !st->rec_ok) {
        return OTA_OK;
    }
    if (st->rec.golden_version != 0) {
        const ota_db_row_t *g = ota_db_find_golden(&boot->db);
        bool agrees = g != NULL && g->version == st->golden_version && g->status == OTA_STATUS_VALID &&
                      memcmp(g->digest, st->golden_digest, OTA_SHA256_LEN) == 0 &&
                      ota_db_find_version(&boot->db, st->golden_version) == g;
        if (!agrees && (g != NULL || boot->cfg.store->stat(boot->cfg.store->ctx, OTA_GOLDEN_NAME, &size) == OTA_OK)) {
            boot_log(boot, OTA_LOG_WARN, "boot: golden row disagrees with the boot control record, repaired",
                     (int32_t)st->golden_version);
            int err = golden_row_put(boot, st->golden_version, st->golden_digest);
            if (err != OTA_OK) {
                return err;
            }
        }
    }
    if (st->rec.type == OTA_TYPE_FACTORY || (st->have_golden && st->rec.version == st->golden_version)) {
        return OTA_OK; /* the golden row, handled above */
    }
    ota_db_row_t *row = ota_db_find_version(&boot->db, st->rec.version);
    if (row != NULL && memcmp(row->digest, st->rec.digest, OTA_SHA256_LEN) != 0) {
        memcpy(row->digest, st->rec.digest, OTA_SHA256_LEN);
        changed = true;
    }
    for (uint8_t i = 0; row == NULL && i < boot->db.count; i++) {
        ota_db_row_t *r = &boot->db.rows[i];
        if (!ota_db_row_is_golden(r) && memcmp(r->digest, st->rec.digest, OTA_SHA256_LEN) == 0) {
            r->version = st->rec.version;
            row = r;
            changed = true;
        }
    }
    if (!changed) {
        return OTA_OK;
    }
    boot_log(boot, OTA_LOG_WARN, "boot: row disagrees with the boot control record, repaired", (int32_t)st->rec.version);
    /* Cut here: the damaged database (repaired again by the next boot) or
     * the repaired one. */
    return ota_db_save(&boot->db, boot->cfg.store);
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

/* An image of size bytes can be installed in the application region. */
static int size_check(ota_boot_t *boot, uint32_t size, uint32_t version)
{
    if (size == 0) {
        return OTA_ERR_CORRUPT;
    }
    if (size > boot->cfg.layout.app_size) {
        boot_log(boot, OTA_LOG_ERROR, "boot: image larger than the application region", (int32_t)version);
        return OTA_ERR_TOO_LARGE;
    }
    return OTA_OK;
}

static int install(boot_state_t *st, const boot_candidate_t *c, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    const ota_boot_config_t *cfg = &boot->cfg;
    uint32_t size = c->size; /* what program flash holds if it holds this image; 0: the file's size */
    uint32_t file_size = 0;
    bool holds = false;
    uint8_t digest[OTA_SHA256_LEN];
    int err = OTA_ERR_NOT_FOUND;

    if (c->name != NULL) {
        err = cfg->store->stat(cfg->store->ctx, c->name, &file_size);
        if (err != OTA_OK && err != OTA_ERR_NOT_FOUND) {
            return err;
        }
        if (err == OTA_ERR_NOT_FOUND && c->size == 0) {
            return err; /* no file, and nothing says what program flash would hold */
        }
        if (size == 0) {
            size = file_size;
        }
    }
    err = size_check(boot, size, c->version);
    if (err != OTA_OK) {
        return err;
    }
    /* Skip the copy when program flash already holds this image. Hashing flash
     * costs a read of the image, so only when it is likely: the record names
     * this digest, or no record is readable (recovery). */
    if (!st->rec_ok || memcmp(st->rec.digest, c->digest, OTA_SHA256_LEN) == 0) {
        err = flash_holds(boot, size, c->digest, &holds);
        if (err != OTA_OK) {
            return err;
        }
    }
    if (!holds) {
        if (c->name == NULL) {
            return OTA_ERR_DIGEST; /* known only from the record, and flash no longer matches */
        }
        if (file_size == 0) {
            return OTA_ERR_NOT_FOUND; /* only flash could have served, and it does not */
        }
        size = file_size;
        err = size_check(boot, size, c->version);
        if (err != OTA_OK) {
            return err;
        }
        /* Verify the stored file BEFORE erasing anything. */
        err = boot_stream(boot, c->name, size, digest, false);
        if (err != OTA_OK) {
            return err;
        }
        if (memcmp(digest, c->digest, OTA_SHA256_LEN) != 0) {
            boot_log(boot, OTA_LOG_ERROR, "boot: stored image fails its digest", (int32_t)c->version);
            return OTA_ERR_DIGEST;
        }
        /* The golden image's digest is the record's, in internal flash; any
         * other image's comes from the store, so its signature must vouch
         * for it (the store may have been changed since the download). */
        if (!c->golden && ota_trust_provisioned(cfg->keys)) {
            err = candidate_signature(boot, c);
            if (err != OTA_OK) {
                boot_log(boot, OTA_LOG_ERROR, "boot: stored image fails its signature", (int32_t)c->version);
                return err;
            }
        }
        st->flash_changing = true;
        err = record_disable(st);
        if (err == OTA_OK) {
            err = erase_app(boot, size);
        }
        if (err == OTA_OK) {
            err = boot_stream(boot, c->name, size, NULL, true);
        }
        if (err == OTA_OK) {
            err = boot_stream(boot, NULL, size, digest, false);
            if (err == OTA_OK && memcmp(digest, c->digest, OTA_SHA256_LEN) != 0) {
                boot_log(boot, OTA_LOG_ERROR, "boot: programmed flash fails its digest", (int32_t)c->version);
                err = OTA_ERR_VERIFY;
            }
        }
        if (err != OTA_OK) {
            return err;
        }
        res->installed = true;
    }
    ota_bootctl_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.status = c->confirmed ? OTA_STATUS_VALID : OTA_STATUS_UNBOOTED;
    rec.type = c->golden ? OTA_TYPE_FACTORY : OTA_TYPE_PRODUCTION;
    rec.attempts = c->confirmed ? 0u : 1u; /* this boot is the first attempt */
    rec.version = c->version;
    rec.size = size;
    rec.boot_addr = cfg->layout.app_addr;
    memcpy(rec.digest, c->digest, OTA_SHA256_LEN);
    fill_carried(st, &rec);
    /* The commit point of an install: program flash is verified; a cut before
     * this leaves the F0 record and the next boot re-verifies and skips the copy. */
    err = ota_bootctl_write(&boot->bootctl, &rec);
    if (err != OTA_OK) {
        return err;
    }
    st->rec = rec;
    st->rec_ok = true;
    res->version = rec.version;
    res->boot_addr = rec.boot_addr;
    res->status = rec.status;
    res->type = rec.type;
    return OTA_OK;
}

/* ---- the decision ------------------------------------------------------------------- */

static void result_from_record(const ota_bootctl_record_t *rec, ota_boot_result_t *res)
{
    res->version = rec->version;
    res->boot_addr = rec->boot_addr;
    res->status = rec->status;
    res->type = rec->type;
}

static int boot_program_mode(boot_state_t *st, ota_boot_result_t *res)
{
    ota_boot_t *boot = st->boot;
    boot_candidate_t list[BOOT_MAX_CANDIDATES];
    uint32_t count = candidates_build(st, list);

    for (uint32_t i = 0; i < count; i++) {
        const boot_candidate_t *c = &list[i];
        int err = install(st, c, res);
        if (err == OTA_OK) {
            boot_log(boot, OTA_LOG_INFO, res->installed ? "boot: installed" : "boot: flash already holds", (int32_t)c->version);
            return OTA_OK;
        }
        if (st->flash_changing) {
            return err; /* program flash half-written: the next boot redoes it */
        }
        res->rejected++;
        boot_log(boot, OTA_LOG_WARN, "boot: candidate passed over", err);
        if (boot_image_fault(err)) {
            /* The image itself is bad: never try it again. Any other error
             * (a store that failed a read) says nothing about the image. A
             * failed disable costs only a retry at the next boot. */
            (void)disable_row(st, c->version);
        }
    }
    boot_log(boot, OTA_LOG_ERROR, "boot: no valid image, halting", 0);
    return OTA_ERR_NO_IMAGE;
}

int ota_boot_run(ota_boot_t *boot, const ota_boot_config_t *cfg, ota_boot_result_t *res)
{
    boot_state_t st;
    int err;

    if (boot == NULL || cfg == NULL || res == NULL || cfg->flash == NULL || cfg->store == NULL ||
        cfg->crypto == NULL || cfg->flash->write_unit == 0 || sizeof boot->buf % cfg->flash->write_unit != 0u) {
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
    if (err != OTA_OK) {
        return err;
    }
    err = ota_bootctl_read(&boot->bootctl, &st.rec);
    if (err != OTA_OK && err != OTA_ERR_NOT_FOUND && err != OTA_ERR_CORRUPT) {
        return err; /* internal flash cannot be read: nothing can be verified */
    }
    st.rec_ok = err == OTA_OK;
    if (!st.rec_ok) {
        boot_log(boot, OTA_LOG_WARN, "boot: no trustworthy boot control record, recovering", err);
    }
    /* A database that cannot be read never stops the boot; it is then never
     * written either, so nothing it held is overwritten. */
    err = ota_db_load(&boot->db, cfg->store, cfg->sys);
    boot->db_ok = err == OTA_OK;
    if (!boot->db_ok) {
        boot_log(boot, OTA_LOG_WARN, "boot: image database unreadable", err);
    }

    if (st.rec_ok && st.rec.type == OTA_TYPE_FACTORY && st.rec.status == OTA_STATUS_VALID && golden_missing(&st)) {
        /* A copy that fails (a full or failing store) is tried again at the
         * next boot; the factory image in flash boots meanwhile. */
        (void)keep_golden(&st, res);
    }
    golden_identify(&st);
    /* A repair that cannot be saved is redone from the record next time. */
    (void)db_align(&st);

    if (st.rec_ok && st.rec.status == OTA_STATUS_VALID) {
        ota_db_row_t *row = boot->db_ok ? ota_db_find_version(&boot->db, st.rec.version) : NULL;
        if (row != NULL && row->status == OTA_STATUS_VALID && memcmp(row->digest, st.rec.digest, OTA_SHA256_LEN) == 0) {
            bool holds = true;
            if (cfg->verify_on_jump) {
                err = flash_holds(boot, st.rec.size, st.rec.digest, &holds);
                holds = holds && err == OTA_OK; /* not verified: program mode decides */
            }
            if (holds) {
                result_from_record(&st.rec, res);
                res->direct = true;
                return OTA_OK;
            }
        }
    }

    if (st.rec_ok && st.rec.status == OTA_STATUS_UNBOOTED) {
        if (st.rec.attempts < max_attempts) {
            st.rec.attempts++;
            /* Cut here: the attempt is not counted and this boot is not taken;
             * the next boot counts it. The count only grows. */
            err = ota_bootctl_write(&boot->bootctl, &st.rec);
            if (err != OTA_OK) {
                return err;
            }
            result_from_record(&st.rec, res);
            return OTA_OK;
        }
        boot_log(boot, OTA_LOG_WARN, "boot: image never confirmed, rolling back", (int32_t)st.rec.version);
        /* Row first: a cut after it leaves a record FC at the limit, which
         * comes back here and finishes the rollback. */
        err = disable_row(&st, st.rec.version);
        if (err == OTA_OK) {
            err = record_disable(&st);
        }
        if (err != OTA_OK) {
            return err; /* not recorded: the next boot comes back here and finishes */
        }
    }
    return boot_program_mode(&st, res);
}
