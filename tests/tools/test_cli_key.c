/*
 * `sysota key gen|pub`, run as a program; the keys it writes are read by the
 * openssl command line, and its C header is compiled by the system's cc.
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

#include "sigref.h"
#include "tool_test_util.h"

struct fixture {
    char *dir;
    char *key;
    char *pub;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = tt_tempdir();
    f->key = tt_path(f->dir, "release.pem");
    f->pub = tt_path(f->dir, "release.pub.pem");
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

static void expect_in(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("expected '%s' in: %s", needle, haystack);
    }
}

/* `sysota key gen -o f->key`; returns the key id it printed. */
static void gen(struct fixture *f, char id[17])
{
    tt_run_t r;
    const char *args[] = { "key", "gen", "-o", f->key, NULL };
    assert_int_equal(tt_run_sysota(&r, args), 0);
    const char *at = strstr(r.out, "Key id: ");
    assert_non_null(at);
    memcpy(id, at + 8, 16);
    id[16] = '\0';
    assert_int_equal(at[24], '\n');
    tt_run_free(&r);
}

static void test_gen_writes_a_p256_key_for_its_owner_and_prints_the_id_openssl_computes(void **state)
{
    struct fixture *f = *state;
    char id[17], want[17];
    gen(f, id);
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    uint8_t point[SR_POINT_LEN];
    sr_openssl_point(f->dir, f->key, true, point); /* fails unless openssl reads a P-256 key */
    sr_openssl_key_id_hex(f->dir, point, want);
    assert_string_equal(id, want);
}

static void test_gen_keeps_an_existing_key_unless_forced(void **state)
{
    struct fixture *f = *state;
    char id[17], id2[17];
    gen(f, id);
    size_t len = 0;
    char *before = tt_read_file(f->key, &len);
    tt_run_t r;
    const char *again[] = { "key", "gen", "-o", f->key, NULL };
    assert_int_equal(tt_run_sysota(&r, again), 1);
    expect_in(r.err, "exists; a signing key cannot be made again once replaced");
    tt_run_free(&r);
    char *after = tt_read_file(f->key, NULL);
    assert_string_equal(before, after);
    free(after);

    const char *force[] = { "key", "gen", "-o", f->key, "--force", NULL };
    assert_int_equal(tt_run_sysota(&r, force), 0);
    memcpy(id2, strstr(r.out, "Key id: ") + 8, 16);
    id2[16] = '\0';
    assert_string_not_equal(id, id2);
    tt_run_free(&r);
    free(before);
}

static void test_pub_writes_the_public_key_openssl_derives_from_the_private_one(void **state)
{
    struct fixture *f = *state;
    char id[17];
    gen(f, id);
    tt_run_t r;
    const char *args[] = { "key", "pub", f->key, "-o", f->pub, NULL };
    assert_int_equal(tt_run_sysota(&r, args), 0);
    expect_in(r.out, id);
    tt_run_free(&r);

    const char *ref[] = { "openssl", "pkey", "-in", f->key, "-pubout", NULL };
    assert_int_equal(tt_run(&r, ref), 0);
    char *pem = tt_read_file(f->pub, NULL);
    assert_string_equal(pem, r.out);
    tt_run_free(&r);

    /* without -o the PEM goes to stdout; a public key file gives itself */
    const char *to_stdout[] = { "key", "pub", f->pub, NULL };
    assert_int_equal(tt_run_sysota(&r, to_stdout), 0);
    assert_string_equal(r.out, pem);
    tt_run_free(&r);
    free(pem);
}

