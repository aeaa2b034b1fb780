"""Reading an account-region for a scan: judged from `DescribeSecurityGroups` first, with rule
ids, rule tags and attachment read only for the groups that have a finding.

A group's `IpPermissions` carry everything the engine judges (protocol, ports, peer,
description), but neither the rule ids nor the rule tags, which findings and exemptions name. So
a scan reads the groups, resolves the prefix lists they reference (only when the policy looks at
prefix-list entries), and judges every group from its permissions (`ComplianceScanner.
flagged_groups`). A group with no finding there has none with its rule rows either (exemptions,
the only readers of rule ids and tags, mark findings and never remove one), and it is kept as
judged. Descriptions are the one judged field the two halves may word differently (the local
AWS gives a group peer a description in `IpPermissions` that its row lacks): a policy that
judges them sees every group peer undescribed at first (`undescribed`), so that the rows decide
those; address and prefix-list peers carry the same description in both halves.
For the flagged groups alone it reads:

- their `DescribeSecurityGroupRules` rows: with a `group-id` filter of up to `FILTER_VALUES`
  groups per call when that takes fewer calls than reading the whole region's rows page by page
  (the rule count of every group is known from its permissions), else the whole region's rows,
  of which it keeps theirs; ties go to the unfiltered read, which costs an endpoint no filter;
- the network interfaces that carry them (attachment, which every finding's record names), with
  a `group-id` filter when there are at most `FILTER_VALUES` of them, else every interface.

Both reads go out concurrently. The flagged groups' rows must describe the same rules as their
permissions (`sources.snapshot.rules_disagreements`); when they do not, a group changed between
the two calls, and the account-region is read again in full (`ec2.read_region`, once: a
disagreement there too fails the account-region, as two disagreeing full reads do).
An account-region where nothing is flagged costs one `DescribeSecurityGroups` (per page) and
the prefix lists the policy needs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws import ec2 as ec2_reads
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import AccessDeniedError, AwsApiError
from sgcompliance.sources.snapshot import read_snapshot, rules_disagreements

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

log = logging.getLogger(__name__)

FILTER_VALUES = ec2_reads.FILTER_VALUES
PAGE_SIZE = ec2_reads.PAGE_SIZE
# Concurrent calls within one account-region (prefix lists; rule rows beside interfaces).
REGION_WORKERS = 4
_PEER_LISTS = ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")
_GROUP_PEERS = "UserIdGroupPairs"
_PERMISSIONS = ("IpPermissions", "IpPermissionsEgress")

Items = list[dict[str, Any]]


def read_judged(
    ec2: EC2Client, account_id: str, region: str, scanner: ComplianceScanner
) -> RegionSnapshot:
    """The account-region as `ec2.read_region` and `read_snapshot` give it, for judging with
    `scanner`'s policy: the same findings, with fewer calls (see the module)."""
    scope = f"{account_id}/{region}"
    try:
        with ThreadPoolExecutor(REGION_WORKERS, thread_name_prefix="sgc-region") as pool:
            groups = ec2_reads.collect(
                ec2, "describe_security_groups", "SecurityGroups", scope=scope
            )
            lists = permission_prefix_lists(groups) if scanner.reads_prefix_lists else []
            resolved = list(
                pool.map(lambda i: ec2_reads.resolve_prefix_lists(ec2, [i], scope=scope), lists)
            )
            prefix_lists = {k: v for found in resolved for k, v in found.items()}
            judged_groups = (
                [undescribed(g) for g in groups] if scanner.reads_rule_descriptions else groups
            )
            document = {
                "account_id": account_id,
                "region": region,
                "SecurityGroups": judged_groups,
                "ManagedPrefixLists": prefix_lists,
            }
            judged = read_snapshot(document, source=scope)
            flagged = scanner.flagged_groups(judged)
            if not flagged:
                return judged
            chosen = [g for g in groups if g.get("GroupId") in flagged]
            total = sum(rule_count(g) for g in groups)
            rows = pool.submit(rows_of, ec2, chosen, total, scope)
            interfaces = pool.submit(interfaces_of, ec2, [str(g["GroupId"]) for g in chosen], scope)
            exact_rows, exact_interfaces = rows.result(), interfaces.result()
    except AwsApiError as exc:
        ec2_reads.name_unknown_region(exc, region)
        raise
    disagreements = rules_disagreements(chosen, exact_rows, account_id, source=scope)
    if disagreements:
        first = disagreements[0].message(len(disagreements) - 1)
        log.info(
            "%s: a flagged group changed while read (%s); reading it again in full", scope, first
        )
        again = ec2_reads.read_region(ec2, account_id, region, earlier=1)
        return read_snapshot(again, source=scope)
    exact = read_snapshot(
        ec2_reads.snapshot_document(
            account_id, region, chosen, exact_rows, prefix_lists, exact_interfaces
        ),
        source=scope,
    )
    by_id = {g.group_id: g for g in exact.groups}
    merged = tuple(by_id.get(g.group_id, g) for g in judged.groups)
    return RegionSnapshot(account_id, region, merged, judged.prefix_lists)


