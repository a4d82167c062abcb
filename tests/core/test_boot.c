/*
 * The bootloader, as a specification (docs/design.md): what it boots, what
 * it installs, what it refuses, and what the application-side calls do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device_fixture.h"
#include "sysota/ota_boot.h"
#include "ota_bootctl.h"
#include "ota_handover.h"
#include "sysota/ota_app.h"

#define IMG 10000u /* three sectors, not a multiple of the write unit */

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    fixture_open(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    fixture_close(f);
    free(f);
    return 0;
}

static const ota_db_row_t *row_of(const ota_db_t *db, uint32_t version)
{
    for (uint8_t i = 0; i < db->count; i++) {
        if (db->rows[i].version == version) {
            return &db->rows[i];
        }
    }
    return NULL;
}

static void test_first_boot_keeps_the_golden_copy_in_the_store(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);

    ota_db_t db = fixture_db(f);
    assert_int_equal(db.count, 1);
    assert_string_equal(db.rows[0].name, OTA_GOLDEN_NAME);
    assert_int_equal(db.rows[0].status, OTA_STATUS_VALID);
    assert_int_equal(db.rows[0].version, 1);
    uint32_t size = 0;
    assert_int_equal(f->dev.store.stat(f->dev.store.ctx, OTA_GOLDEN_NAME, &size), OTA_OK);
    assert_int_equal(size, IMG);
}

static void test_direct_jump_when_the_record_says_valid_without_touching_the_store(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    sim_nor_reset_counters(&f->dev.nor);
    sim_store_reset_counters(&f->dev.store_sim);

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_false(res.installed);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.boot_addr, f->dev.boot_cfg.layout.app_addr);

    /* Nothing to do costs one pass over the boot control area, no image
     * hash, and nothing from the store: the database is not read. */
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_true(fc.bytes_read <= 2u * f->cfg.sector_size + OTA_BOOTCTL_BUF_SIZE);
    assert_int_equal(fc.erases, 0);
    assert_int_equal(fc.programs, 0);
    sim_store_counters_t sc;
    sim_store_counters(&f->dev.store_sim, &sc);
    assert_int_equal(sc.mutating_ops, 0);
    assert_int_equal(sc.bytes_read, 0);
}

static void test_installs_the_highest_downloaded_version_first(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 3, IMG, OTA_STATUS_DOWNLOADED);
    fixture_publish(f, 6, IMG + 100);

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.installed);
    assert_int_equal(res.version, 6);
    assert_int_equal(res.status, OTA_STATUS_UNBOOTED);
    assert_true(fixture_flash_holds(f, 6, IMG + 100));
    ota_bootctl_record_t rec = fixture_record(f);
    assert_int_equal(rec.status, OTA_STATUS_UNBOOTED);
    assert_int_equal(rec.version, 6);
    assert_int_equal(rec.attempts, 1);
    assert_int_equal(rec.golden_version, 1);
}

static void test_install_erases_only_the_sectors_the_image_covers_and_programs_it_once(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    sim_nor_reset_counters(&f->dev.nor);
    sim_store_reset_counters(&f->dev.store_sim);

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    uint32_t sectors = (IMG + f->cfg.sector_size - 1) / f->cfg.sector_size;
    assert_int_equal(fc.erases, sectors);
    /* The image, padded to the write unit, plus one record: with a table of
     * one entry (app_v2.bin), two slots. */
    assert_int_equal(fc.bytes_programmed, (IMG + 15u) / 16u * 16u + 2u * OTA_BOOTCTL_SLOT_MIN);
    assert_int_equal(fc.violations, 0);
    /* Verify before erasing, then copy: the image is read from the store twice. */
    sim_store_counters_t sc;
    sim_store_counters(&f->dev.store_sim, &sc);
    assert_true(sc.bytes_read >= 2u * IMG && sc.bytes_read < 2u * IMG + 1024u);
}

