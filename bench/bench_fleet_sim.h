/*
 * sysota benchmarks: a fleet on one machine. Many simulated devices (each
 * its own flash in RAM, store directory, system port with a fake clock and
 * identity, and service) poll one real HTTP server over a simulated
 * stretch of time, through a staged release: the manifest first offers the
 * running version only, then a new one at `Rollout` first_percent, then the
 * same at 100. The clocks are fake (a day takes no day), the HTTP is real.
 *
 * The devices run one after another on one shared libcurl transport: at
 * each simulated second every device's clock moves on and its service runs
 * until it waits for its timer again (a device whose update is ready
 * reboots into the bootloader, which installs it, and starts its service
 * again). So requests never overlap, and the server sees them over the
 * transport's one kept-alive connection; what a request and its answer
 * weigh in HTTP does not depend on that (TCP and TLS handshakes would:
 * figure 5 measures them per poll).
 *
 * Nothing here judges a figure: bench_fleet.c prints them, and
 * bench/tests/test_bench_fleet.c checks the invariants on a small fleet.
 */
#ifndef SYSOTA_BENCH_FLEET_SIM_H
#define SYSOTA_BENCH_FLEET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The version the fleet runs (golden) and the release it is offered. */
#define BENCH_FLEET_RUNNING 1u
#define BENCH_FLEET_RELEASE 2u

/** What one run simulates. */
typedef struct bench_fleet_config {
    const char *work;       /**< the devices' directories are made here */
    const char *docroot;    /**< the server's directory: the images and manifest.json are written here */
    const char *base_url;   /**< the server: "http://127.0.0.1:PORT" */
    const char *access_log; /**< nginx's access log (test_server.h's format); NULL: no server-side counts */
    uint32_t devices;
    uint32_t period_s;     /**< simulated time, from the devices' power-on */
    uint32_t interval_s;   /**< the service's interval_ms, in seconds (its default jitter applies) */
    uint32_t stage1_s;     /**< the release is published at first_percent this long after the start */
    uint32_t stage2_s;     /**< ... and raised to 100 % then (stage1_s < stage2_s < period_s) */
    uint8_t first_percent; /**< the first stage's Rollout */
    uint32_t image_size;   /**< bytes of each image (the golden one and the release) */
    bool conditional;      /**< the service's default (full_check_every 24); false: full_check_every 1 */
    uint8_t *stage;        /**< NULL, or `devices` bytes: the stage each device updated in (0: none, 1, 2) */
} bench_fleet_config_t;

/** What a server saw of one kind of request, from its access log. */
typedef struct bench_fleet_server {
    uint64_t requests;
    uint64_t not_modified; /**< answered 304 */
    uint64_t conditional;  /**< sent If-None-Match or If-Modified-Since */
    uint64_t sent;         /**< bytes the server sent: status lines, headers, bodies */
    uint64_t received;     /**< bytes of the requests: request lines, headers */
} bench_fleet_server_t;

/** What one run came to. */
typedef struct bench_fleet_result {
    /* The devices' side: their events and the shared transport's counters. */
    uint64_t checks;         /**< checks started (CHECK_START) */
    uint64_t not_modified;   /**< checks that ended in a 304 */
    uint64_t failures;       /**< CHECK_FAILED, DOWNLOAD_FAILED, VERIFY_FAILED events */
    uint64_t requests;       /**< GETs of the transport */
    uint64_t wire_sent;      /**< HTTP-level bytes sent, the transport's count */
    uint64_t wire_received;  /**< HTTP-level bytes received, the transport's count */
    uint64_t peak_minute;    /**< the most GETs in one simulated minute */
    uint32_t peak_minute_at; /**< simulated seconds at that minute's start */
    uint32_t in_cohort;      /**< devices whose rollout bucket for the release is below first_percent */
    uint32_t updated_stage1; /**< devices that took the release before it was raised to 100 */
    uint32_t updated;        /**< devices running the release at the end */
    /* The server's side (zero without an access log). */
    bench_fleet_server_t manifest; /**< requests for manifest.json */
    bench_fleet_server_t image;    /**< requests for the images */
    uint64_t other;                /**< any other request (none expected) */
    double wall_s;                 /**< real time of the simulated period (context, not a figure) */
} bench_fleet_result_t;

/** Device i's identity: "SN-" and six digits. Returns its length. */
size_t bench_fleet_device_id(uint32_t i, char *out, size_t cap);

/**
 * Make cfg->devices devices, run them over cfg->period_s simulated seconds
 * with the manifest published as cfg says, close them. *out is filled even
 * on failure (as far as the run got). Returns OTA_OK, or the first error
 * (a device that could not be made or booted, a service that failed, the
 * access log unreadable).
 */
int bench_fleet_run(const bench_fleet_config_t *cfg, bench_fleet_result_t *out);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_FLEET_SIM_H */
