/*
 * Benchmarks 2 and 3: the bootloader's work on the simulated device.
 *
 * 2. Install: a 1 MiB image waits in the store (row 0xFE, running image
 *    marked 0xF0, as the service leaves it). One boot installs it. Counted
 *    in the application region: sector erases, bytes programmed; in the
 *    store: bytes read. Each is printed as a ratio to the ideal (sectors
 *    the image covers, image size, image size); targets 1.00, 1.00, <= 2.00.
 *    The application region is four times the image, so erasing more than
 *    the image needs would show.
 * 3. Boot with nothing to do: the installed image confirmed (0xF8 in the
 *    record). One boot takes the direct-jump path; counted: flash bytes read
 *    (one pass over the two-sector boot control area and the newest record
 *    again: target <= 1.10 of the area), store operations and bytes (target
 *    0: the bootloader does not read the database), bytes hashed (target 0:
 *    no image hash).
 *
 * usage: bench_flash [--results FILE] [--tmpdir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_device.h"
#include "bench_ports.h"
#include "bench_util.h"
#include "sysota/ota_boot.h"
#include "ota_bootctl.h"
#include "ota_handover.h"
#include "ota_imgdb.h"
#include "test_server.h"

#define IMAGE_SIZE (1024u * 1024u)
#define GOLDEN_SIZE (64u * 1024u)
#define NVM_SIZE (4u * 1024u * 1024u + 4096u)

typedef struct rig {
    bench_device_t d;
    bench_flash_t flash;
    bench_crypto_t crypto;
    bench_store_t store;
    ota_boot_config_t cfg; /* the device's, with the counting ports */
} rig_t;

/* Leave the store and the boot control sector as the service's publish does. */
static int stage_update(rig_t *r, uint32_t version)
{
    const ota_store_t *st = &r->d.dev.store;
    uint8_t *img = malloc(IMAGE_SIZE);
    uint8_t digest[OTA_SHA256_LEN];
    char name[32];
    if (img == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    bench_image(version, img, IMAGE_SIZE);
    snprintf(name, sizeof name, "app_v%u.bin", (unsigned)version);
    int err = posix_crypto_sha256_buffer(&r->d.dev.crypto, img, IMAGE_SIZE, digest);
    int fh = err == OTA_OK ? st->open(st->ctx, name, OTA_STORE_WRITE) : err;
    err = fh < 0 ? fh : st->write(st->ctx, fh, img, IMAGE_SIZE);
    if (err == OTA_OK) {
        err = st->sync(st->ctx, fh);
    }
    if (fh >= 0) {
        int e2 = st->close(st->ctx, fh);
        err = err != OTA_OK ? err : e2;
    }
    free(img);
    ota_db_t db;
    if (err == OTA_OK) {
        err = ota_db_load(&db, st, NULL);
    }
    if (err == OTA_OK) {
        err = ota_db_add(&db, st, name, OTA_STATUS_DOWNLOADED, version, digest);
    }
    /* The service's mark: the record F0, its table listing the new row. */
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    bool changed;
    if (err == OTA_OK) {
        err = ota_bootctl_init(&bc, &r->d.dev.flash, r->d.dev.boot_cfg.layout.bootctl_addr,
                               r->d.dev.boot_cfg.layout.bootctl_size);
    }
    if (err == OTA_OK) {
        err = ota_bootctl_read(&bc, &rec);
    }
    if (err == OTA_OK) {
        err = ota_handover_table(&rec, &db, st, &changed);
    }
    if (err == OTA_OK) {
        rec.status = OTA_STATUS_DISABLED;
        err = ota_bootctl_write(&bc, &rec);
    }
    return err;
}

static void reset_counters(rig_t *r)
{
    bench_flash_reset(&r->flash);
    bench_crypto_reset(&r->crypto);
    bench_store_reset(&r->store);
    sim_store_reset_counters(&r->d.dev.store_sim);
}

static int boot(rig_t *r, ota_boot_result_t *res)
{
    return ota_boot_run(&r->d.boot, &r->cfg, res);
}

static int bench_install(rig_t *r)
{
    const uint32_t sector = r->d.dev.flash.sector_size;
    ota_boot_result_t res;
    int err = stage_update(r, 2);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_flash: staging: %s\n", ota_err_name(err));
        return err;
    }
    reset_counters(r);
    err = boot(r, &res);
    if (err != OTA_OK || !res.installed || res.version != 2) {
        fprintf(stderr, "bench_flash: install boot: %s (installed %d, version %u)\n", ota_err_name(err), res.installed,
                (unsigned)res.version);
        return err != OTA_OK ? err : OTA_ERR_STATE;
    }
    const bench_store_t *sc = &r->store;
    const double covered = (double)((IMAGE_SIZE + sector - 1u) / sector);
    bench_note("install: 1 MiB image, %u-byte sectors, %u-byte write unit, application region %u KiB", (unsigned)sector,
               (unsigned)r->d.dev.flash.write_unit, (unsigned)(r->cfg.layout.app_size / 1024u));
    bench_figure("install.image_size", (double)IMAGE_SIZE, "bytes (the ideal for programmed and store read)");
    bench_figure("install.sectors_covered", covered, "sectors the image covers (the ideal for erases)");
    bench_figure("install.app_erases", (double)r->flash.in.erases, "sector erases in the application region");
    bench_figure("install.erase_ratio", (double)r->flash.in.erases / covered, "erases / sectors covered (target 1.00)");
    bench_figure("install.app_programmed", (double)r->flash.in.bytes_programmed,
                 "bytes programmed, application region");
    bench_figure("install.program_ratio", (double)r->flash.in.bytes_programmed / IMAGE_SIZE,
                 "programmed / image size (target 1.00)");
    bench_figure("install.store_read", (double)sc->other_bytes_read, "store bytes read from the image file");
    bench_figure("install.store_read_ratio", (double)sc->other_bytes_read / IMAGE_SIZE,
                 "image file read / image size (target <= 2.00)");
    bench_figure("install.store_read_all_ratio", (double)(sc->other_bytes_read + sc->db_bytes_read) / IMAGE_SIZE,
                 "all store reads (database too) / image size");
    bench_figure("install.flash_read_ratio", (double)r->flash.in.bytes_read / IMAGE_SIZE,
                 "application flash read / image size (read-back verify)");
    bench_figure("install.hashed_ratio", (double)r->crypto.bytes_hashed / IMAGE_SIZE, "bytes hashed / image size");
    bench_figure("install.bootctl_erases", (double)r->flash.out.erases, "boot control sector erases");
    bench_figure("install.bootctl_programmed", (double)r->flash.out.bytes_programmed, "boot control bytes programmed");
    bench_figure("install.store_ops", (double)sc->ops, "store calls");
    return OTA_OK;
}

