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
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto_host.h"
#include "test_server.h"

typedef int (*ctor_t)(ota_crypto_t *);
static const struct {
    const char *name;
    ctor_t make;
} backends[] = { { "mbedtls", posix_crypto_mbedtls }, { "openssl", posix_crypto_openssl } };
#define NBACKENDS (sizeof backends / sizeof backends[0])

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
        memset(got, 0, sizeof got);
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
    assert_ptr_equal(d.verify, want.verify);
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

/* A key pair made by mbedTLS: the public key as PEM into pem, the DER
 * signature of hash into sig (what a signing tool writes, to be converted). */
static void mbed_keypair_sign(mbedtls_ecp_group_id grp, const uint8_t hash[OTA_SHA256_LEN], char *pem, size_t pem_cap,
                              uint8_t *sig, size_t *sig_len)
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

/* A DER ECDSA signature (SEQUENCE of two INTEGERs) as raw r||s, through OpenSSL. */
static void der_to_raw(const uint8_t *der, size_t len, uint8_t raw[OTA_SIG_LEN])
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    assert_non_null(es);
    const BIGNUM *r = NULL;
    const BIGNUM *sv = NULL;
    ECDSA_SIG_get0(es, &r, &sv);
    assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
    assert_int_equal(BN_bn2binpad(sv, raw + 32, 32), 32);
    ECDSA_SIG_free(es);
}

/* The published P-256 / SHA-256 vector of RFC 6979 (appendix A.2.5, message "sample"). */
static void rfc6979_vector(uint8_t key[OTA_PUBKEY_LEN], uint8_t digest[OTA_SHA256_LEN], uint8_t sig[OTA_SIG_LEN])
{
    key[0] = 0x04;
    hex_to_bytes("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6", key + 1);
    hex_to_bytes("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299", key + 33);
    hex_to_bytes("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716", sig);
    hex_to_bytes("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8", sig + 32);
    hash_of("sample", digest);
}

static void test_verify_accepts_the_rfc_6979_vector_on_both_backends_and_nothing_else(void **state)
{
    uint8_t key[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
    (void)state;
    rfc6979_vector(key, digest, sig);
    for (size_t b = 0; b < NBACKENDS; b++) {
        ota_crypto_t c;
        backends[b].make(&c);
        assert_non_null(c.verify);
        assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_OK);
        for (size_t bit = 0; bit < OTA_SIG_LEN * 8; bit += 5) {
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_ERR_SIGNATURE);
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        for (size_t bit = 0; bit < OTA_SHA256_LEN * 8; bit += 7) {
            digest[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_ERR_SIGNATURE);
            digest[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        for (size_t bit = 8; bit < OTA_PUBKEY_LEN * 8; bit += 11) { /* a point off the curve */
            key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_ERR_SIGNATURE);
            key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_OK);
    }
}

static void test_r_or_s_out_of_range_and_a_compressed_key_are_refused(void **state)
{
    uint8_t key[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN], bad[OTA_SIG_LEN];
    ota_crypto_t c;
    (void)state;
    rfc6979_vector(key, digest, sig);
    posix_crypto_default(&c);
    memcpy(bad, sig, sizeof bad);
    memset(bad, 0, 32); /* r = 0 */
    assert_int_equal(c.verify(c.ctx, key, digest, bad), OTA_ERR_SIGNATURE);
    memcpy(bad, sig, sizeof bad);
    memset(bad + 32, 0xFF, 32); /* s above the group order */
    assert_int_equal(c.verify(c.ctx, key, digest, bad), OTA_ERR_SIGNATURE);
    key[0] = 0x02; /* not the uncompressed form the contract names */
    assert_int_equal(c.verify(c.ctx, key, digest, sig), OTA_ERR_SIGNATURE);
}

static void test_verify_accepts_signatures_made_by_mbedtls_and_by_openssl(void **state)
{
    (void)state;
    uint8_t hash[OTA_SHA256_LEN];
    hash_of("app_v3.bin manifest", hash);
    char pem[1024];
    uint8_t der[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t der_len = 0;
    uint8_t key[OTA_PUBKEY_LEN], sig[OTA_SIG_LEN];
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP256R1, hash, pem, sizeof pem, der, &der_len);
    /* PEM without its terminating NUL, as read from a file. */
    assert_int_equal(posix_crypto_pubkey_load((const uint8_t *)pem, strlen(pem), key), OTA_OK);
    der_to_raw(der, der_len, sig);
    ota_crypto_t c;
    posix_crypto_default(&c);
    assert_int_equal(c.verify(c.ctx, key, hash, sig), OTA_OK);

    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    unsigned char *pub = NULL;
    int pub_len = i2d_PUBKEY(k, &pub);
    assert_true(pub_len > 0);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_sign_init(pc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()), 1);
    size_t sig_len = sizeof der;
    assert_int_equal(EVP_PKEY_sign(pc, der, &sig_len, hash, OTA_SHA256_LEN), 1);
    assert_int_equal(posix_crypto_pubkey_load(pub, (size_t)pub_len, key), OTA_OK); /* DER */
    der_to_raw(der, sig_len, sig);
    assert_int_equal(c.verify(c.ctx, key, hash, sig), OTA_OK);
    sig[20] ^= 0x10;
    assert_int_equal(c.verify(c.ctx, key, hash, sig), OTA_ERR_SIGNATURE);
    EVP_PKEY_CTX_free(pc);
    OPENSSL_free(pub);
    EVP_PKEY_free(k);
}

