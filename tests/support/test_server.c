/*
 * Test servers: fork/exec of nginx, python3 -m http.server and
 * bad_server.py, each in a private temporary directory.
 */
#include "test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysota/ota_error.h"

#ifndef SYSOTA_TEST_SOURCE_DIR
#define SYSOTA_TEST_SOURCE_DIR "."
#endif

#define PYTHON "/usr/bin/python3"
/* Only a server that hangs before listening meets this (one that fails
 * exits, and is seen at once): generous, so a busy machine never does. */
#define READY_TIMEOUT_MS 60000u
#define STOP_GRACE_MS 3000u
#define START_ATTEMPTS 5

static const char *const nginx_candidates[] = { "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx", NULL };

/* ---- helpers --------------------------------------------------------- */

static void complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("test_server: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int fmt(char *out, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(out, cap, f, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= cap) ? OTA_ERR_TOO_LARGE : OTA_OK;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

uint64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *test_source_dir(void)
{
    const char *env = getenv("SYSOTA_SOURCE_DIR");
    return (env != NULL && env[0] != '\0') ? env : SYSOTA_TEST_SOURCE_DIR;
}

int test_file_write(const char *dir, const char *name, const void *data, size_t len, char *path_out, size_t path_cap)
{
    char path[TEST_SERVER_PATH_MAX];
    if (fmt(path, sizeof path, "%s/%s", dir, name) != OTA_OK) {
        return OTA_ERR_TOO_LARGE;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        complain("open %s: %s", path, strerror(errno));
        return OTA_ERR_IO;
    }
    size_t done = len > 0 ? fwrite(data, 1, len, f) : 0;
    int closed = fclose(f);
    if (done != len || closed != 0) {
        complain("write %s failed", path);
        return OTA_ERR_IO;
    }
    if (path_out != NULL && fmt(path_out, path_cap, "%s", path) != OTA_OK) {
        return OTA_ERR_TOO_LARGE;
    }
    return OTA_OK;
}

void test_fill_random(void *buf, size_t len, uint32_t seed)
{
    /* splitmix64: cheap, and good enough that a shifted or truncated copy never matches. */
    uint64_t x = 0x9E3779B97F4A7C15ull * (seed + 1u);
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        size_t n = len < 8 ? len : 8;
        memcpy(p, &z, n);
        p += n;
        len -= n;
    }
}

int test_server_url(char *out, size_t cap, const char *base, const char *path)
{
    while (*path == '/') {
        path++;
    }
    return fmt(out, cap, "%s/%s", base, path);
}

static const char *find_nginx(void)
{
    for (int i = 0; nginx_candidates[i] != NULL; i++) {
        if (access(nginx_candidates[i], X_OK) == 0) {
            return nginx_candidates[i];
        }
    }
    return NULL;
}

int test_server_have_nginx(void)
{
    return find_nginx() != NULL;
}

/* A port the kernel considers free right now. Another process may take it
 * before the server binds; the callers retry with a new port in that case. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &alen) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

/* n distinct free ports (free_port may hand out one twice). */
static int free_ports(int *ports, int n)
{
    for (int i = 0; i < n; i++) {
        ports[i] = free_port();
        if (ports[i] < 0) {
            return OTA_ERR_IO;
        }
        for (int j = 0; j < i; j++) {
            if (ports[j] == ports[i]) {
                return OTA_ERR_EXISTS;
            }
        }
    }
    return OTA_OK;
}

static int port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/*
 * fork/exec argv[0] with stdout and stderr appended to log_path. The child
 * leads its own process group (so stop can reach nginx's workers too) and
 * gets SIGTERM when the test process dies, so no server outlives a crash.
 */
static pid_t spawn(char *const argv[], const char *log_path)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        complain("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        int in = open("/dev/null", O_RDONLY);
        int out = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in >= 0) {
            dup2(in, 0);
        }
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        execv(argv[0], argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Reap pid within ms milliseconds; 1 when it has exited. */
static int reap_within(pid_t pid, unsigned ms)
{
    uint64_t end = test_now_ms() + ms;
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            return 1;
        }
        if (test_now_ms() >= end) {
            return 0;
        }
        sleep_ms(10);
    }
}

static void kill_and_reap(pid_t pid)
{
    if (pid <= 0) {
        return;
    }
    kill(pid, SIGTERM);
    if (!reap_within(pid, STOP_GRACE_MS)) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        reap_within(pid, STOP_GRACE_MS);
    }
}

