/*
 * The openssl command line as the reference of the signing tests (see sigref.h).
 */
#include "sigref.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool_test_util.h"

/* One DER INTEGER of a 32-byte unsigned big-endian value: leading zero
 * bytes dropped, one 0x00 put back when the top bit is set (DER integers
 * are signed). */
static size_t der_integer(const uint8_t v[32], uint8_t *out)
{
    size_t skip = 0;
    while (skip < 31 && v[skip] == 0) {
        skip++;
    }
    size_t n = 32 - skip;
    size_t pad = (v[skip] & 0x80) != 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, v + skip, n);
    return 2 + pad + n;
}

size_t sr_der_of_raw(const uint8_t sig[SR_SIG_LEN], uint8_t der[SR_DER_MAX])
{
    uint8_t body[2 * 35];
    size_t n = der_integer(sig, body);
    n += der_integer(sig + 32, body + n);
    der[0] = 0x30;
    der[1] = (uint8_t)n; /* at most 70: the short length form */
    memcpy(der + 2, body, n);
    return n + 2;
}

/* The INTEGER at der[*at], right-aligned into 32 bytes. */
static void raw_integer(const uint8_t *der, size_t len, size_t *at, uint8_t out[32])
{
    assert_true(*at + 2 <= len);
    assert_int_equal(der[*at], 0x02);
    size_t n = der[*at + 1];
    const uint8_t *v = der + *at + 2;
    assert_true(*at + 2 + n <= len);
    *at += 2 + n;
    while (n > 32) {
        assert_int_equal(*v, 0); /* only the sign byte may be extra */
        v++;
        n--;
    }
    memset(out, 0, 32);
    memcpy(out + 32 - n, v, n);
}

void sr_raw_of_der(const uint8_t *der, size_t len, uint8_t sig[SR_SIG_LEN])
{
    assert_true(len >= 2);
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[1], len - 2);
    size_t at = 2;
    raw_integer(der, len, &at, sig);
    raw_integer(der, len, &at, sig + 32);
    assert_int_equal(at, len);
}

/* Run openssl with args; returns its exit status, with the run's output freed. */
static int openssl(const char *const *args)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "openssl";
    for (; args[n - 1] != NULL; n++) {
        assert_true(n < 23);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    tt_run_t r;
    int status = tt_run(&r, argv);
    tt_run_free(&r);
    return status;
}

bool sr_openssl_verifies(const char *dir, const char *pub_pem, const uint8_t digest[SR_DIGEST_LEN],
                         const uint8_t sig[SR_SIG_LEN])
{
    char *dg = tt_path(dir, "sr-digest.bin"), *sg = tt_path(dir, "sr-sig.der");
    uint8_t der[SR_DER_MAX];
    tt_write_file(dg, digest, SR_DIGEST_LEN);
    tt_write_file(sg, der, sr_der_of_raw(sig, der));
    const char *args[] = { "pkeyutl", "-verify", "-pubin", "-inkey", pub_pem, "-in", dg, "-sigfile", sg, NULL };
    int status = openssl(args);
    free(dg);
    free(sg);
    return status == 0;
}

void sr_openssl_sign(const char *dir, const char *key_pem, const uint8_t digest[SR_DIGEST_LEN], uint8_t sig[SR_SIG_LEN])
{
    char *dg = tt_path(dir, "sr-digest.bin"), *sg = tt_path(dir, "sr-sig.der");
    tt_write_file(dg, digest, SR_DIGEST_LEN);
    const char *args[] = { "pkeyutl", "-sign", "-inkey", key_pem, "-in", dg, "-out", sg, NULL };
    assert_int_equal(openssl(args), 0);
    size_t len = 0;
    char *der = tt_read_file(sg, &len);
    assert_non_null(der);
    sr_raw_of_der((const uint8_t *)der, len, sig);
    free(der);
    free(dg);
    free(sg);
}

void sr_openssl_sha256(const char *dir, const char *file, uint8_t digest[SR_DIGEST_LEN])
{
    char *out = tt_path(dir, "sr-sha256.bin");
    const char *args[] = { "dgst", "-sha256", "-binary", "-out", out, file, NULL };
    assert_int_equal(openssl(args), 0);
    size_t len = 0;
    char *d = tt_read_file(out, &len);
    assert_non_null(d);
    assert_int_equal(len, SR_DIGEST_LEN);
    memcpy(digest, d, SR_DIGEST_LEN);
    free(d);
    free(out);
}

void sr_openssl_point(const char *dir, const char *pem, bool is_private, uint8_t point[SR_POINT_LEN])
{
    char *out = tt_path(dir, "sr-spki.der");
    const char *priv[] = { "pkey", "-in", pem, "-pubout", "-outform", "DER", "-out", out, NULL };
    const char *pub[] = { "pkey", "-pubin", "-in", pem, "-pubout", "-outform", "DER", "-out", out, NULL };
    assert_int_equal(openssl(is_private ? priv : pub), 0);
    size_t len = 0;
    char *der = tt_read_file(out, &len);
    assert_non_null(der);
    assert_int_equal(len, 91); /* 26 bytes of algorithm and framing, then the point */
    memcpy(point, der + len - SR_POINT_LEN, SR_POINT_LEN);
    free(der);
    free(out);
}

void sr_openssl_key_id_hex(const char *dir, const uint8_t point[SR_POINT_LEN], char hex[2 * SR_KEY_ID_LEN + 1])
{
    char *file = tt_path(dir, "sr-point.bin");
    uint8_t digest[SR_DIGEST_LEN];
    tt_write_file(file, point, SR_POINT_LEN);
    sr_openssl_sha256(dir, file, digest);
    for (int i = 0; i < SR_KEY_ID_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    free(file);
}

void sr_openssl_genkey(const char *curve, const char *pem)
{
    char opt[64];
    snprintf(opt, sizeof opt, "ec_paramgen_curve:%s", curve);
    const char *args[] = { "genpkey", "-algorithm", "EC", "-pkeyopt", opt, "-out", pem, NULL };
    assert_int_equal(openssl(args), 0);
}
