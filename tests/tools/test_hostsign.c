/*
 * Keys and signatures of the host tools (tools/lib/hostsign), checked
 * against references that share no code with them: a published ECDSA
 * P-256 vector, and the openssl command line (sigref.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "hostsign.h"
#include "ota_hex.h"
#include "sigref.h"
#include "tool_test_util.h"

struct fixture {
    char *dir;
    char *key; /* a private key made by `openssl genpkey` */
    char *pub; /* its public key, by `openssl pkey -pubout` */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->key = tt_path(f->dir, "k.pem");
    f->pub = tt_path(f->dir, "k.pub.pem");
    sr_openssl_genkey("P-256", f->key);
    tt_run_t r;
    const char *argv[] = { "openssl", "pkey", "-in", f->key, "-pubout", "-out", f->pub, NULL };
    assert_int_equal(tt_run(&r, argv), 0);
    tt_run_free(&r);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tt_rmdir(f->dir);
    free(f->dir);
    free(f->key);
    free(f->pub);
    free(f);
    return 0;
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    assert_int_equal(ota_hex_decode(hex, 2 * n, out, n), OTA_OK);
}

/* ECDSA P-256 with SHA-256 over the message "sample": the key and the
 * signature published in RFC 6979, appendix A.2.5. */
#define VEC_UX "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
#define VEC_UY "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
#define VEC_R "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
#define VEC_S "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"

static void vector(uint8_t point[OTA_PUBKEY_LEN], uint8_t digest[OTA_SHA256_LEN], uint8_t sig[OTA_SIG_LEN])
{
    point[0] = 0x04;
    unhex(VEC_UX, point + 1, 32);
    unhex(VEC_UY, point + 33, 32);
    unhex(VEC_R, sig, 32);
    unhex(VEC_S, sig + 32, 32);
    assert_int_equal(tool_sign_sha256("sample", 6, digest), OTA_OK);
}

static void test_sha256_of_abc_is_the_fips_vector(void **state)
{
    (void)state;
    uint8_t d[OTA_SHA256_LEN], want[OTA_SHA256_LEN];
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, sizeof want);
    assert_int_equal(tool_sign_sha256("abc", 3, d), OTA_OK);
    assert_memory_equal(d, want, sizeof d);
}

