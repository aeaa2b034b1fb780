"""The Lambda entry point: `handler(event, context)`.

It accepts, and tells apart (`core.events.classify`): EventBridge CloudTrail events of
security-group changes, the scheduled sweep tick, SQS batches of sweep work items (or of change
events a queue received) and operator actions `{"action": "scan" | "remediate" | "rollback"}`.

The wiring (clients, `ConfigManager`, adapters, logger, metrics) is built on the first call and
kept for warm invocations: the only module-level cache of the project. It is built again when
the environment it came from changes, which happens only in-process (the local pipeline sets
`AWS_ENDPOINT_URL` and friends around its calls), or when a context names another account. The
function's own account (the hub) comes from the context's `invoked_function_arn`, so a cold
start asks STS nothing; only a call without such a context makes one GetCallerIdentity call.
Everything heavy is imported on first call, so importing this module costs next to nothing on a
cold start.

Nothing raises out of `handler` for what it is given: unknown and malformed input is logged as
a structured error, counted and answered; an unexpected failure is caught here, at the top,
logged with its traceback and counted. The one exception is deliberate: a transient failure
(throttling, an outage) of an event delivered straight to the function raises
`RetryLaterError`, so that Lambda's retry of asynchronous invocations (twice at most) delivers
it again; handling an event twice is harmless. SQS batches report such failures per message.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sgcompliance.entrypoints.bootstrap import HandlerWiring
    from sgcompliance.events.invocation import Response

log = logging.getLogger(__name__)

DEFAULT_SERVICE = "sgcompliance"
LIBRARY_LOGGER = "sgcompliance"
# AWS_EXECUTION_ENV in the Lambda runtime, e.g. "AWS_Lambda_python3.12".
LAMBDA_RUNTIME = "AWS_Lambda_"
INTERNAL_ERROR = "SGC999"
# arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]: the account the function runs in.
FUNCTION_ARN = re.compile(r"arn:[a-z0-9-]+:lambda:[a-z0-9-]+:(\d{12}):function:[^:]+(?::[^:]+)?")

_lock = threading.Lock()
# Set once this process has served its first invocation (see `handler`).
_warm = False
# (wiring, pinned): a pinned wiring (`use_wiring`) is kept whatever the environment says.
_cached: tuple[HandlerWiring, bool] | None = None


class RetryLaterError(Exception):
    """A transient failure of an event Lambda delivers again (asynchronous invocations)."""


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The Lambda handler; see the module documentation for what it accepts and returns."""
    global _warm  # noqa: PLW0603 - whether this process has served its first invocation
    if _warm:
        return _handle(event, context)
    # The first invocation of a container builds what it keeps (the code's modules, the SDK's
    # service models and clients): hundreds of thousands of objects that live as long as it
    # does. The cycle collector is paused while they are made (its collections would walk them
    # again and again and find nothing to free), and they are frozen out of it after
    # (`gc.freeze`), so that no later invocation's collections walk them either.
    from sgcompliance.engine.collector import collector_paused  # noqa: PLC0415 - lazy: cold import time

    try:
        with collector_paused():
            return _handle(event, context)
    finally:
        _warm = True
        gc.freeze()


def _handle(event: Any, context: Any) -> dict[str, Any]:
    try:
        wiring = current_wiring(context)
    except Exception as exc:  # the top of the handler: a function that cannot start says so
        return _not_started(event, exc)
    response = _invoke(wiring, event, context)
    if response.retry:
        raise RetryLaterError("a transient failure: the event is to be delivered again")
    return response.body


def current_wiring(context: Any = None) -> HandlerWiring:
    """The cached wiring, built (again) when there is none, the environment changed, or the
    invocation's context names another account than the one it was built for."""
    global _cached  # noqa: PLW0603 - the one module-level cache, by design
    from sgcompliance.entrypoints import bootstrap  # noqa: PLC0415 - lazy: cold import time

    environment = bootstrap.wiring_environment(os.environ)
    account = function_account(context)
    with _lock:
        if _cached is None or (not _cached[1] and _stale(_cached[0], environment, account)):
            logger = structured_logger(os.environ)
            wiring = bootstrap.build_handler_wiring(
                logger, correlate=correlation_hook(logger), account_id=account
            )
            _cached = (wiring, False)
        return _cached[0]