static int bench_direct_boot(rig_t *r)
{
    ota_boot_result_t res;
    /* The application's self-test passed: 0xFC -> 0xF8 in record and row. */
    int err = ota_app_confirm(&r->d.dev.boot_cfg);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_flash: confirm: %s\n", ota_err_name(err));
        return err;
    }
    reset_counters(r);
    err = boot(r, &res);
    if (err != OTA_OK || !res.direct || res.installed || res.version != 2) {
        fprintf(stderr, "bench_flash: direct boot: %s (direct %d)\n", ota_err_name(err), res.direct);
        return err != OTA_OK ? err : OTA_ERR_STATE;
    }
    sim_store_counters_t sc;
    sim_store_counters(&r->d.dev.store_sim, &sc);
    const bench_store_t *bs = &r->store;
    const bench_flash_counts_t *a = &r->flash.in, *b = &r->flash.out;
    const double area = (double)r->d.dev.boot_cfg.layout.bootctl_size;
    bench_figure("boot.bootctl_size", area, "bytes of the boot control area (two sectors)");
    bench_figure("boot.flash_read", (double)(a->bytes_read + b->bytes_read),
                 "flash bytes read (target <= 1.10 of the boot control area)");
    bench_figure("boot.flash_read_ratio", (double)(a->bytes_read + b->bytes_read) / area,
                 "flash read / boot control area (target <= 1.10)");
    bench_figure("boot.flash_reads", (double)(a->reads + b->reads), "flash read calls");
    bench_figure("boot.flash_writes", (double)(a->erases + b->erases + a->programs + b->programs),
                 "flash erases + programs (expected 0)");
    bench_figure("boot.hashed", (double)r->crypto.bytes_hashed, "bytes hashed (target 0: no image hash)");
    bench_figure("boot.store_ops", (double)bs->ops, "store calls");
    bench_figure("boot.store_read", (double)(bs->db_bytes_read + bs->other_bytes_read),
                 "store bytes read (expected 0: the database is not read)");
    bench_figure("boot.image_read", (double)bs->other_bytes_read, "store bytes read from images (expected 0)");
    bench_figure("boot.store_mutating", (double)sc.mutating_ops, "store writes / renames / removes (expected 0)");
    return OTA_OK;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else {
            fprintf(stderr, "usage: %s [--results FILE] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    char work[BENCH_PATH_MAX];
    int begun = bench_begin(&opts, "flash", work, sizeof work);
    if (begun != 0) {
        return begun;
    }
    static rig_t r;
    int rc = 1;
    int err = bench_device_open(&r.d, work, NVM_SIZE, 1, GOLDEN_SIZE);
    if (err != OTA_OK) {
        fprintf(stderr, "bench_flash: device: %s\n", ota_err_name(err));
    } else {
        r.cfg = r.d.dev.boot_cfg;
        bench_flash_wrap(&r.flash, &r.d.dev.flash, r.cfg.layout.app_addr,
                         r.cfg.layout.app_addr + r.cfg.layout.app_size);
        bench_crypto_wrap(&r.crypto, &r.d.dev.crypto);
        bench_store_wrap(&r.store, &r.d.dev.store);
        r.cfg.flash = &r.flash.port;
        r.cfg.store = &r.store.port;
        r.cfg.crypto = &r.crypto.port;
        if (bench_install(&r) == OTA_OK && bench_direct_boot(&r) == OTA_OK) {
            rc = 0;
        }
        bench_device_close(&r.d);
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}
