/*
 * Image database: the CSV file in the external store (see ota_imgdb.h).
 *
 * Power-loss model: the only write path is ota_db_save(), which writes the
 * whole table to a temporary file, syncs it, and renames it over the
 * database. The store port promises rename is atomic, so after a cut at any
 * point the database file is either entirely the old one or entirely the new
 * one. A temporary file left by a cut is simply overwritten by the next save.
 */
#include "ota_imgdb.h"

#include <string.h>

#include "ota_hex.h"
#include "ota_name.h"
#include "ota_util.h"
#include "ota_file.h"

/* Starts with '.', so no image name can collide with it (ota_name_check_image). */
#define DB_TMP_NAME ".image_database.tmp"

/* Read granularity of the loader: small, so the bootloader's stack stays small. */
#define DB_READ_CHUNK 64u

bool ota_db_name_equal(const char *a, const char *b)
{
    size_t len = strlen(a);
    return strlen(b) == len && memcmp(a, b, len) == 0;
}

bool ota_db_row_is_golden(const ota_db_row_t *row)
{
    return row != NULL && ota_db_name_equal(row->name, OTA_GOLDEN_NAME);
}

ota_db_row_t *ota_db_find_version(ota_db_t *db, uint32_t version)
{
    for (uint8_t i = 0; i < db->count; i++) {
        if (db->rows[i].version == version) {
            return &db->rows[i];
        }
    }
    return NULL;
}

ota_db_row_t *ota_db_find_name(ota_db_t *db, const char *name)
{
    for (uint8_t i = 0; i < db->count; i++) {
        if (ota_db_name_equal(db->rows[i].name, name)) {
            return &db->rows[i];
        }
    }
    return NULL;
}

ota_db_row_t *ota_db_find_golden(ota_db_t *db)
{
    return ota_db_find_name(db, OTA_GOLDEN_NAME);
}

/* ---- one line <-> one row ------------------------------------------------ */

