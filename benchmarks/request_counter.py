"""A counting HTTP proxy on 127.0.0.1 in front of the local AWS.

    .venv/bin/python benchmarks/request_counter.py --upstream http://127.0.0.1:PORT

prints its own endpoint on the first line of standard output and forwards every request to the
upstream server until it is terminated. Every tool under measurement is pointed at it, so that
each tool's AWS requests are counted the same way, at the wire, whatever SDK hooks it has or
lacks. A request is named `service:Operation`: the service from the SigV4 credential scope, the
operation from the query protocol's `Action` (EC2, STS, IAM) or the JSON protocol's
`X-Amz-Target`, or `METHOD /first-path-segment` for REST protocols.

Counts are kept per phase, a label the measuring side sets before each run:

    POST /__counter__/phase   body: the phase name    (later requests count under it)
    GET  /__counter__         {phase: {operation: [requests, upstream seconds, response bytes]}}

The upstream seconds are how long the local AWS took to answer (as seen from the proxy): its own
cost, which a real AWS would not charge to the client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONTROL = "/__counter__"
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
})  # fmt: skip
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request")

Counts = dict[str, dict[str, list[float]]]


def operation(method: str, path: str, headers: Any, body: bytes) -> str:
    """`service:Operation` of one AWS request (see the module docstring)."""
    scope = _SCOPE.search(headers.get("Authorization", ""))
    service = scope.group(2) if scope else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    content_type = headers.get("Content-Type", "")
    if method == "POST" and "x-www-form-urlencoded" in content_type:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return f"{service}:{action[0]}"
    first = urlsplit(path).path.strip("/").split("/", 1)[0]
    return f"{service}:{method} /{first}"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "-"
        self.counts: Counts = {}

    def add(self, op: str, seconds: float, size: int) -> None:
        with self.lock:
            row = self.counts.setdefault(self.phase, {}).setdefault(op, [0, 0.0, 0])
            row[0] += 1
            row[1] += seconds
            row[2] += size


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.tally = Tally()


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the clients' connections open, as they would be to AWS.
    protocol_version = "HTTP/1.1"
    # A response written in two sends behind Nagle's algorithm waits for the client's delayed
    # ACK (about 40 ms on Linux): a tool sending requests one by one would pay it every time.
    disable_nagle_algorithm = True
    server: Proxy

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a line per request would cost more than the forwarding."""

    def do_GET(self) -> None:
        self.handle_one()

    def do_POST(self) -> None:
        self.handle_one()

    def do_PUT(self) -> None:
        self.handle_one()

    def do_DELETE(self) -> None:
        self.handle_one()

    def do_HEAD(self) -> None:
        self.handle_one()

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_one(self) -> None:
        body = self.read_body()
        if self.path.startswith(CONTROL):
            self.control(body)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body or self.command in ("POST", "PUT"):
            headers["Content-Length"] = str(len(body))
        start = time.perf_counter()
        status, reason, answer_headers, data = self.forward(headers, body)
        self.server.tally.add(
            operation(self.command, self.path, self.headers, body),
            time.perf_counter() - start,
            len(data),
        )
        lines = [f"{self.protocol_version} {status} {reason}"]
        lines += [f"{n}: {v}" for n, v in answer_headers if n.lower() not in HOP_BY_HOP]
        lines.append(f"Content-Length: {len(data)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One send for the whole answer, for the same reason as disable_nagle_algorithm.
        self.wfile.write(head + (data if self.command != "HEAD" else b""))

    def forward(
        self, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        # One upstream connection per client connection (this thread), reused while it lives.
        for attempt in (1, 2):
            connection = getattr(self, "_upstream", None)
            if connection is None:
                connection = http.client.HTTPConnection(*self.server.upstream, timeout=600)
                connection.connect()
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._upstream = connection
            try:
                connection.request(self.command, self.path, body, headers)
                answer = connection.getresponse()
                return answer.status, answer.reason, answer.getheaders(), answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection before reading the request: the
                # request was not handled, so sending it again on a new connection is safe.
                connection.close()
                self._upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def control(self, body: bytes) -> None:
        tally = self.server.tally
        if self.command == "POST" and self.path == f"{CONTROL}/phase":
            with tally.lock:
                tally.phase = body.decode() or "-"
            answer = b"{}"
        else:
            with tally.lock:
                answer = json.dumps(tally.counts).encode()
        self.send_response_only(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class CounterClient:
    """The measuring side's handle on a running proxy."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def phase(self, name: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}{CONTROL}/phase", data=name.encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def counts(self) -> Counts:
        with urllib.request.urlopen(f"{self.endpoint}{CONTROL}", timeout=30) as answer:
            counts: Counts = json.loads(answer.read())
            return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", required=True, help="the local AWS, http://127.0.0.1:PORT")
    args = parser.parse_args(argv)
    proxy = Proxy(args.upstream)
    host, port = proxy.server_address[:2]
    print(f"http://{host!s}:{port}", flush=True)
    proxy.serve_forever(poll_interval=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
