/*
 * System port of the board: the millisecond tick, a pseudo-random number,
 * the reset (here: the run ends with MPS2_EXIT_RESET and the runner powers
 * the board on again from the flash file), and the log on the semihosting
 * console (the core's lines say "boot:" or "ota:" themselves; a prefix
 * may name the program before that).
 */
#ifndef MPS2_SYSTEM_PORT_H
#define MPS2_SYSTEM_PORT_H

#include "sysota/ota_port.h"

/** Fill *out with the system port; log lines start with prefix (a constant string, "" for none). Returns OTA_OK. */
int mps2_system_port(ota_system_t *out, const char *prefix);

#endif /* MPS2_SYSTEM_PORT_H */
