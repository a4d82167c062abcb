/*
 * crypto_host.h's providers in the target build: mbedTLS compiled for the
 * Cortex-M4 (there is no OpenSSL), the same port the board's bootloader and
 * application use (ports/mps2-an386/crypto_port.c), its arena included.
 */
#include "crypto_host.h"
#include "crypto_port.h"

int posix_crypto_mbedtls(ota_crypto_t *out)
{
    return mps2_crypto_port(out);
}

int posix_crypto_default(ota_crypto_t *out)
{
    return mps2_crypto_port(out);
}

const char *posix_crypto_default_name(void)
{
    return "mbedtls";
}
