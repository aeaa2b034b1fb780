"""Counting the attempts of one API call whose answer was lost, so that the answer of a later
attempt can be read for what it is.

botocore sends a call again after throttling, after an error AWS answers as retryable (500,
503), and after an attempt that got no answer at all (a read timeout, a connection closed or
reset once the request was out). Only the last kind may have been carried out by AWS without the
caller hearing of it: a later attempt's answer ("that rule is unknown", "that rule exists") may
then be about what the earlier attempt did. botocore's `RetryAttempts` counts every kind, so a
throttled revoke would pass for one whose first attempt removed the rules.

What counts as lost: an attempt that ended in an exception after the connection was made. One
whose connection was never made (refused, connect timeout, the proxy unreachable) never left.
An attempt AWS answered, with an error document, counts as answered, throttling (refused before
it was carried out) and a 500 `InternalError` alike: the tool trusts AWS's own answers, and a
500 that did apply would leave the rule reported not revoked (its backup still holds it), not a
rule someone else deleted restored by a rollback.

Two handlers on botocore's events: `needs-retry`, which sees each attempt's outcome, keeps the
tally in the call's own request context (shared by its attempts, and by nothing else: another
call in the same thread, say a credential refresh, has its own); `after-call` writes it into the
answer's `ResponseMetadata` beside `RetryAttempts`, where it reaches a successful call's caller
and, through `ClientError.response`, the error translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ProxyConnectionError

# The answer's `ResponseMetadata` key; absent when no answer was lost.
LOST_ANSWERS = "LostAnswers"
_TALLY = "sgcompliance_lost_answers"
# The connection was never made: the request did not leave.
_NEVER_SENT = (EndpointConnectionError, ConnectTimeoutError, ProxyConnectionError)
_UNIQUE = "sgcompliance-lost-answers"


def attach(events: Any) -> None:
    """Register on a botocore event emitter (a session's, before its clients are made, or one
    client's `meta.events`); registering twice is harmless."""
    events.register("needs-retry", _on_attempt, unique_id=f"{_UNIQUE}-attempt")
    events.register("after-call", _on_answer, unique_id=f"{_UNIQUE}-answer")


def lost_answers(response: Mapping[str, Any]) -> int:
    """How many attempts of the call that gave `response` (an answer, or a `ClientError`'s
    response) got no answer after their request may have reached AWS."""
    meta = response.get("ResponseMetadata")
    found = meta.get(LOST_ANSWERS) if isinstance(meta, Mapping) else None
    return found if isinstance(found, int) and found > 0 else 0


def _on_attempt(
    request_dict: Mapping[str, Any] | None = None,
    caught_exception: BaseException | None = None,
    **_: Any,
) -> None:
    # Returns None always: a value would be taken as botocore's decision to retry.
    if caught_exception is None or isinstance(caught_exception, _NEVER_SENT):
        return
    context = request_dict.get("context") if request_dict is not None else None
    if isinstance(context, dict):
        context[_TALLY] = context.get(_TALLY, 0) + 1


def _on_answer(parsed: Any = None, context: Any = None, **_: Any) -> None:
    lost = context.get(_TALLY, 0) if isinstance(context, dict) else 0
    if lost and isinstance(parsed, dict):
        meta = parsed.setdefault("ResponseMetadata", {})
        if isinstance(meta, dict):
            meta[LOST_ANSWERS] = lost
