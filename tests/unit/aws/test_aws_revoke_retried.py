"""A revoke by content whose call the SDK sent again after a lost answer: its answer naming
content unknown may be about what the lost attempt removed, so it is refused as such
(NotFoundError with the lost answers), for the caller to read the group. Sent again only after
throttling, the answer is the whole story: a throttled attempt removed nothing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from sgcompliance.adapters.aws.ec2 import revoke_matching
from sgcompliance.engine.model import Direction
from sgcompliance.errors import NotFoundError
from support.scripted_attempts import LOCAL, ec2_error, no_waits, scripted_ec2

PERMISSION: dict[str, Any] = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}
UNKNOWN = (
    200,
    b'<RevokeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    b"<requestId>r</requestId><return>false</return><unknownIpPermissionSet><item>"
    b"<ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>"
    b"<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>"
    b"</item></unknownIpPermissionSet></RevokeSecurityGroupIngressResponse>",
)
THROTTLED = (503, ec2_error("RequestLimitExceeded"))


def test_unknown_content_in_the_answer_after_a_lost_answer_is_refused_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_waits(monkeypatch)
    ec2, _ = scripted_ec2(ReadTimeoutError(endpoint_url=LOCAL, error="timed out"), UNKNOWN)
    with pytest.raises(NotFoundError) as raised:
        revoke_matching(ec2, "sg-1", Direction.INGRESS, [PERMISSION])
    assert raised.value.lost_answers == 1


def test_unknown_content_in_the_answer_after_throttling_is_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_waits(monkeypatch)
    ec2, script = scripted_ec2(THROTTLED, THROTTLED, UNKNOWN)
    unknown, _ = revoke_matching(ec2, "sg-1", Direction.INGRESS, [PERMISSION])
    assert script.attempts == 3
    assert [p["IpRanges"] for p in unknown] == [PERMISSION["IpRanges"]]


def test_unknown_content_in_the_answer_to_a_call_sent_once_is_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_waits(monkeypatch)
    ec2, _ = scripted_ec2(UNKNOWN)
    unknown, _ = revoke_matching(ec2, "sg-1", Direction.INGRESS, [PERMISSION])
    assert len(unknown) == 1
