/*
 * The application-side calls (ota_app.h): what the running application
 * tells the bootloader through the boot control record, and the image
 * database that follows it. Kept apart from the bootloader's decision
 * (boot.c) so that a bootloader image links none of it and an application
 * links none of the loader.
 *
 * Order of writes, everywhere here: the record first (the bootloader acts on
 * it alone; a decision about a stored image is flagged in its table), then
 * the CSV. A cut between the two leaves the decision in force and the CSV
 * one step behind, which ota_app_sync (the service's start) makes good.
 */
#include "sysota/ota_app.h"

#include <string.h>

#include "ota_bootctl.h"
#include "ota_file.h"
#include "ota_handover.h"
#include "ota_imgdb.h"
#include "ota_trust.h"
#include "ota_util.h"

/* The temporary file of the golden copy ('.'-names are temporary). */
#define GOLDEN_TMP_NAME ".golden.tmp"

/* Bytes copied per read when the golden image is kept. */
#define APP_COPY_CHUNK 256u

typedef struct app_ctx {
    ota_bootctl_t bootctl;
    ota_bootctl_record_t rec;
    ota_db_t db;
} app_ctx_t;

static int app_open(const ota_boot_config_t *cfg, app_ctx_t *app)
{
    int err = ota_bootctl_init(&app->bootctl, cfg->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&app->bootctl, &app->rec);
    }
    if (err == OTA_OK) {
        err = ota_db_load(&app->db, cfg->store, cfg->sys);
    }
    return err;
}

/* The CSV follows a decision already in the record: best effort, since
 * ota_app_sync repeats it from the flag if this fails or is cut. */
static void app_db_follow(const ota_boot_config_t *cfg, app_ctx_t *app, uint32_t version, uint8_t status)
{
    ota_db_row_t *row = ota_db_find_version(&app->db, version);
    if (row != NULL && !ota_db_row_is_golden(row) && row->status != status) {
        (void)ota_db_set_status(&app->db, cfg->store, version, status);
    }
}

/*
 * Whether the bootloader would find an image other than the running one at
 * or above the floor: a table entry it installs (FE or F8), or the golden
 * image. Without one, giving up the running image would leave the device
 * with nothing it may boot.
 */
static bool app_fallback_exists(const app_ctx_t *app)
{
    const ota_bootctl_record_t *rec = &app->rec;
    if (rec->golden_version != 0 && rec->golden_version >= rec->floor) {
        return true;
    }
    for (uint8_t i = 0; i < rec->table_count; i++) {
        const ota_boot_entry_t *e = &rec->table[i];
        if (e->version != rec->version && e->version >= rec->floor && e->size != 0 &&
            (e->status == OTA_STATUS_DOWNLOADED || e->status == OTA_STATUS_VALID)) {
            return true;
        }
    }
    return false;
}

int ota_app_running(const ota_boot_config_t *cfg, ota_bootctl_record_t *out)
{
    ota_bootctl_t bc;
    int err = ota_bootctl_init(&bc, cfg->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&bc, out);
    }
    return err;
}

int ota_app_confirm(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    int err = app_open(cfg, &app);
    if (err != OTA_OK) {
        return err;
    }
    const ota_boot_entry_t *e = ota_handover_entry(&app.rec, app.rec.version);
    if (app.rec.status == OTA_STATUS_UNBOOTED) {
        if (e != NULL && e->status == OTA_STATUS_DISABLED) {
            return OTA_ERR_STATE; /* rolled back meanwhile: not ours to revive */
        }
        app.rec.status = OTA_STATUS_VALID;
        app.rec.attempts = 0;
        if (app.rec.pending_version == app.rec.version) {
            /* The release said "never below this once confirmed": the same
             * record that confirms raises the floor, so a cut leaves both or
             * neither. */
            if (app.rec.pending_floor > app.rec.floor) {
                app.rec.floor = app.rec.pending_floor;
            }
            app.rec.pending_version = 0;
            app.rec.pending_floor = 0;
        }
        ota_handover_decide(&app.rec, app.rec.version, OTA_STATUS_VALID);
        /* Cut here: still FC; the bootloader counts an attempt and boots it
         * again, and this confirm runs again. */
        err = ota_bootctl_write(&app.bootctl, &app.rec);
        if (err != OTA_OK) {
            return err;
        }
    } else if (app.rec.status != OTA_STATUS_VALID) {
        return OTA_ERR_STATE;
    }
    /* Also when already valid: a cut may have come before the CSV followed. */
    app_db_follow(cfg, &app, app.rec.version, OTA_STATUS_VALID);
    return OTA_OK;
}