static void test_the_published_vector_verifies_and_any_changed_bit_does_not(void **state)
{
    (void)state;
    uint8_t point[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
    vector(point, digest, sig);
    assert_int_equal(tool_sign_verify(point, digest, sig), OTA_OK);
    for (size_t bit = 0; bit < 8 * OTA_SIG_LEN; bit += 37) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(tool_sign_verify(point, digest, sig), OTA_ERR_SIGNATURE);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    digest[31] ^= 1;
    assert_int_equal(tool_sign_verify(point, digest, sig), OTA_ERR_SIGNATURE);
}

static void test_the_digest_is_signed_as_given_not_hashed_again(void **state)
{
    (void)state;
    uint8_t point[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN], twice[OTA_SHA256_LEN];
    vector(point, digest, sig);
    assert_int_equal(tool_sign_sha256(digest, sizeof digest, twice), OTA_OK);
    assert_int_equal(tool_sign_verify(point, twice, sig), OTA_ERR_SIGNATURE);
}

static void test_r_or_s_out_of_range_and_points_off_the_curve_are_refused(void **state)
{
    (void)state;
    uint8_t point[OTA_PUBKEY_LEN], digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
    vector(point, digest, sig);
    uint8_t zero_r[OTA_SIG_LEN];
    memcpy(zero_r, sig, sizeof zero_r);
    memset(zero_r, 0, 32);
    assert_int_equal(tool_sign_verify(point, digest, zero_r), OTA_ERR_SIGNATURE);
    uint8_t big_s[OTA_SIG_LEN];
    memcpy(big_s, sig, sizeof big_s);
    memset(big_s + 32, 0xFF, 32); /* above the group order */
    assert_int_equal(tool_sign_verify(point, digest, big_s), OTA_ERR_SIGNATURE);

    uint8_t off[OTA_PUBKEY_LEN];
    memcpy(off, point, sizeof off);
    off[64] ^= 1;
    assert_int_equal(tool_sign_verify(off, digest, sig), OTA_ERR_INVALID_ARG);
    memcpy(off, point, sizeof off);
    off[0] = 0x06; /* the hybrid form: same length, not what devices hold */
    assert_int_equal(tool_sign_verify(off, digest, sig), OTA_ERR_INVALID_ARG);
}

static void test_a_key_made_here_signs_what_it_verifies_and_nothing_else(void **state)
{
    (void)state;
    tool_key_t key;
    tool_key_info_t info;
    assert_int_equal(tool_key_generate(&key), OTA_OK);
    assert_int_equal(tool_key_info(&key, &info), OTA_OK);
    assert_int_equal(info.point[0], 0x04);
    uint8_t digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
    for (int i = 0; i < 8; i++) {
        memset(digest, i, sizeof digest);
        assert_int_equal(tool_sign_digest(&key, digest, sig), OTA_OK);
        assert_int_equal(tool_sign_verify(info.point, digest, sig), OTA_OK);
        digest[0] ^= 0x80;
        assert_int_equal(tool_sign_verify(info.point, digest, sig), OTA_ERR_SIGNATURE);
    }
    tool_key_free(&key);
    tool_key_free(&key); /* safe on an empty key */
}

static void test_our_signatures_verify_with_openssl_and_openssls_with_ours(void **state)
{
    struct fixture *f = *state;
    tool_key_t key;
    tool_key_info_t info;
    assert_int_equal(tool_key_load_private(&key, f->key), OTA_OK);
    assert_int_equal(tool_key_info(&key, &info), OTA_OK);
    uint64_t rng = 13;
    for (int i = 0; i < 6; i++) {
        uint8_t digest[OTA_SHA256_LEN], sig[OTA_SIG_LEN];
        for (size_t k = 0; k < sizeof digest; k++) {
            digest[k] = (uint8_t)tt_rand(&rng);
        }
        assert_int_equal(tool_sign_digest(&key, digest, sig), OTA_OK);
        assert_true(sr_openssl_verifies(f->dir, f->pub, digest, sig));
        sig[63] ^= 1;
        assert_false(sr_openssl_verifies(f->dir, f->pub, digest, sig));

        sr_openssl_sign(f->dir, f->key, digest, sig);
        assert_int_equal(tool_sign_verify(info.point, digest, sig), OTA_OK);
        digest[5] ^= 4;
        assert_int_equal(tool_sign_verify(info.point, digest, sig), OTA_ERR_SIGNATURE);
    }
    tool_key_free(&key);
}

static void test_point_and_key_id_are_those_openssl_gives(void **state)
{
    struct fixture *f = *state;
    uint8_t want[SR_POINT_LEN];
    char want_id[TOOL_KEY_ID_HEX_SIZE];
    sr_openssl_point(f->dir, f->key, true, want);
    sr_openssl_key_id_hex(f->dir, want, want_id);

    tool_key_t priv, pub;
    tool_key_info_t a, b;
    assert_int_equal(tool_key_load_private(&priv, f->key), OTA_OK);
    assert_int_equal(tool_key_load_public(&pub, f->pub), OTA_OK);
    assert_int_equal(tool_key_info(&priv, &a), OTA_OK);
    assert_int_equal(tool_key_info(&pub, &b), OTA_OK);
    assert_memory_equal(a.point, want, SR_POINT_LEN);
    assert_memory_equal(b.point, want, SR_POINT_LEN);
    assert_string_equal(a.id_hex, want_id);
    assert_memory_equal(a.id, b.id, OTA_KEY_ID_LEN);
    tool_key_free(&priv);
    tool_key_free(&pub);
}

static void test_a_compressed_public_key_file_gives_the_uncompressed_point(void **state)
{
    struct fixture *f = *state;
    char *compressed = tt_path(f->dir, "c.pub.pem");
    tt_run_t r;
    const char *argv[] = { "openssl",    "ec",         "-in",  f->key,     "-pubout",
                           "-conv_form", "compressed", "-out", compressed, NULL };
    assert_int_equal(tt_run(&r, argv), 0);
    tt_run_free(&r);
    uint8_t want[SR_POINT_LEN];
    sr_openssl_point(f->dir, f->key, true, want);
    tool_key_t key;
    uint8_t point[OTA_PUBKEY_LEN];
    assert_int_equal(tool_key_load_public(&key, compressed), OTA_OK);
    assert_int_equal(tool_key_point(&key, point), OTA_OK);
    assert_memory_equal(point, want, sizeof point);
    tool_key_free(&key);
    free(compressed);
}

static void test_saved_keys_read_back_and_the_private_one_is_its_owners_only(void **state)
{
    struct fixture *f = *state;
    char *priv_path = tt_path(f->dir, "new.pem"), *pub_path = tt_path(f->dir, "new.pub.pem");
    tool_key_t key, back, pub;
    tool_key_info_t a, b, c;
    assert_int_equal(tool_key_generate(&key), OTA_OK);
    assert_int_equal(tool_key_save_private(&key, priv_path), OTA_OK);
    assert_int_equal(tool_key_save_public(&key, pub_path), OTA_OK);
    struct stat st;
    assert_int_equal(stat(priv_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(tool_key_load_private(&back, priv_path), OTA_OK);
    assert_int_equal(tool_key_load_public(&pub, pub_path), OTA_OK);
    assert_int_equal(tool_key_info(&key, &a), OTA_OK);
    assert_int_equal(tool_key_info(&back, &b), OTA_OK);
    assert_int_equal(tool_key_info(&pub, &c), OTA_OK);
    assert_memory_equal(a.point, b.point, OTA_PUBKEY_LEN);
    assert_memory_equal(a.point, c.point, OTA_PUBKEY_LEN);

    /* openssl reads both files as the same key */
    uint8_t from_priv[SR_POINT_LEN], from_pub[SR_POINT_LEN];
    sr_openssl_point(f->dir, priv_path, true, from_priv);
    sr_openssl_point(f->dir, pub_path, false, from_pub);
    assert_memory_equal(from_priv, a.point, SR_POINT_LEN);
    assert_memory_equal(from_pub, a.point, SR_POINT_LEN);

    /* a public key signs nothing and is no private key file */
    uint8_t digest[OTA_SHA256_LEN] = { 0 }, sig[OTA_SIG_LEN];
    assert_int_equal(tool_sign_digest(&pub, digest, sig), OTA_ERR_INVALID_ARG);
    assert_int_equal(tool_key_save_private(&pub, priv_path), OTA_ERR_INVALID_ARG);
    tool_key_free(&key);
    tool_key_free(&back);
    tool_key_free(&pub);
    free(priv_path);
    free(pub_path);
}

static void test_loading_names_what_is_wrong_with_the_file(void **state)
{
    struct fixture *f = *state;
    tool_key_t key;
    char *p384 = tt_path(f->dir, "p384.pem"), *junk = tt_path(f->dir, "junk.pem"),
         *missing = tt_path(f->dir, "none.pem");
    sr_openssl_genkey("P-384", p384);
    tt_write_file(junk, "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", 63);
    assert_int_equal(tool_key_load_private(&key, missing), OTA_ERR_NOT_FOUND);
    assert_int_equal(tool_key_load_public(&key, missing), OTA_ERR_NOT_FOUND);
    assert_int_equal(tool_key_load_private(&key, junk), OTA_ERR_INVALID_ARG);
    assert_int_equal(tool_key_load_private(&key, p384), OTA_ERR_NOT_SUPPORTED);
    assert_int_equal(tool_key_load_public(&key, p384), OTA_ERR_NOT_SUPPORTED);
    assert_int_equal(tool_key_load_private(&key, f->pub), OTA_ERR_INVALID_ARG);
    assert_null(key.pkey);
    assert_string_equal(tool_key_load_error_text(OTA_ERR_NOT_SUPPORTED), "a key, but not ECDSA P-256");
    free(p384);
    free(junk);
    free(missing);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_of_abc_is_the_fips_vector),
        cmocka_unit_test(test_the_published_vector_verifies_and_any_changed_bit_does_not),
        cmocka_unit_test(test_the_digest_is_signed_as_given_not_hashed_again),
        cmocka_unit_test(test_r_or_s_out_of_range_and_points_off_the_curve_are_refused),
        cmocka_unit_test(test_a_key_made_here_signs_what_it_verifies_and_nothing_else),
        T(test_our_signatures_verify_with_openssl_and_openssls_with_ours),
        T(test_point_and_key_id_are_those_openssl_gives),
        T(test_a_compressed_public_key_file_gives_the_uncompressed_point),
        T(test_saved_keys_read_back_and_the_private_one_is_its_owners_only),
        T(test_loading_names_what_is_wrong_with_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
