"""`GroupGateway` (the remediator's port) over one account x region's EC2 client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws import ec2 as ec2_calls
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.engine.model import Direction, Rule, SecurityGroup
from sgcompliance.engine.rule_codec import ip_permission, rule_identity
from sgcompliance.errors import NotFoundError
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.sources.snapshot import parse_rule, read_snapshot, rules_from_permissions

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


class Ec2GroupGateway:
    def __init__(self, ec2: EC2Client, account_id: str, region: str) -> None:
        self.ec2 = ec2
        self.account_id = account_id
        self.region = region

    def describe_group(self, group_id: str) -> SecurityGroup:
        """The group and its rules (two calls); attachment is not read here."""
        scope = f"{self.account_id}/{self.region}"
        with translating("DescribeSecurityGroups", scope=scope):
            groups = self.ec2.describe_security_groups(GroupIds=[group_id]).get(
                "SecurityGroups", []
            )
        if not groups:
            raise NotFoundError(
                f"{group_id} not found in {scope}", operation="DescribeSecurityGroups"
            )
        rules = ec2_calls.describe_group_rules(self.ec2, group_id, scope=scope)
        doc = {
            "account_id": self.account_id,
            "region": self.region,
            "SecurityGroups": [ec2_calls.trim_group(g) for g in groups],
            "SecurityGroupRules": rules,
        }
        return read_snapshot(doc, source=f"{scope}/{group_id}").groups[0]

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        scope = f"{self.account_id}/{self.region}"
        rows = ec2_calls.describe_group_rules(self.ec2, group_id, scope=scope)
        return tuple(
            parse_rule(row, f"{scope}/{group_id}", f"$[{i}]") for i, row in enumerate(rows)
        )

    def rules_of(self, group_ids: Sequence[str]) -> dict[str, tuple[Rule, ...]]:
        scope = f"{self.account_id}/{self.region}"
        found: dict[str, list[Rule]] = {g: [] for g in group_ids}
        for row in ec2_calls.describe_rules_of_groups(self.ec2, list(group_ids), scope=scope):
            group_id = row.get("GroupId")
            if group_id in found:
                where = f"{scope}/{group_id}"
                found[group_id].append(parse_rule(row, where, f"$[{len(found[group_id])}]"))
        return {g: tuple(rules) for g, rules in found.items()}

    def tags_of(self, group_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        scope = f"{self.account_id}/{self.region}"
        groups = ec2_calls.describe_groups(self.ec2, list(group_ids), scope=scope)
        return {
            str(g["GroupId"]): {str(t["Key"]): str(t.get("Value", "")) for t in g.get("Tags", [])}
            for g in groups
            if g.get("GroupId") in group_ids
        }

    def groups_of(self, group_ids: Sequence[str]) -> dict[str, SecurityGroup]:
        scope = f"{self.account_id}/{self.region}"
        wanted = set(group_ids)
        items = ec2_calls.describe_groups(self.ec2, list(group_ids), scope=scope)
        found = [g for g in items if g.get("GroupId") in wanted]
        return {g.group_id: g for g in by_content(self.account_id, self.region, found, scope)}

    def set_tags_many(self, group_ids: Sequence[str], tags: Mapping[str, str]) -> None:
        ec2_calls.set_tags_many(self.ec2, group_ids, tags)

    def remove_tags_many(self, group_ids: Sequence[str], keys: Sequence[str]) -> None:
        ec2_calls.remove_tags_many(self.ec2, group_ids, keys)

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        unknown, ids = ec2_calls.revoke_matching(
            self.ec2, group_id, direction, [ip_permission(r) for r in rules]
        )
        return RevokeResult(
            unknown_rules(rules, unknown),
            None if ids is None else tuple(ids),
            accounted=ids is not None or not unknown,
        )

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        ec2_calls.revoke_rules(self.ec2, group_id, direction, rule_ids)

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        ec2_calls.authorize_rules(self.ec2, group_id, direction, [ip_permission(r) for r in rules])

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        ec2_calls.set_tags(self.ec2, group_id, tags)

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        ec2_calls.remove_tags(self.ec2, group_id, keys)


def unknown_rules(
    requested: Sequence[Rule], unknown: Sequence[Mapping[str, Any]]
) -> tuple[Rule, ...]:
    """The requested rules that `UnknownIpPermissions` names (AWS may regroup the peers of
    several rules into one permission, so they are matched by content, peer by peer)."""
    if not unknown or not requested:
        return ()
    first = requested[0]
    field = "IpPermissions" if first.direction is Direction.INGRESS else "IpPermissionsEgress"
    named = rules_from_permissions({"GroupId": first.group_id, field: list(unknown)}, "", "$")
    # The answer may add or drop the owner of a same-account group peer: match without it.
    keys = {rule_identity(r)[:6] for r in named}
    return tuple(r for r in requested if rule_identity(r)[:6] in keys)


def by_content(
    account_id: str, region: str, items: Sequence[Mapping[str, Any]], source: str
) -> tuple[SecurityGroup, ...]:
    """Groups as `DescribeSecurityGroups` items give them: names, tags and every rule's
    content, without rule ids, rule tags or attachment (prefix lists unresolved)."""
    document = {
        "account_id": account_id,
        "region": region,
        "SecurityGroups": list(items),
        "ManagedPrefixLists": {},
    }
    return read_snapshot(document, source=source).groups
