/*
 * sysota crypto port over mbedTLS: SHA-256 and ECDSA P-256 verification
 * behind an ota_crypto_t. Portable C over mbedTLS's public API alone, so
 * the same file serves the host port (src/port/posix, against Debian's
 * libmbedcrypto) and a microcontroller (ports/mps2-an386, against mbedTLS
 * compiled for it).
 *
 *  - SHA-256: the context lives inside ota_sha256_t's opaque space; nothing
 *    is allocated. Every sha256_start is followed by one sha256_finish.
 *  - verify: mbedTLS's ecdsa layer on the digest as it stands (not hashed
 *    again), the key an uncompressed point, the signature raw r||s. Its
 *    bignums take memory through mbedtls_calloc: on a device without a
 *    heap, give mbedTLS a static arena (MBEDTLS_MEMORY_BUFFER_ALLOC_C,
 *    mbedtls_memory_buffer_alloc_init) before the first verify.
 */
#ifndef SYSOTA_CRYPTO_MBEDTLS_H
#define SYSOTA_CRYPTO_MBEDTLS_H

#include "sysota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fill *out with the mbedTLS SHA-256 and ECDSA P-256 verify (ctx unused). Returns OTA_OK. */
int ota_crypto_mbedtls_port(ota_crypto_t *out);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_CRYPTO_MBEDTLS_H */
