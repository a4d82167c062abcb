/*
 * The core keeps the store promises ota_port.h makes to ports: it holds at
 * most one store handle at a time (three while it applies a JojoDiff patch
 * from a stored base), and it never calls the store from inside a list()
 * callback. Checked through a store wrapper that counts, around the
 * bootloader (first boot, install, direct jump, rollback, factory reset),
 * the application calls, and the service's check, download and publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "device_fixture.h"
#include "fake_transport.h"
#include "svc_fixture.h"
#include "sysota/ota_app.h"

#define MAX_FH 64

typedef struct use {
    ota_store_t under;
    bool open[MAX_FH];
    int open_now;
    int max_open;
    bool in_list;
    unsigned reentered; /* store calls made from inside a list() callback */
    unsigned calls;
    unsigned lists;
} use_t;

static use_t *enter(void *ctx)
{
    use_t *u = ctx;
    u->calls++;
    if (u->in_list) {
        u->reentered++;
    }
    return u;
}

static int u_open(void *ctx, const char *name, unsigned flags)
{
    use_t *u = enter(ctx);
    int fh = u->under.open(u->under.ctx, name, flags);
    if (fh >= 0 && fh < MAX_FH && !u->open[fh]) {
        u->open[fh] = true;
        u->open_now++;
        u->max_open = u->open_now > u->max_open ? u->open_now : u->max_open;
    }
    return fh;
}

static int u_read(void *ctx, int fh, void *buf, uint32_t len)
{
    use_t *u = enter(ctx);
    return u->under.read(u->under.ctx, fh, buf, len);
}

static int u_write(void *ctx, int fh, const void *buf, uint32_t len)
{
    use_t *u = enter(ctx);
    return u->under.write(u->under.ctx, fh, buf, len);
}

static int u_sync(void *ctx, int fh)
{
    use_t *u = enter(ctx);
    return u->under.sync(u->under.ctx, fh);
}

static int u_close(void *ctx, int fh)
{
    use_t *u = enter(ctx);
    if (fh >= 0 && fh < MAX_FH && u->open[fh]) {
        u->open[fh] = false;
        u->open_now--;
    }
    return u->under.close(u->under.ctx, fh);
}

static int u_rename(void *ctx, const char *from, const char *to)
{
    use_t *u = enter(ctx);
    return u->under.rename(u->under.ctx, from, to);
}

static int u_remove(void *ctx, const char *name)
{
    use_t *u = enter(ctx);
    return u->under.remove(u->under.ctx, name);
}

static int u_stat(void *ctx, const char *name, uint32_t *size)
{
    use_t *u = enter(ctx);
    return u->under.stat(u->under.ctx, name, size);
}

static int u_seek(void *ctx, int fh, uint32_t off)
{
    use_t *u = enter(ctx);
    return u->under.seek(u->under.ctx, fh, off);
}

static int u_list(void *ctx, ota_store_list_cb cb, void *arg)
{
    use_t *u = enter(ctx);
    u->lists++;
    u->in_list = true;
    int rc = u->under.list(u->under.ctx, cb, arg);
    u->in_list = false;
    return rc;
}

/* Put the counter between the core and the device's store, in place: every
 * holder of &dev->store (the boot and service configurations) goes through it. */
static void wrap(use_t *u, ota_store_t *store)
{
    memset(u, 0, sizeof *u);
    u->under = *store;
    ota_store_t w = { u, u_open, u_read, u_write, u_sync, u_close, u_rename, u_remove, u_stat, u_list, u_seek };
    *store = w;
}

static void unwrap(use_t *u, ota_store_t *store)
{
    *store = u->under;
}

static void assert_kept_the_promises(const use_t *u)
{
    assert_true(u->calls > 0);
    assert_int_equal(u->max_open, 1);
    assert_int_equal(u->open_now, 0);
    assert_int_equal(u->reentered, 0);
}

