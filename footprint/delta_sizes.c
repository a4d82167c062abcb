/*
 * Never linked: footprint/report.py reads the sizes of these arrays
 * (arm-none-eabi-nm -S on this object) as the delta decoders' RAM on the
 * target: the ota_delta_t every caller holds (a union, so the larger
 * format's), and what each format alone needs.
 */
#include <stddef.h>

#include "ota_delta.h"

char footprint_delta_state[sizeof(ota_delta_t)];
char footprint_delta_jojo_state[offsetof(ota_delta_t, u) + sizeof(ota_delta_jojo_t)];
char footprint_delta_vcdiff_state[offsetof(ota_delta_t, u) + sizeof(ota_delta_vcdiff_t)];
