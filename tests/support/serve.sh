#!/usr/bin/env bash
# serve.sh: a local HTTP(S) server for the demo and manual tests.
#
#   serve.sh start DOCROOT STATEDIR   prints the http:// base URL, runs in the background
#   serve.sh stop STATEDIR            stops it and waits until it is gone
#
# Uses nginx when installed (HTTP, plus HTTPS with a fresh test CA), else
# python3 -m http.server (HTTP only); SYSOTA_SERVER=python forces the latter.
# Binds 127.0.0.1 on free ports. STATEDIR receives:
#   pid        the server's PID        url        the http:// base URL
#   https_url  (nginx) https base URL  ca.crt     (nginx) the CA to trust for it
#   kind       nginx | python          *.log      the server's logs
# nginx also answers /rCODE/PATH (CODE 301, 302, 303, 307, 308) with a
# redirect to /PATH, on both ports, for trying a device behind redirects.
# Neither server sends validators (ETag, Last-Modified) nor answers 304:
# the demo and the simulator's tests rewrite a manifest several times a
# second, often to one of the same length, and both servers' validators are
# the file's modification second (and size), which such a rewrite keeps. A
# device would rightly take the new manifest for the one it saw; a real
# publisher does not rewrite that fast (docs/fleet.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # wait_port PORT: up to 60 s (only a hung server takes that long)
  local i
  for i in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "serve.sh: nothing listens on port $1" >&2
  return 1
}

find_nginx() {
  local n
  for n in /usr/sbin/nginx /usr/local/sbin/nginx "$(command -v nginx 2>/dev/null || true)"; do
    if [ -n "$n" ] && [ -x "$n" ]; then
      echo "$n"
      return 0
    fi
  done
  return 1
}

# nginx lines: /rCODE/PATH -> /PATH with that status (Location relative).
redirects() {
  local code
  echo "    absolute_redirect off;"
  for code in 301 302 303 307 308; do
    echo "    location ~ ^/r$code(/.*)\$ { return $code \$1\$is_args\$args; }"
  done
}

start() {
  local docroot state nginx port tls_port
  docroot=$(cd "$1" && pwd)
  mkdir -p "$2"
  state=$(cd "$2" && pwd)
  if [ -f "$state/pid" ] && alive "$(cat "$state/pid")"; then
    echo "serve.sh: already running (pid $(cat "$state/pid"))" >&2
    exit 1
  fi
  rm -f "$state/pid" "$state/url" "$state/https_url" "$state/ca.crt"
  port=$(free_port)

  if [ "${SYSOTA_SERVER:-}" != "python" ] && nginx=$(find_nginx); then
    tls_port=$(free_port)
    "$here/make_test_ca.sh" "$state/tls" >/dev/null
    mkdir -p "$state/tmp"
    {
      echo "daemon on; worker_processes 1;"
      if [ "$(id -u)" = 0 ]; then echo "user root;"; fi
      echo "pid $state/nginx.pid; error_log $state/error.log warn;"
      echo "events { worker_connections 256; }"
      echo "http {"
      echo "  access_log $state/access.log;"
      for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $state/tmp/$t;"; done
      echo "  types { application/json json; text/plain txt; text/html html; }"
      echo "  default_type application/octet-stream; sendfile on; tcp_nopush on;"
      echo "  etag off; if_modified_since off; add_header Last-Modified \"\";"
      echo "  server { listen 127.0.0.1:$port; root $docroot;"
      redirects
      echo "  }"
      echo "  server { listen 127.0.0.1:$tls_port ssl; root $docroot;"
      echo "    ssl_certificate $state/tls/server.crt; ssl_certificate_key $state/tls/server.key;"
      redirects
      echo "  }"
      echo "}"
    } >"$state/nginx.conf"
    # daemon on: nginx detaches and writes its master PID itself.
    "$nginx" -p "$state/" -c "$state/nginx.conf" >>"$state/server.log" 2>&1 </dev/null
    for _ in $(seq 1 1200); do
      [ -s "$state/nginx.pid" ] && break
      sleep 0.05
    done
    cp "$state/nginx.pid" "$state/pid"
    wait_port "$port"
    wait_port "$tls_port"
    cp "$state/tls/ca.crt" "$state/ca.crt"
    echo "https://127.0.0.1:$tls_port" >"$state/https_url"
    echo nginx >"$state/kind"
  else
    # python3 -m http.server, without its Last-Modified (see above).
    nohup "$PY" -c '
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def send_header(self, name, value):
        if name.lower() != "last-modified":
            super().send_header(name, value)
handler = functools.partial(Handler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()
' "$docroot" "$port" >>"$state/server.log" 2>&1 </dev/null &
    echo $! >"$state/pid"
    wait_port "$port"
    echo python >"$state/kind"
  fi
  echo "http://127.0.0.1:$port" >"$state/url"
  cat "$state/url"
}

# alive PID: true while the process runs. A zombie counts as gone: the
# detached server is not our child, and its new parent may reap it late.
alive() {
  local st
  if [ -r "/proc/$1/stat" ]; then
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
  else
    kill -0 "$1" 2>/dev/null
  fi
}

stop() {
  local state pid
  state=$1
  if [ ! -f "$state/pid" ]; then
    echo "serve.sh: no server in $state" >&2
    exit 1
  fi
  pid=$(cat "$state/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    alive "$pid" || break
    sleep 0.05
  done
  if alive "$pid"; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/pid"
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || { echo "usage: $0 start DOCROOT STATEDIR" >&2; exit 2; }
    start "$2" "$3"
    ;;
  stop)
    [ $# -eq 2 ] || { echo "usage: $0 stop STATEDIR" >&2; exit 2; }
    stop "$2"
    ;;
  *)
    echo "usage: $0 start DOCROOT STATEDIR | stop STATEDIR" >&2
    exit 2
    ;;
esac
