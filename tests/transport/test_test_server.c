/*
 * The test-server harness itself: servers really start, really serve,
 * really stop (workers included), stop by themselves when forgotten, and
 * the shell form used by the demo works.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_server.h"
#include "transport_check.h"
#include "transport_curl.h"

extern char **environ;

static char docroot[TEST_SERVER_PATH_MAX];
static const char hello[] = "served by the harness\n";

static int group_setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(docroot, sizeof docroot, "docroot") != OTA_OK) {
        return -1;
    }
    return test_file_write(docroot, "hello.txt", hello, sizeof hello - 1, NULL, 0) == OTA_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    test_tmpdir_remove(docroot);
    return 0;
}

/* GET base/hello.txt (with ca_file for https) and check the body. */
static void expect_hello(const char *base, const char *ca_file)
{
    posix_transport_curl_t curl;
    ota_transport_t tp;
    assert_int_equal(posix_transport_curl_init(&curl, NULL, &tp), OTA_OK);
    char url[TEST_SERVER_PATH_MAX];
    assert_int_equal(test_server_url(url, sizeof url, base, "hello.txt"), OTA_OK);
    ota_http_options_t opt = { .trust_anchor = ca_file };
    uint8_t body[64];
    check_result_t r;
    int err = check_fetch(&tp, url, &opt, body, sizeof body, sizeof body, &r);
    posix_transport_curl_deinit(&curl);
    assert_int_equal(err, OTA_OK);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.len, sizeof hello - 1);
    assert_memory_equal(body, hello, sizeof hello - 1);
}

static void expect_gone(pid_t pid)
{
    /* The server led its own process group: nothing of it may remain. */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(kill(-pid, 0), -1);
}

static void test_nginx_serves_http_and_both_https_ports_and_stops_with_its_workers(void **state)
{
    (void)state;
    test_server_t s;
    assert_int_equal(test_server_start(&s, TEST_SERVER_NGINX, docroot), OTA_OK);
    assert_true(s.port > 0 && s.tls_port > 0 && s.tls_self_port > 0);
    expect_hello(s.url, NULL);
    expect_hello(s.tls_url, s.ca_file);
    expect_hello(s.tls_self_url, s.self_cert); /* the self-signed cert is its own CA */
    pid_t pid = s.pid;
    char dir[TEST_SERVER_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", s.dir);
    assert_int_equal(test_server_stop(&s), OTA_OK);
    expect_gone(pid);
    assert_int_equal(access(dir, F_OK), -1); /* its private directory is removed */
    assert_int_equal(s.pid, 0);
}

static void test_python_http_server_serves_the_docroot_and_stops(void **state)
{
    (void)state;
    test_server_t s;
    assert_int_equal(test_server_start(&s, TEST_SERVER_PY_HTTP, docroot), OTA_OK);
    assert_int_equal(s.tls_port, 0);
    assert_string_equal(s.tls_url, "");
    expect_hello(s.url, NULL);
    pid_t pid = s.pid;
    assert_int_equal(test_server_stop(&s), OTA_OK);
    expect_gone(pid);
}

static void test_two_servers_run_side_by_side_on_different_ports(void **state)
{
    (void)state;
    test_server_t a, b;
    assert_int_equal(test_server_start(&a, TEST_SERVER_BAD, docroot), OTA_OK);
    assert_int_equal(test_server_start(&b, TEST_SERVER_BAD, docroot), OTA_OK);
    assert_int_not_equal(a.port, b.port);
    expect_hello(a.url, NULL);
    expect_hello(b.url, NULL);
    assert_int_equal(test_server_stop(&a), OTA_OK);
    expect_hello(b.url, NULL);
    assert_int_equal(test_server_stop(&b), OTA_OK);
}

static void test_start_refuses_a_missing_docroot(void **state)
{
    (void)state;
    test_server_t s;
    assert_int_equal(test_server_start(&s, TEST_SERVER_PY_HTTP, "/nonexistent/sysota-docroot"), OTA_ERR_INVALID_ARG);
    assert_int_equal(s.pid, 0);
}

static void test_bad_server_exits_by_itself_after_its_time_limit(void **state)
{
    (void)state;
    char script[2 * TEST_SERVER_PATH_MAX], port_file[2 * TEST_SERVER_PATH_MAX];
    char dir[TEST_SERVER_PATH_MAX];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "limit"), OTA_OK);
    snprintf(script, sizeof script, "%s/tests/support/bad_server.py", test_source_dir());
    snprintf(port_file, sizeof port_file, "%s/port", dir);
    char *argv[] = { "/usr/bin/python3", script, "--docroot", docroot, "--port-file", port_file, "--limit", "1", NULL };
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ), 0);
    /* Nobody stops it: waiting for it to end is the test (CTest's timeout
     * would catch a server that never goes). */
    int st = 0;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    test_tmpdir_remove(dir);
    assert_int_equal(r, pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_make_test_ca_signs_a_server_certificate_and_a_separate_self_signed_one(void **state)
{
    (void)state;
    char dir[TEST_SERVER_PATH_MAX], cmd[4 * TEST_SERVER_PATH_MAX];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "ca"), OTA_OK);
    snprintf(cmd, sizeof cmd, "%s/tests/support/make_test_ca.sh %s/out", test_source_dir(), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "openssl verify -CAfile %s/out/ca.crt %s/out/server.crt >/dev/null 2>&1", dir, dir);
    int ok = system(cmd);
    snprintf(cmd, sizeof cmd, "openssl verify -CAfile %s/out/ca.crt %s/out/self.crt >/dev/null 2>&1", dir, dir);
    int wrong = system(cmd);
    snprintf(cmd, sizeof cmd,
             "openssl x509 -in %s/out/server.crt -noout -ext subjectAltName 2>/dev/null"
             " | grep -q 'IP Address:127.0.0.1, DNS:localhost'",
             dir);
    int san = system(cmd);
    test_tmpdir_remove(dir);
    assert_int_equal(ok, 0);
    assert_int_not_equal(wrong, 0);
    assert_int_equal(san, 0);
}

