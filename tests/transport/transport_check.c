#include "transport_check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_server.h"

int check_response_wait(const ota_transport_t *tp, ota_http_response_t *resp)
{
    int err;
    while ((err = tp->response(tp->ctx, resp)) == OTA_ERR_AGAIN) {
    }
    return err;
}

int check_read_exactly(const ota_transport_t *tp, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        size_t want = len - got;
        int n = tp->read(tp->ctx, buf + got, want > UINT32_MAX ? UINT32_MAX : (uint32_t)want);
        if (n > 0) {
            assert_true((size_t)n <= want);
            got += (size_t)n;
        } else if (n == 0) {
            return OTA_ERR_SHORT_BODY;
        } else if (n != OTA_ERR_AGAIN) {
            return n;
        }
    }
    return OTA_OK;
}

void check_again(const ota_transport_t *tp, bool body, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        ota_http_response_t resp;
        uint8_t byte;
        int err = body ? tp->read(tp->ctx, &byte, 1) : tp->response(tp->ctx, &resp);
        if (err != OTA_ERR_AGAIN) {
            fail_msg("%s call %u of %u returned %s, want OTA_ERR_AGAIN", body ? "read()" : "response()", i + 1, n,
                     ota_err_name(err));
        }
    }
}

int check_fetch(const ota_transport_t *tp, const char *url, const ota_http_options_t *opt, uint8_t *buf, size_t cap,
                uint32_t read_cap, check_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->resp.content_length = -1;
    r->get_err = tp->get(tp->ctx, url, opt);
    r->calls++;
    if (r->get_err != OTA_OK) {
        return r->get_err;
    }
    int err;
    do {
        err = tp->response(tp->ctx, &r->resp);
        r->calls++;
    } while (err == OTA_ERR_AGAIN);
    r->resp_err = err;
    bool body_ended = false;
    while (err == OTA_OK && !body_ended) {
        size_t room = cap - r->len;
        uint8_t scratch[1];
        uint8_t *dst = room > 0 ? buf + r->len : scratch;
        uint32_t ask = room > 0 ? (room < read_cap ? (uint32_t)room : read_cap) : 1u;
        int n = tp->read(tp->ctx, dst, ask);
        r->calls++;
        if (n > 0) {
            if (room == 0) {
                tp->close(tp->ctx);
                fail_msg("body of %s is larger than the %zu bytes expected", url, cap);
            }
            assert_true((uint32_t)n <= ask);
            r->len += (size_t)n;
        } else if (n != OTA_ERR_AGAIN) {
            r->read_err = n;
            err = n;
            body_ended = true;
        }
    }
    tp->close(tp->ctx);
    return err;
}

static int open_transport(check_transport_t *t, posix_transport_curl_config_t cfg)
{
    if (t->fake) {
        cfg.clock = &t->clock_port;
    }
    return posix_transport_curl_init(&t->curl, &cfg, &t->tp);
}

static int setup(void **state, const posix_transport_curl_config_t *cfg, bool fake)
{
    check_transport_t *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    t->fake = fake;
    if (fake) {
        posix_system_init(&t->clock, 1);
        posix_system_fake_clock(&t->clock, 1000);
        posix_system_port(&t->clock, &t->clock_port);
    }
    posix_transport_curl_config_t c = { 0 };
    if (cfg != NULL) {
        c = *cfg;
    }
    if (open_transport(t, c) != OTA_OK) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int check_transport_setup(void **state, const posix_transport_curl_config_t *cfg)
{
    return setup(state, cfg, false);
}

int check_transport_setup_defaults(void **state)
{
    return setup(state, NULL, false);
}

int check_transport_setup_fake_clock(void **state)
{
    return setup(state, NULL, true);
}

void check_transport_reinit(check_transport_t *t, posix_transport_curl_config_t cfg)
{
    posix_transport_curl_deinit(&t->curl);
    assert_int_equal(open_transport(t, cfg), OTA_OK);
}

void check_clock_advance(check_transport_t *t, uint32_t ms)
{
    assert_true(t->fake);
    assert_int_equal(posix_system_advance(&t->clock, ms), OTA_OK);
}

int check_transport_teardown(void **state)
{
    check_transport_t *t = *state;
    posix_transport_curl_deinit(&t->curl);
    free(t);
    return 0;
}

/* ---- a hand-driven peer ---------------------------------------------- */

void check_peer_listen(check_peer_t *p, const char *scheme)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(p->lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->lfd, 4), 0);
    assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&a, &alen), 0);
    p->port = ntohs(a.sin_port);
    snprintf(p->url, sizeof p->url, "%s://127.0.0.1:%d/file.bin", scheme, p->port);
}

void check_peer_accept(check_peer_t *p, const ota_transport_t *tp)
{
    while ((p->fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK)) < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        check_again(tp, false, 1);
    }
    /* The request ends with an empty line; read it all so that closing
     * never turns unread bytes into a reset. */
    char req[4096];
    size_t len = 0;
    while (len < 4 || memcmp(req + len - 4, "\r\n\r\n", 4) != 0) {
        ssize_t n = recv(p->fd, req + len, 1, 0);
        if (n == 1) {
            len++;
            assert_true(len < sizeof req);
        } else {
            assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            check_again(tp, false, 1);
        }
    }
}

size_t check_peer_send(check_peer_t *p, const void *data, size_t len)
{
    ssize_t n = send(p->fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        return 0;
    }
    return (size_t)n;
}

void check_peer_say(check_peer_t *p, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(check_peer_send(p, text, len), len);
}

void check_peer_close(check_peer_t *p)
{
    if (p->fd >= 0) {
        close(p->fd);
    }
    close(p->lfd);
    p->fd = p->lfd = -1;
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
