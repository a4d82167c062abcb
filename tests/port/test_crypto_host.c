/*
 * SHA-256 through both host providers (FIPS 180-2 vectors, any split of the
 * input), and ECDSA P-256 verification with keys made by mbedTLS and OpenSSL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/version.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto_host.h"
#include "test_server.h"

typedef int (*ctor_t)(ota_crypto_t *);
static const struct {
    const char *name;
    ctor_t make;
} backends[] = { { "mbedtls", posix_crypto_mbedtls }, { "openssl", posix_crypto_openssl } };
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

static void hex_to_bytes(const char *hex, uint8_t out[OTA_SHA256_LEN])
{
    for (int i = 0; i < OTA_SHA256_LEN; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void check_digest(const void *msg, size_t len, const char *hex)
{
    uint8_t want[OTA_SHA256_LEN], got[OTA_SHA256_LEN];
    hex_to_bytes(hex, want);
    for (size_t b = 0; b < NBACKENDS; b++) {
        ota_crypto_t c;
        assert_int_equal(backends[b].make(&c), OTA_OK);
        memset(got, 0, sizeof(got));
        assert_int_equal(posix_crypto_sha256_buffer(&c, msg, len, got), OTA_OK);
        if (memcmp(got, want, OTA_SHA256_LEN) != 0) {
            fail_msg("%s: wrong digest for a %zu-byte message", backends[b].name, len);
        }
    }
}

static void test_sha256_of_abc_matches_fips_180_2_on_both_backends(void **state)
{
    (void)state;
    check_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sha256_of_the_448_bit_message_matches_fips_180_2_on_both_backends(void **state)
{
    (void)state;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(m) * 8, 448);
    check_digest(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_of_one_million_a_matches_fips_180_2_on_both_backends(void **state)
{
    (void)state;
    const char *hex = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    char *m = malloc(1000000);
    assert_non_null(m);
    memset(m, 'a', 1000000);
    check_digest(m, 1000000, hex);
    /* And streamed in uneven pieces, as a download would feed it. */
    uint8_t want[OTA_SHA256_LEN], got[OTA_SHA256_LEN];
    hex_to_bytes(hex, want);
    for (size_t b = 0; b < NBACKENDS; b++) {
        ota_crypto_t c;
        backends[b].make(&c);
        ota_sha256_t sha;
        assert_int_equal(c.sha256_start(c.ctx, &sha), OTA_OK);
        size_t off = 0, step = 1;
        while (off < 1000000) {
            size_t n = 1000000 - off < step ? 1000000 - off : step;
            assert_int_equal(c.sha256_update(c.ctx, &sha, m + off, n), OTA_OK);
            off += n;
            step = step * 3 + 1;
            if (step > 70000) {
                step = 7;
            }
        }
        assert_int_equal(c.sha256_finish(c.ctx, &sha, got), OTA_OK);
        assert_memory_equal(got, want, OTA_SHA256_LEN);
    }
    free(m);
}

