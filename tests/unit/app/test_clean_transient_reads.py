"""A group read while it changed (DescribeSecurityGroups and DescribeSecurityGroupRules
disagreeing twice, SGC505) is transient: the change event is delivered again, not dropped."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from sgcompliance.adapters.aws.ec2 import read_group
from sgcompliance.adapters.aws.errors import InconsistentReadError
from sgcompliance.errors import AccessDeniedError, BackupError
from sgcompliance.events.services import is_transient
from support.any_order_stubber import AnyOrderStubber
from support.pipeline_world import MEMBER, REGION, event_for, world

ACCOUNT = "111111111111"
WORLD_SSH = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}


def inconsistent_read() -> InconsistentReadError:
    """What the live read of one group raises when its two describe calls disagree twice."""
    session = boto3.Session(aws_access_key_id="unit", aws_secret_access_key="unit")
    ec2: Any = session.client("ec2", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    group = {"GroupId": "sg-1", "GroupName": "sg-1", "OwnerId": ACCOUNT,
             "IpPermissions": [WORLD_SSH], "IpPermissionsEgress": []}  # fmt: skip
    with AnyOrderStubber(ec2) as stub:
        for _ in range(2):  # a rule in IpPermissions that no SecurityGroupRules row holds
            stub.add_response("describe_security_groups", {"SecurityGroups": [group]})
            stub.add_response("describe_security_group_rules", {"SecurityGroupRules": []})
        with pytest.raises(InconsistentReadError) as caught:
            read_group(ec2, ACCOUNT, REGION, "sg-1")
        stub.assert_no_pending_responses()
    return caught.value


def test_the_error_the_live_read_raises_is_transient() -> None:
    error = inconsistent_read()
    assert error.code == "SGC505"
    assert is_transient(error)


def test_it_is_transient_behind_an_error_that_wraps_it() -> None:
    wrapping = BackupError("cannot back up sg-1")
    wrapping.__cause__ = inconsistent_read()
    assert is_transient(wrapping)


def test_a_denied_read_stays_not_transient() -> None:
    assert not is_transient(AccessDeniedError("AccessDenied", aws_code="AccessDenied"))


def test_a_change_event_whose_group_reads_inconsistently_asks_for_a_retry() -> None:
    w = world()
    w.adapters.member_groups.failures[(MEMBER, REGION)] = inconsistent_read()
    response = w.app.handle(event_for())
    assert response.retry
    (decided,) = response.body["decisions"]
    assert decided["action"] == "error"
