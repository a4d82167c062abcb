/*
 * The JSON reader of the core, as a specification: ota_json_check() accepts
 * RFC 8259 documents and nothing else; on what it accepted, the walk
 * (json_walk.c) finds every member and element with its exact text,
 * whatever the strings and the nesting hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ota_json.h"

/* A copy of text in a buffer of exactly its length: a read past the end shows under ASan. */
static char *exact(const char *text)
{
    size_t n = strlen(text);
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, text, n);
    return p;
}

static void assert_span(ota_json_span_t s, const char *want)
{
    if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0) {
        fail_msg("span '%.*s', want '%s'", (int)s.len, s.p, want);
    }
}

static void test_the_root_is_the_value_without_the_whitespace_around_it(void **state)
{
    (void)state;
    const struct {
        const char *text;
        const char *root;
        ota_json_kind_t kind;
    } cases[] = {
        { " {\"a\": 1} \n", "{\"a\": 1}", OTA_JSON_OBJECT },
        { "[1,2]", "[1,2]", OTA_JSON_ARRAY },
        { "\t\"x\\\"y\"", "\"x\\\"y\"", OTA_JSON_STRING },
        { "-12.5e3", "-12.5e3", OTA_JSON_NUMBER },
        { " 7 ", "7", OTA_JSON_NUMBER },
        { "true", "true", OTA_JSON_TRUE },
        { "false\r\n", "false", OTA_JSON_FALSE },
        { "null", "null", OTA_JSON_NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *js = exact(cases[i].text);
        size_t len = strlen(cases[i].text);
        assert_int_equal(ota_json_check(js, len), OTA_OK);
        ota_json_span_t root = ota_json_root(js, len);
        assert_span(root, cases[i].root);
        assert_int_equal(ota_json_kind(root), cases[i].kind);
        free(js);
    }
}

static void test_members_come_with_their_keys_and_exact_values(void **state)
{
    (void)state;
    const char *text = "{ \"a\" : 1 , \"b\\\"}\":\"s,]}\\\\\" ,\"c\":{\"d\":[1,{\"e\":\"]\"}]},"
                       "\"f\":[ ],\"g\":{},\"h\":-0.5 ,\"i\":true,\"j\":null }";
    char *js = exact(text);
    size_t len = strlen(text);
    assert_int_equal(ota_json_check(js, len), OTA_OK);
    const char *keys[] = { "a", "b\\\"}", "c", "f", "g", "h", "i", "j" };
    const char *vals[] = { "1", "\"s,]}\\\\\"", "{\"d\":[1,{\"e\":\"]\"}]}", "[ ]", "{}", "-0.5", "true", "null" };
    ota_json_iter_t it;
    ota_json_span_t k;
    ota_json_span_t v;
    ota_json_iter_init(&it, ota_json_root(js, len));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        assert_true(ota_json_next_member(&it, &k, &v));
        assert_span(k, keys[i]);
        assert_span(v, vals[i]);
    }
    assert_false(ota_json_next_member(&it, &k, &v));
    assert_false(ota_json_next_member(&it, &k, &v)); /* and stays at the end */
    free(js);
}

static void test_elements_of_nested_and_empty_arrays(void **state)
{
    (void)state;
    const char *text = "[[],[[]],{\"x\":[1,2]} ,\"[\",0,\n-1 ]";
    char *js = exact(text);
    size_t len = strlen(text);
    assert_int_equal(ota_json_check(js, len), OTA_OK);
    const char *vals[] = { "[]", "[[]]", "{\"x\":[1,2]}", "\"[\"", "0", "-1" };
    ota_json_iter_t it;
    ota_json_span_t v;
    ota_json_iter_init(&it, ota_json_root(js, len));
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_true(ota_json_next_element(&it, &v));
        assert_span(v, vals[i]);
    }
    assert_false(ota_json_next_element(&it, &v));
    /* an empty container has nothing to walk */
    ota_json_iter_t inner;
    ota_json_iter_init(&it, ota_json_root(js, len));
    assert_true(ota_json_next_element(&it, &v));
    ota_json_iter_init(&inner, v);
    assert_false(ota_json_next_element(&inner, &v));
    free(js);
}

static void test_a_string_s_contents_are_between_its_quotes(void **state)
{
    (void)state;
    char *js = exact("\"a\\u0041\\\\\"");
    ota_json_span_t c = ota_json_contents(ota_json_root(js, 11));
    assert_span(c, "a\\u0041\\\\");
    char out[8];
    assert_int_equal(ota_json_str_decode(c.p, c.len, out, sizeof out), 3);
    assert_string_equal(out, "aA\\");
    free(js);
}

static void test_the_check_refuses_what_is_not_json(void **state)
{
    (void)state;
    const char *bad[] = { "",          " ",       "{",          "{\"a\":1,}", "[1,]",        "[,1]",
                          "{\"a\" 1}", "{a:1}",   "tru",        "01",         "1.",          "\"\x01\"",
                          "\"\\x\"",   "[1] [2]", "{\"a\":1}}", "'a'",        "[\"\\u12\"]", "-" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *js = exact(bad[i]);
        if (ota_json_check(js, strlen(bad[i])) != OTA_ERR_JSON) {
            fail_msg("accepted: '%s'", bad[i]);
        }
        free(js);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_root_is_the_value_without_the_whitespace_around_it),
        cmocka_unit_test(test_members_come_with_their_keys_and_exact_values),
        cmocka_unit_test(test_elements_of_nested_and_empty_arrays),
        cmocka_unit_test(test_a_string_s_contents_are_between_its_quotes),
        cmocka_unit_test(test_the_check_refuses_what_is_not_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
