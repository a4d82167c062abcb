/*
 * System port: clock, randomness, reset, network state and log, each one
 * call of the board (board.h): SysTick, a hardware RNG or a timer's low
 * bits, NVIC_SystemReset, the IP stack's link state, a UART.
 */
#include "board.h"
#include "ports.h"

/* Milliseconds from any origin, wrapping at 2^32; the service's timeouts and poll period run on it. */
static uint32_t sys_now_ms(void *ctx)
{
    (void)ctx;
    return board_millis();
}

/* Spreads the periodic checks of a fleet (jitter); need not be cryptographic. */
static uint32_t sys_random(void *ctx)
{
    (void)ctx;
    return board_random();
}

/*
 * Reset the device; on hardware it does not return. The service calls it
 * once an update is ready (auto_reset), so that the bootloader installs it.
 */
static void sys_reset(void *ctx)
{
    (void)ctx;
    board_reset();
}

/* True when the network holds an address: checks wait for it. */
static bool sys_network_up(void *ctx)
{
    (void)ctx;
    return board_network_up();
}

/* One line: a constant message and one number (a version, an error code). */
static void sys_log(void *ctx, ota_log_level_t level, const char *msg, int32_t value)
{
    (void)ctx;
    if (level <= OTA_LOG_INFO) {
        board_log(msg, value);
    }
}

const ota_system_t port_system = {
    .ctx = NULL,
    .now_ms = sys_now_ms,
    .random = sys_random,
    .reset = sys_reset,
    .network_up = sys_network_up,
    .log = sys_log,
};
