/*
 * sysota benchmarks: a counting TCP relay on 127.0.0.1. A client connects
 * to the relay's port instead of the server's; every byte is passed on and
 * counted, per direction. It sees what a device's modem would carry: TLS
 * handshakes and records included, which libcurl's own HTTP-level counters
 * leave out (TCP/IP headers are not counted).
 *
 * One thread; connections are served one after the other's bytes, a few at
 * a time (enough for a poll or a reference curl, not meant for bulk data).
 */
#ifndef SYSOTA_BENCH_RELAY_H
#define SYSOTA_BENCH_RELAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Connections relayed at once; more wait in the listen queue. */
#define BENCH_RELAY_MAX_CONN 4

typedef struct bench_relay {
    int started; /**< start was called: stop has something to release */
    int listen_fd;
    int port;        /**< the relay's port on 127.0.0.1 */
    int target_port; /**< the server's port on 127.0.0.1 */
    int stop_pipe[2];
    pthread_t thread;
    int running;
    atomic_uint_least64_t to_server;      /**< bytes the clients sent */
    atomic_uint_least64_t to_client;      /**< bytes the server sent back */
    atomic_uint_least64_t connections;    /**< connections accepted */
    atomic_uint_least64_t last_to_server; /**< bytes the newest connection's client sent */
    atomic_uint_least64_t last_to_client; /**< bytes the newest connection's server sent back */
    atomic_int last_slot;                 /**< the newest connection's slot in the relay thread */
    atomic_uint drops;                    /**< bench_relay_drop() calls the thread has carried out */
} bench_relay_t;

/** Listen on a free port of 127.0.0.1 and relay to target_port. Returns OTA_OK or OTA_ERR_IO. */
int bench_relay_start(bench_relay_t *r, int target_port);

/** Stop the thread and close every socket (a zeroed, never started relay is fine). Returns OTA_OK. */
int bench_relay_stop(bench_relay_t *r);

/** Zero the counters (between two measured exchanges). */
void bench_relay_reset(bench_relay_t *r);

/** Bytes from clients to the server since start or reset. */
uint64_t bench_relay_sent(bench_relay_t *r);

/** Bytes from the server to clients since start or reset. */
uint64_t bench_relay_received(bench_relay_t *r);

/** Connections accepted since start or reset. */
uint64_t bench_relay_connections(bench_relay_t *r);

/**
 * Bytes of the newest connection alone (accepted last), from its clients
 * (*sent) and to it (*received): one exchange of a client that made
 * several connections (curl with a first URL on a connection the server
 * closes, then a second one). Zero before any connection since reset.
 */
void bench_relay_last(bench_relay_t *r, uint64_t *sent, uint64_t *received);

/**
 * Close every connection being relayed, both ends, and return once done:
 * what a server's idle timeout does between two polls an hour apart. The
 * client finds its kept connection gone and opens a new one.
 */
void bench_relay_drop(bench_relay_t *r);

#ifdef __cplusplus
}
#endif

#endif /* SYSOTA_BENCH_RELAY_H */
