/*
 * Internal to the core: staged rollouts (rollout.c). A manifest entry with
 * "Rollout": N reaches the devices whose bucket for that version is below
 * N: the bucket is a stable hash of the device's identity and the version,
 * 0..99, so raising N in the file widens the same cohort and never
 * reshuffles it, and each release draws a new cohort (the first 10 % of one
 * release are not always the same devices).
 */
#ifndef SYSOTA_OTA_ROLLOUT_H
#define SYSOTA_OTA_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The bucket of a device for a version, 0..99: FNV-1a (32-bit) over the
 * identity's bytes and then the version's four bytes, little-endian, then
 * MurmurHash3's 32-bit finaliser, modulo 100. Host tools compute the same
 * to predict a cohort.
 */
uint8_t ota_rollout_bucket(const char *id, size_t id_len, uint32_t version);

/**
 * Whether a device takes an entry rolled out to percent % of the fleet:
 * always at 100, never at 0, otherwise when it has an identity (id_len > 0)
 * and its bucket is below percent.
 */
bool ota_rollout_includes(const char *id, size_t id_len, uint32_t version, uint8_t percent);

#endif /* SYSOTA_OTA_ROLLOUT_H */
