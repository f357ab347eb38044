#!/usr/bin/python3
"""fault-proxy.py: an HTTP/1.1 proxy for the registry tests, between a client
and a plain-HTTP registry, that injects the faults its arguments ask for and
passes everything else through unchanged (the Host header too, so the
registry's Location URLs name the proxy).

    fault-proxy.py --upstream HOST:PORT [--port N] [--port-file FILE] [--log FILE]
                   [--drop-blob-body N] [--fail-503 M] [--rate KIB]

  --upstream HOST:PORT  the registry (plain HTTP)
  --port N              listen on 127.0.0.1:N (default 0: a free port the
                        kernel picks); the port is written to --port-file
                        (atomically, once listening) and to the log
  --drop-blob-body N    the Nth request that carries a blob upload body (a PATCH
                        or PUT under /v2/.../blobs/uploads/ with a non-empty
                        body, counted from 1): half of its body (half of its first
                        chunk when chunked) is passed on, then both connections
                        are reset; the registry sees the body end early, the
                        client gets no answer. Once.
  --fail-503 M          the Mth request (all requests counted from 1) is answered
                        503 UNAVAILABLE (the registry's JSON error form, with
                        Connection: close) and not passed on. Once.
  --rate KIB            blob upload bodies pass at most KIB KiB/s (slows a push
                        down, so that a test can stop the registry in its middle)
  --log FILE            where the log goes (default: standard error)

Log, one line per request, flushed at once:
    #K METHOD PATH -> STATUS                 passed through
    #K METHOD PATH -> 503 injected (fail-503 M)
    #K METHOD PATH -> dropped after B of T body bytes (drop-blob-body N)
PATH without its query string. Headers (Authorization) are never logged.
Stops on SIGTERM or SIGINT.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

BUF = 65536


class Faults:
    def __init__(self, a, log):
        self.drop_n = a.drop_blob_body
        self.fail_m = a.fail_503
        self.rate = a.rate * 1024
        self.lock = threading.Lock()
        self.requests = 0
        self.blob_bodies = 0
        self.log_file = log

    def log(self, line):
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def count(self, is_blob_body):
        """The request's number, and what to do with it: 'pass', '503', 'drop'."""
        with self.lock:
            self.requests += 1
            k = self.requests
            if self.fail_m and k == self.fail_m:
                return k, "503"
            if is_blob_body:
                self.blob_bodies += 1
                if self.drop_n and self.blob_bodies == self.drop_n:
                    return k, "drop"
            return k, "pass"


class Closed(Exception):
    pass


def read_head(rf):
    """Start line and header list, or None at a clean end of stream."""
    line = rf.readline(65537)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise Closed()
    start = line.rstrip(b"\r\n").decode("latin-1")
    if not (start.endswith(("HTTP/1.1", "HTTP/1.0")) or start.startswith("HTTP/1.")):
        raise Closed("not an HTTP/1 request or response (TLS?)")
    headers = []
    while True:
        h = rf.readline(65537)
        if not h or not h.endswith(b"\n"):
            raise Closed()
        h = h.rstrip(b"\r\n")
        if not h:
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    return start, headers


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def encode_head(start, headers):
    return ("\r\n".join([start] + ["%s: %s" % kv for kv in headers]) + "\r\n\r\n").encode("latin-1")


def read_exact(rf, n):
    b = rf.read(n)
    if len(b) != n:
        raise Closed()
    return b


class Body:
    """Copies a message body from rf to out (a callable), by its framing;
    stop_after: copy that many payload bytes, then raise Dropped."""

    def __init__(self, headers, rate=0):
        te = (header(headers, "transfer-encoding") or "").lower()
        cl = header(headers, "content-length")
        self.chunked = "chunked" in te
        self.length = int(cl) if (cl is not None and not self.chunked) else None
        self.rate = rate
        self.sent = 0
        self.t0 = time.monotonic()

    def nonempty(self):
        return self.chunked or (self.length or 0) > 0

    def _pace(self, n):
        self.sent += n
        if self.rate:
            ahead = self.sent / self.rate - (time.monotonic() - self.t0)
            if ahead > 0:
                time.sleep(ahead)

    def copy(self, rf, out, stop_after=None):
        if self.chunked:
            first = True
            while True:
                line = rf.readline(1024)
                if not line.endswith(b"\n"):
                    raise Closed()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if first and stop_after == "half":
                    stop_after = size // 2
                first = False
                if size == 0:
                    out(line)
                    while True:  # trailers, then the empty line
                        t = rf.readline(65537)
                        if not t.endswith(b"\n"):
                            raise Closed()
                        out(t)
                        if t in (b"\r\n", b"\n"):
                            return
                out(line)
                self._data(rf, out, size, stop_after)
                out(read_exact(rf, 2))
        elif self.length:
            if stop_after == "half":
                stop_after = self.length // 2
            self._data(rf, out, self.length, stop_after)

    def _data(self, rf, out, n, stop_after):
        while n > 0:
            want = min(n, BUF)
            if stop_after is not None:
                want = min(want, stop_after - self.sent)
                if want <= 0:
                    raise Dropped(self.sent)
            b = read_exact(rf, want)
            out(b)
            n -= len(b)
            self._pace(len(b))


