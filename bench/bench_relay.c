/* A counting TCP relay on the loopback interface: see bench_relay.h. */
#include "bench_relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sysota/ota_error.h"

typedef struct pair {
    int client; /* -1: free */
    int server;
} pair_t;

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    return a;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void pair_close(pair_t *p)
{
    close(p->client);
    close(p->server);
    p->client = p->server = -1;
}

/* Pass one read's worth from `from` to `to`, counted in counter and, for
 * the newest connection, in last too. -1 when the pair is finished. */
static int pump(int from, int to, atomic_uint_least64_t *counter, atomic_uint_least64_t *last)
{
    uint8_t buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
        return 0;
    }
    if (n <= 0) {
        return -1;
    }
    /* Counted before it is passed on: once the peer holds the bytes, a
     * reader of the counters already sees them. */
    atomic_fetch_add(counter, (uint_least64_t)n);
    if (last != NULL) {
        atomic_fetch_add(last, (uint_least64_t)n);
    }
    return write_all(to, buf, (size_t)n);
}

static void accept_one(bench_relay_t *r, pair_t *pairs)
{
    int c = accept(r->listen_fd, NULL, NULL);
    if (c < 0) {
        return;
    }
    int slot = -1;
    for (int i = 0; i < BENCH_RELAY_MAX_CONN; i++) {
        if (pairs[i].client < 0) {
            slot = i;
            break;
        }
    }
    int s = slot >= 0 ? socket(AF_INET, SOCK_STREAM, 0) : -1;
    struct sockaddr_in a = loopback(r->target_port);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0) {
            close(s);
        }
        close(c);
        return;
    }
    atomic_fetch_add(&r->connections, 1u);
    atomic_store(&r->last_to_server, 0u);
    atomic_store(&r->last_to_client, 0u);
    atomic_store(&r->last_slot, slot);
    pairs[slot].client = c;
    pairs[slot].server = s;
}

static void *relay_main(void *arg)
{
    bench_relay_t *r = arg;
    pair_t pairs[BENCH_RELAY_MAX_CONN];
    for (int i = 0; i < BENCH_RELAY_MAX_CONN; i++) {
        pairs[i].client = pairs[i].server = -1;
    }
    for (;;) {
        struct pollfd fds[2 + 2 * BENCH_RELAY_MAX_CONN];
        int map[2 + 2 * BENCH_RELAY_MAX_CONN];
        int n = 0;
        fds[n].fd = r->stop_pipe[0];
        fds[n].events = POLLIN;
        map[n++] = -1;
        fds[n].fd = r->listen_fd;
        fds[n].events = POLLIN;
        map[n++] = -2;
        for (int i = 0; i < BENCH_RELAY_MAX_CONN; i++) {
            if (pairs[i].client >= 0) {
                fds[n].fd = pairs[i].client;
                fds[n].events = POLLIN;
                map[n++] = 2 * i;
                fds[n].fd = pairs[i].server;
                fds[n].events = POLLIN;
                map[n++] = 2 * i + 1;
            }
        }
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[0].revents != 0) {
            char cmd = 'x';
            if (read(r->stop_pipe[0], &cmd, 1) != 1 || cmd != 'd') {
                break; /* stop */
            }
            for (int i = 0; i < BENCH_RELAY_MAX_CONN; i++) {
                if (pairs[i].client >= 0) {
                    pair_close(&pairs[i]);
                }
            }
            atomic_fetch_add(&r->drops, 1u);
            continue;
        }
        for (int k = 2; k < n; k++) {
            pair_t *p = &pairs[map[k] / 2];
            if (fds[k].revents == 0 || p->client < 0) {
                continue;
            }
            bool newest = map[k] / 2 == atomic_load(&r->last_slot);
            int rc = (map[k] % 2 == 0) ? pump(p->client, p->server, &r->to_server, newest ? &r->last_to_server : NULL)
                                       : pump(p->server, p->client, &r->to_client, newest ? &r->last_to_client : NULL);
            if (rc != 0) {
                /* HTTP frames its bodies, so nothing is lost by closing both
                 * ends when either one ends. */
                pair_close(p);
            }
        }
        if (fds[1].revents & POLLIN) {
            accept_one(r, pairs);
        }
    }
    for (int i = 0; i < BENCH_RELAY_MAX_CONN; i++) {
        if (pairs[i].client >= 0) {
            pair_close(&pairs[i]);
        }
    }
    return NULL;
}

int bench_relay_start(bench_relay_t *r, int target_port)
{
    memset(r, 0, sizeof *r);
    r->started = 1;
    r->listen_fd = r->stop_pipe[0] = r->stop_pipe[1] = -1;
    r->target_port = target_port;
    atomic_init(&r->to_server, 0u);
    atomic_init(&r->to_client, 0u);
    atomic_init(&r->connections, 0u);
    atomic_init(&r->last_to_server, 0u);
    atomic_init(&r->last_to_client, 0u);
    atomic_init(&r->last_slot, -1);
    atomic_init(&r->drops, 0u);
    struct sockaddr_in a = loopback(0);
    socklen_t alen = sizeof a;
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (r->listen_fd < 0 || bind(r->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->listen_fd, 16) != 0 ||
        getsockname(r->listen_fd, (struct sockaddr *)&a, &alen) != 0 || pipe(r->stop_pipe) != 0) {
        bench_relay_stop(r);
        return OTA_ERR_IO;
    }
    r->port = ntohs(a.sin_port);
    if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
        bench_relay_stop(r);
        return OTA_ERR_IO;
    }
    r->running = 1;
    return OTA_OK;
}

int bench_relay_stop(bench_relay_t *r)
{
    if (!r->started) {
        return OTA_OK;
    }
    if (r->running) {
        (void)!write(r->stop_pipe[1], "x", 1);
        pthread_join(r->thread, NULL);
        r->running = 0;
    }
    int *fds[] = { &r->listen_fd, &r->stop_pipe[0], &r->stop_pipe[1] };
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    }
    r->started = 0;
    return OTA_OK;
}

void bench_relay_reset(bench_relay_t *r)
{
    atomic_store(&r->to_server, 0u);
    atomic_store(&r->to_client, 0u);
    atomic_store(&r->connections, 0u);
    atomic_store(&r->last_to_server, 0u);
    atomic_store(&r->last_to_client, 0u);
    atomic_store(&r->last_slot, -1);
}

void bench_relay_last(bench_relay_t *r, uint64_t *sent, uint64_t *received)
{
    *sent = atomic_load(&r->last_to_server);
    *received = atomic_load(&r->last_to_client);
}

void bench_relay_drop(bench_relay_t *r)
{
    unsigned before = atomic_load(&r->drops);
    if (!r->running || write(r->stop_pipe[1], "d", 1) != 1) {
        return;
    }
    /* The relay thread does it between two polls of its sockets: soon. */
    struct timespec ts = { 0, 1000 * 1000 };
    while (atomic_load(&r->drops) == before) {
        nanosleep(&ts, NULL);
    }
}

uint64_t bench_relay_sent(bench_relay_t *r)
{
    return atomic_load(&r->to_server);
}

uint64_t bench_relay_received(bench_relay_t *r)
{
    return atomic_load(&r->to_client);
}

uint64_t bench_relay_connections(bench_relay_t *r)
{
    return atomic_load(&r->connections);
}
