/*
 * board.h on a PC, so that the example runs without hardware: the console
 * is stdout, time advances one millisecond per turn of the main loop (a
 * counted clock: the run is the same on any machine), a reset ends the
 * power-on, and the jump calls app_main() directly.
 */
#include <stdio.h>

#include "board.h"
#include "firmware.h"
#include "host.h"

static uint32_t now_ms;
static uint32_t turns_left;
static uint32_t rng = 12345u;
static bool reset_asked;
static bool halted;

void board_host_power_on(uint32_t turns)
{
    now_ms = 0;
    turns_left = turns;
    reset_asked = false;
    halted = false;
    printf("-- power on\n");
}

bool board_host_was_reset(void)
{
    return reset_asked;
}

bool board_host_halted(void)
{
    return halted;
}

void board_log(const char *msg, int32_t value)
{
    printf("%s (%ld)\n", msg, (long)value);
}

uint32_t board_millis(void)
{
    return now_ms;
}

uint32_t board_random(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

void board_reset(void)
{
    printf("-- reset\n");
    reset_asked = true;
}

bool board_network_up(void)
{
    return true;
}

void board_jump(uint32_t addr)
{
    printf("-- jump to the application at 0x%05lx\n", (unsigned long)addr);
    app_main();
}

void board_halt(int err)
{
    printf("-- halt: no image to run (%d)\n", err);
    halted = true;
}

bool board_running(void)
{
    if (reset_asked || turns_left == 0u) {
        return false;
    }
    turns_left--;
    now_ms++;
    return true;
}
