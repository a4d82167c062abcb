/*
 * Benchmark 5: poll cost. Bytes sent and received for one check that finds
 * no update (the manifest offers only the running version and an older
 * one), counted by a TCP relay between the service and nginx: everything a
 * device's link carries above TCP, TLS included. Reference, through the
 * same relay: one plain `curl -s -o /dev/null URL` of the same manifest.
 * Over HTTP, then HTTPS. libcurl's HTTP-level counters are printed beside.
 *
 * usage: bench_poll [--results FILE] [--tmpdir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_device.h"
#include "bench_relay.h"
#include "bench_util.h"
#include "crypto_host.h"
#include "test_server.h"
#include "transport_curl.h"

#define RUNNING_VERSION 3u

static uint8_t buf[4096];
static char mbuf[OTA_MANIFEST_MAX_SIZE];

/* The relay passes bytes on from its own thread: give it a moment after a
 * client hangs up (a TLS close_notify is still on its way). */
static void settle(void)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static int poll_ours(const char *work, const char *manifest_url, const char *ca_file, bench_relay_t *relay,
                     uint64_t *sent, uint64_t *recv, posix_transport_curl_stats_t *http)
{
    bench_device_t d;
    int err = bench_device_open(&d, work, 0, RUNNING_VERSION, 4096u);
    if (err != OTA_OK) {
        return err;
    }
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_service_config_t cfg;
    static ota_service_t svc;
    bench_check_t chk;
    err = posix_transport_curl_init(&tc, NULL, &tp);
    if (err == OTA_OK) {
        ota_service_ports_t ports = {&d.dev.flash, &d.dev.store, &tp, &d.dev.crypto, &d.dev.sys};
        bench_service_config(&d, &cfg, manifest_url, buf, sizeof buf, mbuf, sizeof mbuf);
        cfg.trust_anchor = ca_file;
        bench_relay_reset(relay);
        err = bench_service_check(&svc, &cfg, &ports, 30.0, &chk);
        posix_transport_curl_stats(&tc, NULL, http);
        posix_transport_curl_deinit(&tc);
        settle();
        *sent = bench_relay_sent(relay);
        *recv = bench_relay_received(relay);
    }
    if (err == OTA_OK && (!chk.no_update || chk.failure != OTA_OK)) {
        fprintf(stderr, "bench_poll: the check did not end in \"no update\" (%s)\n", ota_err_name(chk.failure));
        err = OTA_ERR_STATE;
    }
    int err2 = bench_device_close(&d);
    return err != OTA_OK ? err : err2;
}

static int poll_reference(const char *manifest_url, const char *ca_file, bench_relay_t *relay, uint64_t *sent,
                          uint64_t *recv)
{
    char cmd[1024];
    if (ca_file != NULL) {
        snprintf(cmd, sizeof cmd, "curl -s --cacert '%s' -o /dev/null '%s'", ca_file, manifest_url);
    } else {
        snprintf(cmd, sizeof cmd, "curl -s -o /dev/null '%s'", manifest_url);
    }
    bench_relay_reset(relay);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_poll: reference failed: %s\n", cmd);
        return OTA_ERR_IO;
    }
    settle();
    *sent = bench_relay_sent(relay);
    *recv = bench_relay_received(relay);
    return OTA_OK;
}

static int measure(const char *proto, const char *work, const char *url, const char *ca_file,
                   bench_relay_t *relay, size_t manifest_len)
{
    uint64_t s = 0, r = 0, rs = 0, rr = 0;
    posix_transport_curl_stats_t http;
    memset(&http, 0, sizeof http);
    int err = poll_ours(work, url, ca_file, relay, &s, &r, &http);
    if (err == OTA_OK) {
        err = poll_reference(url, ca_file, relay, &rs, &rr);
    }
    if (err != OTA_OK) {
        fprintf(stderr, "bench_poll: %s: %s\n", proto, ota_err_name(err));
        return err;
    }
    char key[64];
    bench_note("poll %s: manifest body %zu bytes; HTTP-level (libcurl): %llu sent, %llu received, %llu request(s)",
               proto, manifest_len, (unsigned long long)http.wire_sent, (unsigned long long)http.wire_received,
               (unsigned long long)http.requests);
#define FIG(name, v, unit)                                   \
    do {                                                     \
        snprintf(key, sizeof key, "poll.%s.%s", proto, name); \
        bench_figure(key, (double)(v), unit);                \
    } while (0)
    FIG("sent", s, "bytes sent by the device (above TCP)");
    FIG("received", r, "bytes received by the device (above TCP)");
    FIG("total", s + r, "bytes, one check finding no update");
    FIG("ref_total", rs + rr, "bytes, curl -s -o /dev/null of the manifest");
    FIG("ratio", (double)(s + r) / (double)(rs + rr), "ours / curl");
#undef FIG
    return OTA_OK;
}

int main(int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        if (bench_opts_take(&opts, argc, argv, &i)) {
            continue;
        } else {
            fprintf(stderr, "usage: %s [--results FILE] [--tmpdir DIR]\n", argv[0]);
            return 2;
        }
    }
    char work[BENCH_PATH_MAX], docroot[BENCH_PATH_MAX + 8];
    int begun = bench_begin(&opts, "poll", work, sizeof work);
    if (begun != 0) {
        return begun;
    }
    snprintf(docroot, sizeof docroot, "%s/www", work);
    int rc = 1;
    test_server_t srv = {0};
    bench_relay_t plain = {.started = 0}, tls = {.started = 0};
    if (bench_mkdir(docroot) != OTA_OK || test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK ||
        bench_relay_start(&plain, srv.port) != OTA_OK || bench_relay_start(&tls, srv.tls_port) != OTA_OK) {
        fprintf(stderr, "bench_poll: could not start nginx or the relays\n");
        goto out;
    }
    /* What a fleet's manifest looks like between releases: the running
     * version and the one before it, nothing newer. */
    char json[1024];
    int n = snprintf(json, sizeof json,
                     "{\"ota\":[{\"Version\":%u,\"URL\":\"https://updates.example.com/fw/app_v%u.bin\","
                     "\"Digest\":\"%064x\",\"EraseVer\":false},"
                     "{\"Version\":%u,\"URL\":\"https://updates.example.com/fw/app_v%u.bin\","
                     "\"Digest\":\"%064x\",\"EraseVer\":false}]}\n",
                     RUNNING_VERSION - 1u, RUNNING_VERSION - 1u, 0u, RUNNING_VERSION, RUNNING_VERSION, 0u);
    if (test_file_write(docroot, "manifest.json", json, (size_t)n, NULL, 0) != OTA_OK) {
        goto out;
    }
    char url[128], tls_url[128];
    /* 127.0.0.1 is also in the test certificate's names, so TLS verifies
     * through the relay exactly as it does directly. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/manifest.json", plain.port);
    snprintf(tls_url, sizeof tls_url, "https://127.0.0.1:%d/manifest.json", tls.port);
    if (measure("http", work, url, NULL, &plain, (size_t)n) == OTA_OK &&
        measure("https", work, tls_url, srv.ca_file, &tls, (size_t)n) == OTA_OK) {
        rc = 0;
    }
out:
    bench_relay_stop(&plain);
    bench_relay_stop(&tls);
    if (srv.pid > 0) {
        test_server_stop(&srv);
    }
    test_tmpdir_remove(work);
    bench_results_close();
    return rc;
}
