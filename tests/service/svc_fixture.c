/* The service tests' fixture: see svc_fixture.h. */
#include "svc_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "ota_hex.h"
#include "ota_imgdb.h"
#include "device_fixture.h"
#include "test_server.h"
#include "ota_bootctl.h"
#include "ota_handover.h"
#include "sysota/ota_app.h"

static void on_event(void *arg, ota_service_event_t ev, const ota_service_event_data_t *d)
{
    svc_fix_t *f = arg;
    if (ev == OTA_EVENT_DOWNLOAD_PROGRESS) {
        f->progress_events++;
        return;
    }
    if (f->nevents < FIX_MAX_EVENTS) {
        f->events[f->nevents].ev = ev;
        f->events[f->nevents].d = *d;
        f->nevents++;
    }
}

void fix_open(svc_fix_t *f, uint32_t golden)
{
    fix_open_cap(f, golden, 0);
}

void fix_open_cap(svc_fix_t *f, uint32_t golden, uint64_t store_capacity)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, "svc"), OTA_OK);
    snprintf(f->store_path, sizeof f->store_path, "%s/store", f->dir);
    f->dcfg.store_path = f->store_path;
    f->dcfg.nvm_size = 64u * 1024u;
    f->dcfg.sector_size = 4096u;
    f->dcfg.write_unit = 16u;
    f->dcfg.seed = 7;
    f->dcfg.store_capacity = store_capacity;
    assert_int_equal(sim_device_open(&f->dev, &f->dcfg), OTA_OK);
    assert_int_equal(posix_system_fake_clock(&f->dev.sys_posix, 1000), OTA_OK);
    /* SVC_LOG=1 in the environment shows the service's log lines */
    ota_log_level_t level = getenv("SVC_LOG") ? OTA_LOG_DEBUG : OTA_LOG_ERROR;
    assert_int_equal(posix_system_set_log(&f->dev.sys_posix, level, "svc", true, NULL, NULL), OTA_OK);
    f->max_task_calls = 200000;

    uint8_t *img = malloc(FIX_IMAGE_SIZE);
    assert_non_null(img);
    fix_image(golden, img, FIX_IMAGE_SIZE);
    assert_int_equal(sim_device_factory_program(&f->dev, img, FIX_IMAGE_SIZE, golden), OTA_OK);
    free(img);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, golden);
    /* The application's first start keeps the golden copy. */
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
}

void fix_close(svc_fix_t *f)
{
    assert_int_equal(sim_store_open_handles(&f->dev.store_sim), 0);
    (void)sim_device_close(&f->dev);
    assert_int_equal(test_tmpdir_remove(f->dir), OTA_OK);
}

void fix_image(uint32_t version, uint8_t *out, uint32_t size)
{
    fixture_image(version, out, size);
}

void fix_digest(uint32_t version, uint32_t size, uint8_t out[32])
{
    fixture_digest(version, size, out);
}

void fix_digest_hex(uint32_t version, uint32_t size, char out[65])
{
    uint8_t d[32];
    fix_digest(version, size, d);
    assert_int_equal(ota_hex_encode(d, 32, out), OTA_OK);
}

void fix_store_write(svc_fix_t *f, const char *name, const void *data, uint32_t len)
{
    const ota_store_t *st = &f->dev.store;
    int fh = st->open(st->ctx, name, OTA_STORE_WRITE);
    assert_true(fh >= 0);
    assert_int_equal(st->write(st->ctx, fh, data, len), OTA_OK);
    assert_int_equal(st->sync(st->ctx, fh), OTA_OK);
    assert_int_equal(st->close(st->ctx, fh), OTA_OK);
}

bool fix_store_has(svc_fix_t *f, const char *name, uint32_t *size)
{
    uint32_t s = 0;
    bool has = f->dev.store.stat(f->dev.store.ctx, name, &s) == OTA_OK;
    if (size) {
        *size = s;
    }
    return has;
}

static int count_temp(void *arg, const char *name, uint32_t size)
{
    (void)size;
    if (name[0] == '.') {
        (*(unsigned *)arg)++;
    }
    return 0;
}

unsigned fix_temp_files(svc_fix_t *f)
{
    unsigned n = 0;
    assert_int_equal(f->dev.store.list(f->dev.store.ctx, count_temp, &n), OTA_OK);
    return n;
}

void fix_store_image(svc_fix_t *f, uint32_t version, const char *name, uint8_t status)
{
    char def[40];
    uint8_t *img = malloc(FIX_IMAGE_SIZE);
    uint8_t d[32];
    ota_db_t db;
    assert_non_null(img);
    if (name == NULL) {
        snprintf(def, sizeof def, "app_v%u.bin", (unsigned)version);
        name = def;
    }
    fix_image(version, img, FIX_IMAGE_SIZE);
    fix_store_write(f, name, img, FIX_IMAGE_SIZE);
    free(img);
    fix_digest(version, FIX_IMAGE_SIZE, d);
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_db_add(&db, &f->dev.store, name, status, version, d), OTA_OK);
    fix_table_sync(f);
}

