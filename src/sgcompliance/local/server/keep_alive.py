"""Keep-alive connections for the local AWS, as AWS's endpoints keep them.

werkzeug's development server ends every response with `Connection: close`, because Python's
`http.server` would read whatever body the application left unread as the next request (and
werkzeug itself reads what is left on the socket after answering). Here every read of a request
stops at the end of its declared body, and what the application left is read and dropped after
the response, so the connection can serve the next request. A body sent in chunks (its length
unknown up front) or one too large to drop cheaply still closes the connection, as werkzeug
does, and so does anything the handler cannot account for. Clients lose nothing either way:
an HTTP client that finds a connection closed opens another.

moto is imported only in the server process, so the class is made there (`handler_class`).
"""

from __future__ import annotations

import io
import socket
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import Message

# Unread body bytes dropped to keep a connection; past this the connection is closed instead.
MAX_DRAINED = 1 << 20
# Seconds an idle kept connection waits for its next request before its thread ends.
IDLE_SECONDS = 120.0


class CountedInput(io.BufferedIOBase):
    """A request body as the application reads it, counted, never past its declared length."""

    def __init__(self, stream: IO[bytes] | io.BufferedIOBase, length: int) -> None:
        super().__init__()
        self.stream = stream
        self.left = length

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.read(wanted) if wanted else b""
        self.left -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        wanted = self.left if size is None or size < 0 else min(size, self.left)
        data = self.stream.readline(wanted) if wanted else b""
        self.left -= len(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> bool:
        """Read what the application left; False when too much is left or the peer stopped."""
        if self.left > MAX_DRAINED:
            return False
        while self.left:
            if not self.read(min(self.left, 65536)):
                return False
        return True


@dataclass(slots=True)
class Framing:
    """What an answer declared of its body, and how much of one went out after its headers."""

    status: int = 0
    length: int | None = None
    chunked: bool = False
    head: bool = False
    headers_sent: bool = False
    sent: int = 0

    def declare(self, keyword: str, value: str) -> None:
        name = keyword.lower()
        if name == "content-length":
            self.length = int(value) if value.strip().isdigit() else None
        elif name == "transfer-encoding":
            self.chunked = "chunked" in value.lower()

    def complete(self) -> bool:
        """Whether the client can tell where the answer ends by what it declared: a body sent
        in chunks, none where none is due, or exactly the length declared. Anything else (an
        application that failed half way through its body, a length that is not the body's)
        ends the connection, as every answer did before."""
        if not self.headers_sent:
            return False
        if self.chunked:
            return True
        bodiless = self.head or 100 <= self.status < 200 or self.status in (204, 304)
        expected = 0 if bodiless else self.length
        return expected is not None and self.sent == expected


class CountedOutput(io.BufferedIOBase):
    """The connection's output, counting the answer's body bytes (those after its headers)."""

    def __init__(self, stream: io.BufferedIOBase, framing: Framing) -> None:
        super().__init__()
        self.stream = stream
        self.framing = framing

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.framing.headers_sent:
            self.framing.sent += len(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


def declared_length(headers: Message) -> int | None:
    """The body's length as its headers declare it, 0 without one; None when it cannot be known
    up front (sent in chunks, or a length that is not one)."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return None
    # Several lengths that differ leave the body's end unknown (werkzeug takes the last, a
    # drain by the first would eat into the next request): such a connection is closed.
    texts = set(headers.get_all("Content-Length") or ["0"])
    if len(texts) != 1:
        return None
    try:
        length = int(texts.pop())
    except ValueError:
        return None
    return length if length >= 0 else None


def handler_class() -> type[Any]:
    """moto's request handler, keeping its connections open where it safely can."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler  # noqa: PLC0415 - lazy: the server process only

    class KeepAliveRequestHandler(MotoRequestHandler):
        timeout = IDLE_SECONDS
        _kept = False
        _framing: Framing | None = None

        def setup(self) -> None:
            super().setup()
            # An answer goes out in several writes (status and headers, then the body): on a
            # kept connection, Nagle's algorithm would hold the last one for the client's
            # delayed acknowledgement, about 40 ms a request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_error(self, format: str, *args: Any) -> None:
            # A kept connection idle past `IDLE_SECONDS` ends with http.server's "Request timed
            # out": the end of a connection, as a client closing it is, not an error.
            if format.startswith("Request timed out"):
                return
            super().log_error(format, *args)

        def send_response(self, code: int, message: str | None = None) -> None:
            if self._framing is not None:
                self._framing.status = code
            super().send_response(code, message)

        def send_header(self, keyword: str, value: str) -> None:
            closing = keyword.lower() == "connection" and value.lower() == "close"
            if closing and self._kept:
                return  # kept open: the body is drained after the response
            if self._framing is not None:
                self._framing.declare(keyword, value)
            super().send_header(keyword, value)

        def end_headers(self) -> None:
            super().end_headers()
            if self._framing is not None:
                self._framing.headers_sent = True

        def run_wsgi(self) -> None:
            length = declared_length(self.headers)
            if length is None:
                super().run_wsgi()  # closed after the response, as werkzeug does
                return
            # While the request runs, its reads (the application's, and werkzeug's own read of
            # whatever is left once it has answered, meant for a connection about to close)
            # stop at the end of this request's body, never taking the next request's bytes.
            stream, body = self.rfile, CountedInput(self.rfile, length)
            output, framing = self.wfile, Framing(head=self.command == "HEAD")
            self.rfile, self._kept = body, True
            self.wfile, self._framing = CountedOutput(output, framing), framing
            try:
                super().run_wsgi()
            finally:
                self.rfile, self._kept = stream, False
                self.wfile, self._framing = output, None
                if not body.drain() or not framing.complete():
                    self.close_connection = True

    return KeepAliveRequestHandler
