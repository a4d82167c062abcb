/*
 * `sysota sim status`: what a debugger and a look at the external flash
 * would show: the boot control record (and whether program flash really
 * holds the image it names), the image database, the store's files, and the
 * counters of the last run. Reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_filedigest.h"
#include "sim.h"
#include "sysota_cmd.h"
#include "ota_imgdb.h"

#define STATUS_MAX_FILES 64

typedef struct store_file {
    char name[OTA_STORE_NAME_MAX + 1];
    uint32_t size;
} store_file_t;

typedef struct store_list {
    store_file_t files[STATUS_MAX_FILES];
    unsigned count;
    unsigned more; /* files beyond the table */
    uint64_t bytes;
} store_list_t;

typedef struct status {
    bool have_rec;
    int rec_err;
    ota_bootctl_record_t rec;
    bool flash_ok;
    int db_err;
    ota_db_t db;
    store_list_t store;
    simcmd_last_run_t last;
} status_t;

static void status_usage(FILE *out)
{
    fprintf(out, "usage: sysota sim status DEV [--json]\n"
                 "\n"
                 "The running image (boot control record, and whether program flash holds it),\n"
                 "the image database, the store's files, and what the last `run` did.\n"
                 "--json keys: running.version, running.status (\"F8\"), running.flash_ok,\n"
                 "images[] {name, version, status}, store[] {name, size}, last_run.ops,\n"
                 "security.keys[] (key ids), security.sequence, security.floor, ...\n");
}

static int collect_file(void *arg, const char *name, uint32_t size)
{
    store_list_t *l = arg;
    l->bytes += size;
    if (l->count < STATUS_MAX_FILES) {
        snprintf(l->files[l->count].name, sizeof l->files[0].name, "%s", name);
        l->files[l->count].size = size;
        l->count++;
    } else {
        l->more++;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const store_file_t *)a)->name, ((const store_file_t *)b)->name);
}

static bool flash_matches(const simcmd_device_t *d, const ota_bootctl_record_t *rec)
{
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    if (rec->size == 0 || rec->size > bc->layout.app_size || rec->boot_addr != bc->layout.app_addr) {
        return false;
    }
    const uint8_t *flash = sim_nor_data(&d->dev.nor);
    uint8_t digest[OTA_SHA256_LEN];
    return posix_crypto_sha256_buffer(&d->dev.crypto, flash + bc->layout.app_addr, rec->size, digest) == OTA_OK &&
           memcmp(digest, rec->digest, OTA_SHA256_LEN) == 0;
}

static void gather(const simcmd_device_t *d, status_t *s)
{
    memset(s, 0, sizeof *s);
    s->rec_err = ota_app_running(&d->dev.boot_cfg, &s->rec);
    s->have_rec = s->rec_err == OTA_OK;
    s->flash_ok = s->have_rec && flash_matches(d, &s->rec);
    s->db_err = ota_db_load(&s->db, &d->dev.store, NULL);
    (void)d->dev.store.list(d->dev.store.ctx, collect_file, &s->store);
    qsort(s->store.files, s->store.count, sizeof s->store.files[0], by_name);
    (void)simcmd_last_run_load(d->dir, &s->last);
}

static void json_string(const char *str)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

static const char *type_name(uint8_t type)
{
    return type == OTA_TYPE_FACTORY ? "factory" : type == OTA_TYPE_PRODUCTION ? "production" : "?";
}

