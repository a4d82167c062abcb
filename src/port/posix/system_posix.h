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

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest log prefix kept, without the NUL. */
#define OTA_SYSTEM_POSIX_PREFIX_MAX 31

/**
 * Receives each log line that passes the threshold: the level, the core's
 * constant message and number, and the formatted line (no newline).
 */
typedef void (*ota_system_posix_log_cb)(void *arg, ota_log_level_t level, const char *msg,
                                        int32_t value, const char *line);

/** One system port. Fields are private. */
typedef struct ota_system_posix {
    bool fake_clock;
    uint32_t fake_ms;
    uint64_t rng;
    unsigned resets;        /* reset() calls not yet taken */
    bool network_up;
    ota_log_level_t level;  /* lines above it are dropped */
    bool to_stderr;
    char prefix[OTA_SYSTEM_POSIX_PREFIX_MAX + 1];
    ota_system_posix_log_cb log_cb;
    void *log_arg;
} ota_system_posix_t;

/**
 * Real monotonic clock, random generator seeded with seed, no reset
 * requested, network up, log at OTA_LOG_INFO to stderr with prefix
 * "sysota", no callback. Returns OTA_OK.
 */
int ota_system_posix_init(ota_system_posix_t *sys, uint64_t seed);

/** Fill *out with the ota_system_t view of sys (ctx = sys). Returns OTA_OK. */
int ota_system_posix_port(ota_system_posix_t *sys, ota_system_t *out);

/** Switch to a fake clock that reads start_ms until advanced. Returns OTA_OK. */
int ota_system_posix_fake_clock(ota_system_posix_t *sys, uint32_t start_ms);

/**
 * Move the fake clock forward by ms (wrapping at 2^32 like the real one).
 * OTA_ERR_STATE when the real clock is in use.
 */
int ota_system_posix_advance(ota_system_posix_t *sys, uint32_t ms);

/** Set what network_up() answers. Returns OTA_OK. */
int ota_system_posix_set_network(ota_system_posix_t *sys, bool up);

/** Number of reset() calls since init or the last take (0: none pending). */
int ota_system_posix_reset_requested(const ota_system_posix_t *sys);

/** Return the pending reset count, as above, and clear it (the simulator "reboots"). */
int ota_system_posix_take_reset(ota_system_posix_t *sys);

/**
 * Configure the log: lines with a level above `level` are dropped; prefix
 * (NULL or "" for none, truncated to OTA_SYSTEM_POSIX_PREFIX_MAX) starts
 * every line; to_stderr writes them to stderr; cb (may be NULL) receives
 * them too. Returns OTA_OK, OTA_ERR_INVALID_ARG for an unknown level.
 */
int ota_system_posix_set_log(ota_system_posix_t *sys, ota_log_level_t level, const char *prefix,
                             bool to_stderr, ota_system_posix_log_cb cb, void *arg);

/** "ERROR", "WARN", "INFO", "DEBUG", or "?" */
const char *ota_system_posix_level_name(ota_log_level_t level);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_SYSTEM_POSIX_H */
