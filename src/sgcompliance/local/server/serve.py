"""The process `moto_server.start` runs: moto's server, which also answers who it is.

It serves what `python -m moto.server` serves, plus one path, `IDENTITY_PATH`, answered with the
token the starting process passed in `IDENTITY_ENV`, and its event rules match arrays of objects
as EventBridge does (event_arrays.py). The readiness probe asks for that token:
another program that already held the port (another moto server, any HTTP server) cannot answer
it, so it is never taken for the server just started, seeded, or recorded.

Its connections stay open between requests, as AWS's endpoints keep them (`keep_alive`):
werkzeug's development server, under moto's, closes each one after its response, so every call
to the local AWS would pay a new connection, and a figure measured here would carry a cost no
call to AWS has.

Run as `python -m sgcompliance.local.server.serve -H HOST -p PORT`; moto and werkzeug (the
`local` extra) are imported only then.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterable, Sequence
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

IDENTITY_ENV = "SGC_LOCAL_IDENTITY"
IDENTITY_PATH = "/sgc-local/identity"
MODULE = "sgcompliance.local.server.serve"


def with_identity(app: WSGIApplication, identity: str) -> WSGIApplication:
    """`app`, except that `IDENTITY_PATH` answers `identity`."""
    body = identity.encode("ascii")

    def answer(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != IDENTITY_PATH:
            return app(environ, start_response)
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    return answer


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    identity = os.environ.pop(IDENTITY_ENV, "")
    # As `python -m moto.server` does: moto builds some URLs with the port; a signal ends the
    # process cleanly.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415 - lazy: only in the server process
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import run_simple  # noqa: PLC0415 - lazy: only in the server process

    from sgcompliance.local.server import event_arrays  # noqa: PLC0415 - lazy: imports moto
    from sgcompliance.local.server.keep_alive import handler_class  # noqa: PLC0415 - lazy: imports moto

    event_arrays.install()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        with_identity(app, identity),
        threaded=True,
        request_handler=handler_class(),
    )


def _exit(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


if __name__ == "__main__":
    main()
