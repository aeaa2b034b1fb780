"""EC2 reads (whole regions, single groups) and the write primitives remediation is built on.

Reads produce the snapshot document `sgcompliance.sources.snapshot.read_snapshot` accepts. A region
costs a fixed number of calls whatever its size: every Describe loops on NextToken with the
largest page, never one call per group; each referenced prefix list is resolved once.

Groups and their rules come from two calls, DescribeSecurityGroups and
DescribeSecurityGroupRules, and a group can change between them. The two answers are compared
(`sources.snapshot.rules_disagreements`); when they disagree both are read again once, and a
disagreement that persists is `InconsistentReadError` for the account-region: never a scan that
judges one half and passes what only the other holds. Every page must be an AWS answer
(`errors.aws_answer`): an endpoint answering an HTML page is not an empty region.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws.accounts import known_region
from sgcompliance.adapters.aws.errors import InconsistentReadError, aws_answer, translating
from sgcompliance.adapters.aws.lost_answers import lost_answers
from sgcompliance.engine.model import Direction
from sgcompliance.errors import AccessDeniedError, AwsApiError, NotFoundError
from sgcompliance.sources.snapshot import rules_disagreements

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # the EC2 maximum for the Describe calls used here
PREFIX_LIST_PAGE_SIZE = 100  # the maximum for GetManagedPrefixListEntries
FILTER_VALUES = 200  # values per filter EC2 accepts
# Reads of groups and rules before a disagreement between them fails the account-region.
CONSISTENT_READS = 2
Document = dict[str, Any]
Items = list[dict[str, Any]]

# Only what the engine reads is kept of a group; its rules come from SecurityGroupRules.
_GROUP_FIELDS = ("GroupId", "GroupName", "Description", "OwnerId", "VpcId", "SecurityGroupArn")


def read_region(ec2: EC2Client, account_id: str, region: str, *, earlier: int = 0) -> Document:
    """Everything the engine needs about one account x region, as a snapshot document.

    `earlier`: reads of groups and rules that already disagreed (they count towards
    `CONSISTENT_READS`)."""
    scope = f"{account_id}/{region}"

    def groups_and_rules() -> tuple[Items, Items]:
        groups = collect(ec2, "describe_security_groups", "SecurityGroups", scope=scope)
        rules = collect(ec2, "describe_security_group_rules", "SecurityGroupRules", scope=scope)
        return groups, rules

    try:
        groups, rules = agreeing(groups_and_rules, account_id, scope, earlier=earlier)
        interfaces = _interfaces(ec2, scope)
        prefix_lists = resolve_prefix_lists(ec2, referenced_prefix_lists(rules), scope=scope)
    except AwsApiError as exc:
        name_unknown_region(exc, region)
        raise
    return snapshot_document(account_id, region, groups, rules, prefix_lists, interfaces)


def read_group(ec2: EC2Client, account_id: str, region: str, group_id: str) -> Document:
    """One group as a snapshot document, for event-driven checks; NotFoundError if it is gone.

    Without its network interfaces: attachment is context for reports, and nothing an event's
    decision, record or alert holds; the call would cost every event a request."""
    scope = f"{account_id}/{region}"

    def group_and_rules() -> tuple[Items, Items]:
        # Neither read needs the other: sent at once, they cost an event one round trip, not
        # two (whether they agree is checked after, as for reads one after the other).
        with ThreadPoolExecutor(1, thread_name_prefix="sgc-rules") as pool:
            rules = pool.submit(describe_group_rules, ec2, group_id, scope=scope)
            with translating("DescribeSecurityGroups", scope=scope):
                response = aws_answer(
                    ec2.describe_security_groups(GroupIds=[group_id]),
                    "DescribeSecurityGroups",
                    scope=scope,
                )
            groups = [dict(g) for g in response.get("SecurityGroups", [])]
            return groups, rules.result()

    groups, rules = agreeing(group_and_rules, account_id, scope)
    prefix_lists = resolve_prefix_lists(ec2, referenced_prefix_lists(rules), scope=scope)
    return snapshot_document(account_id, region, groups, rules, prefix_lists, None)


def agreeing(
    read: Callable[[], tuple[Items, Items]], account_id: str, scope: str, *, earlier: int = 0
) -> tuple[Items, Items]:
    """Groups and rules that describe the same rules, read at most `CONSISTENT_READS` times
    (less the `earlier` reads that disagreed); InconsistentReadError (naming the group and the
    rule) when they never did."""
    first = ""
    for attempt in range(min(earlier, CONSISTENT_READS - 1) + 1, CONSISTENT_READS + 1):
        groups, rules = read()
        found = rules_disagreements(groups, rules, account_id, source=scope)
        if not found:
            return groups, rules
        first = found[0].message(len(found) - 1)
        log.info("%s: groups and rules disagree in read %d: %s", scope, attempt, first)
    raise InconsistentReadError(
        f"{scope}: DescribeSecurityGroups and DescribeSecurityGroupRules disagreed in "
        f"{CONSISTENT_READS} reads: {first}",
        operation="DescribeSecurityGroupRules",
        aws_code="InconsistentRead",
    )


def name_unknown_region(exc: AwsApiError, region: str) -> None:
    """Add to `exc` that the region is one the SDK does not know (a typo, most often)."""
    if not known_region(region):
        exc.message = f"{exc.message} ({region} is not a region this AWS SDK knows)"
        exc.args = (exc.message,)


def snapshot_document(
    account_id: str,
    region: str,
    groups: Iterable[Mapping[str, Any]],
    rules: Iterable[Mapping[str, Any]],
    prefix_lists: Mapping[str, list[str]],
    interfaces: Iterable[Mapping[str, Any]] | None,
) -> Document:
    """The document; without `NetworkInterfaces` when they could not be read, so that the
    engine reports attachment as unknown instead of wrongly as unattached."""
    doc: Document = {
        "account_id": account_id,
        "region": region,
        "SecurityGroups": [trim_group(g) for g in groups],
        "SecurityGroupRules": [dict(r) for r in rules],
        "ManagedPrefixLists": dict(prefix_lists),
    }
    if interfaces is not None:
        trimmed = (trim_interface(i) for i in interfaces)
        doc["NetworkInterfaces"] = [n for n in trimmed if n["Groups"]]
    return doc


def _interfaces(ec2: EC2Client, scope: str, **params: Any) -> list[dict[str, Any]] | None:
    # Attachment is context, not compliance: a role that may not list interfaces still scans.
    try:
        return collect(
            ec2, "describe_network_interfaces", "NetworkInterfaces", scope=scope, **params
        )
    except AccessDeniedError as exc:
        log.warning("attachment unknown in %s: %s", scope, exc)
        return None


def collect(
    client: Any,
    method: str,
    result_key: str,
    *,
    scope: str = "",
    page_size: int = PAGE_SIZE,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every item of a paginated call, following NextToken until the last page."""
    operation = client.meta.method_to_api_mapping.get(method, method)
    items: list[dict[str, Any]] = []
    with translating(operation, scope=scope):
        pages = client.get_paginator(method).paginate(
            **params, PaginationConfig={"PageSize": page_size}
        )
        for page in pages:
            items.extend(aws_answer(page, operation, scope=scope).get(result_key, []))
    return items