/* Run "serve.sh start" and return the first line it printed. */
static void serve_start(const char *env, const char *state_dir, char *url, size_t cap)
{
    char cmd[4 * TEST_SERVER_PATH_MAX];
    snprintf(cmd, sizeof cmd, "%s %s/tests/support/serve.sh start %s %s", env, test_source_dir(), docroot, state_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *line = fgets(url, (int)cap, p);
    int st = pclose(p);
    assert_non_null(line);
    assert_int_equal(st, 0);
    url[strcspn(url, "\r\n")] = '\0';
}

static pid_t read_pid(const char *state_dir)
{
    char path[2 * TEST_SERVER_PATH_MAX];
    snprintf(path, sizeof path, "%s/pid", state_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int pid = 0;
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    return (pid_t)pid;
}

/* True while pid runs. A detached server is not our child: once it has
 * exited, its new parent may take a while to reap it, so a zombie is gone. */
static int running(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return kill(pid, 0) == 0;
    }
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    const char *paren = ok != NULL ? strrchr(line, ')') : NULL;
    return paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static void serve_stop(const char *state_dir, pid_t pid)
{
    char cmd[2 * TEST_SERVER_PATH_MAX];
    assert_true(running(pid));
    snprintf(cmd, sizeof cmd, "%s/tests/support/serve.sh stop %s", test_source_dir(), state_dir);
    assert_int_equal(system(cmd), 0);
    assert_false(running(pid));
}

static void test_serve_sh_with_nginx_prints_a_url_serves_https_and_stops(void **state)
{
    (void)state;
    if (!test_server_have_nginx()) {
        skip();
    }
    char dir[TEST_SERVER_PATH_MAX], url[TEST_SERVER_URL_MAX], path[2 * TEST_SERVER_PATH_MAX];
    char https_url[TEST_SERVER_URL_MAX] = "";
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "serve"), OTA_OK);
    serve_start("", dir, url, sizeof url);
    pid_t pid = read_pid(dir);
    assert_true(strncmp(url, "http://127.0.0.1:", 17) == 0);
    expect_hello(url, NULL);
    snprintf(path, sizeof path, "%s/https_url", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(https_url, sizeof https_url, f));
    fclose(f);
    https_url[strcspn(https_url, "\r\n")] = '\0';
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    expect_hello(https_url, path);
    serve_stop(dir, pid);
    test_tmpdir_remove(dir);
}

static void test_serve_sh_with_python_prints_a_url_and_stops(void **state)
{
    (void)state;
    char dir[TEST_SERVER_PATH_MAX], url[TEST_SERVER_URL_MAX];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "serve"), OTA_OK);
    serve_start("SYSOTA_SERVER=python", dir, url, sizeof url);
    pid_t pid = read_pid(dir);
    expect_hello(url, NULL);
    serve_stop(dir, pid);
    test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nginx_serves_http_and_both_https_ports_and_stops_with_its_workers),
        cmocka_unit_test(test_python_http_server_serves_the_docroot_and_stops),
        cmocka_unit_test(test_two_servers_run_side_by_side_on_different_ports),
        cmocka_unit_test(test_start_refuses_a_missing_docroot),
        cmocka_unit_test(test_bad_server_exits_by_itself_after_its_time_limit),
        cmocka_unit_test(test_make_test_ca_signs_a_server_certificate_and_a_separate_self_signed_one),
        cmocka_unit_test(test_serve_sh_with_nginx_prints_a_url_serves_https_and_stops),
        cmocka_unit_test(test_serve_sh_with_python_prints_a_url_and_stops),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
