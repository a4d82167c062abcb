/*
 * The board's crypto port (see crypto_port.h). SHA-256 contexts live in
 * the caller's ota_sha256_t; only a signature check allocates, from the
 * arena below, and frees everything before it returns.
 */
#include "crypto_port.h"

#include <stdbool.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "board.h"
#include "crypto_mbedtls.h"
#include "semihost.h"

static unsigned char arena[MPS2_CRYPTO_ARENA];
static bool arena_ready;

/* What mbedTLS allocates with before the arena is there: nothing (a
 * verify then fails as a signature that does not check, never a crash). */
void *mps2_crypto_no_calloc(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

void mps2_crypto_no_free(void *p)
{
    (void)p;
}

void mps2_crypto_fatal(int status)
{
    (void)status;
    semihost_puts("crypto: mbedTLS's arena is corrupted\n");
    mps2_exit(MPS2_EXIT_FAULT);
}

int mps2_crypto_port(ota_crypto_t *out)
{
    if (!arena_ready) {
        mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
        arena_ready = true;
    }
    return ota_crypto_mbedtls_port(out);
}
