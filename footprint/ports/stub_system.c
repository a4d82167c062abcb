/*
 * System stub: milliseconds from the DWT cycle counter (a 64 MHz core
 * assumed), the same counter as jitter randomness, reset through the
 * Cortex-M AIRCR register; no log, network always up.
 */
#include "stub_ports.h"

#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define AIRCR_RESET 0x05FA0004u
#define CYCLES_PER_MS 64000u

static uint32_t sys_now_ms(void *ctx)
{
    (void)ctx;
    return DWT_CYCCNT / CYCLES_PER_MS;
}

static uint32_t sys_random(void *ctx)
{
    (void)ctx;
    return DWT_CYCCNT;
}

static void sys_reset(void *ctx)
{
    (void)ctx;
    SCB_AIRCR = AIRCR_RESET;
    for (;;) {
    }
}

const ota_system_t stub_system = {
    .ctx = NULL,
    .now_ms = sys_now_ms,
    .random = sys_random,
    .reset = sys_reset,
    .network_up = NULL,
    .log = NULL,
};
