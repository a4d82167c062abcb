/*
 * The hand-over between the image database and the boot control record's
 * candidate table (ota_handover.h). Pure functions over RAM copies, but
 * for the file sizes the table carries: the callers read and write the
 * store and the flash, and order those writes (see app.c and the
 * service's mark).
 */
#include "ota_handover.h"

#include <string.h>

#include "ota_imgdb.h"

ota_boot_entry_t *ota_handover_entry(ota_bootctl_record_t *rec, uint32_t version)
{
    for (uint8_t i = 0; i < rec->table_count; i++) {
        if (rec->table[i].version == version) {
            return &rec->table[i];
        }
    }
    return NULL;
}

void ota_handover_decide(ota_bootctl_record_t *rec, uint32_t version, uint8_t status)
{
    ota_boot_entry_t *e = ota_handover_entry(rec, version);
    if (e != NULL) {
        e->status = status;
        e->flags |= OTA_BOOT_ENTRY_AHEAD;
    }
}

/* A decision the record holds and the database does not show yet. */
typedef struct handover_pending {
    uint32_t version;
    uint8_t status;
    uint8_t digest[OTA_SHA256_LEN];
} handover_pending_t;

static bool entry_same(const ota_boot_entry_t *a, const ota_boot_entry_t *b)
{
    return a->version == b->version && a->size == b->size && a->status == b->status && a->flags == b->flags &&
           ota_db_name_equal(a->name, b->name) && memcmp(a->digest, b->digest, OTA_SHA256_LEN) == 0;
}

int ota_handover_table(ota_bootctl_record_t *rec, const ota_db_t *db, const ota_store_t *store, bool *changed)
{
    handover_pending_t pending[OTA_BOOT_TABLE_MAX];
    uint8_t npending = 0;
    uint8_t n = 0;

    *changed = false;
    /* The flagged entries first: the table is rebuilt in place. */
    for (uint8_t i = 0; i < rec->table_count; i++) {
        const ota_boot_entry_t *e = &rec->table[i];
        if (e->flags & OTA_BOOT_ENTRY_AHEAD) {
            pending[npending].version = e->version;
            pending[npending].status = e->status;
            memcpy(pending[npending].digest, e->digest, OTA_SHA256_LEN);
            npending++;
        }
    }
    for (uint8_t i = 0; i < db->count && n < OTA_BOOT_TABLE_MAX; i++) {
        const ota_db_row_t *row = &db->rows[i];
        if (ota_db_row_is_golden(row)) {
            continue; /* the record names the golden image itself */
        }
        ota_boot_entry_t e;
        memset(&e, 0, sizeof e);
        e.version = row->version;
        e.status = row->status;
        memcpy(e.name, row->name, strlen(row->name));
        memcpy(e.digest, row->digest, OTA_SHA256_LEN);
        int err = store->stat(store->ctx, row->name, &e.size);
        if (err == OTA_ERR_NOT_FOUND) {
            e.size = 0; /* listed, so the bootloader knows to pass it over */
        } else if (err != OTA_OK) {
            return err;
        }
        for (uint8_t p = 0; p < npending; p++) {
            if (pending[p].version == e.version && memcmp(pending[p].digest, e.digest, OTA_SHA256_LEN) == 0 &&
                pending[p].status != e.status) {
                e.status = pending[p].status;
                e.flags = OTA_BOOT_ENTRY_AHEAD;
            }
        }
        if (n >= rec->table_count || !entry_same(&rec->table[n], &e)) {
            rec->table[n] = e;
            *changed = true;
        }
        n++;
    }
    if (n != rec->table_count) {
        *changed = true;
    }
    rec->table_count = n;
    return OTA_OK;
}

/* Give the golden image its row: a stale golden row (an earlier factory
 * image, or one a damaged database changed) or a production row with the
 * golden's version gives way. */
static void golden_row_put(ota_db_t *db, const ota_bootctl_record_t *rec)
{
    uint8_t n = 0;
    for (uint8_t i = 0; i < db->count; i++) {
        if (!ota_db_row_is_golden(&db->rows[i]) && db->rows[i].version != rec->golden_version) {
            db->rows[n++] = db->rows[i];
        }
    }
    if (n == OTA_DB_MAX_ROWS) {
        n--; /* a full table: the golden row matters more */
    }
    ota_db_row_t *row = &db->rows[n];
    memset(row, 0, sizeof *row);
    memcpy(row->name, OTA_GOLDEN_NAME, sizeof OTA_GOLDEN_NAME);
    row->status = OTA_STATUS_VALID;
    row->version = rec->golden_version;
    memcpy(row->digest, rec->golden_digest, OTA_SHA256_LEN);
    db->count = (uint8_t)(n + 1u);
}

bool ota_handover_apply(const ota_bootctl_record_t *rec, ota_db_t *db, bool golden_stored)
{
    bool changed = false;

    for (uint8_t i = 0; i < rec->table_count; i++) {
        const ota_boot_entry_t *e = &rec->table[i];
        ota_db_row_t *row = ota_db_find_version(db, e->version);
        if ((e->flags & OTA_BOOT_ENTRY_AHEAD) && row != NULL && !ota_db_row_is_golden(row) &&
            memcmp(row->digest, e->digest, OTA_SHA256_LEN) == 0 && row->status != e->status) {
            row->status = e->status;
            changed = true;
        }
    }
    if (rec->golden_version != 0) {
        const ota_db_row_t *g = ota_db_find_golden(db);
        bool agrees = g != NULL && g->version == rec->golden_version && g->status == OTA_STATUS_VALID &&
                      memcmp(g->digest, rec->golden_digest, OTA_SHA256_LEN) == 0 &&
                      ota_db_find_version(db, rec->golden_version) == g;
        if (!agrees && (g != NULL || golden_stored)) {
            golden_row_put(db, rec);
            changed = true;
        }
    }
    if (rec->type == OTA_TYPE_FACTORY || (rec->golden_version != 0 && rec->version == rec->golden_version)) {
        return changed; /* the golden row, above */
    }
    ota_db_row_t *row = ota_db_find_version(db, rec->version);
    if (row != NULL && memcmp(row->digest, rec->digest, OTA_SHA256_LEN) != 0) {
        memcpy(row->digest, rec->digest, OTA_SHA256_LEN);
        changed = true;
    }
    for (uint8_t i = 0; row == NULL && i < db->count; i++) {
        ota_db_row_t *r = &db->rows[i];
        if (!ota_db_row_is_golden(r) && memcmp(r->digest, rec->digest, OTA_SHA256_LEN) == 0) {
            r->version = rec->version;
            row = r;
            changed = true;
        }
    }
    return changed;
}
