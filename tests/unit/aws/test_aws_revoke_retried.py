"""A revoke by content whose call the SDK sent again (an earlier answer was lost): its answer
naming content unknown may be about what the earlier attempt removed, so it is refused as such
(NotFoundError with the attempts), for the caller to read the group."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sgcompliance.adapters.aws.ec2 import revoke_matching
from sgcompliance.engine.model import Direction
from sgcompliance.errors import NotFoundError

PERMISSION = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}


def answered(retries: int, unknown: list[dict[str, Any]]) -> Any:
    ec2 = boto3.client(
        "ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(ec2)
    response: dict[str, Any] = {
        "Return": True,
        "UnknownIpPermissions": unknown,
        "ResponseMetadata": {"RetryAttempts": retries, "HTTPStatusCode": 200},
    }
    stub.add_response("revoke_security_group_ingress", response)
    stub.activate()
    return ec2


def test_unknown_content_in_the_answer_to_a_retried_call_is_refused_with_its_attempts() -> None:
    ec2 = answered(1, [PERMISSION])
    with pytest.raises(NotFoundError) as raised:
        revoke_matching(ec2, "sg-1", Direction.INGRESS, [PERMISSION])
    assert raised.value.attempts == 2


def test_unknown_content_in_the_answer_to_a_call_sent_once_is_the_answer() -> None:
    ec2 = answered(0, [PERMISSION])
    unknown, _ = revoke_matching(ec2, "sg-1", Direction.INGRESS, [PERMISSION])
    assert unknown == [PERMISSION]
