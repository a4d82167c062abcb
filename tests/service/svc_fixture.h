/*
 * Test fixture of the service's tests: a simulated device (flash, store,
 * power, SHA-256, fake clock) in a temporary folder, factory-programmed and
 * booted once like a real one, a service configured for it, and a log of
 * every event the service emitted.
 */
#ifndef SYSOTA_TEST_SVC_FIXTURE_H
#define SYSOTA_TEST_SVC_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_device.h"
#include "sysota/ota_service.h"

#define FIX_MAX_EVENTS 4096
#define FIX_IMAGE_SIZE 20000u
/* The service's buffer: room for a delta decoder's state (about 1.8 KB)
 * and a 1 KiB work buffer beside it. */
#define FIX_BUF_SIZE 3072u

typedef struct fix_event {
    ota_service_event_t ev;
    ota_service_event_data_t d;
} fix_event_t;

typedef struct svc_fix {
    char dir[256];
    char store_path[300];
    sim_device_config_t dcfg;
    sim_device_t dev;
    ota_boot_t boot;
    ota_transport_t tp; /* the test fills it (fake or curl) */
    ota_service_config_t cfg;
    ota_service_ports_t ports;
    ota_service_t svc;
    uint8_t buf[FIX_BUF_SIZE];
    char mbuf[OTA_MANIFEST_MAX_SIZE];
    fix_event_t events[FIX_MAX_EVENTS];
    unsigned nevents;
    unsigned progress_events; /* not stored in events[] (there can be many) */
    int max_task_calls;       /* run_until_quiet's bound */
} svc_fix_t;

/* Open a device (64 KiB flash, 4 KiB sectors, 16-byte write unit), factory v`golden`, boot once. */
void fix_open(svc_fix_t *f, uint32_t golden);
/* The same with a store of limited capacity (bytes, 0: unlimited). */
void fix_open_cap(svc_fix_t *f, uint32_t golden, uint64_t store_capacity);
/* Close the device and remove its folder (asserts no store handle was left open). */
void fix_close(svc_fix_t *f);

/* Deterministic image bytes / digest of a version (FIX_IMAGE_SIZE unless size is given). */
void fix_image(uint32_t version, uint8_t *out, uint32_t size);
void fix_digest(uint32_t version, uint32_t size, uint8_t out[32]);
/* "<64 hex>" of fix_digest. */
void fix_digest_hex(uint32_t version, uint32_t size, char out[65]);

/* Put image `version` in the store as `name` with a database row of `status` (name NULL: app_v<N>.bin). */
void fix_store_image(svc_fix_t *f, uint32_t version, const char *name, uint8_t status);
/* Give the boot control record the table of the database, as the service's
 * mark does (nothing before the device is provisioned). */
void fix_table_sync(svc_fix_t *f);
/* Make `version` the running image: store it, boot (installs), confirm. */
void fix_install(svc_fix_t *f, uint32_t version);
/* Write raw bytes into a store file through the port (synced). */
void fix_store_write(svc_fix_t *f, const char *name, const void *data, uint32_t len);
/* True when the store has a file `name`; its size in *size. */
bool fix_store_has(svc_fix_t *f, const char *name, uint32_t *size);
/* Count store files whose name starts with '.' */
unsigned fix_temp_files(svc_fix_t *f);

/* Service configuration for this device with the test's defaults (auto update + reset, no periodic). */
void fix_config(svc_fix_t *f, const char *manifest_url);
/* ota_service_init with f->cfg; asserts OTA_OK. */
void fix_start(svc_fix_t *f);
/* Call task() (advancing the fake clock by step_ms each call) until it returns 0; returns the calls made. */
int fix_run(svc_fix_t *f, uint32_t step_ms);

/* Index of the first event ev at or after `from`, or -1. */
int fix_find(const svc_fix_t *f, ota_service_event_t ev, unsigned from);
/* The first event ev's data; fails the test when absent. */
const ota_service_event_data_t *fix_event(const svc_fix_t *f, ota_service_event_t ev);
void fix_clear_events(svc_fix_t *f);

/* Boot the device (bootloader), returns its error code. */
int fix_boot(svc_fix_t *f, ota_boot_result_t *res);
/* The boot control record / database (asserted readable). */
ota_bootctl_record_t fix_record(svc_fix_t *f);
ota_db_t fix_db(svc_fix_t *f);
/* Program flash holds image `version`. */
bool fix_flash_holds(svc_fix_t *f, uint32_t version);

/* A service update on offer: through ft, mf_url serves a manifest (written
 * into the caller's mf, which must outlive ft's use) with one entry, image
 * `version` at img_url, whose FIX_IMAGE_SIZE bytes (in the caller's img) are
 * served with Range support. */
struct fake_transport;
void fix_serve_update(struct fake_transport *ft, uint32_t version, const char *mf_url, const char *img_url,
                      uint8_t *img, char *mf, size_t mf_cap);
/* A JojoDiff patch (the original's format) that rebuilds img from base:
 * EQL where they agree for 8 bytes or more, MOD where they differ, INS past
 * the base's end. Returns its length (asserts it fits cap). */
uint32_t fix_jojo_patch(const uint8_t *base, uint32_t blen, const uint8_t *img, uint32_t ilen, uint8_t *out,
                        uint32_t cap);
/* SHA-256 of len bytes as 64 hex digits. */
void fix_sha_hex(const void *data, uint32_t len, char out[65]);
/* A delta update on offer: what fix_serve_delta serves and writes. */
typedef struct fix_delta {
    uint32_t version;
    const uint8_t *img; /* the new image (the caller's), served at img_url with Range */
    uint32_t len;
    const char *img_url;
    const uint8_t *patch; /* the patch (the caller's), served at patch_url with Range */
    uint32_t plen;
    const char *patch_url;
    const char *format; /* the record's Format, NULL: not written (JojoDiff) */
    uint32_t base_version;
    char base_hex[65];   /* BaseVerDigest */
    char patch_hex[65];  /* PatchDigest; "" : the patch's own */
    char target_hex[65]; /* TargetDigest; "" : the image's */
} fix_delta_t;
/* Serve d through ft, and at mf_url a manifest with its one entry and one Patch record (in mf, mf_cap). */
void fix_serve_delta(struct fake_transport *ft, const char *mf_url, fix_delta_t *d, char *mf, size_t mf_cap);
/* Program flash holds these len bytes at the application region's start. */
bool fix_flash_equals(svc_fix_t *f, const uint8_t *img, uint32_t len);
/* A manifest with entries "{v,url,digest-of-v}" built by the caller as JSON text. */
int fix_entry(char *out, size_t cap, uint32_t version, const char *url, bool erase);

#endif
