/*
 * What the example needs from the board: a console, a millisecond tick, a
 * reset, a network state and the jump into the application. On a product
 * these are a few lines over your BSP (UART, SysTick, NVIC_SystemReset,
 * your IP stack's link state, a vector-table jump); board_host.c gives the
 * same calls on a PC so that the example runs there unchanged.
 */
#ifndef EXAMPLE_BOARD_H
#define EXAMPLE_BOARD_H

#include <stdbool.h>
#include <stdint.h>

/** One console line: a constant message and one number. */
void board_log(const char *msg, int32_t value);

/** Milliseconds since power-on; wraps at 2^32. */
uint32_t board_millis(void);

/** A number for the poll jitter (need not be cryptographic). */
uint32_t board_random(void);

/** Reset the microcontroller. On a board it does not return. */
void board_reset(void);

/** True once the network interface holds an address. */
bool board_network_up(void);

/** Hand over to the application whose vector table is at flash offset addr. */
void board_jump(uint32_t addr);

/** No image may run: stop here (report err on the console first). */
void board_halt(int err);

/**
 * The main loop's condition: true for ever on a board (reset() never
 * returns); on a PC, false once the device asked for a reset, or when the
 * run's budget of loop turns is spent. Each call is one turn of the loop.
 */
bool board_running(void);

#endif /* EXAMPLE_BOARD_H */
