/* The counting relay: the poll-cost figures are its counts. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench_relay.h"
#include "sysota/ota_error.h"

static struct sockaddr_in lo(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    return a;
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(0);
    socklen_t alen = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void read_exactly(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
}

static void test_every_byte_is_passed_on_unchanged_and_counted_per_direction(void **state)
{
    (void)state;
    int port;
    int server = listen_any(&port);
    bench_relay_t r;
    assert_int_equal(bench_relay_start(&r, port), OTA_OK);

    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(r.port);
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    int s = accept(server, NULL, NULL);
    assert_true(s >= 0);

    uint8_t up[1000], down[70000], got[70000];
    for (size_t i = 0; i < sizeof up; i++) {
        up[i] = (uint8_t)(i * 7u);
    }
    for (size_t i = 0; i < sizeof down; i++) {
        down[i] = (uint8_t)(i * 13u + 1u);
    }
    assert_int_equal(write(c, up, sizeof up), (ssize_t)sizeof up);
    read_exactly(s, got, sizeof up);
    assert_memory_equal(got, up, sizeof up);
    assert_int_equal(write(s, down, sizeof down), (ssize_t)sizeof down);
    read_exactly(c, got, sizeof down);
    assert_memory_equal(got, down, sizeof down);

    /* Counted before being passed on: exact as soon as the peer has them. */
    assert_int_equal(bench_relay_sent(&r), sizeof up);
    assert_int_equal(bench_relay_received(&r), sizeof down);
    assert_int_equal(bench_relay_connections(&r), 1);

    bench_relay_reset(&r);
    assert_int_equal(bench_relay_sent(&r) + bench_relay_received(&r), 0);
    assert_int_equal(write(c, up, 10), 10);
    read_exactly(s, got, 10);
    assert_int_equal(bench_relay_sent(&r), 10);

    close(c);
    close(s);
    close(server);
    assert_int_equal(bench_relay_stop(&r), OTA_OK);
}

/* A client connected through the relay, and the server's end of it. */
static void connect_through(bench_relay_t *r, int server, int *c, int *s)
{
    *c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(r->port);
    assert_int_equal(connect(*c, (struct sockaddr *)&a, sizeof a), 0);
    *s = accept(server, NULL, NULL);
    assert_true(*s >= 0);
}

static void test_the_newest_connection_is_counted_on_its_own_too(void **state)
{
    (void)state;
    int port, c1, s1, c2, s2;
    int server = listen_any(&port);
    bench_relay_t r;
    uint8_t buf[64] = { 0 };
    uint64_t sent, received;
    assert_int_equal(bench_relay_start(&r, port), OTA_OK);
    connect_through(&r, server, &c1, &s1);
    assert_int_equal(write(c1, buf, 30), 30);
    read_exactly(s1, buf, 30);
    connect_through(&r, server, &c2, &s2);
    /* the relay sees the second connection once bytes flow on it */
    assert_int_equal(write(c2, buf, 7), 7);
    read_exactly(s2, buf, 7);
    assert_int_equal(write(s2, buf, 5), 5);
    read_exactly(c2, buf, 5);
    assert_int_equal(write(c1, buf, 11), 11); /* the older one keeps going */
    read_exactly(s1, buf, 11);
    bench_relay_last(&r, &sent, &received);
    assert_int_equal(sent, 7);
    assert_int_equal(received, 5);
    assert_int_equal(bench_relay_sent(&r), 48);
    assert_int_equal(bench_relay_connections(&r), 2);
    close(c1);
    close(s1);
    close(c2);
    close(s2);
    close(server);
    assert_int_equal(bench_relay_stop(&r), OTA_OK);
}

static void test_drop_closes_every_relayed_connection(void **state)
{
    (void)state;
    int port, c, s;
    int server = listen_any(&port);
    bench_relay_t r;
    uint8_t buf[8] = { 0 };
    assert_int_equal(bench_relay_start(&r, port), OTA_OK);
    connect_through(&r, server, &c, &s);
    assert_int_equal(write(c, buf, 3), 3);
    read_exactly(s, buf, 3);
    bench_relay_drop(&r);
    /* Both ends see the end of the stream, as after a server's idle close. */
    assert_int_equal(read(c, buf, sizeof buf), 0);
    assert_int_equal(read(s, buf, sizeof buf), 0);
    close(c);
    close(s);
    close(server);
    assert_int_equal(bench_relay_stop(&r), OTA_OK);
}

static void test_a_relay_that_never_started_stops_without_touching_any_descriptor(void **state)
{
    (void)state;
    bench_relay_t r;
    memset(&r, 0, sizeof r);
    /* Make sure descriptor 0 is open (ctest may have closed stdin). */
    if (fcntl(0, F_GETFD) == -1) {
        assert_int_equal(open("/dev/null", O_RDONLY), 0);
    }
    assert_int_equal(bench_relay_stop(&r), OTA_OK);
    /* The zeroed fields name descriptor 0: it must still be open. */
    assert_true(fcntl(0, F_GETFD) != -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_is_passed_on_unchanged_and_counted_per_direction),
        cmocka_unit_test(test_a_relay_that_never_started_stops_without_touching_any_descriptor),
        cmocka_unit_test(test_the_newest_connection_is_counted_on_its_own_too),
        cmocka_unit_test(test_drop_closes_every_relayed_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