static void test_an_unconfirmed_image_is_counted_then_confirmed_and_booted_directly(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.status, OTA_STATUS_UNBOOTED);

    assert_int_equal(fixture_boot(f, &res), OTA_OK); /* a reset before confirming */
    assert_false(res.installed);
    assert_int_equal(fixture_record(f).attempts, 2);

    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    ota_bootctl_record_t rec = fixture_record(f);
    assert_int_equal(rec.status, OTA_STATUS_VALID);
    ota_db_t db = fixture_db(f);
    assert_int_equal(row_of(&db, 2)->status, OTA_STATUS_VALID);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK); /* idempotent */

    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(res.version, 2);
}

static void test_an_image_never_confirmed_rolls_back_after_the_attempt_limit(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 2, IMG, OTA_STATUS_VALID);
    fixture_publish(f, 3, IMG);

    ota_boot_result_t res;
    for (int boot = 1; boot <= OTA_BOOT_MAX_ATTEMPTS; boot++) {
        assert_int_equal(fixture_boot(f, &res), OTA_OK);
        assert_int_equal(res.version, 3);
        assert_int_equal(fixture_record(f).attempts, boot);
    }
    /* The next reset gives up on v3 and reinstalls v2, confirmed before. */
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(res.installed);
    assert_int_equal(res.status, OTA_STATUS_VALID);
    assert_true(fixture_flash_holds(f, 2, IMG));
    /* The decision is in the record's table; the application's next start
     * writes it into the database. */
    ota_bootctl_record_t rec = fixture_record(f);
    assert_int_equal(ota_handover_entry(&rec, 3)->status, OTA_STATUS_DISABLED);
    ota_db_t before = fixture_db(f);
    assert_int_equal(row_of(&before, 3)->status, OTA_STATUS_DOWNLOADED);
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    ota_db_t db = fixture_db(f);
    assert_int_equal(row_of(&db, 3)->status, OTA_STATUS_DISABLED);
    assert_int_equal(row_of(&db, 2)->status, OTA_STATUS_VALID);
    assert_int_equal(fixture_record(f).table[0].flags, 0); /* nothing ahead of the database any more */
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
}

static void test_the_attempt_limit_is_configurable(void **state)
{
    fixture_t *f = *state;
    f->cfg.max_attempts = 1;
    fixture_reopen(f);
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
}

static void test_a_stored_image_failing_its_digest_is_disabled_before_anything_is_erased(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 2, IMG, OTA_STATUS_DOWNLOADED);
    uint8_t *bad = malloc(IMG);
    fixture_image(2, bad, IMG);
    bad[IMG / 2] ^= 0x01;
    fixture_store_write(f, "app_v2.bin", bad, IMG);
    free(bad);
    fixture_mark_running_disabled(f);
    sim_nor_reset_counters(&f->dev.nor);

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.rejected, 1);
    assert_int_equal(res.version, 1); /* the golden image, still in flash: no copy */
    assert_false(res.installed);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases, 0);
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    ota_db_t db = fixture_db(f);
    assert_int_equal(row_of(&db, 2)->status, OTA_STATUS_DISABLED);
}

static void test_skips_the_copy_when_flash_already_holds_the_candidate(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.installed);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    /* The service marks the running image F0, but no newer image arrived. */
    fixture_mark_running_disabled(f);
    sim_nor_reset_counters(&f->dev.nor);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_false(res.installed);
    assert_int_equal(res.status, OTA_STATUS_VALID);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases, 0);
}

static void test_bootloader_falls_back_to_golden_when_all_images_invalid(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 2, IMG, OTA_STATUS_DOWNLOADED);
    fixture_store_image(f, 4, IMG, OTA_STATUS_DOWNLOADED);
    fixture_store_image(f, 5, IMG, OTA_STATUS_DOWNLOADED);
    uint8_t junk[100];
    memset(junk, 0x5A, sizeof junk);
    fixture_store_write(f, "app_v4.bin", junk, sizeof junk);                       /* wrong digest */
    assert_int_equal(f->dev.store.remove(f->dev.store.ctx, "app_v5.bin"), OTA_OK); /* file gone */
    fixture_mark_running_disabled(f);

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_int_equal(res.rejected, 2);
    /* v2 is given up too: only the golden image is left, and flash holds v2. */
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
    assert_int_equal(res.status, OTA_STATUS_VALID);
    assert_true(res.installed);
    assert_true(fixture_flash_holds(f, 1, IMG));
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    ota_db_t db = fixture_db(f);
    assert_int_equal(row_of(&db, 4)->status, OTA_STATUS_DISABLED);
    assert_int_equal(row_of(&db, 5)->status, OTA_STATUS_DISABLED);
    assert_int_equal(row_of(&db, 2)->status, OTA_STATUS_DISABLED);
    assert_int_equal(row_of(&db, 1)->status, OTA_STATUS_VALID);
}