def referenced_prefix_lists(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({str(r["PrefixListId"]) for r in rules if r.get("PrefixListId")})


def resolve_prefix_lists(
    ec2: EC2Client, list_ids: Iterable[str], *, scope: str = ""
) -> dict[str, list[str]]:
    """Prefix list id -> its CIDRs. A list that cannot be read is left out, so the engine
    reports it as unresolved instead of passing it silently."""
    resolved: dict[str, list[str]] = {}
    for list_id in dict.fromkeys(list_ids):
        try:
            entries = collect(
                ec2,
                "get_managed_prefix_list_entries",
                "Entries",
                scope=scope,
                page_size=PREFIX_LIST_PAGE_SIZE,
                PrefixListId=list_id,
            )
        except (NotFoundError, AccessDeniedError) as exc:
            log.warning("prefix list %s in %s is unresolvable: %s", list_id, scope, exc)
            continue
        resolved[list_id] = [str(e["Cidr"]) for e in entries if e.get("Cidr")]
    return resolved


def trim_group(group: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: group[key] for key in _GROUP_FIELDS if group.get(key) is not None}
    out["Tags"] = [dict(t) for t in group.get("Tags", []) or []]
    return out


def trim_interface(interface: Mapping[str, Any]) -> dict[str, Any]:
    """Which groups an interface carries and whether it is reachable from the internet."""
    out: dict[str, Any] = {
        "NetworkInterfaceId": interface.get("NetworkInterfaceId", ""),
        "Groups": [
            {"GroupId": g["GroupId"]} for g in interface.get("Groups", []) if "GroupId" in g
        ],
    }
    public_ip = _public_ip(interface)
    if public_ip:
        out["Association"] = {"PublicIp": public_ip}
    ipv6 = [a["Ipv6Address"] for a in interface.get("Ipv6Addresses", []) if a.get("Ipv6Address")]
    if ipv6:
        out["Ipv6Addresses"] = [{"Ipv6Address": a} for a in ipv6]
    return out


def _public_ip(interface: Mapping[str, Any]) -> str | None:
    # A secondary private address can carry the only public IP (an Elastic IP on it).
    associations = [interface.get("Association")] + [
        p.get("Association") for p in interface.get("PrivateIpAddresses", []) or []
    ]
    for association in associations:
        if association and association.get("PublicIp"):
            return str(association["PublicIp"])
    return None


def describe_group_rules(ec2: EC2Client, group_id: str, *, scope: str = "") -> list[dict[str, Any]]:
    """The `DescribeSecurityGroupRules` rows of one group (all pages)."""
    return collect(
        ec2,
        "describe_security_group_rules",
        "SecurityGroupRules",
        scope=scope or group_id,
        Filters=[{"Name": "group-id", "Values": [group_id]}],
    )


def describe_rules_of_groups(
    ec2: EC2Client, group_ids: Sequence[str], *, scope: str = ""
) -> list[dict[str, Any]]:
    """The `DescribeSecurityGroupRules` rows of many groups: a `group-id` filter of up to
    `FILTER_VALUES` groups per call (all pages)."""
    return _by_group_filter(
        ec2, "describe_security_group_rules", "SecurityGroupRules", group_ids, scope
    )


def describe_groups(
    ec2: EC2Client, group_ids: Sequence[str], *, scope: str = ""
) -> list[dict[str, Any]]:
    """The `DescribeSecurityGroups` items of the listed groups that exist: a `group-id` filter
    of up to `FILTER_VALUES` groups per call (a group that is gone is left out, not an error)."""
    return _by_group_filter(ec2, "describe_security_groups", "SecurityGroups", group_ids, scope)


def _by_group_filter(
    ec2: EC2Client, operation: str, key: str, group_ids: Sequence[str], scope: str
) -> list[dict[str, Any]]:
    """Every item of a describe call for the listed groups, `FILTER_VALUES` groups per call."""
    ids = list(dict.fromkeys(group_ids))
    return [
        item
        for start in range(0, len(ids), FILTER_VALUES)
        for item in collect(
            ec2,
            operation,
            key,
            scope=scope,
            Filters=[{"Name": "group-id", "Values": ids[start : start + FILTER_VALUES]}],
        )
    ]


def groups_of_rules(
    ec2: EC2Client, account_id: str, region: str, rule_ids: Sequence[str]
) -> dict[str, str]:
    """Rule id -> group id for those of `rule_ids` that exist. A filter, not
    `SecurityGroupRuleIds`: AWS fails the whole call when one of those ids is gone."""
    ids = list(dict.fromkeys(rule_ids))
    rows = [
        row
        for start in range(0, len(ids), FILTER_VALUES)
        for row in collect(
            ec2,
            "describe_security_group_rules",
            "SecurityGroupRules",
            scope=f"{account_id}/{region}",
            Filters=[
                {"Name": "security-group-rule-id", "Values": ids[start : start + FILTER_VALUES]}
            ],
        )
    ]
    return {
        row["SecurityGroupRuleId"]: row["GroupId"]
        for row in rows
        if row.get("SecurityGroupRuleId") in ids and isinstance(row.get("GroupId"), str)
    }


def revoke_rules(
    ec2: EC2Client, group_id: str, direction: Direction, rule_ids: Sequence[str]
) -> None:
    """One call for every rule id of one group and direction.

    AWS fails the whole call when any id is gone (NotFoundError); the caller re-describes.
    """
    ids = list(dict.fromkeys(rule_ids))
    if not ids:
        return
    if direction is Direction.INGRESS:
        with translating("RevokeSecurityGroupIngress", scope=group_id):
            response: Mapping[str, Any] = ec2.revoke_security_group_ingress(
                GroupId=group_id, SecurityGroupRuleIds=ids
            )
    else:
        with translating("RevokeSecurityGroupEgress", scope=group_id):
            response = ec2.revoke_security_group_egress(GroupId=group_id, SecurityGroupRuleIds=ids)
    if response.get("Return") is False:
        raise AwsApiError(
            f"revoking {len(ids)} rule(s) of {group_id} was refused",
            operation="RevokeSecurityGroup" + direction.title(),
        )


def revoke_matching(
    ec2: EC2Client,
    group_id: str,
    direction: Direction,
    ip_permissions: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[str] | None]:
    """Revoke by content in one call: (the permissions AWS did not know, the ids it says it
    removed, or None where its answer does not list them).

    AWS answers content the group does not hold with `UnknownIpPermissions` and revokes the
    rest; some endpoints fail the call with InvalidPermission.NotFound instead (NotFoundError).
    """
    if not ip_permissions:
        return [], []
    perms: Any = [dict(p) for p in ip_permissions]
    operation = "RevokeSecurityGroup" + direction.title()
    with translating(operation, scope=group_id):
        if direction is Direction.INGRESS:
            response: Mapping[str, Any] = ec2.revoke_security_group_ingress(
                GroupId=group_id, IpPermissions=perms
            )
        else:
            response = ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=perms)
    if response.get("Return") is False and not response.get("UnknownIpPermissions"):
        raise AwsApiError(f"revoking rules of {group_id} was refused", operation=operation)
    lost = lost_answers(response)
    if lost and response.get("UnknownIpPermissions"):
        # The call was sent again after an answer was lost: what this answer names unknown that
        # earlier attempt may have removed. Refused, so the caller reads the group and tells
        # the rules this call removed from those that went otherwise. (After throttling alone
        # the answer is the whole story: a throttled attempt removed nothing.)
        raise NotFoundError(
            f"{operation} of {group_id}: the answer to a call sent again after {lost} lost "
            "answer(s) names content the group no longer holds",
            operation=operation,
            aws_code="InvalidPermission.NotFound",
            lost_answers=lost,
        )
    listed = response.get("RevokedSecurityGroupRules")
    ids = None if listed is None else [str(r["SecurityGroupRuleId"]) for r in listed]
    return [dict(p) for p in response.get("UnknownIpPermissions", []) or []], ids


