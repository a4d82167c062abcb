/*
 * One ECDSA P-256 verify on the Cortex-M4, counted: the board's crypto port
 * (mbedTLS configured as the board's bootloader links it) checks the
 * footprint's fixed vector (footprint/ecdsa_vector.h, the signature every
 * verify figure of `make bench` is taken over) between two reads of the
 * board's 25 MHz counter. Run under QEMU with -icount shift=0 (one
 * instruction is one virtual nanosecond), one count is 40 instructions;
 * target/bench.sh does the multiplication.
 *
 * Prints "figures: verify_counter N verify_ok 1 tampered_refused 1" and
 * exits MPS2_EXIT_OK only when the vector verifies and the same signature
 * with one bit changed is refused: a figure of a verify that failed early
 * would be meaningless.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "crypto_port.h"
#include "ecdsa_vector.h"
#include "semihost.h"

static void print_figure(const char *name, uint32_t value)
{
    semihost_puts(" ");
    semihost_puts(name);
    semihost_puts(" ");
    semihost_print_int((int32_t)value);
}

int main(void)
{
    ota_crypto_t crypto;
    uint8_t tampered[sizeof fp_vector_sig];

    if (mps2_crypto_port(&crypto) != OTA_OK || crypto.verify == NULL) {
        semihost_puts("bench_verify_m4: the board's crypto port has no verify\n");
        return (int)MPS2_EXIT_FAILED;
    }
    /* A first verify sets mbedTLS's arena and group tables up as a boot
     * would have by then; the second one is the figure. */
    (void)crypto.verify(crypto.ctx, fp_vector_key, fp_vector_digest, fp_vector_sig);
    uint32_t start = mps2_counter();
    int ok = crypto.verify(crypto.ctx, fp_vector_key, fp_vector_digest, fp_vector_sig);
    uint32_t counts = mps2_counter() - start;

    memcpy(tampered, fp_vector_sig, sizeof tampered);
    tampered[sizeof tampered - 1] ^= 0x01u;
    int bad = crypto.verify(crypto.ctx, fp_vector_key, fp_vector_digest, tampered);

    semihost_puts("figures:");
    print_figure("verify_counter", counts);
    print_figure("verify_ok", ok == OTA_OK);
    print_figure("tampered_refused", bad == OTA_ERR_SIGNATURE);
    semihost_puts("\n");
    return (int)(ok == OTA_OK && bad == OTA_ERR_SIGNATURE ? MPS2_EXIT_OK : MPS2_EXIT_FAILED);
}