/* A flash or store that fails says nothing about the image: the boot stops
 * (as after a power cut) rather than falling back to an older image, and the
 * next boot installs the update. */
static void test_a_failing_device_stops_the_boot_and_the_next_boot_installs_the_update(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    sim_power_reset_count(&f->dev.power);
    sim_power_fail_at(&f->dev.power, 1, OTA_ERR_IO); /* the install's first erase */

    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_IO);
    assert_int_equal(fixture_db(f).rows[1].status, OTA_STATUS_DOWNLOADED); /* not condemned */

    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(res.installed);
    assert_true(fixture_flash_holds(f, 2, IMG));
}

static void test_an_image_larger_than_the_application_region_is_rejected(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    uint32_t too_big = f->dev.boot_cfg.layout.app_size + 16u;
    fixture_publish(f, 2, too_big);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.rejected, 1);
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    ota_db_t db = fixture_db(f);
    assert_int_equal(row_of(&db, 2)->status, OTA_STATUS_DISABLED);
}

static void test_request_rollback_installs_the_previous_image(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 2, IMG, OTA_STATUS_VALID);
    fixture_publish(f, 3, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 3);
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(fixture_flash_holds(f, 2, IMG));
}

static void test_the_golden_image_cannot_be_rolled_back(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_ERR_STATE);
    ota_db_t db = fixture_db(f);
    assert_int_equal(db.rows[0].status, OTA_STATUS_VALID);
}

static void test_factory_reset_removes_every_other_image_and_boots_golden(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    assert_int_equal(ota_app_factory_reset(&f->dev.boot_cfg), OTA_OK);
    uint32_t size;
    assert_int_equal(f->dev.store.stat(f->dev.store.ctx, "app_v2.bin", &size), OTA_ERR_NOT_FOUND);
    ota_db_t db = fixture_db(f);
    assert_int_equal(db.count, 1);
    assert_string_equal(db.rows[0].name, OTA_GOLDEN_NAME);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
    assert_true(fixture_flash_holds(f, 1, IMG));
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
}

/* Change the last hex digit of the golden row's digest in the database file:
 * the kind of one-character damage a store can suffer. */
static void corrupt_golden_row_digest(fixture_t *f)
{
    char csv[1024];
    uint32_t len = fixture_store_read(f, OTA_DB_NAME, csv, sizeof csv);
    char *row = strstr(csv, OTA_GOLDEN_NAME ",");
    assert_non_null(row);
    char *end = memchr(row, '\n', len - (uint32_t)(row - csv));
    assert_non_null(end);
    end[-1] = end[-1] == '0' ? '1' : '0';
    fixture_store_write(f, OTA_DB_NAME, csv, len);
}

static void test_a_damaged_golden_row_never_stops_the_golden_image_in_flash(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    corrupt_golden_row_digest(f);

    /* The bootloader never reads the database: the record says valid. */
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
    assert_true(res.direct);
    assert_true(fixture_flash_holds(f, 1, IMG));

    /* The application's start repairs the row from the record, the
     * authority on the golden image. */
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    uint8_t digest[32];
    fixture_digest(1, IMG, digest);
    ota_db_t db = fixture_db(f);
    assert_memory_equal(row_of(&db, 1)->digest, digest, 32);
}

static void test_a_damaged_golden_row_never_stops_a_rollback_to_golden(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    corrupt_golden_row_digest(f);

    /* v2 is given up and nothing else is usable: the golden copy in the
     * store verifies against the record's golden digest. */
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
    assert_true(res.installed);
    assert_true(fixture_flash_holds(f, 1, IMG));
}

