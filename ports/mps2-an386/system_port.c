/*
 * The board's system port (see system_port.h).
 */
#include "system_port.h"

#include <string.h>

#include "board.h"
#include "semihost.h"

/* Milliseconds from SysTick; wraps at 2^32 as the port contract says. */
static uint32_t sys_now_ms(void *ctx)
{
    (void)ctx;
    return mps2_millis();
}

/* Poll jitter only: xorshift over the free-running counter is plenty. */
static uint32_t sys_random(void *ctx)
{
    static uint32_t x;
    (void)ctx;
    x ^= mps2_counter() | 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* A reset never returns on hardware; here it ends the run, and the runner
 * powers the board on again from the flash file. */
static void sys_reset(void *ctx)
{
    (void)ctx;
    semihost_puts("-- reset\n");
    mps2_exit(MPS2_EXIT_RESET);
}

static void sys_log(void *ctx, ota_log_level_t level, const char *msg, int32_t value)
{
    if (level > OTA_LOG_INFO) {
        return;
    }
    const char *prefix = ctx;
    if (prefix[0] != '\0') {
        semihost_puts(prefix);
        semihost_puts(": ");
    }
    semihost_puts(msg != NULL ? msg : "");
    semihost_puts(" (");
    semihost_print_int(value);
    semihost_puts(")\n");
}

int mps2_system_port(ota_system_t *out, const char *prefix)
{
    memset(out, 0, sizeof *out);
    out->ctx = (void *)(uintptr_t)prefix;
    out->now_ms = sys_now_ms;
    out->random = sys_random;
    out->reset = sys_reset;
    out->log = sys_log;
    return OTA_OK;
}
