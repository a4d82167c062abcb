#!/usr/bin/python3
"""A deliberately misbehaving HTTP/1.0 server for sysota's transport and
service tests. Standard library only; binds 127.0.0.1.

Usage:
  bad_server.py --docroot DIR (--port N | --port-file PATH)
                [--mode MODE] [--limit SECONDS] [--verbose]

--port 0 (the default) asks the kernel for a free port; --port-file then
receives the port number once the socket listens (written to PATH.tmp and
renamed, so a reader never sees half a number). The process exits by itself
after --limit seconds (default 60) even if nobody stops it, so a crashed test
cannot leave it behind.

Modes, chosen per request by the first path segment, or for every request by
--mode (the whole path then names the file):

  /FILE                   serve DOCROOT/FILE (200, or 206 for "Range: bytes=N-")
  /cut/FILE[?after=N]     Content-Length of the whole file, then only the first N
                          bytes (default: half), then close
  /stall/FILE[?after=N&hold=S]
                          headers and the first N bytes (default: half), then
                          silence for S seconds (default: until --limit)
                          without closing
  /silent/FILE[?hold=S]   accept the request, never answer, keep the socket open
  /slow/FILE[?chunk=B&delay=MS]
                          the whole file, B bytes (default 1024) every MS
                          milliseconds (default 50)
  /status/CODE[/FILE]     answer CODE (e.g. 404, 500); the body is FILE if
                          given, else a short text
  /drop/FILE              close the connection without any answer
  /reset/FILE[?after=N]   headers and N bytes (default: half), then a TCP reset
  /redirect/PATH          302 with "Location: /PATH" (PATH may itself be a mode)

Any request may add response headers with ?h=NAME:VALUE (repeatable), e.g.
/status/503?h=Retry-After:120 or /FILE?h=ETag:"v1": they go with whatever
the mode answers; a redirect keeps them to itself (its Location carries the
other query parameters only).

A "status:CODE" mode on the command line is the same as /status/CODE/PATH;
"redirect" is only accepted in a path.
Every request is logged to stderr with --verbose.
"""

import argparse
import http.server
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

MODES = ("cut", "stall", "silent", "slow", "status", "drop", "reset", "redirect")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "sysota-bad-server/1"
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("bad_server: " + (fmt % args) + "\n")

    # -- helpers ---------------------------------------------------------

    def _file(self, rel):
        """Bytes of DOCROOT/rel, or None when it is missing or escapes the root."""
        root = os.path.realpath(self.server.docroot)
        path = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if path != root and not path.startswith(root + os.sep):
            return None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _headers(self, code, length, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        for name, value in list(extra) + getattr(self, "asked_headers", []):
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def _not_found(self):
        body = b"not found\n"
        self._headers(404, len(body))
        self.wfile.write(body)

    def _hold(self, seconds):
        """Keep the connection open and silent, bounded by the server's limit."""
        end = min(time.monotonic() + seconds, self.server.deadline)
        while time.monotonic() < end:
            time.sleep(0.05)

    @staticmethod
    def _int(query, key, default):
        try:
            return int(query.get(key, [default])[0])
        except ValueError:
            return default

    # -- request ---------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = urllib.parse.unquote(url.path)
        self.asked_headers = [tuple(h.split(":", 1)) for h in query.get("h", []) if ":" in h]

        if self.server.mode:
            mode = self.server.mode
            rest = path
        else:
            parts = path.lstrip("/").split("/", 1)
            if parts[0] in MODES:
                mode = parts[0]
                rest = parts[1] if len(parts) > 1 else ""
            else:
                mode, rest = None, path

        if mode is not None and mode.startswith("status"):
            # "status:500" on the command line, /status/500[/FILE] in a path.
            if ":" in mode:
                code_text, rel = mode.split(":", 1)[1], rest
            else:
                code_text, _, rel = rest.lstrip("/").partition("/")
            try:
                code = int(code_text)
            except ValueError:
                code = 500
            body = self._file(rel) if rel else None
            if body is None:
                body = ("status %d\n" % code).encode()
            self._headers(code, len(body))
            self.wfile.write(body)
            return

        if mode == "redirect":
            body = b"moved\n"
            target = "/" + rest.lstrip("/")
            # The asked headers go with this answer only, not the target's.
            kept = [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "h"]
            if kept:
                target += "?" + urllib.parse.urlencode(kept)
            self._headers(302, len(body), [("Location", target)])
            self.wfile.write(body)
            return
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "silent":
            self._hold(self._int(query, "hold", self.server.limit))
            return

        data = self._file(rest)
        if data is None:
            self._not_found()
            return
        after = self._int(query, "after", len(data) // 2)
        after = max(0, min(after, len(data)))

        if mode == "cut":
            self._headers(200, len(data))
            self.wfile.write(data[:after])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self._headers(200, len(data))
            self.wfile.write(data[:after])
            self.wfile.flush()
            self._hold(self._int(query, "hold", self.server.limit))
            return
        if mode == "reset":
            self._headers(200, len(data))
            self.wfile.write(data[:after])
            self.wfile.flush()
            # SO_LINGER with a zero timeout turns close() into a RST.
            # close() here, before the server's own shutdown(SHUT_WR) could
            # send a FIN that the client would read as a clean end.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if mode == "slow":
            chunk = max(1, self._int(query, "chunk", 1024))
            delay = max(0, self._int(query, "delay", 50)) / 1000.0
            self._headers(200, len(data))
            for off in range(0, len(data), chunk):
                if time.monotonic() > self.server.deadline:
                    return
                self.wfile.write(data[off:off + chunk])
                self.wfile.flush()
                time.sleep(delay)
            return

        # Plain file, with just enough Range support for resume tests.
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-") and rng[6:-1].isdigit():
            start = int(rng[6:-1])
            if start >= len(data):
                self._headers(416, 0, [("Content-Range", "bytes */%d" % len(data))])
                return
            self._headers(206, len(data) - start,
                          [("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
            self.wfile.write(data[start:])
            return
        self._headers(200, len(data))
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True   # stalled handlers must not keep the process alive
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="misbehaving HTTP server for tests")
    ap.add_argument("--docroot", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--mode", default=None)
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if args.mode is not None:
        base = args.mode.split(":", 1)[0]
        if base not in MODES or base == "redirect":  # redirect: per path only, or it loops
            ap.error("unknown mode %r" % args.mode)

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.docroot = args.docroot
    srv.mode = args.mode
    srv.limit = args.limit
    srv.verbose = args.verbose
    srv.deadline = time.monotonic() + args.limit

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)

    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    # The bound on our life does not depend on anyone remembering to stop us.
    while time.monotonic() < srv.deadline:
        time.sleep(0.1)
    os._exit(0)


if __name__ == "__main__":
    main()