/* Wait until every listed port accepts a connection, or the server died. */
static int wait_ready(pid_t pid, const int *ports, int nports)
{
    uint64_t end = test_now_ms() + READY_TIMEOUT_MS;
    int i = 0;
    while (i < nports) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            return OTA_ERR_IO; /* reaped: the caller must not signal this pid again */
        }
        if (port_accepts(ports[i])) {
            i++;
            continue;
        }
        if (test_now_ms() >= end) {
            kill_and_reap(pid);
            return OTA_ERR_TIMEOUT;
        }
        sleep_ms(10);
    }
    return OTA_OK;
}

static int run_wait(char *const argv[], const char *log_path)
{
    pid_t pid = spawn(argv, log_path);
    if (pid < 0) {
        return OTA_ERR_IO;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            return OTA_ERR_IO;
        }
    }
    return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? OTA_OK : OTA_ERR_IO;
}

/* ---- nginx ----------------------------------------------------------- */

/*
 * Redirects every server block answers, so a test can put nginx's own 3xx
 * in front of any file: /rCODE/PATH answers CODE with "Location: /PATH"
 * (relative, as nginx sends it with absolute_redirect off), /loop answers
 * 301 to itself, and /other/PATH sends PATH to `other`, the server's
 * counterpart of the other scheme (https for the plain port, http for the
 * TLS ones).
 */
static void nginx_redirects(FILE *f, const char *other)
{
    static const int codes[] = { 301, 302, 303, 307, 308 };
    fprintf(f, "    absolute_redirect off;\n");
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        fprintf(f, "    location ~ ^/r%d(/.*)$ { return %d $1$is_args$args; }\n", codes[i], codes[i]);
    }
    fprintf(f, "    location = /loop { return 301 /loop; }\n");
    fprintf(f, "    location ~ ^/other(/.*)$ { return 302 %s$1$is_args$args; }\n", other);
}

/* /close/PATH: PATH, and the connection closed after the answer (a server's
 * idle timeout, without waiting for it). */
static void nginx_close(FILE *f, const char *docroot)
{
    fprintf(f, "    location /close/ { alias %s/; keepalive_timeout 0; }\n", docroot);
}

/* make_test_ca.sh's certificate of each test_bad_cert_t. */
static const char *const bad_cert_names[TEST_CERT_BAD_COUNT] = { "expired", "notyet", "wrongname", "unknown" };

static int nginx_write_conf(const test_server_t *s, const char *conf)
{
    FILE *f = fopen(conf, "w");
    if (f == NULL) {
        return OTA_ERR_IO;
    }
    const char *d = s->dir;
    /* Every path nginx would otherwise take from its build (pid, logs,
     * temp dirs) points into our directory, so parallel tests never meet. */
    fprintf(f, "daemon off;\nmaster_process on;\nworker_processes 1;\n");
    if (geteuid() == 0) {
        /* Workers would drop to "nobody" and could not read a 0700 docroot. */
        fprintf(f, "user root;\n");
    }
    fprintf(f, "pid %s/nginx.pid;\nerror_log %s/error.log warn;\n", d, d);
    fprintf(f, "events { worker_connections 256; }\n");
    fprintf(f, "http {\n");
    /* One line per request, for tests that look at what the server saw:
     * the connection's serial number and its request count, whether TLS
     * resumed a session ("r") or not ("."), the request headers the
     * transport chooses to send or not, and the bytes of the response
     * (headers and body) and of the request (line and headers). */
    fprintf(f, "  log_format sysota '$connection $connection_requests $ssl_session_reused $status \"$request\" "
               "inm=\"$http_if_none_match\" ims=\"$http_if_modified_since\" ir=\"$http_if_range\" "
               "range=\"$http_range\" accept=\"$http_accept\" sent=$bytes_sent rlen=$request_length';\n");
    fprintf(f, "  access_log %s/access.log sysota;\n", d);
    fprintf(f, "  client_body_temp_path %s/tmp/body;\n  proxy_temp_path %s/tmp/proxy;\n", d, d);
    fprintf(f, "  fastcgi_temp_path %s/tmp/fastcgi;\n  uwsgi_temp_path %s/tmp/uwsgi;\n", d, d);
    fprintf(f, "  scgi_temp_path %s/tmp/scgi;\n", d);
    fprintf(f, "  types { application/json json; text/plain txt; text/html html; }\n");
    fprintf(f, "  default_type application/octet-stream;\n");
    fprintf(f, "  sendfile on;\n  tcp_nopush on;\n  keepalive_timeout 30;\n");
    /* What a production server keeps: TLS sessions a client may resume
     * (without a cache nginx resumes only by ticket, which libcurl does
     * not offer over TLS 1.2). */
    fprintf(f, "  ssl_session_cache shared:sysota:1m;\n");
    char http[TEST_SERVER_URL_MAX], https[TEST_SERVER_URL_MAX];
    fmt(http, sizeof http, "http://127.0.0.1:%d", s->port);
    fmt(https, sizeof https, "https://127.0.0.1:%d", s->tls_port);
    fprintf(f, "  server { listen 127.0.0.1:%d; root %s;\n", s->port, s->docroot);
    nginx_redirects(f, https);
    nginx_close(f, s->docroot);
    fprintf(f, "  }\n");
    fprintf(f,
            "  server { listen 127.0.0.1:%d ssl; root %s;\n"
            "    ssl_certificate %s/tls/server.crt; ssl_certificate_key %s/tls/server.key;\n",
            s->tls_port, s->docroot, d, d);
    nginx_redirects(f, http);
    nginx_close(f, s->docroot);
    fprintf(f, "  }\n");
    fprintf(f,
            "  server { listen 127.0.0.1:%d ssl; root %s;\n"
            "    ssl_certificate %s/tls/self.crt; ssl_certificate_key %s/tls/self.key; }\n",
            s->tls_self_port, s->docroot, d, d);
    for (int i = 0; i < TEST_CERT_BAD_COUNT; i++) {
        fprintf(f,
                "  server { listen 127.0.0.1:%d ssl; root %s;\n"
                "    ssl_certificate %s/tls/%s.crt; ssl_certificate_key %s/tls/server.key; }\n",
                s->tls_bad_port[i], s->docroot, d, bad_cert_names[i], d);
    }
    fprintf(f, "}\n");
    return fclose(f) == 0 ? OTA_OK : OTA_ERR_IO;
}