static void print_json(const simcmd_device_t *d, const status_t *s)
{
    char hex[TOOL_FILEDIGEST_HEX_SIZE];
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    printf("{\n  \"device\": {\"profile\": \"%s\", \"nvm_size\": %u, \"sector_size\": %u, \"write_unit\": %u, "
           "\"store_size\": %llu, \"max_attempts\": %u,\n"
           "    \"hex_base\": \"0x%08X\", \"boot_control\": \"0x%08X\", \"application\": \"0x%08X\", "
           "\"app_size\": %u, \"manifest_url\": ",
           d->cfg.profile, (unsigned)d->cfg.nvm_size, (unsigned)d->cfg.sector_size, (unsigned)d->cfg.write_unit,
           (unsigned long long)d->cfg.store_size, (unsigned)d->cfg.max_attempts, (unsigned)d->cfg.hex_base,
           (unsigned)(d->cfg.hex_base + bc->layout.bootctl_addr), (unsigned)(d->cfg.hex_base + bc->layout.app_addr),
           (unsigned)bc->layout.app_size);
    json_string(d->cfg.manifest_url);
    printf(", \"device_id\": ");
    json_string(d->cfg.device_id);
    printf("},\n");
    if (s->have_rec) {
        tool_filedigest_hex(s->rec.digest, hex);
        printf("  \"running\": {\"record\": true, \"version\": %u, \"status\": \"%02X\", \"type\": \"%s\", "
               "\"attempts\": %u, \"size\": %u, \"boot_addr\": \"0x%08X\", \"digest\": \"%s\", \"flash_ok\": %s},\n",
               (unsigned)s->rec.version, s->rec.status, type_name(s->rec.type), s->rec.attempts, (unsigned)s->rec.size,
               (unsigned)(d->cfg.hex_base + s->rec.boot_addr), hex, s->flash_ok ? "true" : "false");
        printf("  \"golden\": {\"version\": %u},\n", (unsigned)s->rec.golden_version);
        printf("  \"table\": [");
        for (unsigned i = 0; i < s->rec.table_count; i++) {
            const ota_boot_entry_t *e = &s->rec.table[i];
            printf("%s\n    {\"name\": ", i ? "," : "");
            json_string(e->name);
            printf(", \"version\": %u, \"size\": %u, \"status\": \"%02X\", \"ahead\": %s}", (unsigned)e->version,
                   (unsigned)e->size, e->status, (e->flags & OTA_BOOT_ENTRY_AHEAD) ? "true" : "false");
        }
        printf("%s],\n", s->rec.table_count ? "\n  " : "");
    } else {
        printf("  \"running\": {\"record\": false, \"version\": 0, \"status\": \"FF\", \"error\": \"%s\", "
               "\"flash_ok\": false},\n",
               ota_err_name(s->rec_err));
        printf("  \"golden\": {\"version\": 0},\n");
    }
    printf("  \"security\": {\"keys\": [");
    for (unsigned i = 0; i < d->cfg.keys.count && i < OTA_KEYS_MAX; i++) {
        char id[SIMCMD_KEY_ID_HEX_SIZE];
        (void)simcmd_key_id_hex(&d->dev.crypto, d->cfg.keys.point[i], id);
        printf("%s\"%s\"", i ? ", " : "", id);
    }
    /* The record's security state; 0 without a record (nothing accepted, no floor). */
    printf("], \"hardware_id\": ");
    json_string(d->cfg.hardware_id);
    printf(", \"sequence\": %u, \"floor\": %u, \"pending_floor\": %u, \"pending_version\": %u},\n",
           s->have_rec ? (unsigned)s->rec.manifest_seq : 0u, s->have_rec ? (unsigned)s->rec.floor : 0u,
           s->have_rec ? (unsigned)s->rec.pending_floor : 0u, s->have_rec ? (unsigned)s->rec.pending_version : 0u);
    printf("  \"database\": {\"ok\": %s, \"bad_lines\": %u},\n", s->db_err == OTA_OK ? "true" : "false",
           (unsigned)s->db.bad_lines);
    printf("  \"images\": [");
    for (unsigned i = 0; i < s->db.count; i++) {
        const ota_db_row_t *r = &s->db.rows[i];
        tool_filedigest_hex(r->digest, hex);
        printf("%s\n    {\"name\": ", i ? "," : "");
        json_string(r->name);
        printf(", \"version\": %u, \"status\": \"%02X\", \"digest\": \"%s\"}", (unsigned)r->version, r->status, hex);
    }
    printf("%s],\n  \"store\": [", s->db.count ? "\n  " : "");
    for (unsigned i = 0; i < s->store.count; i++) {
        printf("%s\n    {\"name\": ", i ? "," : "");
        json_string(s->store.files[i].name);
        printf(", \"size\": %u}", (unsigned)s->store.files[i].size);
    }
    printf("%s],\n", s->store.count ? "\n  " : "");
    const simcmd_last_run_t *l = &s->last;
    printf("  \"last_run\": {\"ops\": %llu, \"result\": \"%s\", \"until\": \"%s\", \"reason\": ",
           (unsigned long long)l->ops, l->present ? l->result : "none", l->until);
    json_string(l->reason);
    printf(", \"cut_after\": %llu, \"cut_mode\": \"%s\", \"boots\": %u, \"resets\": %u, \"version\": %u,\n"
           "    \"flash\": {\"erases\": %llu, \"programs\": %llu, \"bytes_programmed\": %llu, \"violations\": %llu},\n"
           "    \"store\": {\"mutating_ops\": %llu, \"bytes_written\": %llu, \"bytes_read\": %llu}}\n}\n",
           (unsigned long long)l->cut_after, l->cut_mode, l->boots, l->resets, (unsigned)l->version,
           (unsigned long long)l->flash.erases, (unsigned long long)l->flash.programs,
           (unsigned long long)l->flash.bytes_programmed, (unsigned long long)l->flash.violations,
           (unsigned long long)l->store.mutating_ops, (unsigned long long)l->store.bytes_written,
           (unsigned long long)l->store.bytes_read);
}