static void test_keys_that_are_not_p256_public_keys_are_refused(void **state)
{
    (void)state;
    uint8_t key[OTA_PUBKEY_LEN];
    const char *junk = "-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n";
    assert_int_equal(posix_crypto_pubkey_load((const uint8_t *)junk, strlen(junk), key), OTA_ERR_INVALID_ARG);
    uint8_t bytes[64];
    test_fill_random(bytes, sizeof bytes, 1);
    assert_int_equal(posix_crypto_pubkey_load(bytes, sizeof bytes, key), OTA_ERR_INVALID_ARG);
    assert_int_equal(posix_crypto_pubkey_load(bytes, 0, key), OTA_ERR_INVALID_ARG);

    uint8_t hash[OTA_SHA256_LEN] = { 1 };
    char pem[1024];
    uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t sig_len;
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP384R1, hash, pem, sizeof pem, sig, &sig_len);
    assert_int_equal(posix_crypto_pubkey_load((const uint8_t *)pem, strlen(pem) + 1, key), OTA_ERR_NOT_SUPPORTED);
}

static void test_a_key_loads_from_a_pem_file(void **state)
{
    (void)state;
    uint8_t hash[OTA_SHA256_LEN];
    hash_of("from a file", hash);
    char pem[1024];
    uint8_t der[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t der_len;
    mbed_keypair_sign(MBEDTLS_ECP_DP_SECP256R1, hash, pem, sizeof pem, der, &der_len);
    char dir[256], path[512];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "key"), OTA_OK);
    assert_int_equal(test_file_write(dir, "pub.pem", pem, strlen(pem), path, sizeof path), OTA_OK);
    uint8_t key[OTA_PUBKEY_LEN], sig[OTA_SIG_LEN];
    assert_int_equal(posix_crypto_pubkey_load_file(path, key), OTA_OK);
    der_to_raw(der, der_len, sig);
    ota_crypto_t c;
    posix_crypto_mbedtls(&c);
    assert_int_equal(c.verify(c.ctx, key, hash, sig), OTA_OK);
    strcat(dir, "/missing.pem");
    assert_int_equal(posix_crypto_pubkey_load_file(dir, key), OTA_ERR_NOT_FOUND);
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
        cmocka_unit_test(test_verify_accepts_the_rfc_6979_vector_on_both_backends_and_nothing_else),
        cmocka_unit_test(test_r_or_s_out_of_range_and_a_compressed_key_are_refused),
        cmocka_unit_test(test_verify_accepts_signatures_made_by_mbedtls_and_by_openssl),
        cmocka_unit_test(test_keys_that_are_not_p256_public_keys_are_refused),
        cmocka_unit_test(test_a_key_loads_from_a_pem_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
