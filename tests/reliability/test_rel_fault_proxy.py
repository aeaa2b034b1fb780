"""The fault layer itself: schedules are reproducible, and each fault kind looks to the product
exactly as it would from AWS (the error its translation layer makes of it), with the effect on
the server that the kind stands for."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.errors import AwsApiError, ThrottledError
from support.faults.proxy import FaultProxy
from support.faults.schedule import Call, FaultKind, FaultSchedule

pytestmark = pytest.mark.integration

DESCRIBE = Call("ec2", "DescribeSecurityGroups", "/", {})


def ec2(endpoint: str, read_timeout: float = 1.0) -> Any:
    """One attempt per call: the fault is what the caller sees."""
    config = Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout)
    return boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1", config=config)


def group_names(endpoint: str) -> set[str]:
    # Straight to the server, and patient: its first EC2 call after a reset can be slow.
    groups = ec2(endpoint, read_timeout=60.0).describe_security_groups()["SecurityGroups"]
    return {g["GroupName"] for g in groups}


def only(kind: FaultKind) -> FaultSchedule:
    return FaultSchedule(seed=3, rate=1.0, kinds=(kind,))


def test_the_same_seed_picks_the_same_calls_and_kinds() -> None:
    first, second = FaultSchedule(seed=42, rate=0.3), FaultSchedule(seed=42, rate=0.3)
    picks = [first.decide(DESCRIBE) for _ in range(200)]
    assert picks == [second.decide(DESCRIBE) for _ in range(200)]
    assert 20 < sum(p is not None for p in picks) < 100


def test_a_period_fails_exactly_one_call_in_each_period() -> None:
    schedule = FaultSchedule(seed=1, period=100)
    picks = [schedule.decide(DESCRIBE) for _ in range(1000)]
    assert sum(p is not None for p in picks) == 10


def test_throttling_reaches_the_product_as_a_throttled_error(
    endpoint: str, fault_proxy: FaultProxy
) -> None:
    fault_proxy.clear(only(FaultKind.THROTTLE))
    with (
        pytest.raises(ThrottledError, match="RequestLimitExceeded"),
        translating("DescribeSecurityGroups"),
    ):
        ec2(fault_proxy.endpoint).describe_security_groups()


def test_a_server_error_is_an_aws_error_with_aws_code(
    endpoint: str, fault_proxy: FaultProxy
) -> None:
    fault_proxy.clear(only(FaultKind.SERVER_ERROR))
    with pytest.raises(AwsApiError, match="InternalError"), translating("DescribeSecurityGroups"):
        ec2(fault_proxy.endpoint).describe_security_groups()


def test_a_reset_call_never_reaches_the_server(endpoint: str, fault_proxy: FaultProxy) -> None:
    fault_proxy.clear(only(FaultKind.RESET))
    with pytest.raises(ConnectionClosedError):
        ec2(fault_proxy.endpoint).create_security_group(GroupName="reset", Description="x")
    assert "reset" not in group_names(endpoint)
    assert fault_proxy.delivered == []


def test_a_timed_out_call_took_effect_on_the_server(endpoint: str, fault_proxy: FaultProxy) -> None:
    fault_proxy.clear(only(FaultKind.TIMEOUT))
    with pytest.raises(ReadTimeoutError):
        ec2(fault_proxy.endpoint).create_security_group(GroupName="stalled", Description="x")
    assert "stalled" in group_names(endpoint)
    (delivered,) = fault_proxy.delivered
    assert (delivered.call.operation, delivered.status) == ("CreateSecurityGroup", 200)