static void test_the_bootloader_and_the_app_calls_hold_one_handle_and_never_reenter(void **state)
{
    (void)state;
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fixture_open(f);
    use_t u;
    wrap(&u, &f->dev.store);
    ota_boot_result_t res;

    fixture_factory(f, 1, 10000); /* first boot: keeps the golden copy */
    fixture_publish(f, 2, 12000);
    assert_int_equal(fixture_boot(f, &res), OTA_OK); /* install */
    assert_int_equal(res.version, 2);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK); /* direct jump */
    assert_true(res.direct);
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    fixture_publish(f, 3, 9000);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_factory_reset(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);

    assert_kept_the_promises(&u);
    unwrap(&u, &f->dev.store);
    fixture_close(f);
    free(f);
}

#define MF_URL "http://ota.test/manifest.json"
#define IMG_URL "http://ota.test/app_v6.bin"

typedef struct svc_case {
    svc_fix_t f;
    fake_transport_t ft;
    uint8_t img[FIX_IMAGE_SIZE];
    char mf[1024];
} svc_case_t;

static void test_a_service_update_holds_one_handle_and_never_reenters(void **state)
{
    (void)state;
    svc_case_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    fix_open(&s->f, 1);
    fake_init(&s->ft, &s->f.tp);
    fix_config(&s->f, MF_URL);
    fix_serve_update(&s->ft, 6, MF_URL, IMG_URL, s->img, s->mf, sizeof s->mf);
    /* A stale temporary file, so the service's clean-up lists and removes. */
    fix_store_write(&s->f, ".stale.tmp", "x", 1);
    use_t u;
    wrap(&u, &s->f.dev.store);

    fix_start(&s->f);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
    ota_boot_result_t res;
    assert_int_equal(fix_boot(&s->f, &res), OTA_OK);
    assert_int_equal(res.version, 6);

    assert_kept_the_promises(&u);
    assert_true(u.lists > 0);
    unwrap(&u, &s->f.dev.store);
    fix_close(&s->f);
    free(s);
}

static void test_a_delta_update_from_a_stored_base_holds_three_handles_and_never_reenters(void **state)
{
    (void)state;
    svc_case_t *s = calloc(1, sizeof *s);
    static uint8_t base[FIX_IMAGE_SIZE], img[FIX_IMAGE_SIZE], patch[2 * FIX_IMAGE_SIZE];
    static char mf[2048];
    assert_non_null(s);
    fix_open(&s->f, 1);
    fix_install(&s->f, 3); /* running v3: the base v1 is the stored golden copy */
    fake_init(&s->ft, &s->f.tp);
    fix_config(&s->f, MF_URL);
    fix_image(1, base, FIX_IMAGE_SIZE);
    memcpy(img, base, FIX_IMAGE_SIZE);
    memset(img + 3000, 0x5A, 700);
    fix_delta_t d = { .version = 6,
                      .img = img,
                      .len = FIX_IMAGE_SIZE,
                      .img_url = IMG_URL,
                      .patch = patch,
                      .patch_url = "http://ota.test/v1_to_v6.jdiff",
                      .base_version = 1 };
    d.plen = fix_jojo_patch(base, FIX_IMAGE_SIZE, img, FIX_IMAGE_SIZE, patch, sizeof patch);
    fix_sha_hex(base, FIX_IMAGE_SIZE, d.base_hex);
    fix_serve_delta(&s->ft, MF_URL, &d, mf, sizeof mf);
    use_t u;
    wrap(&u, &s->f.dev.store);

    fix_start(&s->f);
    assert_int_equal(ota_service_check_now(&s->f.svc), OTA_OK);
    fix_run(&s->f, 1);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_PATCH_COMPLETED)->done, FIX_IMAGE_SIZE);
    assert_int_equal(fix_event(&s->f, OTA_EVENT_UPDATE_READY)->version, 6);
    assert_int_equal(fake_gets_of(&s->ft, IMG_URL), 0);

    assert_true(u.calls > 0);
    assert_int_equal(u.max_open, 3); /* the patch, the base, the new image */
    assert_int_equal(u.open_now, 0);
    assert_int_equal(u.reentered, 0);
    unwrap(&u, &s->f.dev.store);
    fix_close(&s->f);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_bootloader_and_the_app_calls_hold_one_handle_and_never_reenter),
        cmocka_unit_test(test_a_service_update_holds_one_handle_and_never_reenters),
        cmocka_unit_test(test_a_delta_update_from_a_stored_base_holds_three_handles_and_never_reenters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