def _stale(
    wiring: HandlerWiring, environment: tuple[tuple[str, str], ...], account: str | None
) -> bool:
    return wiring.environment != environment or (account is not None and account != wiring.account)


def function_account(context: Any) -> str | None:
    """The account of the invoked function (its ARN), None when the context has no such ARN."""
    arn = getattr(context, "invoked_function_arn", None)
    if not isinstance(arn, str):
        return None
    found = FUNCTION_ARN.fullmatch(arn)
    return found.group(1) if found else None


def use_wiring(wiring: HandlerWiring | None) -> None:
    """Use this wiring from now on (pinned), or None to build one from the environment."""
    global _cached  # noqa: PLW0603 - the one module-level cache, by design
    with _lock:
        _cached = None if wiring is None else (wiring, True)


def _invoke(wiring: HandlerWiring, event: Any, context: Any) -> Response:
    logger = wiring.logger
    logger.clear_state()
    request_id = getattr(context, "aws_request_id", None)
    if isinstance(request_id, str):
        logger.append_keys(function_request_id=request_id)
    try:
        return wiring.app.handle(event)
    except Exception:  # the catch-all at the top of the handler: logged, counted, answered
        logger.exception("invocation failed unexpectedly", extra={"error_code": INTERNAL_ERROR})
        wiring.metrics.remediation_errors(1)
        return _failed(event, "internal error: see the function's log")
    finally:
        _flush(wiring)


def _flush(wiring: HandlerWiring) -> None:
    try:
        wiring.metrics.flush()
    except Exception:  # metrics lost must not fail an invocation whose work is done
        wiring.logger.exception("metrics not written", extra={"error_code": INTERNAL_ERROR})


def _failed(event: Any, error: str, code: str = INTERNAL_ERROR) -> Response:
    """The answer when the work was not done: an SQS batch gets every message back."""
    from sgcompliance.events.classify import SqsBatch, batch_response, classify  # noqa: PLC0415 - lazy: cold import time
    from sgcompliance.events.invocation import Response  # noqa: PLC0415 - lazy: cold import time

    incoming = classify(event)
    if isinstance(incoming, SqsBatch):
        return Response(batch_response(incoming.message_ids))
    return Response({"status": "error", "code": code, "error": error})


def _not_started(event: Any, exc: Exception) -> dict[str, Any]:
    code = getattr(exc, "code", INTERNAL_ERROR)
    log.error(
        "the function could not start: %s: %s",
        type(exc).__name__,
        exc,
        extra={"error_code": code},
        exc_info=not isinstance(getattr(exc, "code", None), str),
    )
    return _failed(event, f"the function could not start: {exc}", str(code)).body


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time: Lambda's, or an in-process redirect."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """The stream is always the current stdout."""


def structured_logger(environ: Mapping[str, str]) -> Any:
    """powertools' JSON logger; the library's `sgcompliance.*` loggers write through its
    handler too, so their lines are JSON with the same correlation keys."""
    from aws_lambda_powertools import Logger  # noqa: PLC0415 - lazy: cold import time

    service = environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
    # powertools configures a service's logger once per process; a wiring built again (the
    # environment changed) must reuse that handler, not bring a new one without a formatter.
    configured = getattr(logging.getLogger(service), "powertools_handler", None) is not None
    logger = Logger(service=service, logger_handler=None if configured else _StdoutHandler())
    library = logging.getLogger(LIBRARY_LOGGER)
    if logger.registered_handler not in library.handlers:
        library.addHandler(logger.registered_handler)
    library.setLevel(logger.log_level)
    if environ.get("AWS_EXECUTION_ENV", "").startswith(LAMBDA_RUNTIME):
        # The runtime's root handler would write every line a second time, as plain text.
        # Elsewhere (in-process) the host's own logging keeps seeing the library's records.
        library.propagate = False
    return logger


def correlation_hook(logger: Any) -> Any:
    """Sets the correlation keys an input carries on `logger`, and drops those it lacks."""

    def correlate(keys: Mapping[str, str | None]) -> None:
        logger.append_keys(**{k: v for k, v in keys.items() if v is not None})
        absent = [k for k, v in keys.items() if v is None]
        if absent:
            logger.remove_keys(absent)

    return correlate
