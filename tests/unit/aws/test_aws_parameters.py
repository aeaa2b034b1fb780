"""SsmParameterSource: GetParametersByPath recursive and decrypted, every page, full names, no
cache of its own, and SSM's errors translated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.errors import AccessDeniedError, AwsUnavailableError, ThrottledError

PATH = "/sgcompliance"
REQUEST = {"Path": PATH, "Recursive": True, "WithDecryption": True}


@pytest.fixture
def ssm() -> Iterator[tuple[Any, Stubber]]:
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name="eu-west-1"
    )
    client = session.client("ssm", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def page(*names: str, next_token: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"Parameters": [{"Name": n, "Value": f"v:{n}"} for n in names]}
    if next_token is not None:
        found["NextToken"] = next_token
    return found


def test_every_parameter_of_every_page_comes_back_under_its_full_name(
    ssm: tuple[Any, Stubber],
) -> None:
    # GIVEN two pages, one of them a nested name
    client, stub = ssm
    stub.add_response("get_parameters_by_path", page(f"{PATH}/mode", next_token="t1"), REQUEST)
    stub.add_response(
        "get_parameters_by_path", page(f"{PATH}/extra/external_id"), {**REQUEST, "NextToken": "t1"}
    )
    # WHEN read by path  THEN both pages were asked for, recursively and decrypted (the stubbed
    # requests must match), and each name is the full SSM name
    assert SsmParameterSource(client).get_by_path(PATH) == {
        f"{PATH}/mode": f"v:{PATH}/mode",
        f"{PATH}/extra/external_id": f"v:{PATH}/extra/external_id",
    }


def test_each_read_asks_ssm_again(ssm: tuple[Any, Stubber]) -> None:
    # GIVEN a value changed between two reads  WHEN read twice  THEN the second read sees it:
    # the ConfigManager keeps the only cache, so its TTL and `invalidate` mean what they say
    client, stub = ssm
    stub.add_response("get_parameters_by_path", page(f"{PATH}/mode"), REQUEST)
    stub.add_response("get_parameters_by_path", page(f"{PATH}/dry_run"), REQUEST)
    source = SsmParameterSource(client)
    assert list(source.get_by_path(PATH)) == [f"{PATH}/mode"]
    assert list(source.get_by_path(PATH)) == [f"{PATH}/dry_run"]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, ThrottledError),
        ("AccessDeniedException", 400, AccessDeniedError),
    ],
)
def test_an_ssm_error_is_translated_and_names_the_path(
    ssm: tuple[Any, Stubber], code: str, status: int, error: type[Exception]
) -> None:
    client, stub = ssm
    stub.add_client_error("get_parameters_by_path", code, "no", status, expected_params=REQUEST)
    with pytest.raises(error, match=f"GetParametersByPath in {PATH} failed: {code}"):
        SsmParameterSource(client).get_by_path(PATH)


def test_an_endpoint_that_does_not_answer_is_unavailable() -> None:
    # GIVEN a client whose endpoint refuses connections (nothing listens on port 9)
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name="eu-west-1"
    )
    config = Config(retries={"max_attempts": 1}, connect_timeout=1)
    client = session.client("ssm", endpoint_url="http://127.0.0.1:9", config=config)
    # WHEN read  THEN the transient kind of error, which the handler reports for a retry
    with pytest.raises(AwsUnavailableError, match="GetParametersByPath in /sgcompliance"):
        SsmParameterSource(client).get_by_path(PATH)
