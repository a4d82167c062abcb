/*
 * Benchmark 5: poll cost. Bytes sent and received for one check that finds
 * no update (the manifest offers only the running version and an older
 * one), counted by a TCP relay between the service and nginx: everything a
 * device's link carries above TCP, TLS included. Reference, through the
 * same relay: one plain `curl -s -o /dev/null URL` of the same manifest.
 * Over HTTP, then HTTPS. libcurl's HTTP-level counters are printed beside.
 *
 * Then the next check of the same device, once the relay has dropped the
 * connection (a server's idle timeout between two polls): it sends the
 * manifest's ETag back and gets a 304, on a new connection that resumes
 * the TLS session. Reference: the same conditional request by curl, on a
 * new connection of the same curl command (its first request asks the
 * server to close), so that it resumes its session too; only that last
 * connection's bytes count.
 *
 * Then the same poll by a device provisioned with a key, of a signed
 * manifest (the same entries, with the Sequence, Size and Signature a
 * signed manifest carries) and its detached signature, which the device
 * fetches with a second GET (manifest URL + ".sig"): the difference to the
 * unsigned poll is the price of signed updates per poll. Reference: one curl
 * command fetching both files over one connection, against curl fetching
 * the unsigned manifest alone.
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
#include "hostsign.h"
#include "ota_codec.h"
#include "ota_hex.h"
#include "ota_trust.h"
#include "test_server.h"
#include "transport_curl.h"

#define RUNNING_VERSION 3u

static uint8_t buf[4096];
static char mbuf[OTA_MANIFEST_MAX_SIZE];

/* The relay passes bytes on from its own thread: give it a moment after a
 * client hangs up (a TLS close_notify is still on its way). */
static void settle(void)
{
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

/* What one way of polling came to, in bytes. */
typedef struct {
    uint64_t sent, recv;               /* ours: a check whose manifest is fetched in full */
    uint64_t ref_sent, ref_recv;       /* curl */
    uint64_t cond_sent, cond_recv;     /* ours: the next check, conditional, on a new connection (304) */
    uint64_t cref_sent, cref_recv;     /* curl: the same conditional request, on a resumed session */
    posix_transport_curl_stats_t http; /* libcurl's HTTP-level counters of the first check */
} poll_bytes_t;

static int one_check(ota_service_t *svc, ota_service_config_t *cfg, const ota_service_ports_t *ports, bool want_304)
{
    bench_check_t chk = { .ready = false };
    int err = bench_service_check(svc, cfg, ports, 30.0, &chk);
    if (err == OTA_OK && (!chk.no_update || chk.failure != OTA_OK || chk.not_modified != want_304)) {
        fprintf(stderr, "bench_poll: the check did not end in \"no update\"%s (%s)\n", want_304 ? " by a 304" : "",
                ota_err_name(chk.failure));
        err = OTA_ERR_STATE;
    }
    return err;
}

/* A device polling url once (keys: provisioned, NULL: none) and, with
 * conditional, once more after the server dropped the connection, as it
 * does between two polls an hour apart: the second poll sends the first
 * one's validator and opens a new connection (resuming the TLS session). */
static int poll_ours(const char *work, const char *manifest_url, const char *ca_file, const ota_keys_t *keys,
                     bench_relay_t *relay, bool conditional, poll_bytes_t *out)
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
    err = posix_transport_curl_init(&tc, NULL, &tp);
    if (err == OTA_OK) {
        ota_service_ports_t ports = { &d.dev.flash, &d.dev.store, &tp, &d.dev.crypto, &d.dev.sys };
        bench_service_config(&d, &cfg, manifest_url, buf, sizeof buf, mbuf, sizeof mbuf);
        cfg.trust_anchor = ca_file;
        cfg.keys = keys;
        /* Each check starts a service again: no full fetch drawn at the
         * start (one check in full_check_every is full: see the note). */
        cfg.full_check_every = 0;
        bench_relay_reset(relay);
        err = one_check(&svc, &cfg, &ports, false);
        posix_transport_curl_stats(&tc, NULL, &out->http);
        settle();
        out->sent = bench_relay_sent(relay);
        out->recv = bench_relay_received(relay);
        if (err == OTA_OK && conditional) {
            bench_relay_drop(relay);
            bench_relay_reset(relay);
            err = one_check(&svc, &cfg, &ports, true);
            settle();
            bench_relay_last(relay, &out->cond_sent, &out->cond_recv);
        }
        posix_transport_curl_deinit(&tc);
    }
    int err2 = bench_device_close(&d);
    return err != OTA_OK ? err : err2;
}

