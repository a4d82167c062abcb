/*
 * Crypto port of the board: mbedTLS compiled for the Cortex-M4
 * (src/port/mbedtls's adapter) with a static arena for ECDSA's bignums.
 */
#ifndef MPS2_CRYPTO_PORT_H
#define MPS2_CRYPTO_PORT_H

#include "sysota/ota_port.h"

/**
 * Bytes of the arena mbedTLS's ECDSA verification works in. With this
 * board's settings (MBEDTLS_ECP_WINDOW_SIZE 4, the fixed-point speed-up on)
 * one verify of the footprint's fixed vector peaks at 6020 bytes on a 32-bit
 * build, and the peak moves with the key and the signature. An arena that
 * runs out fails the verify like a bad signature: at 6144 bytes a valid
 * update was once refused so in the target tests (a fresh key per build),
 * which a margin of 124 bytes explains. 8 KiB leaves a quarter spare.
 */
#ifndef MPS2_CRYPTO_ARENA
#define MPS2_CRYPTO_ARENA 8192u
#endif

/** Fill *out with SHA-256 and ECDSA P-256 verify (sets the arena up on first use). Returns OTA_OK. */
int mps2_crypto_port(ota_crypto_t *out);

#endif /* MPS2_CRYPTO_PORT_H */
