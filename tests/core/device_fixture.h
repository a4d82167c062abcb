/*
 * Test fixture: a simulated device in a temporary folder, and images made
 * from a version number, for the core's bootloader and database tests.
 */
#ifndef SYSOTA_TEST_DEVICE_FIXTURE_H
#define SYSOTA_TEST_DEVICE_FIXTURE_H

#include <stdint.h>

#include "sim_device.h"

typedef struct fixture {
    char dir[256]; /* temporary folder, removed by fixture_close */
    char store_path[300];
    sim_device_config_t cfg;
    sim_device_t dev;
    ota_boot_t boot; /* the bootloader's RAM */
} fixture_t;

/* A small device: 64 KiB flash, 4 KiB sectors, 16-byte write unit, strict. */
void fixture_open(fixture_t *f);
/* Reopen the same folder with a changed shape (call after editing f->cfg). */
void fixture_reopen(fixture_t *f);
void fixture_close(fixture_t *f);
/* Drop the device's log lines (tests check results, not logs). */
void fixture_quiet(fixture_t *f);

/* Deterministic image content of a version (size bytes). */
void fixture_image(uint32_t version, uint8_t *out, uint32_t size);
/* SHA-256 of fixture_image(version, size). */
void fixture_digest(uint32_t version, uint32_t size, uint8_t out[32]);

/* Factory-program golden image `version` of `size` bytes, boot once and
 * start the application side once (ota_app_sync keeps the golden copy). */
void fixture_factory(fixture_t *f, uint32_t version, uint32_t size);
/* Give the boot control record the table of the database, as the service does. */
void fixture_table_sync(fixture_t *f);
/* Put image `version` in the store as "app_v<version>.bin" with a database
 * row of `status`, and list it in the record's table. */
void fixture_store_image(fixture_t *f, uint32_t version, uint32_t size, uint8_t status);
/* What the service leaves after a download: the image stored with row FE and
 * the running image's record marked F0. */
void fixture_publish(fixture_t *f, uint32_t version, uint32_t size);
/* Mark the running image's record F0 (disabled), as the service does. */
void fixture_mark_running_disabled(fixture_t *f);
/* Write raw bytes to a store file (through the port, synced). */
void fixture_store_write(fixture_t *f, const char *name, const void *data, uint32_t len);
/* Read a whole store file (through the port) into buf; returns its length. */
uint32_t fixture_store_read(fixture_t *f, const char *name, void *buf, uint32_t cap);
/* Run the bootloader; returns its error code. */
int fixture_boot(fixture_t *f, ota_boot_result_t *res);
/* True when program flash holds image `version` of `size` bytes. */
int fixture_flash_holds(fixture_t *f, uint32_t version, uint32_t size);
/* The current boot control record (asserts it is readable). */
ota_bootctl_record_t fixture_record(fixture_t *f);
/* The database (asserts it loads). */
ota_db_t fixture_db(fixture_t *f);

#endif