static void test_sha256_of_empty_input_is_the_known_digest_on_both_backends(void **state)
{
    (void)state;
    check_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_digest(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_splitting_the_input_anywhere_gives_the_same_digest_on_both_backends(void **state)
{
    (void)state;
    enum { LEN = 3 * 64 + 17 };
    uint8_t msg[LEN], ref[OTA_SHA256_LEN], got[OTA_SHA256_LEN];
    test_fill_random(msg, LEN, 5);
    ota_crypto_t c0;
    posix_crypto_mbedtls(&c0);
    assert_int_equal(posix_crypto_sha256_buffer(&c0, msg, LEN, ref), OTA_OK);
    for (size_t b = 0; b < NBACKENDS; b++) {
        ota_crypto_t c;
        backends[b].make(&c);
        for (size_t i = 0; i <= LEN; i++) {
            for (size_t j = i; j <= LEN; j++) {
                ota_sha256_t sha;
                assert_int_equal(c.sha256_start(c.ctx, &sha), OTA_OK);
                assert_int_equal(c.sha256_update(c.ctx, &sha, msg, i), OTA_OK);
                assert_int_equal(c.sha256_update(c.ctx, &sha, msg + i, j - i), OTA_OK);
                assert_int_equal(c.sha256_update(c.ctx, &sha, msg + j, LEN - j), OTA_OK);
                assert_int_equal(c.sha256_finish(c.ctx, &sha, got), OTA_OK);
                if (memcmp(got, ref, OTA_SHA256_LEN) != 0) {
                    fail_msg("%s: split at %zu,%zu differs", backends[b].name, i, j);
                }
            }
        }
        ota_sha256_t sha;
        c.sha256_start(c.ctx, &sha);
        for (size_t i = 0; i < LEN; i++) {
            c.sha256_update(c.ctx, &sha, msg + i, 1);
        }
        c.sha256_finish(c.ctx, &sha, got);
        assert_memory_equal(got, ref, OTA_SHA256_LEN);
    }
}

static void test_the_default_backend_is_the_one_chosen_at_build_time(void **state)
{
    (void)state;
    assert_string_equal(posix_crypto_default_name(), SYSOTA_EXPECTED_SHA256);
    ota_crypto_t d, want;
    assert_int_equal(posix_crypto_default(&d), OTA_OK);
    if (strcmp(SYSOTA_EXPECTED_SHA256, "mbedtls") == 0) {
        posix_crypto_mbedtls(&want);
    } else {
        posix_crypto_openssl(&want);
    }
    assert_ptr_equal(d.sha256_start, want.sha256_start);
    assert_ptr_equal(d.sha256_finish, want.sha256_finish);
    assert_null(d.verify);
}

static void test_openssl_finish_releases_its_context_and_later_calls_report_state(void **state)
{
    (void)state;
    ota_crypto_t c;
    posix_crypto_openssl(&c);
    ota_sha256_t sha;
    uint8_t out[OTA_SHA256_LEN];
    assert_int_equal(c.sha256_start(c.ctx, &sha), OTA_OK);
    assert_int_equal(c.sha256_update(c.ctx, &sha, "x", 1), OTA_OK);
    assert_int_equal(c.sha256_finish(c.ctx, &sha, out), OTA_OK);
    assert_null(sha.opaque.ptr);
    assert_int_equal(c.sha256_update(c.ctx, &sha, "x", 1), OTA_ERR_STATE);
    assert_int_equal(c.sha256_finish(c.ctx, &sha, out), OTA_ERR_STATE);
}

/* ---- ECDSA ---------------------------------------------------------------- */

static uint32_t rng_counter;

static int test_rng(void *arg, unsigned char *out, size_t len)
{
    (void)arg;
    test_fill_random(out, len, rng_counter++);
    return 0;
}

static void hash_of(const char *msg, uint8_t out[OTA_SHA256_LEN])
{
    ota_crypto_t c;
    posix_crypto_mbedtls(&c);
    assert_int_equal(posix_crypto_sha256_buffer(&c, msg, strlen(msg), out), OTA_OK);
}

/* A key pair made by mbedTLS: public key as PEM into pem, signature of hash into sig. */
static void mbed_keypair_sign(mbedtls_ecp_group_id grp, const uint8_t hash[OTA_SHA256_LEN], char *pem,
                              size_t pem_cap, uint8_t *sig, size_t *sig_len)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(mbedtls_ecp_gen_key(grp, mbedtls_pk_ec(pk), test_rng, NULL), 0);
    assert_int_equal(mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)pem, pem_cap), 0);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    assert_int_equal(mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, OTA_SHA256_LEN, sig, MBEDTLS_PK_SIGNATURE_MAX_SIZE,
                                     sig_len, test_rng, NULL),
                     0);
#else
    assert_int_equal(mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, OTA_SHA256_LEN, sig, sig_len, test_rng, NULL), 0);
#endif
    mbedtls_pk_free(&pk);
}

static void test_verify_accepts_a_good_signature_and_rejects_any_flipped_bit(void **state)
{
    (void)state;
    uint8_t hash[OTA_SHA256_LEN];
    hash_of("app_v3.bin manifest", hash);
    char pem[1024];
    uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t sig_len = 0;
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP256R1, hash, pem, sizeof(pem), sig, &sig_len);

    posix_crypto_key_t key = { 0 };
    /* PEM without its terminating NUL, as read from a file. */
    assert_int_equal(posix_crypto_key_load(&key, (const uint8_t *)pem, strlen(pem)), OTA_OK);
    for (size_t b = 0; b < NBACKENDS; b++) {
        ota_crypto_t c;
        backends[b].make(&c);
        assert_null(c.verify);
        posix_crypto_set_key(&c, &key);
        assert_non_null(c.verify);
        assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_OK);
        /* The providers still hash with a key attached. */
        uint8_t h2[OTA_SHA256_LEN];
        assert_int_equal(posix_crypto_sha256_buffer(&c, "app_v3.bin manifest", 19, h2), OTA_OK);
        assert_memory_equal(h2, hash, OTA_SHA256_LEN);
    }
    ota_crypto_t c;
    posix_crypto_default(&c);
    posix_crypto_set_key(&c, &key);
    for (size_t bit = 0; bit < sig_len * 8; bit += 5) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_ERR_SIGNATURE);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t bit = 0; bit < OTA_SHA256_LEN * 8; bit += 7) {
        hash[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_ERR_SIGNATURE);
        hash[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(c.verify(c.ctx, hash, sig, sig_len - 1), OTA_ERR_SIGNATURE);
    assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_OK);
    posix_crypto_key_free(&key);
    posix_crypto_key_free(&key); /* twice is harmless */
}

