/*
 * Staged rollouts (ota_rollout.h).
 *
 * Why FNV-1a and not SHA-256: the bucket needs no secrecy, only to be
 * stable (the same on every platform and in the host tools) and spread
 * evenly; FNV-1a is a dozen instructions with no port call, so the
 * manifest's choice stays a pure function.
 */
#include "ota_rollout.h"

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * FNV_PRIME;
    }
    return h;
}

uint8_t ota_rollout_bucket(const char *id, size_t id_len, uint32_t version)
{
    const uint8_t v[4] = { (uint8_t)version, (uint8_t)(version >> 8), (uint8_t)(version >> 16),
                           (uint8_t)(version >> 24) };
    uint32_t h = fnv1a(fnv1a(FNV_OFFSET, (const uint8_t *)id, id_len), v, sizeof v);
    /* FNV's low bits follow the last bytes closely (ids that differ in
     * their last digit, consecutive versions): one avalanche step first. */
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return (uint8_t)(h % 100u);
}

bool ota_rollout_includes(const char *id, size_t id_len, uint32_t version, uint8_t percent)
{
    if (percent >= 100u) {
        return true;
    }
    return id_len > 0 && ota_rollout_bucket(id, id_len, version) < percent;
}
