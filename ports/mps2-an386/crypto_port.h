/*
 * Crypto port of the board: mbedTLS compiled for the Cortex-M4
 * (src/port/mbedtls's adapter) with a static arena for ECDSA's bignums.
 */
#ifndef MPS2_CRYPTO_PORT_H
#define MPS2_CRYPTO_PORT_H

#include "sysota/ota_port.h"

/** Bytes of the arena mbedTLS's ECDSA verification works in. */
#ifndef MPS2_CRYPTO_ARENA
#define MPS2_CRYPTO_ARENA 6144u
#endif

/** Fill *out with SHA-256 and ECDSA P-256 verify (sets the arena up on first use). Returns OTA_OK. */
int mps2_crypto_port(ota_crypto_t *out);

#endif /* MPS2_CRYPTO_PORT_H */