void fix_table_sync(svc_fix_t *f)
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    ota_db_t db;
    bool changed;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    if (ota_bootctl_read(&bc, &rec) != OTA_OK) {
        return; /* not provisioned yet: nothing lists anything */
    }
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    assert_int_equal(ota_handover_table(&rec, &db, &f->dev.store, &changed), OTA_OK);
    if (changed) {
        assert_int_equal(ota_bootctl_write(&bc, &rec), OTA_OK);
    }
}

int fix_boot(svc_fix_t *f, ota_boot_result_t *res)
{
    (void)sim_device_reboot(&f->dev);
    return ota_boot_run(&f->boot, &f->dev.boot_cfg, res);
}

void fix_install(svc_fix_t *f, uint32_t version)
{
    ota_boot_result_t res;
    ota_bootctl_t bc;
    fix_store_image(f, version, NULL, OTA_STATUS_DOWNLOADED);
    /* what the service does once the image is stored: disable the running one */
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_set_status(&bc, OTA_STATUS_DISABLED), OTA_OK);
    assert_int_equal(fix_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, version);
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
}

ota_bootctl_record_t fix_record(svc_fix_t *f)
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_read(&bc, &rec), OTA_OK);
    return rec;
}

ota_db_t fix_db(svc_fix_t *f)
{
    ota_db_t db;
    assert_int_equal(ota_db_load(&db, &f->dev.store, NULL), OTA_OK);
    return db;
}

bool fix_flash_holds(svc_fix_t *f, uint32_t version)
{
    uint8_t *img = malloc(FIX_IMAGE_SIZE);
    assert_non_null(img);
    fix_image(version, img, FIX_IMAGE_SIZE);
    bool same = memcmp(sim_nor_data(&f->dev.nor) + f->dev.boot_cfg.layout.app_addr, img, FIX_IMAGE_SIZE) == 0;
    free(img);
    return same;
}

void fix_config(svc_fix_t *f, const char *manifest_url)
{
    ota_service_config_t *c = &f->cfg;
    ota_service_config_defaults(c);
    c->manifest_url = manifest_url;
    c->layout = f->dev.boot_cfg.layout;
    c->periodic = false;
    c->buf = f->buf;
    c->buf_size = sizeof f->buf;
    c->manifest_buf = f->mbuf;
    c->manifest_max = sizeof f->mbuf;
    c->on_event = on_event;
    c->event_arg = f;
    f->ports.flash = &f->dev.flash;
    f->ports.store = &f->dev.store;
    f->ports.transport = &f->tp;
    f->ports.crypto = &f->dev.crypto;
    f->ports.sys = &f->dev.sys;
}

void fix_start(svc_fix_t *f)
{
    assert_int_equal(ota_service_init(&f->svc, &f->cfg, &f->ports), OTA_OK);
}

int fix_run(svc_fix_t *f, uint32_t step_ms)
{
    int calls = 0;
    for (;;) {
        int r = ota_service_task(&f->svc);
        calls++;
        assert_true(r >= 0);
        if (r == 0) {
            return calls;
        }
        assert_true(calls < f->max_task_calls);
        if (step_ms) {
            (void)posix_system_advance(&f->dev.sys_posix, step_ms);
        }
    }
}

int fix_find(const svc_fix_t *f, ota_service_event_t ev, unsigned from)
{
    for (unsigned i = from; i < f->nevents; i++) {
        if (f->events[i].ev == ev) {
            return (int)i;
        }
    }
    return -1;
}

const ota_service_event_data_t *fix_event(const svc_fix_t *f, ota_service_event_t ev)
{
    int i = fix_find(f, ev, 0);
    if (i < 0) {
        fail_msg("event %d was not emitted", (int)ev);
    }
    return &f->events[i].d;
}

void fix_clear_events(svc_fix_t *f)
{
    f->nevents = 0;
    f->progress_events = 0;
}

int fix_entry(char *out, size_t cap, uint32_t version, const char *url, bool erase)
{
    char hex[65];
    fix_digest_hex(version, FIX_IMAGE_SIZE, hex);
    return snprintf(out, cap, "{\"Version\": %u, \"URL\": \"%s\", \"Digest\": \"%s\", \"EraseVer\": %s}",
                    (unsigned)version, url, hex, erase ? "true" : "false");
}