int ota_app_request_rollback(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    int err = app_open(cfg, &app);
    if (err != OTA_OK) {
        return err;
    }
    if (app.rec.type == OTA_TYPE_FACTORY || app.rec.version == app.rec.golden_version) {
        return OTA_ERR_STATE; /* the golden image is never disabled */
    }
    if (!app_fallback_exists(&app)) {
        return OTA_ERR_DOWNGRADE; /* every other image is below the floor: nothing to roll back to */
    }
    /* One record: the image's entry disabled and program mode; a cut before
     * it lands changes nothing. */
    ota_handover_decide(&app.rec, app.rec.version, OTA_STATUS_DISABLED);
    app.rec.status = OTA_STATUS_DISABLED;
    err = ota_bootctl_write(&app.bootctl, &app.rec);
    if (err == OTA_OK) {
        app_db_follow(cfg, &app, app.rec.version, OTA_STATUS_DISABLED);
    }
    return err;
}

int ota_app_factory_reset(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    uint32_t size;
    int err = app_open(cfg, &app);
    if (err != OTA_OK) {
        return err;
    }
    if (app.rec.golden_version == 0 || cfg->store->stat(cfg->store->ctx, OTA_GOLDEN_NAME, &size) != OTA_OK) {
        return OTA_ERR_STATE; /* nothing to return to */
    }
    if (app.rec.golden_version < app.rec.floor) {
        return OTA_ERR_DOWNGRADE; /* the golden image is below the floor: replace it first */
    }
    /* One record disables every stored image and asks for program mode: a
     * cut after it already returns to the golden image. */
    for (uint8_t i = 0; i < app.rec.table_count; i++) {
        ota_handover_decide(&app.rec, app.rec.table[i].version, OTA_STATUS_DISABLED);
    }
    app.rec.status = OTA_STATUS_DISABLED;
    err = ota_bootctl_write(&app.bootctl, &app.rec);
    if (err != OTA_OK) {
        return err;
    }
    /* Then one atomic save drops every other row. A cut before it: the rows
     * are set F0 from the flags at the next start, and the files stay
     * until the service evicts them. */
    ota_db_t only_golden;
    memset(&only_golden, 0, sizeof only_golden);
    const ota_db_row_t *golden = ota_db_find_golden(&app.db);
    if (golden != NULL) {
        only_golden.rows[0] = *golden;
        only_golden.count = 1;
    }
    err = ota_db_save(&only_golden, cfg->store);
    if (err != OTA_OK) {
        return err;
    }
    for (uint8_t i = 0; i < app.db.count; i++) {
        if (!ota_db_row_is_golden(&app.db.rows[i])) {
            char sig[OTA_SIG_NAME_MAX];
            ota_sig_name(app.db.rows[i].version, sig);
            err = cfg->store->remove(cfg->store->ctx, app.db.rows[i].name);
            if (err == OTA_OK || err == OTA_ERR_NOT_FOUND) {
                err = cfg->store->remove(cfg->store->ctx, sig); /* its signature, if it had one */
            }
            if (err != OTA_OK && err != OTA_ERR_NOT_FOUND) {
                return err;
            }
        }
    }
    return OTA_OK;
}

/*
 * First start after the factory programmed the device: program flash holds
 * the golden image and its record (type factory), the store does not yet
 * hold its copy. Keep it, as the original does, so it can always be
 * reinstalled. Only a copy whose flash hashes to the record's golden digest
 * is kept.
 */
static int app_keep_golden(const ota_boot_config_t *cfg, const ota_bootctl_record_t *rec)
{
    const ota_store_t *store = cfg->store;
    const ota_crypto_t *crypto = cfg->crypto;
    uint8_t buf[APP_COPY_CHUNK];
    uint8_t digest[OTA_SHA256_LEN];
    ota_sha256_t sha;

    if (rec->size == 0 || rec->size > cfg->layout.app_size) {
        return OTA_ERR_CORRUPT;
    }
    int err = crypto->sha256_start(crypto->ctx, &sha);
    if (err != OTA_OK) {
        return err;
    }
    /* Cut anywhere before the rename: only the temporary file exists, and
     * the next start copies again. */
    int fh = store->open(store->ctx, GOLDEN_TMP_NAME, OTA_STORE_WRITE);
    err = fh < 0 ? fh : OTA_OK;
    for (uint32_t off = 0; off < rec->size && err == OTA_OK;) {
        uint32_t n = rec->size - off < sizeof buf ? rec->size - off : (uint32_t)sizeof buf;
        err = cfg->flash->read(cfg->flash->ctx, cfg->layout.app_addr + off, buf, n);
        if (err == OTA_OK) {
            err = crypto->sha256_update(crypto->ctx, &sha, buf, n);
        }
        if (err == OTA_OK) {
            err = store->write(store->ctx, fh, buf, n);
        }
        off += n;
    }
    int fin = crypto->sha256_finish(crypto->ctx, &sha, digest);
    if (err == OTA_OK) {
        err = fin;
    }
    if (err == OTA_OK && memcmp(digest, rec->golden_digest, OTA_SHA256_LEN) != 0) {
        ota_log(cfg->sys, OTA_LOG_ERROR, "ota: factory image in flash fails its digest, not kept",
                (int32_t)rec->version);
        err = OTA_ERR_DIGEST;
    }
    if (fh < 0) {
        return err;
    }
    /* Cut after the rename, before the row: the next start finds the file
     * and puts the row (ota_handover_apply). */
    err = ota_file_publish(store, fh, err, GOLDEN_TMP_NAME, OTA_GOLDEN_NAME);
    if (err == OTA_OK) {
        ota_log(cfg->sys, OTA_LOG_INFO, "ota: golden image kept in the store", (int32_t)rec->version);
    }
    return err;
}