/* The curl command of the reference: its options and URLs in args. */
static int run_curl(const char *args, bench_relay_t *relay)
{
    char cmd[2048];
    if ((size_t)snprintf(cmd, sizeof cmd, "curl -s %s", args) >= sizeof cmd) {
        return OTA_ERR_TOO_LARGE;
    }
    bench_relay_reset(relay);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_poll: reference failed: %s\n", cmd);
        return OTA_ERR_IO;
    }
    settle();
    return OTA_OK;
}

/* One curl command fetching each URL of urls (NULL-terminated) over one
 * connection; with etag, once more sending it back (If-None-Match) after
 * the server closed the first connection, so that the second request opens
 * a new one and resumes the TLS session, as the device's second poll does;
 * its bytes, the last connection's, in cond_*. */
static int poll_reference(const char *const *urls, const char *ca_file, const char *etag, bench_relay_t *relay,
                          poll_bytes_t *out)
{
    char args[1536], ca[BENCH_PATH_MAX + 16] = "";
    int n = 0;
    if (ca_file != NULL) {
        snprintf(ca, sizeof ca, "--cacert '%s' ", ca_file);
    }
    n += snprintf(args + n, sizeof args - (size_t)n, "%s%s", ca, etag != NULL ? "-H 'Connection: close' " : "");
    for (const char *const *u = urls; *u != NULL && (size_t)n < sizeof args; u++) {
        n += snprintf(args + n, sizeof args - (size_t)n, " -o /dev/null '%s'", *u);
    }
    if (etag != NULL && (size_t)n < sizeof args) {
        n += snprintf(args + n, sizeof args - (size_t)n, " --next -s %s-H 'If-None-Match: %s' -o /dev/null '%s'", ca,
                      etag, urls[0]);
    }
    if ((size_t)n >= sizeof args) {
        return OTA_ERR_TOO_LARGE;
    }
    int err = run_curl(args, relay);
    if (err == OTA_OK) {
        out->ref_sent = bench_relay_sent(relay);
        out->ref_recv = bench_relay_received(relay);
        bench_relay_last(relay, &out->cref_sent, &out->cref_recv);
        if (etag != NULL) {
            /* curl's full fetch alone, as the unconditional reference */
            out->ref_sent -= out->cref_sent;
            out->ref_recv -= out->cref_recv;
        }
    }
    return err;
}

/* A poll of url by a device (keys: provisioned, NULL: none) and curl's
 * fetch of ref_urls, both through relay; with etag, the conditional second
 * poll of both too. */
static int poll_both(const char *proto, const char *work, const char *url, const char *const *ref_urls,
                     const char *ca_file, const ota_keys_t *keys, const char *etag, bench_relay_t *relay,
                     poll_bytes_t *out)
{
    memset(out, 0, sizeof *out);
    int err = poll_ours(work, url, ca_file, keys, relay, etag != NULL, out);
    if (err == OTA_OK) {
        err = poll_reference(ref_urls, ca_file, etag, relay, out);
    }
    if (err != OTA_OK) {
        fprintf(stderr, "bench_poll: %s%s: %s\n", proto, keys != NULL ? " (signed)" : "", ota_err_name(err));
    }
    return err;
}

static void figure(const char *proto, const char *name, double v, const char *unit)
{
    char key[64];
    snprintf(key, sizeof key, "poll.%s.%s", proto, name);
    bench_figure(key, v, unit);
}

/* nginx's ETag of url (fetched directly, not through a relay). */
static int etag_of(const char *url, const char *ca_file, char out[OTA_HTTP_VALIDATOR_MAX + 1])
{
    posix_transport_curl_t tc;
    ota_transport_t tp;
    ota_http_response_t r;
    ota_http_options_t opt = { .trust_anchor = ca_file };
    size_t len;
    int err = posix_transport_curl_init(&tc, NULL, &tp);
    if (err == OTA_OK) {
        err = posix_transport_fetch_to_buffer(&tp, url, &opt, mbuf, sizeof mbuf, &len, &r, 30000);
        posix_transport_curl_deinit(&tc);
    }
    if (err == OTA_OK && r.etag[0] == '\0') {
        err = OTA_ERR_NOT_FOUND;
    }
    if (err == OTA_OK) {
        memcpy(out, r.etag, sizeof r.etag);
    }
    return err;
}

/* The unsigned poll of base_url (in full, then conditional), then the
 * signed one of signed_url. direct_url: base_url's file straight from nginx. */
