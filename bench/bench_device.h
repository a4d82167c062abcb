/*
 * sysota benchmarks: a simulated device ready for a measurement (factory
 * image programmed and booted once, as on a real production line), and a
 * service bound to it that runs one check at a time.
 */
#ifndef SYSOTA_BENCH_DEVICE_H
#define SYSOTA_BENCH_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_device.h"
#include "sysota/ota_service.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_PATH_MAX 512

/** A device in its own directory. */
typedef struct bench_device {
    char dir[BENCH_PATH_MAX]; /**< removed by bench_device_close */
    char store_path[BENCH_PATH_MAX + 8];
    sim_device_config_t cfg;
    sim_device_t dev;
    ota_boot_t boot; /**< the bootloader's RAM */
} bench_device_t;

/**
 * Make a device under parent (a fresh subdirectory): nvm_size bytes of flash
 * (0: the simulator's default), 4 KiB sectors, 16-byte write units, then
 * factory-program golden version `golden` of golden_size bytes and boot
 * once. Log lines below errors are dropped. Returns OTA_OK or the first error.
 */
int bench_device_open(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden, uint32_t golden_size);

/** bench_device_open with the factory image given (img, size bytes) as version `golden`. */
int bench_device_open_image(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden,
                            const uint8_t *img, uint32_t size);

/**
 * bench_device_open with the simulator's seed (poll jitter, backoff, torn
 * bytes): devices of one fleet need seeds of their own, or they would all
 * draw the same jitter and poll in lockstep. bench_device_open uses seed 1.
 */
int bench_device_open_seeded(bench_device_t *d, const char *parent, uint32_t nvm_size, uint32_t golden,
                             uint32_t golden_size, uint64_t seed);

/**
 * Flash size for bench_device_open that can install an image of image_size
 * bytes: the two-sector boot control area plus the image in whole sectors.
 */
uint32_t bench_device_nvm_for(uint32_t image_size);

/** Close the device and remove its directory. Returns OTA_OK or the first error. */
int bench_device_close(bench_device_t *d);

/** Deterministic image bytes of a version (the golden image and the staged ones). */
void bench_image(uint32_t version, uint8_t *out, uint32_t size);

/**
 * Write docroot/name: bench_image(version) of size bytes, and put its SHA-256
 * in hex into digest_hex. Returns OTA_OK or the first error.
 */
int bench_publish_image(const char *docroot, const char *name, uint32_t version, uint32_t size, char digest_hex[65]);

/**
 * One manifest entry, "{...}" without a separator, into out (cap bytes):
 * version, url, digest in hex, and "Rollout": rollout when rollout is
 * 0..100 (-1: none, every device takes it). Returns its length, or
 * OTA_ERR_TOO_LARGE when it does not fit.
 */
int bench_manifest_entry(char *out, size_t cap, uint32_t version, const char *url, const char *digest_hex, int rollout);

/**
 * Write docroot/name: a manifest offering one image (version, url, digest
 * in hex). Returns OTA_OK or the error of writing it.
 */
int bench_write_manifest(const char *docroot, const char *name, uint32_t version, const char *url,
                         const char *digest_hex);

/** What one check of the service came to. */
typedef struct bench_check {
    bool ready;        /**< OTA_EVENT_UPDATE_READY was seen */
    bool no_update;    /**< OTA_EVENT_NO_UPDATE was seen */
    bool not_modified; /**< ... for a 304: the manifest unchanged since the last check */
    int failure;       /**< reason of a *_FAILED / DATABASE_FULL event, OTA_OK if none */
    double t_start;    /**< bench_now_s() just before ota_service_check_now() */
    double t_ready;    /**< bench_now_s() at UPDATE_READY */
    double t_end;      /**< bench_now_s() when the service went quiet */
    uint32_t task_calls;
    /** Set by the caller before bench_service_check (kept by it; zero-
     *  initialise the struct otherwise): called on every DOWNLOAD_PROGRESS
     *  with the bytes stored and expected. */
    void (*on_progress)(void *arg, uint32_t done, uint32_t total);
    void *progress_arg;
} bench_check_t;

/**
 * Initialise svc on d with cfg (on_event is replaced by the benchmark's
 * own), let it finish its start-up clean pass, then run one check: call
 * ota_service_check_now() and ota_service_task() until the service is
 * quiet, or timeout_s passes (OTA_ERR_TIMEOUT). *out says what happened
 * (its on_progress hook, if set, is kept and called).
 * Returns OTA_OK when the check ran to its end (whatever it found).
 */
int bench_service_check(ota_service_t *svc, ota_service_config_t *cfg, const ota_service_ports_t *ports,
                        double timeout_s, bench_check_t *out);

/** Service configuration for a benchmark on device d: manual checks only, no auto reset. */
void bench_service_config(const bench_device_t *d, ota_service_config_t *cfg, const char *manifest_url, uint8_t *buf,
                          uint32_t buf_size, char *mbuf, uint32_t mbuf_size);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_DEVICE_H */
