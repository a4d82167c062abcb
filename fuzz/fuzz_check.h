/*
 * What every libFuzzer target here shares: the entry point's prototype
 * (libFuzzer calls it; -Wmissing-prototypes wants it declared) and CHECK,
 * which traps when a promise of the code under test is broken, so that
 * libFuzzer keeps the input that broke it.
 */
#ifndef SYSOTA_FUZZ_CHECK_H
#define SYSOTA_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)           \
    do {                      \
        if (!(cond)) {        \
            __builtin_trap(); \
        }                     \
    } while (0)

#endif /* SYSOTA_FUZZ_CHECK_H */
