/*
 * POSIX system port: monotonic or fake clock, seeded random numbers, reset
 * request flag, settable network state, levelled log.
 */
#include "system_posix.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static uint32_t sys_now_ms(void *ctx)
{
    posix_system_t *sys = ctx;
    if (sys->fake_clock) {
        return sys->fake_ms;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Truncation to 32 bits is the documented wrap of now_ms. */
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static uint32_t sys_random(void *ctx)
{
    posix_system_t *sys = ctx;
    /* splitmix64: reproducible from the seed, so a simulated fleet's poll
     * jitter is the same from run to run. */
    uint64_t z = (sys->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void sys_reset(void *ctx)
{
    posix_system_t *sys = ctx;
    sys->resets++;
}

static bool sys_network_up(void *ctx)
{
    posix_system_t *sys = ctx;
    return sys->network_up;
}

static void sys_log(void *ctx, ota_log_level_t level, const char *msg, int32_t value)
{
    posix_system_t *sys = ctx;
    if ((int)level > (int)sys->level) {
        return;
    }
    if (!sys->to_stderr && sys->log_cb == NULL) {
        return;
    }
    char line[512];
    snprintf(line, sizeof line, "%s%s%s: %s %ld", sys->prefix, sys->prefix[0] ? " " : "",
             posix_system_level_name(level), msg != NULL ? msg : "(null)", (long)value);
    if (sys->to_stderr) {
        fprintf(stderr, "%s\n", line);
    }
    if (sys->log_cb != NULL) {
        sys->log_cb(sys->log_arg, level, msg, value, line);
    }
}

int posix_system_init(posix_system_t *sys, uint64_t seed)
{
    memset(sys, 0, sizeof *sys);
    sys->rng = seed;
    sys->network_up = true;
    sys->level = OTA_LOG_INFO;
    sys->to_stderr = true;
    memcpy(sys->prefix, "sysota", sizeof("sysota"));
    return OTA_OK;
}

static int sys_device_id(void *ctx, char *buf, uint32_t cap)
{
    const posix_system_t *sys = ctx;
    if (sys->device_id_len == 0) {
        return OTA_ERR_NOT_FOUND;
    }
    if (sys->device_id_len > cap) {
        return OTA_ERR_TOO_LARGE;
    }
    memcpy(buf, sys->device_id, sys->device_id_len);
    return (int)sys->device_id_len;
}

int posix_system_port(posix_system_t *sys, ota_system_t *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = sys;
    out->now_ms = sys_now_ms;
    out->random = sys_random;
    out->reset = sys_reset;
    out->network_up = sys_network_up;
    out->log = sys_log;
    out->device_id = sys_device_id;
    return OTA_OK;
}

int posix_system_set_device_id(posix_system_t *sys, const char *id, size_t len)
{
    if (len > sizeof sys->device_id || (len > 0 && id == NULL)) {
        return OTA_ERR_TOO_LARGE;
    }
    if (len > 0) {
        memcpy(sys->device_id, id, len);
    }
    sys->device_id_len = (uint8_t)len;
    return OTA_OK;
}

int posix_system_fake_clock(posix_system_t *sys, uint32_t start_ms)
{
    sys->fake_clock = true;
    sys->fake_ms = start_ms;
    return OTA_OK;
}

int posix_system_advance(posix_system_t *sys, uint32_t ms)
{
    if (!sys->fake_clock) {
        return OTA_ERR_STATE;
    }
    sys->fake_ms += ms;
    return OTA_OK;
}

int posix_system_set_network(posix_system_t *sys, bool up)
{
    sys->network_up = up;
    return OTA_OK;
}

int posix_system_reset_requested(const posix_system_t *sys)
{
    return (int)sys->resets;
}

int posix_system_take_reset(posix_system_t *sys)
{
    int n = (int)sys->resets;
    sys->resets = 0;
    return n;
}

int posix_system_set_log(posix_system_t *sys, ota_log_level_t level, const char *prefix, bool to_stderr,
                         posix_system_log_cb cb, void *arg)
{
    /* Unsigned: one test for both ends, also where an enum is a byte
     * (arm-none-eabi's short enums), and "below ERROR" cannot be written. */
    if ((unsigned)level > (unsigned)OTA_LOG_DEBUG) {
        return OTA_ERR_INVALID_ARG;
    }
    sys->level = level;
    sys->to_stderr = to_stderr;
    sys->log_cb = cb;
    sys->log_arg = arg;
    sys->prefix[0] = '\0';
    if (prefix != NULL) {
        size_t n = strnlen(prefix, POSIX_SYSTEM_PREFIX_MAX);
        memcpy(sys->prefix, prefix, n);
        sys->prefix[n] = '\0';
    }
    return OTA_OK;
}

const char *posix_system_level_name(ota_log_level_t level)
{
    switch (level) {
    case OTA_LOG_ERROR:
        return "ERROR";
    case OTA_LOG_WARN:
        return "WARN";
    case OTA_LOG_INFO:
        return "INFO";
    case OTA_LOG_DEBUG:
        return "DEBUG";
    default:
        return "?";
    }
}