def authorize_rules(
    ec2: EC2Client,
    group_id: str,
    direction: Direction,
    ip_permissions: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Authorize the permissions in one call; returns the new rule ids.

    A rule that already exists fails the call with aws_code "InvalidPermission.Duplicate".
    """
    if not ip_permissions:
        return []
    perms: Any = [dict(p) for p in ip_permissions]
    if direction is Direction.INGRESS:
        with translating("AuthorizeSecurityGroupIngress", scope=group_id):
            response: Mapping[str, Any] = ec2.authorize_security_group_ingress(
                GroupId=group_id, IpPermissions=perms
            )
    else:
        with translating("AuthorizeSecurityGroupEgress", scope=group_id):
            response = ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=perms)
    return [str(r["SecurityGroupRuleId"]) for r in response.get("SecurityGroupRules", [])]


def set_tags(ec2: EC2Client, resource_id: str, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    with translating("CreateTags", scope=resource_id):
        ec2.create_tags(
            Resources=[resource_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )


# Resources one CreateTags call may name.
TAG_RESOURCES = 1000


def set_tags_many(ec2: EC2Client, resource_ids: Sequence[str], tags: Mapping[str, str]) -> None:
    """The same tags on many resources: one call per `TAG_RESOURCES` of them."""
    ids = list(dict.fromkeys(resource_ids))
    if not tags or not ids:
        return
    for start in range(0, len(ids), TAG_RESOURCES):
        chunk = ids[start : start + TAG_RESOURCES]
        with translating("CreateTags", scope=",".join(chunk[:3])):
            ec2.create_tags(Resources=chunk, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def remove_tags(ec2: EC2Client, resource_id: str, keys: Sequence[str]) -> None:
    """Remove the tags whatever their values."""
    remove_tags_many(ec2, [resource_id], keys)


def remove_tags_many(ec2: EC2Client, resource_ids: Sequence[str], keys: Sequence[str]) -> None:
    """The same tag keys off many resources, whatever their values: one call per
    `TAG_RESOURCES` of them."""
    ids = list(dict.fromkeys(resource_ids))
    if not keys or not ids:
        return
    tags: Any = [{"Key": k} for k in dict.fromkeys(keys)]
    for start in range(0, len(ids), TAG_RESOURCES):
        chunk = ids[start : start + TAG_RESOURCES]
        with translating("DeleteTags", scope=",".join(chunk[:3])):
            ec2.delete_tags(Resources=chunk, Tags=tags)