static int measure(const char *proto, const char *work, const char *base_url, const char *direct_url,
                   const char *signed_url, const char *ca_file, const ota_keys_t *keys, bench_relay_t *relay,
                   size_t manifest_len, size_t signed_len)
{
    char sig_url[160], etag[OTA_HTTP_VALIDATOR_MAX + 1];
    snprintf(sig_url, sizeof sig_url, "%s.sig", signed_url);
    const char *ref_plain[] = { base_url, NULL };
    const char *ref_signed[] = { signed_url, sig_url, NULL };
    poll_bytes_t p, sp;
    int err = etag_of(direct_url, ca_file, etag);
    if (err == OTA_OK) {
        err = poll_both(proto, work, base_url, ref_plain, ca_file, NULL, etag, relay, &p);
    }
    if (err == OTA_OK) {
        err = poll_both(proto, work, signed_url, ref_signed, ca_file, keys, NULL, relay, &sp);
    }
    if (err != OTA_OK) {
        return err;
    }
    bench_note("poll %s: manifest body %zu bytes; HTTP-level (libcurl): %llu sent, %llu received, %llu request(s)",
               proto, manifest_len, (unsigned long long)p.http.wire_sent, (unsigned long long)p.http.wire_received,
               (unsigned long long)p.http.requests);
    figure(proto, "sent", (double)p.sent, "bytes sent by the device (above TCP)");
    figure(proto, "received", (double)p.recv, "bytes received by the device (above TCP)");
    figure(proto, "total", (double)(p.sent + p.recv), "bytes, one check finding no update, manifest in full");
    figure(proto, "ref_total", (double)(p.ref_sent + p.ref_recv), "bytes, curl -s -o /dev/null of the manifest");
    figure(proto, "ratio", (double)(p.sent + p.recv) / (double)(p.ref_sent + p.ref_recv), "ours / curl");
    bool tls = ca_file != NULL;
    figure(proto, "cond_sent", (double)p.cond_sent, "bytes sent, the next check (conditional)");
    figure(proto, "cond_received", (double)p.cond_recv, "bytes received, the next check (304)");
    figure(proto, "cond_total", (double)(p.cond_sent + p.cond_recv),
           tls ? "bytes, the next check: new connection, resumed TLS session, 304" : "bytes, the next check: 304");
    figure(proto, "cond_ref_total", (double)(p.cref_sent + p.cref_recv),
           tls ? "bytes, curl sending If-None-Match on a resumed session" : "bytes, curl sending If-None-Match");
    figure(proto, "cond_ratio", (double)(p.cond_sent + p.cond_recv) / (double)(p.cref_sent + p.cref_recv),
           "ours / curl");
    bench_note("poll %s: one check in 24 (full_check_every) fetches the manifest in full: %.0f bytes a check on "
               "average",
               proto, ((double)(p.sent + p.recv) + 23.0 * (double)(p.cond_sent + p.cond_recv)) / 24.0);
    bench_note("signed poll %s: manifest body %zu bytes (%zu more: Sequence, Size and Signature), .sig %d bytes; "
               "HTTP-level (libcurl): %llu sent, %llu received, %llu request(s)",
               proto, signed_len, signed_len - manifest_len, OTA_SIGFILE_LEN, (unsigned long long)sp.http.wire_sent,
               (unsigned long long)sp.http.wire_received, (unsigned long long)sp.http.requests);
    double ours = (double)(sp.sent + sp.recv), ref = (double)(sp.ref_sent + sp.ref_recv);
    double extra = ours - (double)(p.sent + p.recv), ref_extra = ref - (double)(p.ref_sent + p.ref_recv);
    figure(proto, "signed_total", ours, "bytes, one check of a signed manifest finding no update");
    figure(proto, "signed_extra", extra, "bytes more than the unsigned check");
    figure(proto, "signed_extra_body", (double)(signed_len - manifest_len), "of which the longer manifest body");
    figure(proto, "signed_ref_total", ref, "bytes, one curl fetching the signed manifest and its .sig");
    figure(proto, "signed_ref_extra", ref_extra, "bytes more than curl fetching the unsigned manifest");
    figure(proto, "signed_ratio", extra / ref_extra, "extra bytes: ours / curl");
    return OTA_OK;
}

/* The manifest a fleet serves between releases: the running version and
 * the one before it, nothing newer. With key: the signed form of the same
 * entries, and its detached signature in sigfile. Returns the length. */