int ota_db_format_row(const ota_db_row_t *row, char *buf, uint32_t cap)
{
    size_t name_len = strlen(row->name);
    char version[11];
    uint32_t version_len = ota_dec_format(row->version, version);
    uint32_t need = (uint32_t)name_len + 1u + 2u + 1u + version_len + 1u + 2u * OTA_SHA256_LEN;

    if (ota_name_check_image(row->name, name_len, NULL) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    if (cap < need + 1u) {
        return OTA_ERR_INVALID_ARG;
    }
    char *p = buf;
    memcpy(p, row->name, name_len);
    p += name_len;
    *p++ = ',';
    /* Status in capitals, as the original wrote it ("FE"); the digest in lowercase. */
    static const char upper[] = "0123456789ABCDEF";
    *p++ = upper[row->status >> 4];
    *p++ = upper[row->status & 0x0Fu];
    *p++ = ',';
    memcpy(p, version, version_len);
    p += version_len;
    *p++ = ',';
    (void)ota_hex_encode(row->digest, OTA_SHA256_LEN, p); /* ends with the NUL */
    return (int)need;
}

/* One of the five status values: any other byte is a damaged row. */
static bool status_known(uint8_t status)
{
    return status == OTA_STATUS_EMPTY || status == OTA_STATUS_DOWNLOADED || status == OTA_STATUS_UNBOOTED ||
           status == OTA_STATUS_VALID || status == OTA_STATUS_DISABLED;
}

int ota_db_parse_row(const char *line, uint32_t len, ota_db_row_t *row)
{
    /* Split into at most 5 comma-separated fields. */
    const char *field[5];
    uint32_t flen[5];
    uint32_t nfields = 0;
    uint32_t start = 0;

    memset(row, 0, sizeof *row);
    /* No field holds a control byte: a NUL would cut a name short in C
     * ("factory.bin\0EVIL" is not the golden row), and nothing we write
     * has one. */
    for (uint32_t i = 0; i < len; i++) {
        if ((unsigned char)line[i] < 0x20u || (unsigned char)line[i] == 0x7Fu) {
            return OTA_ERR_CORRUPT;
        }
    }
    for (uint32_t i = 0; i <= len; i++) {
        if (i == len || line[i] == ',') {
            if (nfields == 5) {
                return OTA_ERR_CORRUPT;
            }
            field[nfields] = line + start;
            flen[nfields] = i - start;
            nfields++;
            start = i + 1;
        }
    }
    if (nfields != 4 && nfields != 5) {
        return OTA_ERR_CORRUPT;
    }
    /* The original's five-column rows put a type before the digest; ignored. */
    uint32_t digest_field = nfields - 1u;

    if (ota_name_check_image(field[0], flen[0], NULL) != OTA_OK) {
        return OTA_ERR_CORRUPT;
    }
    memcpy(row->name, field[0], flen[0]);
    row->name[flen[0]] = '\0';
    if (flen[1] != 2 || ota_hex_decode(field[1], 2, &row->status, 1) != OTA_OK || !status_known(row->status)) {
        return OTA_ERR_CORRUPT;
    }
    /* Versions are decimal: the original wrote decimal and read hex, a bug not copied. */
    if (ota_dec_parse(field[2], flen[2], &row->version) != OTA_OK || row->version == 0) {
        return OTA_ERR_CORRUPT;
    }
    if (flen[digest_field] != 2u * OTA_SHA256_LEN ||
        ota_hex_decode(field[digest_field], 2u * OTA_SHA256_LEN, row->digest, OTA_SHA256_LEN) != OTA_OK) {
        return OTA_ERR_CORRUPT;
    }
    return OTA_OK;
}

/* ---- load ----------------------------------------------------------------- */

static void db_reject_line(ota_db_t *db, const ota_system_t *sys, uint32_t line_no, const char *why)
{
    if (db->bad_lines == 0) {
        db->first_bad_line = (uint16_t)(line_no > 0xFFFFu ? 0xFFFFu : line_no);
    }
    if (db->bad_lines < 0xFFFFu) {
        db->bad_lines++;
    }
    ota_log(sys, OTA_LOG_WARN, why, (int32_t)line_no);
}

static void db_take_line(ota_db_t *db, const ota_system_t *sys, const char *line, uint32_t len, uint32_t line_no)
{
    ota_db_row_t row;

    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    if (len == 0) {
        return; /* blank lines are harmless */
    }
    if (ota_db_parse_row(line, len, &row) != OTA_OK) {
        db_reject_line(db, sys, line_no, "imgdb: malformed line skipped");
        return;
    }
    if (ota_db_find_version(db, row.version) != NULL || ota_db_find_name(db, row.name) != NULL) {
        db_reject_line(db, sys, line_no, "imgdb: duplicate version or name skipped");
        return;
    }
    if (db->count >= OTA_DB_MAX_ROWS) {
        db_reject_line(db, sys, line_no, "imgdb: row beyond the table size skipped");
        return;
    }
    db->rows[db->count++] = row;
}

int ota_db_load(ota_db_t *db, const ota_store_t *store, const ota_system_t *sys)
{
    char chunk[DB_READ_CHUNK];
    char line[OTA_DB_LINE_MAX + 1];
    uint32_t line_len = 0;
    uint32_t line_no = 1;
    bool overlong = false;
    int err = OTA_OK;

    memset(db, 0, sizeof *db);
    int fh = store->open(store->ctx, OTA_DB_NAME, OTA_STORE_READ);
    if (fh == OTA_ERR_NOT_FOUND) {
        return OTA_OK;
    }
    if (fh < 0) {
        return fh;
    }
    for (;;) {
        int n = store->read(store->ctx, fh, chunk, sizeof chunk);
        if (n < 0) {
            err = n;
            break;
        }
        if (n == 0) {
            break;
        }
        for (int i = 0; i < n; i++) {
            char c = chunk[i];
            if (c == '\n') {
                if (overlong) {
                    db_reject_line(db, sys, line_no, "imgdb: overlong line skipped");
                } else {
                    db_take_line(db, sys, line, line_len, line_no);
                }
                line_no++;
                line_len = 0;
                overlong = false;
            } else if (line_len < OTA_DB_LINE_MAX + 1u) {
                line[line_len++] = c;
            } else {
                overlong = true;
            }
        }
    }
    if (err == OTA_OK && (line_len > 0 || overlong)) {
        /* A last line without its newline: accepted if it parses (hand-edited files). */
        if (overlong) {
            db_reject_line(db, sys, line_no, "imgdb: overlong line skipped");
        } else {
            db_take_line(db, sys, line, line_len, line_no);
        }
    }
    (void)store->close(store->ctx, fh);
    if (err != OTA_OK) {
        memset(db, 0, sizeof *db);
    }
    return err;
}

/* ---- save ----------------------------------------------------------------- */

int ota_db_save(const ota_db_t *db, const ota_store_t *store)
{
    char line[OTA_DB_LINE_MAX + 2];
    int err = OTA_OK;

    /* Cut here or anywhere before the rename: the old database is untouched;
     * the temporary file is garbage that the next save truncates. */
    int fh = store->open(store->ctx, DB_TMP_NAME, OTA_STORE_WRITE);
    if (fh < 0) {
        return fh;
    }
    for (uint8_t i = 0; i < db->count && err == OTA_OK; i++) {
        int len = ota_db_format_row(&db->rows[i], line, sizeof line - 1u);
        if (len < 0) {
            err = len;
            break;
        }
        line[len] = '\n';
        err = store->write(store->ctx, fh, line, (uint32_t)len + 1u);
    }
    return ota_file_publish(store, fh, err, DB_TMP_NAME, OTA_DB_NAME);
}

/* ---- changes: in RAM, then saved; RAM is restored when the save fails ------ */

int ota_db_add(ota_db_t *db, const ota_store_t *store, const char *name, uint8_t status, uint32_t version,
               const uint8_t digest[OTA_SHA256_LEN])
{
    if (name == NULL || ota_name_check_image(name, ota_strnlen(name, OTA_STORE_NAME_MAX + 1u), NULL) != OTA_OK) {
        return OTA_ERR_NAME;
    }
    if (version == 0) {
        return OTA_ERR_INVALID_ARG;
    }
    if (ota_db_find_version(db, version) != NULL || ota_db_find_name(db, name) != NULL) {
        return OTA_ERR_EXISTS;
    }
    if (db->count >= OTA_DB_MAX_ROWS) {
        return OTA_ERR_FULL;
    }
    ota_db_row_t *row = &db->rows[db->count];
    memset(row, 0, sizeof *row);
    memcpy(row->name, name, strlen(name) + 1u);
    row->status = status;
    row->version = version;
    memcpy(row->digest, digest, OTA_SHA256_LEN);
    db->count++;
    int err = ota_db_save(db, store);
    if (err != OTA_OK) {
        db->count--;
    }
    return err;
}

int ota_db_set_status(ota_db_t *db, const ota_store_t *store, uint32_t version, uint8_t status)
{
    ota_db_row_t *row = ota_db_find_version(db, version);
    if (row == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    uint8_t old = row->status;
    if (old == status) {
        return OTA_OK;
    }
    row->status = status;
    int err = ota_db_save(db, store);
    if (err != OTA_OK) {
        row->status = old;
    }
    return err;
}

int ota_db_remove(ota_db_t *db, const ota_store_t *store, uint32_t version)
{
    ota_db_row_t *row = ota_db_find_version(db, version);
    if (row == NULL) {
        return OTA_ERR_NOT_FOUND;
    }
    uint8_t index = (uint8_t)(row - db->rows);
    ota_db_row_t removed = *row;
    memmove(&db->rows[index], &db->rows[index + 1u], (size_t)(db->count - index - 1u) * sizeof *row);
    db->count--;
    int err = ota_db_save(db, store);
    if (err != OTA_OK) {
        memmove(&db->rows[index + 1u], &db->rows[index], (size_t)(db->count - index) * sizeof *row);
        db->rows[index] = removed;
        db->count++;
    }
    return err;
}
