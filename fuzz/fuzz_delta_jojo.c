/*
 * libFuzzer target: the core's JojoDiff decoder (ota_delta.h), as fuzz_delta.h
 * describes. Seeds: fuzz/corpus/delta_jojo/, made against fuzz_delta_base().
 */
#include "fuzz_delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_delta_one(OTA_DELTA_JOJODIFF, data, size);
}