int ota_app_provision(const ota_boot_config_t *cfg, uint32_t version, uint32_t size)
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    const ota_crypto_t *crypto = cfg->crypto;
    uint8_t buf[APP_COPY_CHUNK];
    ota_sha256_t sha;

    if (version == 0 || size == 0 || size > cfg->layout.app_size) {
        return OTA_ERR_INVALID_ARG;
    }
    int err = ota_bootctl_init(&bc, cfg->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&bc, &rec);
        if (err == OTA_OK || err == OTA_ERR_CORRUPT) {
            return OTA_ERR_EXISTS; /* provisioned once already (or damaged): not ours to overwrite */
        }
        if (err == OTA_ERR_NOT_FOUND) {
            err = OTA_OK;
        }
    }
    if (err != OTA_OK) {
        return err;
    }
    memset(&rec, 0, sizeof rec);
    err = crypto->sha256_start(crypto->ctx, &sha);
    for (uint32_t off = 0; off < size && err == OTA_OK;) {
        uint32_t n = size - off < sizeof buf ? size - off : (uint32_t)sizeof buf;
        err = cfg->flash->read(cfg->flash->ctx, cfg->layout.app_addr + off, buf, n);
        if (err == OTA_OK) {
            err = crypto->sha256_update(crypto->ctx, &sha, buf, n);
        }
        off += n;
    }
    int fin = crypto->sha256_finish(crypto->ctx, &sha, rec.digest);
    if (err != OTA_OK || fin != OTA_OK) {
        return err != OTA_OK ? err : fin;
    }
    rec.status = OTA_STATUS_VALID;
    rec.type = OTA_TYPE_FACTORY;
    rec.version = version;
    rec.size = size;
    rec.boot_addr = cfg->layout.app_addr;
    rec.golden_version = version;
    rec.golden_size = size;
    memcpy(rec.golden_digest, rec.digest, OTA_SHA256_LEN);
    /* A cut before this lands leaves the area blank: provisioning runs again. */
    return ota_bootctl_write(&bc, &rec);
}

int ota_app_sync(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    uint32_t size;
    bool changed;
    int err = app_open(cfg, &app);
    if (err != OTA_OK) {
        return err;
    }
    const ota_store_t *store = cfg->store;
    err = store->stat(store->ctx, OTA_GOLDEN_NAME, &size);
    if (err == OTA_ERR_NOT_FOUND && app.rec.type == OTA_TYPE_FACTORY && app.rec.status == OTA_STATUS_VALID &&
        app.rec.version == app.rec.golden_version) {
        err = app_keep_golden(cfg, &app.rec);
    }
    bool golden_stored = err == OTA_OK;
    if (err != OTA_OK && err != OTA_ERR_NOT_FOUND && err != OTA_ERR_DIGEST && err != OTA_ERR_CORRUPT) {
        return err;
    }
    /* The CSV first: a cut after it leaves the flags set, and the next
     * start applies them again (nothing changes) and clears them. */
    if (ota_handover_apply(&app.rec, &app.db, golden_stored)) {
        ota_log(cfg->sys, OTA_LOG_INFO, "ota: database brought in line with the boot control record", 0);
        err = ota_db_save(&app.db, store);
        if (err != OTA_OK) {
            return err;
        }
    }
    err = ota_handover_table(&app.rec, &app.db, store, &changed);
    if (err == OTA_OK && changed) {
        err = ota_bootctl_write(&app.bootctl, &app.rec);
    }
    return err;
}