static void test_verify_accepts_an_openssl_signature_with_a_der_key(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    unsigned char *der = NULL;
    int der_len = i2d_PUBKEY(k, &der);
    assert_true(der_len > 0);
    uint8_t hash[OTA_SHA256_LEN];
    hash_of("signed by openssl", hash);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_sign_init(pc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()), 1);
    unsigned char sig[128];
    size_t sig_len = sizeof(sig);
    assert_int_equal(EVP_PKEY_sign(pc, sig, &sig_len, hash, OTA_SHA256_LEN), 1);

    posix_crypto_key_t key = { 0 };
    assert_int_equal(posix_crypto_key_load(&key, der, (size_t)der_len), OTA_OK);
    ota_crypto_t c;
    posix_crypto_openssl(&c);
    posix_crypto_set_key(&c, &key);
    assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_OK);
    sig[sig_len / 2] ^= 0x10;
    assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_ERR_SIGNATURE);

    posix_crypto_key_free(&key);
    EVP_PKEY_CTX_free(pc);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

static void test_without_a_key_there_is_no_signature_support(void **state)
{
    (void)state;
    ota_crypto_t c;
    posix_crypto_mbedtls(&c);
    assert_null(c.verify);
    posix_crypto_key_t empty = { 0 };
    posix_crypto_set_key(&c, &empty);
    uint8_t hash[OTA_SHA256_LEN] = { 0 }, sig[8] = { 0x30 };
    assert_int_equal(c.verify(c.ctx, hash, sig, sizeof(sig)), OTA_ERR_NOT_SUPPORTED);
    posix_crypto_set_key(&c, NULL);
    assert_null(c.verify);
}

static void test_keys_that_are_not_p256_public_keys_are_refused(void **state)
{
    (void)state;
    posix_crypto_key_t key = { 0 };
    const char *junk = "-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n";
    assert_int_equal(posix_crypto_key_load(&key, (const uint8_t *)junk, strlen(junk)), OTA_ERR_INVALID_ARG);
    assert_null(key.pk);
    uint8_t bytes[64];
    test_fill_random(bytes, sizeof(bytes), 1);
    assert_int_equal(posix_crypto_key_load(&key, bytes, sizeof(bytes)), OTA_ERR_INVALID_ARG);
    assert_int_equal(posix_crypto_key_load(&key, bytes, 0), OTA_ERR_INVALID_ARG);

    uint8_t hash[OTA_SHA256_LEN] = { 1 };
    char pem[1024];
    uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t sig_len;
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP384R1, hash, pem, sizeof(pem), sig, &sig_len);
    assert_int_equal(posix_crypto_key_load(&key, (const uint8_t *)pem, strlen(pem) + 1), OTA_ERR_NOT_SUPPORTED);
    assert_null(key.pk);
}

static void test_a_key_loads_from_a_pem_file(void **state)
{
    (void)state;
    uint8_t hash[OTA_SHA256_LEN];
    hash_of("from a file", hash);
    char pem[1024];
    uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t sig_len;
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP256R1, hash, pem, sizeof(pem), sig, &sig_len);
    char dir[256], path[512];
    assert_int_equal(test_tmpdir_make(dir, sizeof(dir), "key"), OTA_OK);
    assert_int_equal(test_file_write(dir, "pub.pem", pem, strlen(pem), path, sizeof(path)), OTA_OK);
    posix_crypto_key_t key = { 0 };
    assert_int_equal(posix_crypto_key_load_file(&key, path), OTA_OK);
    ota_crypto_t c;
    posix_crypto_mbedtls(&c);
    posix_crypto_set_key(&c, &key);
    assert_int_equal(c.verify(c.ctx, hash, sig, sig_len), OTA_OK);
    posix_crypto_key_free(&key);
    strcat(dir, "/missing.pem");
    assert_int_equal(posix_crypto_key_load_file(&key, dir), OTA_ERR_NOT_FOUND);
    dir[strlen(dir) - strlen("/missing.pem")] = '\0';
    test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_of_abc_matches_fips_180_2_on_both_backends),
        cmocka_unit_test(test_sha256_of_the_448_bit_message_matches_fips_180_2_on_both_backends),
        cmocka_unit_test(test_sha256_of_one_million_a_matches_fips_180_2_on_both_backends),
        cmocka_unit_test(test_sha256_of_empty_input_is_the_known_digest_on_both_backends),
        cmocka_unit_test(test_splitting_the_input_anywhere_gives_the_same_digest_on_both_backends),
        cmocka_unit_test(test_the_default_backend_is_the_one_chosen_at_build_time),
        cmocka_unit_test(test_openssl_finish_releases_its_context_and_later_calls_report_state),
        cmocka_unit_test(test_verify_accepts_a_good_signature_and_rejects_any_flipped_bit),
        cmocka_unit_test(test_verify_accepts_an_openssl_signature_with_a_der_key),
        cmocka_unit_test(test_without_a_key_there_is_no_signature_support),
        cmocka_unit_test(test_keys_that_are_not_p256_public_keys_are_refused),
        cmocka_unit_test(test_a_key_loads_from_a_pem_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
