#include "device_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ota_imgdb.h"
#include "test_tmpdir.h"
#include "ota_bootctl.h"
#include "ota_handover.h"
#include "sysota/ota_app.h"

void fixture_open(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "dev"), OTA_OK);
    snprintf(f->store_path, sizeof f->store_path, "%s/store", f->dir);
    f->cfg.store_path = f->store_path;
    f->cfg.nvm_size = 64u * 1024u;
    f->cfg.sector_size = 4096u;
    f->cfg.write_unit = 16u;
    f->cfg.seed = 1;
    assert_int_equal(sim_device_open(&f->dev, &f->cfg), OTA_OK);
    fixture_quiet(f);
}

void fixture_quiet(fixture_t *f)
{
    /* The sweeps boot thousands of times; their assertions say what failed. */
    posix_system_set_log(&f->dev.sys_posix, OTA_LOG_ERROR, "sysota", false, NULL, NULL);
}

void fixture_reopen(fixture_t *f)
{
    assert_int_equal(sim_device_close(&f->dev), OTA_OK);
    assert_int_equal(sim_device_open(&f->dev, &f->cfg), OTA_OK);
    fixture_quiet(f);
}

void fixture_close(fixture_t *f)
{
    assert_int_equal(sim_store_open_handles(&f->dev.store_sim), 0);
    (void)sim_device_close(&f->dev);
    assert_int_equal(test_tmpdir_remove(f->dir), OTA_OK);
}

void fixture_image(uint32_t version, uint8_t *out, uint32_t size)
{
    uint32_t x = version * 2654435761u + 12345u;
    for (uint32_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)x;
    }
}

void fixture_digest(uint32_t version, uint32_t size, uint8_t out[32])
{
    uint8_t *img = malloc(size ? size : 1u);
    assert_non_null(img);
    fixture_image(version, img, size);
    ota_crypto_t c;
    posix_crypto_default(&c);
    assert_int_equal(posix_crypto_sha256_buffer(&c, img, size, out), OTA_OK);
    free(img);
}

void fixture_factory(fixture_t *f, uint32_t version, uint32_t size)
{
    uint8_t *img = malloc(size);
    assert_non_null(img);
    fixture_image(version, img, size);
    assert_int_equal(sim_device_factory_program(&f->dev, img, size, version), OTA_OK);
    free(img);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(res.version, version);
    /* The application's first start keeps the golden copy in the store. */
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    uint32_t stored;
    assert_int_equal(f->dev.store.stat(f->dev.store.ctx, OTA_GOLDEN_NAME, &stored), OTA_OK);
    assert_int_equal(stored, size);
}

void fixture_table_sync(fixture_t *f)
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    ota_db_t db;
    bool changed;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_read(&bc, &rec), OTA_OK);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_handover_table(&rec, &db, &f->dev.store, &changed), OTA_OK);
    if (changed) {
        assert_int_equal(ota_bootctl_write(&bc, &rec), OTA_OK);
    }
}

void fixture_store_write(fixture_t *f, const char *name, const void *data, uint32_t len)
{
    const ota_store_t *s = &f->dev.store;
    int fh = s->open(s->ctx, name, OTA_STORE_WRITE);
    assert_true(fh >= 0);
    assert_int_equal(s->write(s->ctx, fh, data, len), OTA_OK);
    assert_int_equal(s->sync(s->ctx, fh), OTA_OK);
    assert_int_equal(s->close(s->ctx, fh), OTA_OK);
}

uint32_t fixture_store_read(fixture_t *f, const char *name, void *buf, uint32_t cap)
{
    const ota_store_t *s = &f->dev.store;
    uint32_t len = 0;
    int fh = s->open(s->ctx, name, OTA_STORE_READ);
    assert_true(fh >= 0);
    for (;;) {
        int n = s->read(s->ctx, fh, (uint8_t *)buf + len, cap - len);
        assert_true(n >= 0);
        if (n == 0) {
            break;
        }
        len += (uint32_t)n;
        assert_true(len < cap); /* the caller's buffer holds the whole file */
    }
    assert_int_equal(s->close(s->ctx, fh), OTA_OK);
    return len;
}

void fixture_store_image(fixture_t *f, uint32_t version, uint32_t size, uint8_t status)
{
    char name[32];
    uint8_t digest[32];
    uint8_t *img = malloc(size);
    assert_non_null(img);
    fixture_image(version, img, size);
    snprintf(name, sizeof name, "app_v%u.bin", (unsigned)version);
    fixture_store_write(f, name, img, size);
    free(img);
    fixture_digest(version, size, digest);
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, name, status, version, digest), OTA_OK);
    fixture_table_sync(f);
}

void fixture_mark_running_disabled(fixture_t *f)
{
    ota_bootctl_t bc;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_set_status(&bc, OTA_STATUS_DISABLED), OTA_OK);
}

void fixture_publish(fixture_t *f, uint32_t version, uint32_t size)
{
    fixture_store_image(f, version, size, OTA_STATUS_DOWNLOADED);
    fixture_mark_running_disabled(f);
}

int fixture_boot(fixture_t *f, ota_boot_result_t *res)
{
    return ota_boot_run(&f->boot, &f->dev.boot_cfg, res);
}

int fixture_flash_holds(fixture_t *f, uint32_t version, uint32_t size)
{
    uint8_t *img = malloc(size);
    assert_non_null(img);
    fixture_image(version, img, size);
    const uint8_t *nvm = sim_nor_data(&f->dev.nor) + f->dev.boot_cfg.layout.app_addr;
    int same = memcmp(nvm, img, size) == 0;
    free(img);
    return same;
}

ota_bootctl_record_t fixture_record(fixture_t *f)
{
    ota_bootctl_record_t rec;
    assert_int_equal(ota_app_running(&f->dev.boot_cfg, &rec), OTA_OK);
    return rec;
}

ota_db_t fixture_db(fixture_t *f)
{
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    return db;
}