/* Set the device's floor (and a pending one) in the boot control record, as
 * the service and the application calls do. */
static void set_floor(fixture_t *f, uint32_t floor, uint32_t pending_version, uint32_t pending_floor)
{
    ota_bootctl_t bc;
    ota_bootctl_record_t rec;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    assert_int_equal(ota_bootctl_read(&bc, &rec), OTA_OK);
    rec.floor = floor;
    rec.pending_version = pending_version;
    rec.pending_floor = pending_floor;
    assert_int_equal(ota_bootctl_write(&bc, &rec), OTA_OK);
}

static void test_nothing_below_the_floor_is_installed_nor_rolled_back_to(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_store_image(f, 2, IMG, OTA_STATUS_VALID);
    fixture_publish(f, 3, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 3);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    set_floor(f, 3, 0, 0);

    /* v2 and the golden v1 are below the floor: giving up v3 would leave
     * nothing the bootloader may install, so it is refused. */
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_ERR_DOWNGRADE);
    assert_int_equal(ota_app_factory_reset(&f->dev.boot_cfg), OTA_ERR_DOWNGRADE);
    assert_int_equal(fixture_record(f).status, OTA_STATUS_VALID);
    assert_int_equal(fixture_db(f).count, 3);

    /* An image at the floor's level is a fallback again. */
    fixture_store_image(f, 4, IMG, OTA_STATUS_DOWNLOADED);
    fixture_mark_running_disabled(f);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 4);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 3); /* not 2, not the golden 1 */
}

static void test_with_every_image_at_or_above_the_floor_broken_the_bootloader_halts(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 3, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    set_floor(f, 3, 0, 0);
    /* v3 is given up (record and row F0) and program flash no longer holds it. */
    uint8_t junk[100];
    memset(junk, 0x5A, sizeof junk);
    fixture_store_write(f, "app_v3.bin", junk, sizeof junk);
    assert_int_equal(f->dev.flash.erase(f->dev.flash.ctx, f->dev.boot_cfg.layout.app_addr), OTA_OK);
    fixture_mark_running_disabled(f);
    /* The golden image could boot, but it is below the floor: a device that
     * must not run old code stops rather than run it. */
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_NO_IMAGE);
    assert_false(fixture_flash_holds(f, 1, IMG));
}

static void test_confirming_an_image_raises_the_floor_its_release_carried(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 5, IMG);
    set_floor(f, 0, 5, 4); /* the service: "v5, once confirmed, sets the floor to 4" */
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 5);
    ota_bootctl_record_t rec = fixture_record(f);
    assert_int_equal(rec.floor, 0); /* not before the confirmation */
    assert_int_equal(rec.pending_version, 5);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);
    rec = fixture_record(f);
    assert_int_equal(rec.floor, 4);
    assert_int_equal(rec.pending_version, 0);
    /* The floor rides along in every later record. */
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    fixture_publish(f, 6, IMG);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(fixture_record(f).floor, 4);
}

static void test_an_image_that_never_confirms_never_raises_the_floor(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 5, IMG);
    set_floor(f, 0, 5, 5);
    ota_boot_result_t res;
    for (int i = 0; i <= OTA_BOOT_MAX_ATTEMPTS; i++) {
        assert_int_equal(fixture_boot(f, &res), OTA_OK);
    }
    assert_int_equal(res.version, 1); /* rolled back to the golden image */
    assert_int_equal(fixture_record(f).floor, 0);
}

/* A store whose every call fails, as a dead SPI flash or file system does. */
static int dead_open(void *ctx, const char *name, unsigned flags)
{
    (void)ctx, (void)name, (void)flags;
    return OTA_ERR_IO;
}

static int dead_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx, (void)from, (void)to;
    return OTA_ERR_IO;
}

static int dead_name(void *ctx, const char *name)
{
    (void)ctx, (void)name;
    return OTA_ERR_IO;
}

