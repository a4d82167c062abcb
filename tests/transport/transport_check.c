#include "transport_check.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_server.h"

static void note_call(check_result_t *r, uint64_t t0)
{
    uint64_t d = test_now_ms() - t0;
    if (d > r->max_call_ms) {
        r->max_call_ms = d;
    }
    r->calls++;
}

int check_fetch(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt,
                uint8_t *buf, size_t cap, uint32_t read_cap, uint32_t limit_ms,
                check_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->resp.content_length = -1;
    uint64_t start = test_now_ms();
    r->get_err = tp->get(tp->ctx, url, opt);
    note_call(r, start);
    if (r->get_err != OTA_OK) {
        return r->get_err;
    }
    int err;
    for (;;) {
        uint64_t t0 = test_now_ms();
        err = tp->response(tp->ctx, &r->resp);
        note_call(r, t0);
        if (err != OTA_ERR_AGAIN) {
            break;
        }
        if (test_now_ms() - start > limit_ms) {
            tp->close(tp->ctx);
            fail_msg("no response from %s within %u ms", url, (unsigned)limit_ms);
        }
    }
    r->resp_err = err;
    if (err == OTA_OK) {
        for (;;) {
            size_t room = cap - r->len;
            uint8_t scratch[1];
            uint8_t *dst = room > 0 ? buf + r->len : scratch;
            uint32_t ask = room > 0 ? (room < read_cap ? (uint32_t)room : read_cap) : 1u;
            uint64_t t0 = test_now_ms();
            int n = tp->read(tp->ctx, dst, ask);
            note_call(r, t0);
            if (n > 0) {
                if (room == 0) {
                    tp->close(tp->ctx);
                    fail_msg("body of %s is larger than the %zu bytes expected", url, cap);
                }
                assert_true((uint32_t)n <= ask);
                r->len += (size_t)n;
                r->last_byte_ms = test_now_ms() - start;
                continue;
            }
            if (n != OTA_ERR_AGAIN) {
                r->read_err = n;
                err = n;
                break;
            }
            if (test_now_ms() - start > limit_ms) {
                tp->close(tp->ctx);
                fail_msg("body of %s did not end within %u ms", url, (unsigned)limit_ms);
            }
        }
    }
    tp->close(tp->ctx);
    r->total_ms = test_now_ms() - start;
    return err;
}

int check_transport_setup(void **state, const ota_transport_curl_config_t *cfg)
{
    check_transport_t *t = calloc(1, sizeof *t);
    if (t == NULL || ota_transport_curl_init(&t->curl, cfg, &t->tp) != OTA_OK) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int check_transport_setup_defaults(void **state)
{
    return check_transport_setup(state, NULL);
}

int check_transport_teardown(void **state)
{
    check_transport_t *t = *state;
    ota_transport_curl_deinit(&t->curl);
    free(t);
    return 0;
}

int check_file_make(check_file_t *f, const char *name, size_t size, uint32_t seed)
{
    memset(f, 0, sizeof *f);
    f->size = size;
    f->data = malloc(size);
    f->got = malloc(size);
    if (f->data == NULL || f->got == NULL) {
        return OTA_ERR_NO_SPACE;
    }
    int err = test_tmpdir_make(f->docroot, sizeof f->docroot, "docroot");
    if (err == OTA_OK) {
        test_fill_random(f->data, size, seed);
        err = test_file_write(f->docroot, name, f->data, size, NULL, 0);
    }
    return err;
}

void check_file_free(check_file_t *f)
{
    if (f->docroot[0] != '\0') {
        test_tmpdir_remove(f->docroot);
    }
    free(f->data);
    free(f->got);
    memset(f, 0, sizeof *f);
}
