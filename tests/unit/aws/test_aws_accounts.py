"""Accounts and regions: explicit lists, accounts files, Organizations and DescribeRegions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from sgcompliance.adapters.aws.accounts import (
    enabled_regions,
    organization_accounts,
    parse_account_ids,
    parse_accounts_text,
    parse_regions,
    read_accounts_file,
)
from sgcompliance.errors import AwsUnavailableError, ConfigError, InputError


def test_accounts_file_skips_comments_and_blank_lines() -> None:
    text = "# production\n111111111111\n\n222222222222  # dev\n   \n111111111111\n"
    assert parse_accounts_text(text) == ("111111111111", "222222222222")


def test_a_bad_account_id_in_a_file_names_the_line() -> None:
    text = "111111111111\n# comment\n22222222222x\n"
    with pytest.raises(InputError) as info:
        parse_accounts_text(text, source="accounts.txt")
    assert (
        str(info.value) == "accounts.txt: line 3: '22222222222x' is not a 12-digit AWS account id"
    )


def test_accounts_file_is_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "accounts.txt"
    path.write_text("333333333333\n")
    assert read_accounts_file(path) == ("333333333333",)


def test_a_missing_accounts_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read accounts file"):
        read_accounts_file(tmp_path / "absent.txt")


def test_account_option_values_split_on_commas_and_keep_order() -> None:
    assert parse_account_ids(["222222222222,111111111111", "222222222222"]) == (
        "222222222222",
        "111111111111",
    )


def test_a_bad_account_option_value_names_the_option() -> None:
    with pytest.raises(ConfigError, match="--accounts: '1234'"):
        parse_account_ids(["1234"])


def test_regions_are_validated() -> None:
    assert parse_regions(["eu-west-1, us-gov-west-1"]) == ("eu-west-1", "us-gov-west-1")
    with pytest.raises(ConfigError, match="'europe'"):
        parse_regions(["europe"])


@pytest.fixture
def org() -> Iterator[tuple[Any, Stubber]]:
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name="us-east-1"
    )
    client = session.client("organizations", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def account(account_id: str, **state: str) -> dict[str, Any]:
    return {"Id": account_id, "Name": account_id, "Email": f"{account_id}@example.com", **state}


def test_organization_accounts_are_active_ones_from_every_page(
    org: tuple[Any, Stubber],
) -> None:
    client, stub = org
    stub.add_response(
        "list_accounts",
        {
            "Accounts": [
                account("222222222222", Status="ACTIVE"),
                account("444444444444", Status="SUSPENDED"),
            ],
            "NextToken": "p2",
        },
        {},
    )
    stub.add_response(
        "list_accounts",
        {"Accounts": [account("111111111111", Status="ACTIVE")]},
        {"NextToken": "p2"},
    )
    assert organization_accounts(client) == ("111111111111", "222222222222")


def test_organization_account_state_wins_over_the_deprecated_status(
    org: tuple[Any, Stubber],
) -> None:
    client, stub = org
    stub.add_response(
        "list_accounts",
        {"Accounts": [account("222222222222", Status="ACTIVE", State="PENDING_CLOSURE")]},
        {},
    )
    assert organization_accounts(client) == ()


def test_enabled_regions_are_the_opted_in_and_opt_in_free_ones() -> None:
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name="us-east-1"
    )
    client = session.client("ec2", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_regions",
            {
                "Regions": [
                    {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
                    {"RegionName": "af-south-1", "OptInStatus": "not-opted-in"},
                    {"RegionName": "ap-east-1", "OptInStatus": "opted-in"},
                ]
            },
            {"AllRegions": False},
        )
        assert enabled_regions(client) == ("ap-east-1", "us-east-1")


# An endpoint that is not AWS (a proxy, a captive portal) answering HTTP 200 with an HTML page:
# botocore reads it as an empty answer. No accounts or regions must not pass as "none".
HTML_PAGE = {"HTTPStatusCode": 200, "HTTPHeaders": {"content-type": "text/html"}}


def test_an_html_page_is_not_an_organization_without_accounts(org: tuple[Any, Stubber]) -> None:
    client, stub = org
    stub.add_response("list_accounts", {"ResponseMetadata": HTML_PAGE}, {})
    with pytest.raises(AwsUnavailableError, match="ListAccounts: the endpoint's answer is not"):
        organization_accounts(client)


def test_an_html_page_is_not_an_account_without_enabled_regions() -> None:
    session = boto3.Session(
        aws_access_key_id="unit", aws_secret_access_key="unit", region_name="us-east-1"
    )
    client = session.client("ec2", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_regions", {"ResponseMetadata": HTML_PAGE}, {"AllRegions": False}
        )
        with pytest.raises(AwsUnavailableError, match="DescribeRegions: the endpoint's answer"):
            enabled_regions(client)


def test_a_well_formed_region_the_sdk_does_not_know_is_kept_for_the_scan_to_report() -> None:
    assert parse_regions(["eu-west-1,xx-west-9"]) == ("eu-west-1", "xx-west-9")
