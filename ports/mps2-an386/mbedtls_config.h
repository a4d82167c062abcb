/*
 * mbedTLS as the board builds it (-DMBEDTLS_CONFIG_FILE="mbedtls_config.h"):
 * SHA-256 in its smaller form, and ECDSA P-256 verification for signed
 * images. No heap: the bignums take memory from a static arena
 * (memory_buffer_alloc, set up by crypto_port.c); until then every
 * allocation fails rather than reach the C library's malloc.
 */
#ifndef MPS2_MBEDTLS_CONFIG_H
#define MPS2_MBEDTLS_CONFIG_H

#include <stddef.h>

#define MBEDTLS_HAVE_ASM /* Thumb-2 multiply-accumulate in the bignum inner loop */

#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
/* P-256 only: bignums and comb tables sized for it. */
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_MPI_MAX_SIZE 32
#define MBEDTLS_ECP_WINDOW_SIZE 4
/* Verification only: nothing secret to blind, so no random generator. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
void *mps2_crypto_no_calloc(size_t n, size_t size);
void mps2_crypto_no_free(void *p);
#define MBEDTLS_PLATFORM_STD_CALLOC mps2_crypto_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE mps2_crypto_no_free
/* The arena allocator stops the program when its blocks are corrupted: a fault of the board. */
void mps2_crypto_fatal(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO mps2_crypto_fatal

#include "mbedtls/check_config.h"

#endif /* MPS2_MBEDTLS_CONFIG_H */
