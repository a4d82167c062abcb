/*
 * mbedTLS configuration of the footprint's signed bootloader: what an ECDSA
 * P-256 verify needs and nothing more, plus the SHA-256 of
 * mbedtls_footprint_config.h. Selected with
 * -DMBEDTLS_CONFIG_FILE="mbedtls_footprint_ecdsa_config.h".
 *
 * The size switches are left at mbedTLS's defaults unless the build passes
 * one of these (footprint/CMakeLists.txt builds one image per variant):
 *   FP_NO_NIST_OPTIM                 MBEDTLS_ECP_NIST_OPTIM off
 *   MBEDTLS_ECP_WINDOW_SIZE=n        (mbedTLS default 4)
 *   MBEDTLS_ECP_FIXED_POINT_OPTIM=0  (mbedTLS default 1)
 *   MBEDTLS_MPI_WINDOW_SIZE=n        (mbedTLS default 2)
 *   MBEDTLS_NO_UDBL_DIVISION         bignum's own 64/32 division, not libgcc's
 *   FP_NO_ASM                        MBEDTLS_HAVE_ASM off (plain C inner loop)
 * FP_HOST_CHECK marks the host build of the same sources
 * (footprint/verify_host.c), which also counts the heap.
 */
#ifndef SYSOTA_MBEDTLS_FOOTPRINT_ECDSA_CONFIG_H
#define SYSOTA_MBEDTLS_FOOTPRINT_ECDSA_CONFIG_H

/* Multi-precision integers: every number of the verify is one. */
#define MBEDTLS_BIGNUM_C

/* Elliptic-curve arithmetic, with one curve: P-256, the only one our
 * signatures use. Every other curve left out keeps its constants and its
 * reduction code out of the image. */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED

/* The fast reduction modulo the NIST prime: several times faster than the
 * generic division it replaces, for a few hundred bytes (the variant
 * without it is measured beside). */
#if !defined(FP_NO_NIST_OPTIM)
#define MBEDTLS_ECP_NIST_OPTIM
#endif

/* No random blinding inside the point multiplication. Blinding protects a
 * secret scalar against side channels; a verify handles public numbers
 * only (the key, the digest, the signature), and without this option ECP
 * would need a DRBG module (and a message digest layer) to seed it. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG

/* ECDSA: the image links mbedtls_ecdsa_verify only. The signing functions
 * are compiled but never referenced, so --gc-sections drops them;
 * MBEDTLS_ECDSA_DETERMINISTIC (deterministic signing, which would pull in
 * HMAC_DRBG) stays off. */
#define MBEDTLS_ECDSA_C

/* Required by MBEDTLS_ECDSA_C for its DER signature functions. Our
 * signatures are raw r||s, so none of the ASN.1 code is linked. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* bignum.c and ecp.c allocate their numbers with mbedtls_calloc. The
 * bootloader has no heap: the port hands mbedTLS a static arena through
 * mbedTLS's own first-fit allocator over a buffer. NO_STD_FUNCTIONS keeps
 * libc's calloc, free and printf out of the image. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#if defined(FP_HOST_CHECK)
/* The host check counts the arena's peak use (it prints with libc). */
#define MBEDTLS_MEMORY_DEBUG
/* 32-bit limbs, as on the Cortex-M4, so the numbers take the target's bytes. */
#define MBEDTLS_HAVE_INT32
#else
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
/* The allocator stops on a corrupted arena; without libc, through our own
 * function (stub_ecdsa.c), not exit(). */
#define MBEDTLS_PLATFORM_EXIT_MACRO stub_ecdsa_exit
void stub_ecdsa_exit(int status);
/* The Cortex-M4's multiply-accumulate (UMAAL) in the bignum inner loop. */
#if !defined(FP_NO_ASM)
#define MBEDTLS_HAVE_ASM
#endif
#endif

#include "mbedtls_footprint_config.h"

#endif /* SYSOTA_MBEDTLS_FOOTPRINT_ECDSA_CONFIG_H */