void fix_serve_update(struct fake_transport *ft, uint32_t version, const char *mf_url, const char *img_url,
                      uint8_t *img, char *mf, size_t mf_cap)
{
    fix_image(version, img, FIX_IMAGE_SIZE);
    fake_route_add(ft, img_url, img, FIX_IMAGE_SIZE)->range = true;
    int n = snprintf(mf, mf_cap, "{\"ota\": [");
    n += fix_entry(mf + n, mf_cap - (size_t)n, version, img_url, false);
    n += snprintf(mf + n, mf_cap - (size_t)n, "]}");
    fake_route_add(ft, mf_url, mf, (uint32_t)n);
}

/* ---- delta updates ------------------------------------------------------------- */

static uint32_t jojo_put(uint8_t *out, uint32_t n, uint32_t cap, uint8_t b)
{
    assert_true(n < cap);
    out[n] = b;
    return n + 1;
}

/* An operation with a length (EQL): the opcode and the length's coding. */
static uint32_t jojo_len(uint8_t *out, uint32_t n, uint32_t cap, uint8_t op, uint32_t len)
{
    n = jojo_put(out, jojo_put(out, n, cap, 0xA7), cap, op);
    if (len <= 252) {
        return jojo_put(out, n, cap, (uint8_t)(len - 1));
    }
    if (len <= 508) {
        return jojo_put(out, jojo_put(out, n, cap, 252), cap, (uint8_t)(len - 253));
    }
    assert_true(len <= 0xFFFFu);
    n = jojo_put(out, n, cap, 253);
    return jojo_put(out, jojo_put(out, n, cap, (uint8_t)(len >> 8)), cap, (uint8_t)len);
}

uint32_t fix_jojo_patch(const uint8_t *base, uint32_t blen, const uint8_t *img, uint32_t ilen, uint8_t *out,
                        uint32_t cap)
{
    uint32_t n = 0;
    uint32_t i = 0;
    int run = -1; /* the data run open: 0xA6 MOD, 0xA5 INS, -1 none */
    while (i < ilen) {
        uint32_t same = 0;
        while (i + same < ilen && i + same < blen && img[i + same] == base[i + same] && same < 0xFFFFu) {
            same++;
        }
        if (same >= 8 || (same > 0 && i + same == ilen)) {
            n = jojo_len(out, n, cap, 0xA3, same);
            i += same;
            run = -1;
            continue;
        }
        int want = i < blen ? 0xA6 : 0xA5;
        if (run != want) {
            n = jojo_put(out, jojo_put(out, n, cap, 0xA7), cap, (uint8_t)want);
            run = want;
        }
        if (img[i] == 0xA7) {
            n = jojo_put(out, n, cap, 0xA7); /* A7 A7: one A7 of data */
        }
        n = jojo_put(out, n, cap, img[i++]);
    }
    return n;
}

void fix_sha_hex(const void *data, uint32_t len, char out[65])
{
    uint8_t d[32];
    ota_crypto_t c;
    posix_crypto_default(&c);
    assert_int_equal(posix_crypto_sha256_buffer(&c, data, len, d), OTA_OK);
    assert_int_equal(ota_hex_encode(d, 32, out), OTA_OK);
}

void fix_serve_delta(struct fake_transport *ft, const char *mf_url, fix_delta_t *d, char *mf, size_t mf_cap)
{
    char img_hex[65];
    char fmt[40] = "";
    fix_sha_hex(d->img, d->len, img_hex);
    if (d->patch_hex[0] == '\0') {
        fix_sha_hex(d->patch, d->plen, d->patch_hex);
    }
    if (d->target_hex[0] == '\0') {
        memcpy(d->target_hex, img_hex, sizeof img_hex);
    }
    if (d->format != NULL) {
        snprintf(fmt, sizeof fmt, ", \"Format\": \"%s\"", d->format);
    }
    fake_route_add(ft, d->img_url, d->img, d->len)->range = true;
    fake_route_add(ft, d->patch_url, d->patch, d->plen)->range = true;
    int n = snprintf(mf, mf_cap,
                     "{\"ota\": [{\"Version\": %u, \"URL\": \"%s\", \"Digest\": \"%s\", \"Size\": %u, "
                     "\"Patch\": [{\"BaseVersion\": %u, \"BaseVerDigest\": \"%s\", \"PatchURL\": \"%s\", "
                     "\"PatchDigest\": \"%s\", \"TargetDigest\": \"%s\"%s}]}]}",
                     (unsigned)d->version, d->img_url, img_hex, (unsigned)d->len, (unsigned)d->base_version,
                     d->base_hex, d->patch_url, d->patch_hex, d->target_hex, fmt);
    assert_true(n > 0 && (size_t)n < mf_cap);
    fake_route_add(ft, mf_url, mf, (uint32_t)n);
}

bool fix_flash_equals(svc_fix_t *f, const uint8_t *img, uint32_t len)
{
    return memcmp(sim_nor_data(&f->dev.nor) + f->dev.boot_cfg.layout.app_addr, img, len) == 0;
}
