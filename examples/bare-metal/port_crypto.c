/*
 * Crypto port: SHA-256 for the service (the downloaded image) and the
 * bootloader (the stored image, then program flash). Here a plain software
 * SHA-256 (FIPS 180-4) keeps the example free of any library; on a board
 * use the MCU's hash engine, or mbedTLS's mbedtls_sha256_* with its context
 * in the caller's ota_sha256_t. Signature verification is left out
 * (verify = NULL): the digests come from a manifest fetched over TLS.
 */
#include <string.h>

#include "ports.h"

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bits; /* message length so far, in bits */
    uint32_t fill; /* bytes waiting in block */
    uint8_t block[64];
} sha256_ctx_t;

/* The context lives in the caller's ota_sha256_t: no heap, no static state. */
_Static_assert(sizeof(sha256_ctx_t) <= sizeof(ota_sha256_t), "SHA-256 context larger than ota_sha256_t");

static const uint32_t k256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static void sha256_block(sha256_ctx_t *c, const uint8_t *p)
{
    uint32_t w[64];
    uint32_t v[8];
    for (unsigned i = 0; i < 16u; i++) {
        w[i] = (uint32_t)p[4u * i] << 24 | (uint32_t)p[4u * i + 1u] << 16 | (uint32_t)p[4u * i + 2u] << 8 |
               (uint32_t)p[4u * i + 3u];
    }
    for (unsigned i = 16; i < 64u; i++) {
        uint32_t s0 = ror(w[i - 15u], 7) ^ ror(w[i - 15u], 18) ^ (w[i - 15u] >> 3);
        uint32_t s1 = ror(w[i - 2u], 17) ^ ror(w[i - 2u], 19) ^ (w[i - 2u] >> 10);
        w[i] = w[i - 16u] + s0 + w[i - 7u] + s1;
    }
    memcpy(v, c->h, sizeof v);
    for (unsigned i = 0; i < 64u; i++) {
        uint32_t t1 =
            v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + k256[i] + w[i];
        uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7u * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (unsigned i = 0; i < 8u; i++) {
        c->h[i] += v[i];
    }
}

/* Begin a digest in *sha. A hash engine: claim it here (and release it in finish). */
static int sha_start(void *ctx, ota_sha256_t *sha)
{
    static const uint32_t h0[8] = { 0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u };
    sha256_ctx_t *c = (sha256_ctx_t *)sha;
    (void)ctx;
    memcpy(c->h, h0, sizeof h0);
    c->bits = 0;
    c->fill = 0;
    return OTA_OK;
}

/* Add len bytes (any length, any alignment). */
static int sha_update(void *ctx, ota_sha256_t *sha, const void *data, size_t len)
{
    sha256_ctx_t *c = (sha256_ctx_t *)sha;
    const uint8_t *p = data;
    (void)ctx;
    c->bits += (uint64_t)len * 8u;
    while (len > 0) {
        size_t n = sizeof c->block - c->fill;
        if (n > len) {
            n = len;
        }
        memcpy(c->block + c->fill, p, n);
        c->fill += (uint32_t)n;
        p += n;
        len -= n;
        if (c->fill == sizeof c->block) {
            sha256_block(c, c->block);
            c->fill = 0;
        }
    }
    return OTA_OK;
}

/* Write the 32-byte digest and release whatever start acquired. */
static int sha_finish(void *ctx, ota_sha256_t *sha, uint8_t out[OTA_SHA256_LEN])
{
    sha256_ctx_t *c = (sha256_ctx_t *)sha;
    uint64_t bits = c->bits;
    (void)ctx;
    c->block[c->fill++] = 0x80u;
    if (c->fill > 56u) {
        memset(c->block + c->fill, 0, sizeof c->block - c->fill);
        sha256_block(c, c->block);
        c->fill = 0;
    }
    memset(c->block + c->fill, 0, 56u - c->fill);
    for (unsigned i = 0; i < 8u; i++) {
        c->block[56u + i] = (uint8_t)(bits >> (56u - 8u * i));
    }
    sha256_block(c, c->block);
    for (unsigned i = 0; i < 8u; i++) {
        out[4u * i] = (uint8_t)(c->h[i] >> 24);
        out[4u * i + 1u] = (uint8_t)(c->h[i] >> 16);
        out[4u * i + 2u] = (uint8_t)(c->h[i] >> 8);
        out[4u * i + 3u] = (uint8_t)c->h[i];
    }
    return OTA_OK;
}

const ota_crypto_t port_crypto = {
    .ctx = NULL,
    .sha256_start = sha_start,
    .sha256_update = sha_update,
    .sha256_finish = sha_finish,
    .verify = NULL,
};
