/*
 * ECDSA P-256 verify for the signed bootloader image: mbedTLS's ecdsa.c on
 * ecp.c and bignum.c, built with mbedtls_footprint_ecdsa_config.h.
 *
 * mbedTLS allocates its numbers. The bootloader has no heap, so each verify
 * hands mbedTLS's buffer allocator a static arena afresh; every number is
 * freed before the verify returns, so nothing outlives the call and the
 * arena is all the heap there is (it is counted in the image's static RAM).
 */
#include "mbedtls/ecdsa.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "stub_ports.h"

static unsigned char arena[STUB_ECDSA_HEAP] __attribute__((aligned(8)));

#if !defined(FP_HOST_CHECK)
void stub_ecdsa_exit(int status)
{
    /* mbedTLS's allocator found its arena corrupted: nothing the verify
     * computes can be trusted any more. Stop before anything is erased and
     * let the watchdog start the bootloader again. */
    (void)status;
    for (;;) {
    }
}
#endif

int stub_ecdsa_verify(void *ctx, const uint8_t key[OTA_PUBKEY_LEN], const uint8_t digest[OTA_SHA256_LEN],
                      const uint8_t sig[OTA_SIG_LEN])
{
    (void)ctx;
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    /* Each step runs only if the one before succeeded; the frees below
     * release whatever was allocated, success or not. */
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    rc = rc ? rc : mbedtls_ecp_point_read_binary(&grp, &q, key, OTA_PUBKEY_LEN);
    rc = rc ? rc : mbedtls_ecp_check_pubkey(&grp, &q);
    rc = rc ? rc : mbedtls_mpi_read_binary(&r, sig, OTA_SIG_LEN / 2);
    rc = rc ? rc : mbedtls_mpi_read_binary(&s, sig + OTA_SIG_LEN / 2, OTA_SIG_LEN / 2);
    rc = rc ? rc : mbedtls_ecdsa_verify(&grp, digest, OTA_SHA256_LEN, &q, &r, &s);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc == 0 ? OTA_OK : OTA_ERR_SIGNATURE;
}