static int dead_stat(void *ctx, const char *name, uint32_t *size)
{
    (void)ctx, (void)name, (void)size;
    return OTA_ERR_IO;
}

static void test_a_store_that_fails_for_good_never_stops_the_image_in_flash(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    ota_store_t dead = f->dev.store;
    dead.open = dead_open;
    dead.rename = dead_rename;
    dead.remove = dead_name;
    dead.stat = dead_stat;
    ota_boot_config_t cfg = f->dev.boot_cfg;
    cfg.store = &dead;
    /* The record vouches for v2 in program flash: it boots, and nothing is
     * erased for a store that cannot even be read. */
    sim_nor_reset_counters(&f->dev.nor);
    assert_int_equal(ota_boot_run(&f->boot, &cfg, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(fixture_flash_holds(f, 2, IMG));
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases, 0);
}

static void test_a_corrupt_database_still_boots_the_verified_image_in_flash(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    const char *garbage = "\x01\x02garbage,,,\nnot,a,row\n";
    fixture_store_write(f, OTA_DB_NAME, garbage, (uint32_t)strlen(garbage));
    sim_nor_reset_counters(&f->dev.nor);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_false(res.installed);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases, 0);
}

/* The area's other sector may be anything (an erase a cut interrupted, or
 * damage): the newest record is in the active one. */
static void test_damage_to_the_other_sector_of_the_area_changes_nothing(void **state)
{
    fixture_t *f = *state;
    f->cfg.lenient = true; /* so the test can clear bits anywhere */
    fixture_reopen(f);
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    ota_bootctl_t bc;
    assert_int_equal(
        ota_bootctl_init(&bc, &f->dev.flash, f->dev.boot_cfg.layout.bootctl_addr, f->dev.boot_cfg.layout.bootctl_size),
        OTA_OK);
    ota_bootctl_record_t rec;
    assert_int_equal(ota_bootctl_read(&bc, &rec), OTA_OK);
    uint32_t other = bc.sector_addr[1u - bc.active];
    uint8_t garbage[64];
    memset(garbage, 0x3C, sizeof garbage);
    assert_int_equal(f->dev.flash.program(f->dev.flash.ctx, other + 256, garbage, sizeof garbage), OTA_OK);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(res.version, 2);
    /* and the log goes on */
    fixture_publish(f, 3, IMG);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 3);
}

/* With no trustworthy record (never provisioned, or internal flash damaged
 * beyond what a cut can do) nothing says what any image should hash to:
 * the bootloader boots nothing rather than something unverified. */
static void test_without_a_boot_control_record_nothing_is_booted(void **state)
{
    fixture_t *f = *state;
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_confirm(&f->dev.boot_cfg), OTA_OK);

    for (uint32_t s = 0; s < 2; s++) {
        assert_int_equal(f->dev.flash.erase(f->dev.flash.ctx, f->dev.boot_cfg.layout.bootctl_addr + s * 4096u), OTA_OK);
    }
    sim_nor_reset_counters(&f->dev.nor);
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_NO_IMAGE);
    sim_nor_counters_t fc;
    sim_nor_counters(&f->dev.nor, &fc);
    assert_int_equal(fc.erases + fc.programs, 0);
}

/* The production line's step: the image in program flash becomes the golden
 * one; once only. */
