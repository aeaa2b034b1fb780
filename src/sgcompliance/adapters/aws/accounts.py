"""Which accounts and regions to scan: explicit lists, an accounts file, or what AWS says."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import aws_answer, translating
from sgcompliance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_organizations import OrganizationsClient

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ENABLED_OPT_IN = frozenset({"opt-in-not-required", "opted-in"})


def parse_account_ids(values: Iterable[str], *, option: str = "--accounts") -> tuple[str, ...]:
    """Ids from the command line; commas and whitespace separate; order kept, duplicates dropped."""
    ids: list[str] = []
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if not item:
                continue
            if not _ACCOUNT_ID.match(item):
                raise ConfigError(
                    f"{option}: {item!r} is not a 12-digit AWS account id",
                    hint="account ids are exactly 12 digits, e.g. 111111111111",
                )
            if item not in ids:
                ids.append(item)
    return tuple(ids)


def read_accounts_file(path: Path) -> tuple[str, ...]:
    """One account id per line; `#` starts a comment; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file {path}: {exc.strerror or exc}") from exc
    return parse_accounts_text(text, source=str(path))


def parse_accounts_text(text: str, *, source: str = "accounts file") -> tuple[str, ...]:
    ids: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        if not _ACCOUNT_ID.match(item):
            raise InputError(
                f"{item!r} is not a 12-digit AWS account id",
                path=f"line {number}",
                source=source,
                hint="put one 12-digit account id per line; '#' starts a comment",
            )
        if item not in ids:
            ids.append(item)
    return tuple(ids)


def organization_accounts(org: OrganizationsClient) -> tuple[str, ...]:
    """Every ACTIVE account of the organization (ListAccounts, all pages), sorted."""
    ids: set[str] = set()
    with translating("ListAccounts"):
        for page in org.get_paginator("list_accounts").paginate():
            for account in aws_answer(page, "ListAccounts").get("Accounts", []):
                # `State` supersedes the deprecated `Status`; accept whichever is present.
                state = account.get("State") or account.get("Status")
                if state == "ACTIVE" and "Id" in account:
                    ids.add(account["Id"])
    return tuple(sorted(ids))


def parse_regions(values: Iterable[str], *, option: str = "--regions") -> tuple[str, ...]:
    """Region names from the command line. A well-formed name the SDK does not know is kept:
    AWS opens regions before every SDK knows them; reading one that does not exist fails that
    account-region alone, and the failure names the region as unknown (`known_region`)."""
    regions: list[str] = []
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if not item:
                continue
            if not _REGION.match(item):
                raise ConfigError(
                    f"{option}: {item!r} is not an AWS region name", hint="e.g. eu-west-1"
                )
            if item not in regions:
                regions.append(item)
    return tuple(regions)


def enabled_regions(ec2: EC2Client) -> tuple[str, ...]:
    """Regions enabled for the account: opt-in not required, or opted in."""
    with translating("DescribeRegions"):
        response = aws_answer(ec2.describe_regions(AllRegions=False), "DescribeRegions")
    return tuple(
        sorted(
            region["RegionName"]
            for region in response.get("Regions", [])
            if "RegionName" in region
            and region.get("OptInStatus", "opt-in-not-required") in ENABLED_OPT_IN
        )
    )


@cache
def known_region(region: str) -> bool:
    """Whether the SDK's endpoint data names `region` in any partition (asked only about a
    region whose read failed)."""
    import botocore.session  # noqa: PLC0415 - lazy: only a failed read asks; it costs ~100 ms

    session = botocore.session.get_session()
    return any(
        region in session.get_available_regions("ec2", partition_name=partition)
        for partition in session.get_available_partitions()
    )