/* Compile main.c beside the headers with the system cc and run it; returns its stdout. */
static char *compile_and_run(struct fixture *f, const char *main_c)
{
    char *src = tt_path(f->dir, "main.c"), *exe = tt_path(f->dir, "main");
    tt_write_file(src, main_c, strlen(main_c));
    tt_run_t r;
    const char *cc[] = { "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", f->dir, "-o", exe, src, NULL };
    if (tt_run(&r, cc) != 0) {
        fail_msg("cc failed: %s", r.err);
    }
    tt_run_free(&r);
    const char *run[] = { exe, NULL };
    assert_int_equal(tt_run(&r, run), 0);
    char *out = r.out;
    free(r.err);
    free(src);
    free(exe);
    return out;
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

static void test_the_c_array_compiles_to_the_point_openssl_reads_from_the_key(void **state)
{
    struct fixture *f = *state;
    char id[17];
    gen(f, id);
    char *header = tt_path(f->dir, "release_key.h");
    tt_run_t r;
    const char *args[] = { "key", "pub", f->key, "--c-array", "-o", header, NULL };
    assert_int_equal(tt_run_sysota(&r, args), 0);
    expect_in(r.out, id);
    tt_run_free(&r);

    char *text = tt_read_file(header, NULL);
    expect_in(text, "uncompressed point");
    expect_in(text, "0x04 || X || Y, 65 bytes");
    expect_in(text, id);
    free(text);

    const char *main_c = "#include <stdint.h>\n"
                         "#include <stdio.h>\n"
                         "#include \"release_key.h\"\n"
                         "static const uint8_t key[65] = SYSOTA_PUBKEY;\n"
                         "_Static_assert(sizeof key == 65, \"65 bytes\");\n"
                         "_Static_assert(sizeof((const uint8_t[])SYSOTA_PUBKEY) == 65, \"no more, no less\");\n"
                         "int main(void) {\n"
                         "    for (int i = 0; i < 65; i++) printf(\"%02x\", key[i]);\n"
                         "    printf(\" %s\\n\", SYSOTA_PUBKEY_ID);\n"
                         "    return 0;\n"
                         "}\n";
    char *out = compile_and_run(f, main_c);
    uint8_t point[SR_POINT_LEN];
    sr_openssl_point(f->dir, f->key, true, point);
    char want[2 * SR_POINT_LEN + 1 + 16 + 2];
    hex_of(point, sizeof point, want);
    snprintf(want + 2 * SR_POINT_LEN, sizeof want - 2 * SR_POINT_LEN, " %s\n", id);
    assert_string_equal(out, want);
    free(out);
    free(header);
}

static void test_two_named_c_arrays_live_in_one_build_as_ota_keys_do(void **state)
{
    struct fixture *f = *state;
    char id[17];
    gen(f, id);
    char *other = tt_path(f->dir, "next.pem");
    sr_openssl_genkey("P-256", other);
    tt_run_t r;
    char *h1 = tt_path(f->dir, "key_old.h"), *h2 = tt_path(f->dir, "key_new.h");
    const char *old_args[] = { "key", "pub", f->key, "--c-array", "--name", "KEY_OLD", "-o", h1, NULL };
    const char *new_args[] = { "key", "pub", other, "--c-array", "--name", "KEY_NEW", NULL };
    assert_int_equal(tt_run_sysota(&r, old_args), 0);
    tt_run_free(&r);
    assert_int_equal(tt_run_sysota(&r, new_args), 0); /* to stdout: the header and nothing else */
    tt_write_file(h2, r.out, strlen(r.out));
    tt_run_free(&r);

    const char *main_c = "#include <stdint.h>\n"
                         "#include <stdio.h>\n"
                         "#include \"key_old.h\"\n"
                         "#include \"key_new.h\"\n"
                         "#include \"key_old.h\"\n" /* the guard holds */
                         "static const struct { uint8_t count; uint8_t point[2][65]; } keys = {\n"
                         "    .count = 2, .point = { KEY_OLD, KEY_NEW } };\n"
                         "int main(void) {\n"
                         "    for (int k = 0; k < keys.count; k++) {\n"
                         "        for (int i = 0; i < 65; i++) printf(\"%02x\", keys.point[k][i]);\n"
                         "        printf(\"\\n\");\n"
                         "    }\n"
                         "    printf(\"%s\\n\", KEY_OLD_ID);\n"
                         "    return 0;\n"
                         "}\n";
    char *out = compile_and_run(f, main_c);
    uint8_t p1[SR_POINT_LEN], p2[SR_POINT_LEN];
    sr_openssl_point(f->dir, f->key, true, p1);
    sr_openssl_point(f->dir, other, true, p2);
    char want[2 * (2 * SR_POINT_LEN + 1) + 18];
    hex_of(p1, SR_POINT_LEN, want);
    want[2 * SR_POINT_LEN] = '\n';
    hex_of(p2, SR_POINT_LEN, want + 2 * SR_POINT_LEN + 1);
    snprintf(want + 4 * SR_POINT_LEN + 1, sizeof want - 4 * SR_POINT_LEN - 1, "\n%s\n", id);
    assert_string_equal(out, want);
    free(out);
    free(h1);
    free(h2);
    free(other);
}

static void test_pub_names_what_is_wrong_with_its_input(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    char *p384 = tt_path(f->dir, "p384.pem"), *junk = tt_path(f->dir, "junk.pem");
    sr_openssl_genkey("P-384", p384);
    tt_write_file(junk, "hello\n", 6);

    const char *missing[] = { "key", "pub", "/nonexistent/k.pem", NULL };
    assert_int_equal(tt_run_sysota(&r, missing), 1);
    expect_in(r.err, "/nonexistent/k.pem: no such file");
    tt_run_free(&r);
    const char *not_pem[] = { "key", "pub", junk, NULL };
    assert_int_equal(tt_run_sysota(&r, not_pem), 1);
    expect_in(r.err, "no unencrypted PEM key in it");
    tt_run_free(&r);
    const char *curve[] = { "key", "pub", p384, "--c-array", NULL };
    assert_int_equal(tt_run_sysota(&r, curve), 1);
    expect_in(r.err, "a key, but not ECDSA P-256");
    assert_string_equal(r.out, "");
    tt_run_free(&r);
    free(p384);
    free(junk);
}

static void test_key_usage_errors_exit_2_and_help_exits_0(void **state)
{
    struct fixture *f = *state;
    tt_run_t r;
    const char *nothing[] = { "key", NULL };
    assert_int_equal(tt_run_sysota(&r, nothing), 2);
    tt_run_free(&r);
    const char *bad_action[] = { "key", "make", NULL };
    assert_int_equal(tt_run_sysota(&r, bad_action), 2);
    expect_in(r.err, "unknown action 'make'");
    tt_run_free(&r);
    const char *no_out[] = { "key", "gen", NULL };
    assert_int_equal(tt_run_sysota(&r, no_out), 2);
    tt_run_free(&r);
    const char *bad_name[] = { "key", "pub", f->key, "--c-array", "--name", "9lives", NULL };
    assert_int_equal(tt_run_sysota(&r, bad_name), 2);
    expect_in(r.err, "not a C identifier");
    tt_run_free(&r);
    const char *name_alone[] = { "key", "pub", f->key, "--name", "K", NULL };
    assert_int_equal(tt_run_sysota(&r, name_alone), 2);
    tt_run_free(&r);
    const char *help[] = { "key", "--help", NULL };
    assert_int_equal(tt_run_sysota(&r, help), 0);
    expect_in(r.out, "usage: sysota key gen -o KEY.pem [--force]");
    tt_run_free(&r);
    const char *top[] = { "--help", NULL };
    assert_int_equal(tt_run_sysota(&r, top), 0);
    expect_in(r.out, "  key ");
    tt_run_free(&r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_gen_writes_a_p256_key_for_its_owner_and_prints_the_id_openssl_computes),
        T(test_gen_keeps_an_existing_key_unless_forced),
        T(test_pub_writes_the_public_key_openssl_derives_from_the_private_one),
        T(test_the_c_array_compiles_to_the_point_openssl_reads_from_the_key),
        T(test_two_named_c_arrays_live_in_one_build_as_ota_keys_do),
        T(test_pub_names_what_is_wrong_with_its_input),
        T(test_key_usage_errors_exit_2_and_help_exits_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