/* The keys and hardware id the device is built with, and the record's security state. */
static void print_security(const simcmd_device_t *d, const status_t *s)
{
    char ids[OTA_KEYS_MAX * (SIMCMD_KEY_ID_HEX_SIZE + 2)];
    simcmd_keys_text(&d->dev.crypto, &d->cfg.keys, ids, sizeof ids);
    if (d->cfg.keys.count) {
        printf("security: key%s %s (signed manifests and images only)", d->cfg.keys.count == 1 ? "" : "s", ids);
    } else {
        printf("security: no key (compatibility mode: unsigned manifests and images accepted)");
    }
    if (d->cfg.hardware_id[0]) {
        printf(", hardware id %s", d->cfg.hardware_id);
    }
    printf("\n");
    /* A device without keys shows its record's security state only once it has one. */
    if (!s->have_rec ||
        (d->cfg.keys.count == 0 && s->rec.manifest_seq == 0 && s->rec.floor == 0 && s->rec.pending_floor == 0)) {
        return;
    }
    if (s->rec.manifest_seq) {
        printf("  manifest Sequence %u accepted (an older one is refused)", (unsigned)s->rec.manifest_seq);
    } else {
        printf("  no signed manifest accepted yet");
    }
    if (s->rec.floor) {
        printf("; floor v%u (nothing below it is installed)", (unsigned)s->rec.floor);
    } else {
        printf("; no floor");
    }
    if (s->rec.pending_floor) {
        printf("; floor %u once v%u confirms", (unsigned)s->rec.pending_floor, (unsigned)s->rec.pending_version);
    }
    printf("\n");
}

