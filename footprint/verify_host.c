/*
 * Host check of the signed bootloader's verify port (ports/stub_ecdsa.c),
 * compiled by footprint.sh for 32-bit x86 (cc -m32) from the same mbedTLS
 * sources, configuration and arena size as the Cortex-M4 image
 * (FP_HOST_CHECK: no assembly, the allocator's statistics on).
 *
 *   verify_host KEY      check the port on the fixed vector (a valid
 *                        signature verifies; a changed digest, a changed
 *                        signature and a key off the curve are refused) and
 *                        print the arena's peak use as figures KEY.*;
 *                        exit 1 if any check fails
 *   verify_host --one    one verify of the valid signature, nothing else
 *                        (what an instruction count measures)
 *
 * On a 32-bit build, as on the target, limbs, pointers and size_t are 4
 * bytes, so mbedTLS allocates the same sizes in the same order from the same
 * arena: the valid signature verifying here means the arena is large enough
 * there.
 */
#include <stdio.h>
#include <string.h>

#include "ecdsa_vector.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "stub_ports.h"

_Static_assert(sizeof(void *) == 4 && sizeof(size_t) == 4, "build the host check with -m32, as the target's layout");

static int expect(const char *what, int got, int want)
{
    printf("footprint: host check: %-44s %s\n", what, got == want ? "ok" : "FAILED");
    return got == want ? 0 : 1;
}

static void figure(const char *key, const char *name, size_t v, const char *unit)
{
    char k[96];
    snprintf(k, sizeof k, "%s.%s", key, name);
    printf("%-40s %14.4f  %s\n", k, (double)v, unit);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--one") == 0) {
        return stub_ecdsa_verify(NULL, fp_vector_key, fp_vector_digest, fp_vector_sig) == OTA_OK ? 0 : 1;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s KEY | --one\n", argv[0]);
        return 2;
    }
    uint8_t key[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
    int bad = 0;
    bad += expect("the vector's signature verifies",
                  stub_ecdsa_verify(NULL, fp_vector_key, fp_vector_digest, fp_vector_sig), OTA_OK);
    size_t max_used = 0, max_blocks = 0;
    mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);

    memcpy(digest, fp_vector_digest, sizeof digest);
    digest[31] ^= 1u;
    bad += expect("one bit of the digest changed: refused",
                  stub_ecdsa_verify(NULL, fp_vector_key, digest, fp_vector_sig), OTA_ERR_SIGNATURE);
    memcpy(sig, fp_vector_sig, sizeof sig);
    sig[40] ^= 0x80u;
    bad += expect("one bit of s changed: refused", stub_ecdsa_verify(NULL, fp_vector_key, fp_vector_digest, sig),
                  OTA_ERR_SIGNATURE);
    memcpy(key, fp_vector_key, sizeof key);
    key[64] ^= 1u;
    bad += expect("a key off the curve: refused", stub_ecdsa_verify(NULL, key, fp_vector_digest, fp_vector_sig),
                  OTA_ERR_SIGNATURE);

    /* The allocator's block header: eight words (memory_buffer_alloc.c). */
    size_t peak = max_used + max_blocks * 8u * sizeof(size_t);
    figure(argv[1], "heap_peak", peak, "bytes of arena in use at the verify's peak (blocks + headers)");
    figure(argv[1], "heap_blocks", max_blocks, "blocks allocated at the peak");
    figure(argv[1], "heap_arena", STUB_ECDSA_HEAP, "bytes of arena (STUB_ECDSA_HEAP, in the static RAM)");
    return bad ? 1 : 0;
}
