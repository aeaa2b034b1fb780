"""Which accounts and regions to scan: explicit lists, an accounts file, or what AWS says."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import aws_answer, translating
from sgcompliance.errors import ConfigError, InputError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_organizations import OrganizationsClient

_ACCOUNT_ID = re.compile(r"^\d{12}$")
# An OU id (ou-...) or the organization's root (r-...), as Organizations writes them.
_PARENT_ID = re.compile(r"^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$")
# Organizations nests OUs at most five deep below the root; a deeper walk is a loop or an error.
MAX_OU_DEPTH = 8
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ENABLED_OPT_IN = frozenset({"opt-in-not-required", "opted-in"})


def parse_account_ids(values: Iterable[str], *, option: str = "--accounts") -> tuple[str, ...]:
    """Ids from the command line; commas and whitespace separate; order kept, duplicates dropped."""
    return _listed(
        values,
        _ACCOUNT_ID,
        lambda item: ConfigError(
            f"{option}: {item!r} is not a 12-digit AWS account id",
            hint="account ids are exactly 12 digits, e.g. 111111111111",
        ),
    )


def _listed(
    values: Iterable[str], shape: re.Pattern[str], refusal: Callable[[str], ConfigError]
) -> tuple[str, ...]:
    """Items of repeatable options, each of which may hold several (commas and whitespace
    separate); order kept, duplicates dropped; `refusal(item)` for the first of a wrong shape."""
    items: list[str] = []
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if not item:
                continue
            if not shape.match(item):
                raise refusal(item)
            if item not in items:
                items.append(item)
    return tuple(items)


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


def organization_accounts(
    org: OrganizationsClient,
    *,
    ous: Iterable[str] = (),
    tags: Iterable[tuple[str, str]] = (),
) -> tuple[str, ...]:
    """Every ACTIVE account of the organization (ListAccounts, all pages), sorted; with `ous`,
    only those under one of them at any depth; with `tags`, only those carrying every one."""
    ids: set[str] = set()
    with translating("ListAccounts"):
        for page in org.get_paginator("list_accounts").paginate():
            for account in aws_answer(page, "ListAccounts").get("Accounts", []):
                # `State` supersedes the deprecated `Status`; accept whichever is present.
                state = account.get("State") or account.get("Status")
                if state == "ACTIVE" and "Id" in account:
                    ids.add(account["Id"])
    wanted_ous = tuple(ous)
    if wanted_ous:
        ids &= accounts_under(org, wanted_ous)
    wanted_tags = dict(tags)
    if wanted_tags:
        ids = {a for a in ids if _has_tags(account_tags(org, a), wanted_tags)}
    return tuple(sorted(ids))


def accounts_under(org: OrganizationsClient, parents: Iterable[str]) -> set[str]:
    """The accounts under each of `parents` (OUs or the root), at any depth."""
    found: set[str] = set()
    seen: set[str] = set()
    level = list(dict.fromkeys(parents))
    for _ in range(MAX_OU_DEPTH):
        if not level:
            break
        seen.update(level)
        children: list[str] = []
        for parent in level:
            found.update(_children(org, parent, "list_accounts_for_parent", "Accounts"))
            for child in _children(
                org, parent, "list_organizational_units_for_parent", "OrganizationalUnits"
            ):
                if child not in seen:
                    children.append(child)
        level = children
    return found


def _children(org: OrganizationsClient, parent: str, method: str, key: str) -> list[str]:
    operation = org.meta.method_to_api_mapping.get(method, method)
    ids: list[str] = []
    with translating(operation, scope=parent):
        for page in org.get_paginator(method).paginate(ParentId=parent):  # type: ignore[call-overload]
            ids.extend(str(item["Id"]) for item in aws_answer(page, operation).get(key, []))
    return ids


def account_tags(org: OrganizationsClient, account_id: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    with translating("ListTagsForResource", scope=account_id):
        paginator = org.get_paginator("list_tags_for_resource")
        for page in paginator.paginate(ResourceId=account_id):
            for tag in aws_answer(page, "ListTagsForResource").get("Tags", []):
                tags[tag["Key"]] = tag["Value"]
    return tags


def _has_tags(tags: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(tags.get(key) == value for key, value in wanted.items())


def parse_ou_ids(values: Iterable[str], *, option: str = "--ou") -> tuple[str, ...]:
    """OU (or root) ids from the command line; commas and whitespace separate."""
    return _listed(
        values,
        _PARENT_ID,
        lambda item: ConfigError(
            f"{option}: {item!r} is not an organizational unit id",
            hint="OU ids look like ou-ab12-cd34ef56 (the root: r-ab12); "
            "`aws organizations list-organizational-units-for-parent` lists them",
        ),
    )


def parse_account_tags(
    values: Iterable[str], *, option: str = "--account-tag"
) -> tuple[tuple[str, str], ...]:
    """KEY=VALUE pairs from the command line (VALUE may be empty; KEY may not)."""
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, tag_value = value.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"{option}: {value!r} is not KEY=VALUE", hint="e.g. --account-tag env=prod"
            )
        if key in pairs and pairs[key] != tag_value:
            raise ConfigError(
                f"{option}: tag {key!r} is given two values, which no account can carry",
                hint="give each tag key once",
            )
        pairs[key] = tag_value
    return tuple(pairs.items())


def parse_regions(values: Iterable[str], *, option: str = "--regions") -> tuple[str, ...]:
    """Region names from the command line. A well-formed name the SDK does not know is kept:
    AWS opens regions before every SDK knows them; reading one that does not exist fails that
    account-region alone, and the failure names the region as unknown (`known_region`)."""
    return _listed(
        values,
        _REGION,
        lambda item: ConfigError(
            f"{option}: {item!r} is not an AWS region name", hint="e.g. eu-west-1"
        ),
    )


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