static void print_text(const simcmd_device_t *d, const status_t *s)
{
    char store[40] = "unlimited";
    if (d->cfg.store_size) {
        snprintf(store, sizeof store, "%llu bytes", (unsigned long long)d->cfg.store_size);
    }
    const ota_boot_config_t *bc = &d->dev.boot_cfg;
    printf("device %s: flash %u bytes (%u-byte sectors, %u-byte write unit), store %s\n", d->dir,
           (unsigned)d->cfg.nvm_size, (unsigned)d->cfg.sector_size, (unsigned)d->cfg.write_unit, store);
    if (d->cfg.device_id[0]) {
        printf("device id: %s (staged rollouts)\n", d->cfg.device_id);
    }
    printf("layout (%s): boot control at HEX 0x%08X, application at HEX 0x%08X (%u bytes)\n", d->cfg.profile,
           (unsigned)(d->cfg.hex_base + bc->layout.bootctl_addr), (unsigned)(d->cfg.hex_base + bc->layout.app_addr),
           (unsigned)bc->layout.app_size);
    if (s->have_rec) {
        printf("running: v%u, status %02X (%s), %s image, %u bytes at HEX 0x%08X, %s\n", (unsigned)s->rec.version,
               s->rec.status, simcmd_status_name(s->rec.status), type_name(s->rec.type), (unsigned)s->rec.size,
               (unsigned)(d->cfg.hex_base + s->rec.boot_addr),
               s->flash_ok ? "program flash matches its digest" : "PROGRAM FLASH DOES NOT MATCH ITS DIGEST");
        if (s->rec.status == OTA_STATUS_UNBOOTED) {
            printf("  boots while unconfirmed: %u of %u\n", s->rec.attempts, (unsigned)d->cfg.max_attempts);
        }
        printf("golden: v%u\n", (unsigned)s->rec.golden_version);
        printf("boot control table (what the bootloader chooses from): %u image%s\n", (unsigned)s->rec.table_count,
               s->rec.table_count == 1 ? "" : "s");
        for (unsigned i = 0; i < s->rec.table_count; i++) {
            const ota_boot_entry_t *e = &s->rec.table[i];
            printf("  v%-4u %02X %-10s %s, %u bytes%s\n", (unsigned)e->version, e->status,
                   simcmd_status_name(e->status), e->name, (unsigned)e->size,
                   (e->flags & OTA_BOOT_ENTRY_AHEAD) ? " (decided at boot; the database follows at the next start)"
                                                     : "");
        }
    } else {
        printf("running: no boot control record (%s): %s\n", ota_err_name(s->rec_err),
               s->rec_err == OTA_ERR_NOT_FOUND ? "never flashed (sysota sim flash)"
                                               : "the bootloader will boot nothing until it is flashed again");
    }
    print_security(d, s);
    if (s->db_err != OTA_OK) {
        printf("images: the database cannot be read (%s)\n", ota_err_name(s->db_err));
    } else {
        printf("images (%s): %u row%s%s\n", OTA_DB_NAME, s->db.count, s->db.count == 1 ? "" : "s",
               s->db.bad_lines ? ", some lines malformed" : "");
        for (unsigned i = 0; i < s->db.count; i++) {
            const ota_db_row_t *r = &s->db.rows[i];
            printf("  v%-4u %02X %-10s %s\n", (unsigned)r->version, r->status, simcmd_status_name(r->status), r->name);
        }
    }
    printf("store: %u file%s, %llu bytes\n", s->store.count + s->store.more,
           s->store.count + s->store.more == 1 ? "" : "s", (unsigned long long)s->store.bytes);
    for (unsigned i = 0; i < s->store.count; i++) {
        printf("  %-24s %u\n", s->store.files[i].name, (unsigned)s->store.files[i].size);
    }
    const simcmd_last_run_t *l = &s->last;
    if (!l->present) {
        printf("last run: none\n");
        return;
    }
    printf("last run: %s (until %s), %llu flash/store writes, %u boot%s, %u reset%s%s%s\n", l->result, l->until,
           (unsigned long long)l->ops, l->boots, l->boots == 1 ? "" : "s", l->resets, l->resets == 1 ? "" : "s",
           l->reason[0] ? ": " : "", l->reason);
    printf("  flash: %llu erases, %llu programs (%llu bytes), %llu write units programmed twice\n",
           (unsigned long long)l->flash.erases, (unsigned long long)l->flash.programs,
           (unsigned long long)l->flash.bytes_programmed, (unsigned long long)l->flash.violations);
    printf("  store: %llu writes (%llu bytes written, %llu read)\n", (unsigned long long)l->store.mutating_ops,
           (unsigned long long)l->store.bytes_written, (unsigned long long)l->store.bytes_read);
}

int simcmd_cmd_status(int argc, char **argv)
{
    const char *dev = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            status_usage(stdout);
            return SYSOTA_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (argv[i][0] != '-' && dev == NULL) {
            dev = argv[i];
        } else {
            fprintf(stderr, "sysota sim status: unexpected argument '%s'\n", argv[i]);
            status_usage(stderr);
            return SYSOTA_EXIT_USAGE;
        }
    }
    if (dev == NULL) {
        status_usage(stderr);
        return SYSOTA_EXIT_USAGE;
    }
    simcmd_device_t *d = calloc(1, sizeof *d);
    status_t *s = calloc(1, sizeof *s);
    if (d == NULL || s == NULL || simcmd_device_open(d, "status", dev, NULL) != OTA_OK) {
        free(d);
        free(s);
        return SYSOTA_EXIT_INPUT;
    }
    gather(d, s);
    if (json) {
        print_json(d, s);
    } else {
        print_text(d, s);
    }
    simcmd_device_close(d);
    free(d);
    free(s);
    return SYSOTA_EXIT_OK;
}
