/*
 * The application-side calls (ota_app.h): what the running application
 * tells the bootloader through the boot control record and the database.
 * Kept apart from the bootloader's decision (boot.c) so that a bootloader
 * image links none of it and an application links none of the loader.
 *
 * Each call orders its writes so that a cut between two of them leaves a
 * state the bootloader handles (see the comments at each write).
 */
#include "sysota/ota_app.h"

#include <string.h>

#include "ota_bootctl.h"
#include "ota_imgdb.h"
#include "ota_trust.h"

typedef struct app_ctx {
    ota_bootctl_t bootctl;
    ota_bootctl_record_t rec;
    ota_db_t db;
} app_ctx_t;

static int app_open(const ota_boot_config_t *cfg, app_ctx_t *app, bool need_db)
{
    int err = ota_bootctl_init(&app->bootctl, cfg->flash, cfg->layout.bootctl_addr, cfg->layout.bootctl_size);
    if (err == OTA_OK) {
        err = ota_bootctl_read(&app->bootctl, &app->rec);
    }
    if (err == OTA_OK && need_db) {
        err = ota_db_load(&app->db, cfg->store, cfg->sys);
    }
    return err;
}

/*
 * Whether the bootloader would find an image other than the running one at
 * or above the floor: a stored row it installs (FE or F8), or the golden
 * image. Without one, giving up the running image would leave the device
 * with nothing it may boot.
 */
static bool app_fallback_exists(const app_ctx_t *app)
{
    if (app->rec.golden_version != 0 && app->rec.golden_version >= app->rec.floor) {
        return true;
    }
    for (uint8_t i = 0; i < app->db.count; i++) {
        const ota_db_row_t *r = &app->db.rows[i];
        if (r->version != app->rec.version && r->version >= app->rec.floor && !ota_db_row_is_golden(r) &&
            (r->status == OTA_STATUS_DOWNLOADED || r->status == OTA_STATUS_VALID)) {
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
    int err = app_open(cfg, &app, true);
    if (err != OTA_OK) {
        return err;
    }
    ota_db_row_t *row = ota_db_find_version(&app.db, app.rec.version);
    if (app.rec.status == OTA_STATUS_VALID && (row == NULL || row->status == OTA_STATUS_VALID)) {
        return OTA_OK;
    }
    if (app.rec.status != OTA_STATUS_UNBOOTED && app.rec.status != OTA_STATUS_VALID) {
        return OTA_ERR_STATE;
    }
    if (row != NULL && row->status != OTA_STATUS_VALID) {
        if (row->status == OTA_STATUS_DISABLED) {
            return OTA_ERR_STATE; /* rolled back meanwhile: not ours to revive */
        }
        /* Row first. Cut after it: record FC, row F8; the bootloader counts an
         * attempt and boots it again, and this confirm runs again. */
        err = ota_db_set_status(&app.db, cfg->store, app.rec.version, OTA_STATUS_VALID);
        if (err != OTA_OK) {
            return err;
        }
    }
    if (app.rec.status == OTA_STATUS_VALID) {
        return OTA_OK;
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
    /* Cut here: record FC and row F8 (above) or both F8: both converge. */
    return ota_bootctl_write(&app.bootctl, &app.rec);
}

int ota_app_request_rollback(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    int err = app_open(cfg, &app, true);
    if (err != OTA_OK) {
        return err;
    }
    ota_db_row_t *row = ota_db_find_version(&app.db, app.rec.version);
    if (app.rec.type == OTA_TYPE_FACTORY || ota_db_row_is_golden(row)) {
        return OTA_ERR_STATE; /* the golden image is never disabled */
    }
    if (!app_fallback_exists(&app)) {
        return OTA_ERR_DOWNGRADE; /* every other image is below the floor: nothing to roll back to */
    }
    if (row != NULL) {
        /* Row first: with the row F0 the direct jump is off, so a cut after
         * this line already rolls back. */
        err = ota_db_set_status(&app.db, cfg->store, app.rec.version, OTA_STATUS_DISABLED);
        if (err != OTA_OK) {
            return err;
        }
    }
    app.rec.status = OTA_STATUS_DISABLED;
    return ota_bootctl_write(&app.bootctl, &app.rec);
}

int ota_app_factory_reset(const ota_boot_config_t *cfg)
{
    app_ctx_t app;
    int err = app_open(cfg, &app, true);
    if (err != OTA_OK) {
        return err;
    }
    ota_db_row_t *golden = ota_db_find_golden(&app.db);
    if (golden == NULL) {
        return OTA_ERR_STATE; /* nothing to return to */
    }
    if (app.rec.golden_version != 0 && app.rec.golden_version < app.rec.floor) {
        return OTA_ERR_DOWNGRADE; /* the golden image is below the floor: replace it first */
    }
    /* One atomic save drops every other row. A cut after it leaves orphan
     * files (harmless, removed below or by the service) and a record whose
     * version has no row: the direct jump is off and the golden one installs. */
    ota_db_t only_golden;
    memset(&only_golden, 0, sizeof only_golden);
    only_golden.rows[0] = *golden;
    only_golden.count = 1;
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
    if (app.rec.status == OTA_STATUS_DISABLED) {
        return OTA_OK;
    }
    app.rec.status = OTA_STATUS_DISABLED;
    return ota_bootctl_write(&app.bootctl, &app.rec);
}
