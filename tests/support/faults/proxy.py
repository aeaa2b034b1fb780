"""A fault-injecting HTTP proxy in front of the local moto server, for reliability campaigns.

Every AWS call of the product goes through it unchanged, except the ones a seeded schedule picks:
those are answered as AWS answers under stress (throttling, 500, 503), or the connection is reset
before the call reaches the server, or the call reaches the server (and takes effect) but the
answer never comes back within the client's read timeout. The proxy keeps the order of every call
that reached the server, so a campaign can check what happened before what (say, no revoke before
its backup was stored).
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sgcompliance.local.server.moto_server import LOOPBACK
from support.faults.schedule import (
    NO_FAULTS,
    Call,
    Delivered,
    FaultKind,
    FaultSchedule,
)

# (status, error code) per fault, per protocol family; the bodies are AWS's own shapes.
_EC2_CODES = {
    FaultKind.THROTTLE: (503, "RequestLimitExceeded"),
    FaultKind.SERVER_ERROR: (500, "InternalError"),
    FaultKind.UNAVAILABLE: (503, "Unavailable"),
}
_QUERY_CODES = {
    FaultKind.THROTTLE: (400, "Throttling"),
    FaultKind.SERVER_ERROR: (500, "InternalFailure"),
    FaultKind.UNAVAILABLE: (503, "ServiceUnavailable"),
}
_S3_CODES = {
    FaultKind.THROTTLE: (503, "SlowDown"),
    FaultKind.SERVER_ERROR: (500, "InternalError"),
    FaultKind.UNAVAILABLE: (503, "ServiceUnavailable"),
}
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
)
# The proxy's own answer carries these already.
_OWN_HEADERS = frozenset({"content-length", "date", "server"})


def error_document(service: str, kind: FaultKind) -> tuple[int, str, bytes]:
    """(status, content type, body) of AWS's answer for a throttled or failed call."""
    message = f"injected {kind.value}"
    if service == "ec2":
        status, code = _EC2_CODES[kind]
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>fault-{kind.value}</RequestID></Response>"
        )
        return status, "text/xml", body.encode()
    if service == "s3":
        status, code = _S3_CODES[kind]
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return status, "application/xml", body.encode()
    status, code = _QUERY_CODES[kind]
    body = (
        f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    )
    return status, "text/xml", body.encode()


def describe_call(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Call:
    service = _service(headers.get("Authorization", ""))
    params: dict[str, str] = {}
    content_type = headers.get("Content-Type", "")
    if method == "POST" and "x-www-form-urlencoded" in content_type:
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    target = headers.get("X-Amz-Target", "")
    if "Action" in params:
        operation = params["Action"]
    elif target:
        operation = target.rsplit(".", 1)[-1]
    else:
        operation = f"{method} {urlsplit(path).path}"
    return Call(service, operation, path, params)


def _service(authorization: str) -> str:
    # "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, ..."
    _, _, credential = authorization.partition("Credential=")
    parts = credential.split(",", 1)[0].split("/")
    return parts[3] if len(parts) > 3 else "unknown"


class FaultProxy:
    """The proxy, listening on 127.0.0.1 and a free port; `schedule` may be swapped between
    runs. `stall` is how long a TIMEOUT holds the connection: longer than the client's read
    timeout."""

    def __init__(self, upstream: str, *, stall: float = 2.0) -> None:
        self.upstream = urlsplit(upstream)
        self.stall = stall
        self.schedule = NO_FAULTS
        self.injected: Counter[FaultKind] = Counter()
        self.delivered: list[Delivered] = []
        self._lock = threading.Lock()
        self._sequence = 0
        self._server = _QuietServer((LOOPBACK, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def clear(self, schedule: FaultSchedule = NO_FAULTS) -> None:
        """Forget what was seen, and follow `schedule` from now on."""
        with self._lock:
            self.schedule = schedule
            self.injected.clear()
            self.delivered.clear()

    def follow(self, schedule: FaultSchedule) -> None:
        """Follow `schedule` from now on, keeping what was seen."""
        with self._lock:
            self.schedule = schedule

    def next_position(self) -> int:
        with self._lock:
            self._sequence += 1
            return self._sequence

    def count(self, kind: FaultKind) -> None:
        with self._lock:
            self.injected[kind] += 1

    def record(self, delivered: Delivered) -> None:
        with self._lock:
            self.delivered.append(delivered)

    def forward(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Any:
        """Send the request to the server; (status, headers, body) of its answer."""
        host = self.upstream.hostname or LOOPBACK
        connection = http.client.HTTPConnection(host, self.upstream.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        # A client that gave up (its read timeout) or a reset the proxy made on purpose.
        return None


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        owner = proxy

    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add tens of milliseconds to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - no access log
        return None

    # The names http.server dispatches on.
    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()

    def do_DELETE(self) -> None:
        self._relay()

    def do_HEAD(self) -> None:
        self._relay()

    def _relay(self) -> None:
        body = self._body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        call = describe_call(self.command, self.path, headers, body)
        fault = self.owner.schedule.decide(call)
        if fault is not None:
            self.owner.count(fault)
        if fault is FaultKind.RESET:
            self._reset()
            return
        if fault is not None and fault is not FaultKind.TIMEOUT:
            self._answer(*_as_response(error_document(call.service, fault)))
            return
        sent = self.owner.next_position()
        try:
            status, answer_headers, answer = self.owner.forward(
                self.command, self.path, headers, body
            )
        except OSError:  # the server itself dropped the call: the client sees a reset
            self._reset()
            return
        self.owner.record(Delivered(call, status, sent, self.owner.next_position(), fault))
        if fault is FaultKind.TIMEOUT:
            time.sleep(self.owner.stall)
            self._reset()
            return
        self._answer(status, answer_headers, answer)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP | _OWN_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        # SO_LINGER 0: close() sends RST, which the client sees as a connection reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _as_response(document: tuple[int, str, bytes]) -> tuple[int, list[tuple[str, str]], bytes]:
    status, content_type, body = document
    return status, [("Content-Type", content_type)], body
