"""An endpoint that is partly not AWS: an HTTP server on 127.0.0.1 that passes every call on to
the local moto server, except the calls a rule picks (by service, region and action), which it
answers itself with a canned answer: a web server's HTML page, garbage, or an AWS error.

It stands for what a scan meets in the wild: a proxy or a captive portal in front of one
endpoint, a region that answers throttling past every retry, or AWS answering two describe calls
inconsistently.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sgcompliance.local.server.moto_server import LOOPBACK

_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade"})


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    # Other headers (a forwarded answer keeps the upstream's, its request id among them).
    headers: tuple[tuple[str, str], ...] = ()


HTML_404 = Answer(
    404,
    "text/html; charset=utf-8",
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
    b"<body><h1>Not Found</h1><script>alert(1)</script></body></html>\n",
)
HTML_200 = Answer(200, "text/html", b"<html><body>Welcome to the hotel network</body></html>")
GARBAGE_200 = Answer(200, "application/octet-stream", b"\xff\xfe\x00\x01garbage\x00")
THROTTLED = Answer(
    503,
    "text/xml;charset=UTF-8",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
    b"<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
    b"</Error></Errors><RequestID>req-throttled</RequestID></Response>",
)
NO_RULES = Answer(
    200,
    "text/xml;charset=UTF-8",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSecurityGroupRulesResponse '
    b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-no-rules</requestId>'
    b"<securityGroupRuleSet/></DescribeSecurityGroupRulesResponse>",
)


@dataclass(frozen=True, slots=True)
class Pick:
    """The calls to answer: a service and region, and optionally one action (query protocol)."""

    service: str
    region: str
    action: str | None = None


def _target(headers: Mapping[str, str], body: bytes) -> tuple[str, str, str]:
    """(service, region, action) of a signed AWS call."""
    found = _CREDENTIAL.search(headers.get("Authorization", ""))
    region, service = found.groups() if found else ("", "")
    form = parse_qs(body.decode("utf-8", "replace"))
    action = (form.get("Action") or [""])[0] or headers.get("X-Amz-Target", "")
    return service, region, action


class ForeignEndpoint:
    """Started by `foreign_endpoint`; `calls` counts the answers it gave itself."""

    def __init__(self, upstream: str, answers: Mapping[Pick, Answer]) -> None:
        self.upstream = urlsplit(upstream)
        self.answers = dict(answers)
        self.calls = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self.server.daemon_threads = True

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.server.server_address[1]}"

    def answer_for(self, headers: Mapping[str, str], body: bytes) -> Answer | None:
        service, region, action = _target(headers, body)
        for pick, answer in self.answers.items():
            if (pick.service, pick.region) == (service, region) and pick.action in (None, action):
                with self._lock:
                    self.calls += 1
                return answer
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_request(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                canned = endpoint.answer_for(headers, body)
                if canned is None:
                    canned = endpoint.forward(self.command, self.path, headers, body)
                self.send_response(canned.status)
                for key, value in canned.headers:
                    self.send_header(key, value)
                self.send_header("Content-Type", canned.content_type)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_request  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                del format, args  # quiet: the test output is the product's

        return Handler

    def forward(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        host = self.upstream.hostname or LOOPBACK
        conn = http.client.HTTPConnection(host, self.upstream.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            own = {"content-type", "content-length", "date", "server", *_HOP_BY_HOP}
            kept = tuple((k, v) for k, v in response.getheaders() if k.lower() not in own)
            return Answer(response.status, response.getheader("Content-Type", ""), data, kept)
        finally:
            conn.close()


@contextmanager
def foreign_endpoint(upstream: str, answers: Mapping[Pick, Answer]) -> Iterator[ForeignEndpoint]:
    """A started endpoint in front of `upstream`, stopped on exit."""
    endpoint = ForeignEndpoint(upstream, answers)
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.server.shutdown()
        endpoint.server.server_close()
        thread.join(timeout=5)