static int make_manifest(char *out, size_t cap, const tool_key_t *key, uint8_t sigfile[OTA_SIGFILE_LEN])
{
    int n = snprintf(out, cap, "{%s\"ota\":[", key != NULL ? "\"Sequence\":1," : "");
    for (uint32_t v = RUNNING_VERSION - 1u; v <= RUNNING_VERSION && n > 0 && (size_t)n < cap; v++) {
        uint8_t digest[OTA_SHA256_LEN];
        char hex[2 * OTA_SHA256_LEN + 1];
        char b64[4 * ((OTA_SIG_LEN + 2) / 3) + 1];
        memset(digest, (int)v, sizeof digest);
        (void)ota_hex_encode(digest, sizeof digest, hex);
        n += snprintf(out + n, cap - (size_t)n,
                      "%s{\"Version\":%u,\"URL\":\"https://updates.example.com/fw/app_v%u.bin\","
                      "\"Digest\":\"%s\",\"EraseVer\":false",
                      v == RUNNING_VERSION ? "," : "", v, v, hex);
        if (key != NULL) {
            uint8_t sig[OTA_SIG_LEN];
            if (tool_sign_digest(key, digest, sig) != OTA_OK ||
                ota_base64_encode(sig, sizeof sig, b64, sizeof b64) < 0) {
                return -1;
            }
            n += snprintf(out + n, cap - (size_t)n, ",\"Size\":204800,\"Signature\":\"%s\"", b64);
        }
        n += snprintf(out + n, cap - (size_t)n, "}");
    }
    n += snprintf(out + n, cap - (size_t)n, "]}\n");
    if (n <= 0 || (size_t)n >= cap) {
        return -1;
    }
    if (key != NULL) {
        ota_sigfile_t sf;
        uint8_t digest[OTA_SHA256_LEN], point[OTA_PUBKEY_LEN];
        if (tool_sign_sha256(out, (size_t)n, digest) != OTA_OK || tool_sign_digest(key, digest, sf.sig) != OTA_OK ||
            tool_key_point(key, point) != OTA_OK || tool_key_id(point, sf.key_id) != OTA_OK) {
            return -1;
        }
        ota_sigfile_encode(&sf, sigfile);
    }
    return n;
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
    test_server_t srv = { 0 };
    bench_relay_t plain = { .started = 0 }, tls = { .started = 0 };
    if (bench_mkdir(docroot) != OTA_OK || test_server_start(&srv, TEST_SERVER_NGINX, docroot) != OTA_OK ||
        bench_relay_start(&plain, srv.port) != OTA_OK || bench_relay_start(&tls, srv.tls_port) != OTA_OK) {
        fprintf(stderr, "bench_poll: could not start nginx or the relays\n");
        goto out;
    }
    tool_key_t key = { NULL };
    ota_keys_t keys;
    memset(&keys, 0, sizeof keys);
    char json[1024], sjson[1024];
    uint8_t sigfile[OTA_SIGFILE_LEN];
    int n = make_manifest(json, sizeof json, NULL, NULL);
    int sn = -1;
    if (tool_key_generate(&key) == OTA_OK && tool_key_point(&key, keys.point[0]) == OTA_OK) {
        keys.count = 1;
        sn = make_manifest(sjson, sizeof sjson, &key, sigfile);
    }
    if (n < 0 || sn < 0 || test_file_write(docroot, "manifest.json", json, (size_t)n, NULL, 0) != OTA_OK ||
        test_file_write(docroot, "signed.json", sjson, (size_t)sn, NULL, 0) != OTA_OK ||
        test_file_write(docroot, "signed.json.sig", sigfile, sizeof sigfile, NULL, 0) != OTA_OK) {
        fprintf(stderr, "bench_poll: could not write the manifests\n");
        tool_key_free(&key);
        goto out;
    }
    tool_key_free(&key);
    char url[128], tls_url[128], surl[128], tls_surl[128];
    /* 127.0.0.1 is also in the test certificate's names, so TLS verifies
     * through the relay exactly as it does directly. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/manifest.json", plain.port);
    snprintf(tls_url, sizeof tls_url, "https://127.0.0.1:%d/manifest.json", tls.port);
    snprintf(surl, sizeof surl, "http://127.0.0.1:%d/signed.json", plain.port);
    snprintf(tls_surl, sizeof tls_surl, "https://127.0.0.1:%d/signed.json", tls.port);
    char direct[128], tls_direct[128];
    snprintf(direct, sizeof direct, "%s/manifest.json", srv.url);
    snprintf(tls_direct, sizeof tls_direct, "%s/manifest.json", srv.tls_url);
    if (measure("http", work, url, direct, surl, NULL, &keys, &plain, (size_t)n, (size_t)sn) == OTA_OK &&
        measure("https", work, tls_url, tls_direct, tls_surl, srv.ca_file, &keys, &tls, (size_t)n, (size_t)sn) ==
            OTA_OK) {
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
