/*
 * PC only: what host_run.c, the example's run on a PC, asks of
 * board_host.c. Nothing of the firmware includes this.
 */
#ifndef EXAMPLE_HOST_H
#define EXAMPLE_HOST_H

#include <stdbool.h>
#include <stdint.h>

/** Power the board on: the clock restarts at 0; the main loop may turn `turns` times. */
void board_host_power_on(uint32_t turns);

/** The firmware reset the board during this power-on. */
bool board_host_was_reset(void);

/** The bootloader halted during this power-on. */
bool board_host_halted(void);

#endif /* EXAMPLE_HOST_H */