class Dropped(Exception):
    def __init__(self, sent):
        self.sent = sent


def reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def serve_client(client, upstream, faults):
    rf = client.makefile("rb", buffering=BUF)
    try:
        while True:
            head = read_head(rf)
            if head is None:
                return
            start, headers = head
            method, path = (start.split(" ") + ["", ""])[:2]
            shown = path.split("?")[0]
            body = Body(headers)
            is_blob = method in ("PATCH", "PUT") and "/blobs/uploads/" in path and body.nonempty()
            k, action = faults.count(is_blob)
            expect = (header(headers, "expect") or "").lower() == "100-continue"
            headers = [(h, v) for h, v in headers if h.lower() not in ("expect", "connection")]
            close_after = "close" in (header(head[1], "connection") or "").lower()

            if action == "503":
                if not expect:
                    body.copy(rf, lambda b: None)
                msg = b'{"errors":[{"code":"UNAVAILABLE","message":"service unavailable (fault-proxy)","detail":null}]}\n'
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(msg), msg)
                )
                faults.log("#%d %s %s -> 503 injected (fail-503 %d)" % (k, method, shown, faults.fail_m))
                client.shutdown(socket.SHUT_WR)
                client.settimeout(2)
                try:
                    while client.recv(BUF):
                        pass
                except OSError:
                    pass
                return

            up = socket.create_connection(upstream)
            try:
                up.sendall(encode_head(start, headers + [("Connection", "close")]))
                if expect:
                    client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                if is_blob:
                    body.rate = faults.rate
                try:
                    body.copy(rf, up.sendall, "half" if action == "drop" else None)
                except Dropped as d:
                    total = body.length if body.length is not None else "?"
                    faults.log(
                        "#%d %s %s -> dropped after %d of %s body bytes (drop-blob-body %d)"
                        % (k, method, shown, d.sent, total, faults.drop_n)
                    )
                    reset(up)
                    reset(client)
                    return
                urf = up.makefile("rb", buffering=BUF)
                rhead = read_head(urf)
                if rhead is None:
                    raise Closed()
                rstart, rheaders = rhead
                status = int(rstart.split(" ")[1])
                rbody = Body(rheaders)
                until_close = (
                    method != "HEAD"
                    and status not in (204, 304)
                    and status >= 200
                    and not rbody.chunked
                    and rbody.length is None
                )
                rheaders = [(h, v) for h, v in rheaders if h.lower() != "connection"]
                if until_close or close_after:
                    rheaders.append(("Connection", "close"))
                client.sendall(encode_head(rstart, rheaders))
                if until_close:
                    while True:
                        b = urf.read1(BUF)
                        if not b:
                            break
                        client.sendall(b)
                elif method != "HEAD" and status not in (204, 304):
                    rbody.copy(urf, client.sendall)
                faults.log("#%d %s %s -> %d" % (k, method, shown, status))
                if until_close or close_after:
                    return
            finally:
                up.close()
    except (Closed, OSError, ValueError) as e:
        faults.log("connection ended: %s %s" % (type(e).__name__, e))
    finally:
        try:
            client.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--drop-blob-body", type=int, default=0)
    p.add_argument("--fail-503", type=int, default=0)
    p.add_argument("--rate", type=int, default=0)
    a = p.parse_args()
    host, _, port = a.upstream.rpartition(":")
    upstream = (host, int(port))
    log = open(a.log, "a") if a.log else sys.stderr
    faults = Faults(a, log)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(64)
    port = srv.getsockname()[1]
    faults.log(
        "fault-proxy 127.0.0.1:%d -> %s drop-blob-body=%d fail-503=%d rate=%d"
        % (port, a.upstream, a.drop_blob_body, a.fail_503, a.rate)
    )
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve_client, args=(c, upstream, faults), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