static int start_nginx(test_server_t *s)
{
    const char *nginx = find_nginx();
    if (nginx == NULL) {
        complain("nginx not found");
        return OTA_ERR_NOT_SUPPORTED;
    }
    char script[TEST_SERVER_PATH_MAX], tls[TEST_SERVER_PATH_MAX], log[TEST_SERVER_PATH_MAX];
    char conf[TEST_SERVER_PATH_MAX], tmp[TEST_SERVER_PATH_MAX], prefix[TEST_SERVER_PATH_MAX];
    if (fmt(script, sizeof script, "%s/tests/support/make_test_ca.sh", test_source_dir()) ||
        fmt(tls, sizeof tls, "%s/tls", s->dir) || fmt(log, sizeof log, "%s/server.log", s->dir) ||
        fmt(conf, sizeof conf, "%s/nginx.conf", s->dir) || fmt(tmp, sizeof tmp, "%s/tmp", s->dir) ||
        fmt(prefix, sizeof prefix, "%s/", s->dir) || fmt(s->ca_file, sizeof s->ca_file, "%s/ca.crt", tls) ||
        fmt(s->self_cert, sizeof s->self_cert, "%s/self.crt", tls)) {
        return OTA_ERR_TOO_LARGE;
    }
    if (mkdir(tmp, 0700) != 0) {
        return OTA_ERR_IO;
    }
    char *ca_argv[] = { "/bin/sh", script, tls, NULL };
    if (run_wait(ca_argv, log) != OTA_OK) {
        complain("%s failed (see %s)", script, log);
        return OTA_ERR_IO;
    }
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        int ports[3 + TEST_CERT_BAD_COUNT];
        const int nports = (int)(sizeof ports / sizeof ports[0]);
        if (free_ports(ports, nports) != OTA_OK) {
            continue;
        }
        s->port = ports[0];
        s->tls_port = ports[1];
        s->tls_self_port = ports[2];
        memcpy(s->tls_bad_port, ports + 3, sizeof s->tls_bad_port);
        if (nginx_write_conf(s, conf) != OTA_OK) {
            return OTA_ERR_IO;
        }
        char *argv[] = { (char *)nginx, "-p", prefix, "-c", conf, NULL };
        pid_t pid = spawn(argv, log);
        if (pid < 0) {
            return OTA_ERR_IO;
        }
        int err = wait_ready(pid, ports, nports);
        if (err == OTA_OK) {
            s->pid = pid;
            fmt(s->tls_url, sizeof s->tls_url, "https://127.0.0.1:%d", s->tls_port);
            fmt(s->tls_self_url, sizeof s->tls_self_url, "https://127.0.0.1:%d", s->tls_self_port);
            for (int i = 0; i < TEST_CERT_BAD_COUNT; i++) {
                fmt(s->tls_bad_url[i], sizeof s->tls_bad_url[i], "https://127.0.0.1:%d", s->tls_bad_port[i]);
            }
            return OTA_OK;
        }
        /* Most likely a port taken between free_port() and nginx's bind: retry. */
    }
    complain("nginx did not start (see %s and %s/error.log)", log, s->dir);
    return OTA_ERR_IO;
}