def undescribed(group: Mapping[str, Any]) -> dict[str, Any]:
    """The group with no description on any group peer of its permissions.

    `IpPermissions` and the rule rows need not agree on a group peer's description (the local
    AWS gives one a description its row does not have, and the rows are the ones findings
    name), and comparing the halves leaves descriptions aside. A policy that judges
    descriptions therefore judges every group-peer rule as undescribed first: that flags every
    group such a description could flag, and the rows decide. Address and prefix-list peers
    are described alike in both halves, so a group described throughout is judged from its
    permissions and costs no row."""
    out = dict(group)
    for field in _PERMISSIONS:
        if group.get(field) is not None:
            out[field] = [
                {
                    key: [
                        {k: v for k, v in peer.items() if k != "Description"}
                        if isinstance(peer, dict)
                        else peer
                        for peer in value
                    ]
                    if key == _GROUP_PEERS and isinstance(value, list)
                    else value
                    for key, value in permission.items()
                }
                if isinstance(permission, dict)
                else permission
                for permission in group[field] or []
            ]
    return out


def rule_count(group: Mapping[str, Any]) -> int:
    """How many rule rows a group has: one per peer of each permission."""
    return sum(
        len(permission.get(peers) or [])
        for field in _PERMISSIONS
        for permission in group.get(field) or []
        for peers in _PEER_LISTS
    )


def permission_prefix_lists(groups: Sequence[Mapping[str, Any]]) -> list[str]:
    """The prefix lists the groups' permissions reference, each once, sorted."""
    return sorted(
        {
            str(item["PrefixListId"])
            for group in groups
            for field in _PERMISSIONS
            for permission in group.get(field) or []
            for item in permission.get("PrefixListIds") or []
            if item.get("PrefixListId")
        }
    )


def filtered_calls(counts: Sequence[int]) -> int:
    """Calls a `group-id` filter takes for groups with these rule counts, `FILTER_VALUES`
    groups per call, each call paged by `PAGE_SIZE` rows."""
    chunks = (counts[i : i + FILTER_VALUES] for i in range(0, len(counts), FILTER_VALUES))
    return sum(max(1, -(-sum(chunk) // PAGE_SIZE)) for chunk in chunks)


def rows_of(ec2: EC2Client, groups: Sequence[Mapping[str, Any]], total: int, scope: str) -> Items:
    """The `DescribeSecurityGroupRules` rows of `groups`, by the cheaper of the two reads."""
    ids = [str(g["GroupId"]) for g in groups]
    whole = max(1, -(-total // PAGE_SIZE))
    if filtered_calls([rule_count(g) for g in groups]) < whole:
        rows: Items = []
        for start in range(0, len(ids), FILTER_VALUES):
            rows.extend(
                ec2_reads.collect(
                    ec2,
                    "describe_security_group_rules",
                    "SecurityGroupRules",
                    scope=scope,
                    Filters=[{"Name": "group-id", "Values": ids[start : start + FILTER_VALUES]}],
                )
            )
        return rows
    wanted = set(ids)
    every = ec2_reads.collect(
        ec2, "describe_security_group_rules", "SecurityGroupRules", scope=scope
    )
    return [row for row in every if row.get("GroupId") in wanted]


def interfaces_of(ec2: EC2Client, group_ids: Sequence[str], scope: str) -> Items | None:
    """The network interfaces carrying any of `group_ids`; None when the role may not list
    them (attachment is context, not compliance: the scan goes on, attachment unknown)."""
    params: dict[str, Any] = {}
    if len(group_ids) <= FILTER_VALUES:
        params["Filters"] = [{"Name": "group-id", "Values": list(group_ids)}]
    try:
        return ec2_reads.collect(
            ec2, "describe_network_interfaces", "NetworkInterfaces", scope=scope, **params
        )
    except AccessDeniedError as exc:
        log.warning("attachment unknown in %s: %s", scope, exc)
        return None