static void test_provisioning_records_the_image_in_flash_as_the_golden_one_once(void **state)
{
    fixture_t *f = *state;
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_NO_IMAGE); /* a blank device */
    uint8_t *img = malloc(IMG);
    fixture_image(4, img, IMG);
    assert_int_equal(sim_nor_load(&f->dev.nor, f->dev.boot_cfg.layout.app_addr, img, IMG), OTA_OK);
    free(img);
    assert_int_equal(ota_app_provision(&f->dev.boot_cfg, 0, IMG), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_app_provision(&f->dev.boot_cfg, 4, 0), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_app_provision(&f->dev.boot_cfg, 4, f->dev.boot_cfg.layout.app_size + 1u), OTA_ERR_INVALID_ARG);
    assert_int_equal(ota_app_provision(&f->dev.boot_cfg, 4, IMG), OTA_OK);
    assert_int_equal(ota_app_provision(&f->dev.boot_cfg, 5, IMG), OTA_ERR_EXISTS);

    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_true(res.direct);
    assert_int_equal(res.version, 4);
    assert_int_equal(res.type, OTA_TYPE_FACTORY);
    ota_bootctl_record_t rec = fixture_record(f);
    uint8_t digest[32];
    fixture_digest(4, IMG, digest);
    assert_memory_equal(rec.golden_digest, digest, 32);
    assert_int_equal(rec.golden_size, IMG);
    /* the first start keeps the copy, which a rollback can then install */
    assert_int_equal(ota_app_sync(&f->dev.boot_cfg), OTA_OK);
    uint32_t size;
    assert_int_equal(f->dev.store.stat(f->dev.store.ctx, OTA_GOLDEN_NAME, &size), OTA_OK);
    assert_int_equal(size, IMG);
}

static void test_nothing_valid_anywhere_halts_instead_of_jumping(void **state)
{
    fixture_t *f = *state;
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_NO_IMAGE);

    /* A golden copy that fails its digest, and flash that does not hold it. */
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(ota_app_request_rollback(&f->dev.boot_cfg), OTA_OK);
    uint8_t junk[IMG];
    memset(junk, 0x33, sizeof junk);
    fixture_store_write(f, OTA_GOLDEN_NAME, junk, sizeof junk);
    assert_int_equal(fixture_boot(f, &res), OTA_ERR_NO_IMAGE);
    /* The golden row is never disabled, so a repaired copy boots again. */
    ota_db_t db = fixture_db(f);
    const ota_db_row_t *golden = row_of(&db, 1);
    assert_int_equal(golden->status, OTA_STATUS_VALID);
    uint8_t *img = malloc(IMG);
    fixture_image(1, img, IMG);
    fixture_store_write(f, OTA_GOLDEN_NAME, img, IMG);
    free(img);
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 1);
}

static void test_a_write_unit_larger_than_a_record_still_works(void **state)
{
    fixture_t *f = *state;
    f->cfg.write_unit = 256;
    fixture_reopen(f);
    fixture_factory(f, 1, IMG);
    fixture_publish(f, 2, IMG);
    ota_boot_result_t res;
    assert_int_equal(fixture_boot(f, &res), OTA_OK);
    assert_int_equal(res.version, 2);
    assert_true(fixture_flash_holds(f, 2, IMG));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_boot_keeps_the_golden_copy_in_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_direct_jump_when_the_record_says_valid_without_touching_the_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_installs_the_highest_downloaded_version_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_erases_only_the_sectors_the_image_covers_and_programs_it_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unconfirmed_image_is_counted_then_confirmed_and_booted_directly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_image_never_confirmed_rolls_back_after_the_attempt_limit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_attempt_limit_is_configurable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stored_image_failing_its_digest_is_disabled_before_anything_is_erased,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_skips_the_copy_when_flash_already_holds_the_candidate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootloader_falls_back_to_golden_when_all_images_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failing_device_stops_the_boot_and_the_next_boot_installs_the_update,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_image_larger_than_the_application_region_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_rollback_installs_the_previous_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_golden_image_cannot_be_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_factory_reset_removes_every_other_image_and_boots_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_damaged_golden_row_never_stops_the_golden_image_in_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_damaged_golden_row_never_stops_a_rollback_to_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_below_the_floor_is_installed_nor_rolled_back_to, setup, teardown),
        cmocka_unit_test_setup_teardown(test_with_every_image_at_or_above_the_floor_broken_the_bootloader_halts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_confirming_an_image_raises_the_floor_its_release_carried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_image_that_never_confirms_never_raises_the_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_store_that_fails_for_good_never_stops_the_image_in_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_corrupt_database_still_boots_the_verified_image_in_flash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_damage_to_the_other_sector_of_the_area_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_a_boot_control_record_nothing_is_booted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provisioning_records_the_image_in_flash_as_the_golden_one_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nothing_valid_anywhere_halts_instead_of_jumping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_write_unit_larger_than_a_record_still_works, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