/* ---- python3 -m http.server ------------------------------------------ */

static int start_py_http(test_server_t *s)
{
    char log[TEST_SERVER_PATH_MAX];
    if (fmt(log, sizeof log, "%s/server.log", s->dir)) {
        return OTA_ERR_TOO_LARGE;
    }
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = free_port();
        if (s->port < 0) {
            continue;
        }
        char port[16];
        fmt(port, sizeof port, "%d", s->port);
        char *argv[] = { PYTHON, "-m", "http.server", "--bind", "127.0.0.1", "--directory", s->docroot, port, NULL };
        pid_t pid = spawn(argv, log);
        if (pid < 0) {
            return OTA_ERR_IO;
        }
        if (wait_ready(pid, &s->port, 1) == OTA_OK) {
            s->pid = pid;
            return OTA_OK;
        }
    }
    complain("python3 -m http.server did not start (see %s)", log);
    return OTA_ERR_IO;
}

/* ---- bad_server.py --------------------------------------------------- */

static int start_bad(test_server_t *s)
{
    char script[TEST_SERVER_PATH_MAX], log[TEST_SERVER_PATH_MAX], port_file[TEST_SERVER_PATH_MAX];
    char limit[16];
    if (fmt(script, sizeof script, "%s/tests/support/bad_server.py", test_source_dir()) ||
        fmt(log, sizeof log, "%s/server.log", s->dir) || fmt(port_file, sizeof port_file, "%s/port", s->dir)) {
        return OTA_ERR_TOO_LARGE;
    }
    fmt(limit, sizeof limit, "%d", TEST_SERVER_BAD_LIMIT_S);
    /* The script binds port 0 and reports the port it got: no race. */
    char *argv[] = { PYTHON, script, "--docroot", s->docroot, "--port-file", port_file, "--limit", limit, NULL };
    pid_t pid = spawn(argv, log);
    if (pid < 0) {
        return OTA_ERR_IO;
    }
    uint64_t end = test_now_ms() + READY_TIMEOUT_MS;
    for (;;) {
        FILE *f = fopen(port_file, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok && wait_ready(pid, &s->port, 1) == OTA_OK) {
                s->pid = pid;
                return OTA_OK;
            }
            if (!ok) {
                break;
            }
            pid = 0; /* wait_ready failed: it has already reaped the process */
            break;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            pid = 0;
            break;
        }
        if (test_now_ms() >= end) {
            break;
        }
        sleep_ms(10);
    }
    kill_and_reap(pid);
    complain("bad_server.py did not start (see %s)", log);
    return OTA_ERR_IO;
}

/* ---- public ---------------------------------------------------------- */

int test_server_start(test_server_t *s, test_server_kind_t kind, const char *docroot)
{
    if (s == NULL || docroot == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (realpath(docroot, s->docroot) == NULL) {
        complain("docroot %s: %s", docroot, strerror(errno));
        return OTA_ERR_INVALID_ARG;
    }
    int err = test_tmpdir_make(s->dir, sizeof s->dir, "server");
    if (err != OTA_OK) {
        return err;
    }
    switch (kind) {
    case TEST_SERVER_NGINX:
        err = start_nginx(s);
        break;
    case TEST_SERVER_PY_HTTP:
        err = start_py_http(s);
        break;
    case TEST_SERVER_BAD:
        err = start_bad(s);
        break;
    default:
        err = OTA_ERR_INVALID_ARG;
        break;
    }
    if (err == OTA_OK) {
        fmt(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    } else {
        /* Keep the logs of a failed start when asked to, for debugging. */
        if (getenv("SYSOTA_KEEP_SERVER_DIR") == NULL) {
            test_tmpdir_remove(s->dir);
        }
        s->pid = 0;
    }
    return err;
}

int test_server_stop(test_server_t *s)
{
    if (s == NULL) {
        return OTA_ERR_INVALID_ARG;
    }
    kill_and_reap(s->pid);
    s->pid = 0;
    int err = OTA_OK;
    if (s->dir[0] != '\0' && getenv("SYSOTA_KEEP_SERVER_DIR") == NULL) {
        err = test_tmpdir_remove(s->dir);
    }
    s->dir[0] = '\0';
    return err;
}

int test_server_access_log(const test_server_t *s, char *out, size_t cap)
{
    char path[TEST_SERVER_PATH_MAX];
    if (s == NULL || out == NULL || cap == 0 || s->kind != TEST_SERVER_NGINX ||
        fmt(path, sizeof path, "%s/access.log", s->dir)) {
        return OTA_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        out[0] = '\0';
        return OTA_ERR_IO;
    }
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
    return OTA_OK;
}
