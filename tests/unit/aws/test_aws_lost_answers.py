"""Which attempts of a call count as lost answers: those that got no answer after their
request may have reached AWS (a read timeout, a connection closed), not those AWS answered
(throttling, a 500) nor those whose connection was never made. A write's error after a lost
answer may be about what that attempt did; after throttling alone it is the whole story."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from sgcompliance.adapters.aws.ec2 import revoke_rules
from sgcompliance.engine.model import Direction
from sgcompliance.errors import NotFoundError
from support.scripted_attempts import LOCAL, Step, ec2_error, no_waits, scripted_ec2

GONE = (400, ec2_error("InvalidSecurityGroupRuleId.NotFound"))
THROTTLED = (503, ec2_error("RequestLimitExceeded"))
INTERNAL = (500, ec2_error("InternalError"))
REVOKED = (
    200,
    b'<RevokeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>r</requestId><return>true</return></RevokeSecurityGroupIngressResponse>",
)


def timeout() -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url=LOCAL, error="read timed out")


def closed() -> ConnectionClosedError:
    return ConnectionClosedError(endpoint_url=LOCAL)


def refused() -> EndpointConnectionError:
    return EndpointConnectionError(endpoint_url=LOCAL, error="connection refused")


CASES = [
    pytest.param([THROTTLED, GONE], 0, id="throttled"),
    pytest.param([THROTTLED, THROTTLED, GONE], 0, id="throttled-twice"),
    pytest.param([INTERNAL, GONE], 0, id="internal-error-answered"),
    pytest.param([refused(), GONE], 0, id="never-connected"),
    pytest.param([timeout(), GONE], 1, id="read-timeout"),
    pytest.param([closed(), GONE], 1, id="connection-closed"),
    pytest.param([timeout(), THROTTLED, closed(), GONE], 2, id="two-lost-one-throttled"),
]


@pytest.mark.parametrize(("steps", "lost"), CASES)
def test_a_refused_revoke_counts_only_the_attempts_whose_answer_was_lost(
    monkeypatch: pytest.MonkeyPatch, steps: list[Step], lost: int
) -> None:
    # GIVEN a revoke whose attempts end as scripted, the last refused as gone
    no_waits(monkeypatch)
    ec2, script = scripted_ec2(*steps)
    # WHEN it is called
    with pytest.raises(NotFoundError) as raised:
        revoke_rules(ec2, "sg-1", Direction.INGRESS, ["sgr-1"])
    # THEN the SDK made every attempt, and the error counts the lost answers only
    assert script.attempts == len(steps)
    assert raised.value.lost_answers == lost


def test_each_call_has_its_own_tally(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a call that succeeded after a lost answer, then one refused after throttling
    no_waits(monkeypatch)
    ec2, _ = scripted_ec2(timeout(), REVOKED, THROTTLED, GONE)
    revoke_rules(ec2, "sg-1", Direction.INGRESS, ["sgr-1"])
    # THEN the second call's error does not carry the first call's lost answer
    with pytest.raises(NotFoundError) as raised:
        revoke_rules(ec2, "sg-1", Direction.INGRESS, ["sgr-2"])
    assert raised.value.lost_answers == 0
