/*
 * sysota host port: clock, randomness, reset, network state and log behind
 * an ota_system_t.
 *
 * The clock is CLOCK_MONOTONIC, or a fake clock that only moves when a test
 * or the simulator advances it (so a day of periodic polls takes no time).
 * reset() does not return on hardware; here it records the request and
 * returns, and the simulator reads the flag to start the next boot.
 */
#ifndef SYSOTA_SYSTEM_POSIX_H
#define SYSOTA_SYSTEM_POSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "sysota/ota_config.h"
#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest log prefix kept, without the NUL. */
#define POSIX_SYSTEM_PREFIX_MAX 31

/**
 * Receives each log line that passes the threshold: the level, the core's
 * constant message and number, and the formatted line (no newline).
 */
typedef void (*posix_system_log_cb)(void *arg, ota_log_level_t level, const char *msg, int32_t value, const char *line);

/** One system port. Fields are private. */
typedef struct posix_system {
    bool fake_clock;
    uint32_t fake_ms;
    uint64_t rng;
    unsigned resets; /* reset() calls not yet taken */
    bool network_up;
    ota_log_level_t level; /* lines above it are dropped */
    bool to_stderr;
    char prefix[POSIX_SYSTEM_PREFIX_MAX + 1];
    posix_system_log_cb log_cb;
    void *log_arg;
    char device_id[OTA_DEVICE_ID_MAX]; /* not NUL-terminated */
    uint8_t device_id_len;             /* 0: none (device_id() then fails) */
} posix_system_t;

/**
 * Real monotonic clock, random generator seeded with seed, no reset
 * requested, network up, log at OTA_LOG_INFO to stderr with prefix
 * "sysota", no callback. Returns OTA_OK.
 */
int posix_system_init(posix_system_t *sys, uint64_t seed);

/** Fill *out with the ota_system_t view of sys (ctx = sys). Returns OTA_OK. */
int posix_system_port(posix_system_t *sys, ota_system_t *out);

/**
 * The identity device_id() gives (for staged rollouts): len bytes of id,
 * 1..OTA_DEVICE_ID_MAX; len 0 removes it. OTA_ERR_TOO_LARGE beyond.
 */
int posix_system_set_device_id(posix_system_t *sys, const char *id, size_t len);

/** Switch to a fake clock that reads start_ms until advanced. Returns OTA_OK. */
int posix_system_fake_clock(posix_system_t *sys, uint32_t start_ms);

/**
 * Move the fake clock forward by ms (wrapping at 2^32 like the real one).
 * OTA_ERR_STATE when the real clock is in use.
 */
int posix_system_advance(posix_system_t *sys, uint32_t ms);

/** Set what network_up() answers. Returns OTA_OK. */
int posix_system_set_network(posix_system_t *sys, bool up);

/** Number of reset() calls since init or the last take (0: none pending). */
int posix_system_reset_requested(const posix_system_t *sys);

/** Return the pending reset count, as above, and clear it (the simulator "reboots"). */
int posix_system_take_reset(posix_system_t *sys);

/**
 * Configure the log: lines with a level above `level` are dropped; prefix
 * (NULL or "" for none, truncated to POSIX_SYSTEM_PREFIX_MAX) starts
 * every line; to_stderr writes them to stderr; cb (may be NULL) receives
 * them too. Returns OTA_OK, OTA_ERR_INVALID_ARG for an unknown level.
 */
int posix_system_set_log(posix_system_t *sys, ota_log_level_t level, const char *prefix, bool to_stderr,
                         posix_system_log_cb cb, void *arg);

/** "ERROR", "WARN", "INFO", "DEBUG", or "?" */
const char *posix_system_level_name(ota_log_level_t level);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SYSTEM_POSIX_H */
