"""`FakeGateway`: one account-region's EC2 security groups in memory, for `GroupGateway`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sgcompliance.engine.model import Direction, PeerKind, Rule, SecurityGroup
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.errors import AwsApiError, NotFoundError
from sgcompliance.remediation.drift import RevokeResult

# AWS's limit of user tags on one resource (`aws:` tags do not count).
TAG_LIMIT = 50


class FakeGateway:
    """Stands in for `remediation.ports.GroupGateway`: the security groups of one account x
    region, held in `groups` (group id -> `SecurityGroup`) and changed in place.

    It answers as AWS does by default: a revoke names rules by content, and content the group no
    longer holds comes back in `RevokeResult.unknown`; `revoke_ids` of an id the group does not
    hold fails the whole call with NotFoundError; `authorize` mints new rule ids (`sgr-new1`,
    ...); more than 50 user tags fail with TagLimitExceeded. Options answer as other endpoints
    do: `fail_unknown` fails a revoke naming unknown content as a whole (InvalidPermission
    .NotFound); `in_order` removes the rules of a revoke one after the other until one does not
    match, which fails the call (moto); `refuse_references` (with `in_order`) never matches a
    group reference by content (moto).

    Every call is appended to `log` (a list the caller may share between gateways) and every
    write also to `writes`. `before(call, action)` runs `action` once, just before the next
    `call` ("describe", "rules", "revoke", "revoke_ids", "authorize", "tag", "untag"): another
    actor's change between two steps of the tool. `delete_rule`, `modify_rule` and `add_rule`
    are such changes made directly, without a log entry.
    """

    def __init__(
        self,
        groups: Sequence[SecurityGroup],
        log: list[str] | None = None,
        *,
        fail_unknown: bool = False,
        in_order: bool = False,
        refuse_references: bool = False,
    ) -> None:
        self.groups: dict[str, SecurityGroup] = {g.group_id: g for g in groups}
        self.log: list[str] = log if log is not None else []
        self.writes: list[str] = []
        self.fail_unknown = fail_unknown
        self.in_order = in_order
        self.refuse_references = refuse_references
        self.hooks: dict[str, list[Callable[[], None]]] = {}
        self._ids = itertools.count(1)

    def before(self, call: str, action: Callable[[], None]) -> None:
        """Run `action` once, just before the next `call`; several run in the order given."""
        self.hooks.setdefault(call, []).append(action)

    def _hook(self, call: str) -> None:
        pending = self.hooks.get(call)
        if pending:
            pending.pop(0)()

    def _write(self, entry: str) -> None:
        self.writes.append(entry)
        self.log.append(entry)

    def describe_group(self, group_id: str) -> SecurityGroup:
        self._hook("describe")
        self.log.append(f"describe {group_id}")
        if group_id not in self.groups:
            raise NotFoundError(f"{group_id} not found")
        return self.groups[group_id]

    def rules(self, group_id: str) -> tuple[Rule, ...]:
        """The group's rules; a group that is gone has none (no NotFoundError)."""
        self._hook("rules")
        self.log.append(f"rules {group_id}")
        group = self.groups.get(group_id)
        return () if group is None else group.rules

    def rules_of(self, group_ids: Sequence[str]) -> dict[str, tuple[Rule, ...]]:
        """`BatchGateway.rules_of`: one call (one "rules" hook, one log entry) for them all."""
        self._hook("rules")
        self.log.append(f"rules_of {','.join(group_ids)}")
        return {g: self.groups[g].rules if g in self.groups else () for g in group_ids}

    def tags_of(self, group_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        self._hook("describe")
        self.log.append(f"tags_of {','.join(group_ids)}")
        return {g: dict(self.groups[g].tags) for g in group_ids if g in self.groups}

    def groups_of(self, group_ids: Sequence[str]) -> dict[str, SecurityGroup]:
        """`BatchGateway.groups_of`: one call (one "describe" hook, one log entry) for them all."""
        self._hook("describe")
        self.log.append(f"groups_of {','.join(group_ids)}")
        return {g: self.groups[g] for g in group_ids if g in self.groups}

    def set_tags_many(self, group_ids: Sequence[str], tags: Mapping[str, str]) -> None:
        """One call for every group; a group that is gone fails it as a whole, as in AWS."""
        self._hook("tag")
        missing = [g for g in group_ids if g not in self.groups]
        if missing:
            raise NotFoundError(f"{missing[0]} not found")
        merged = {g: {**self.groups[g].tags, **tags} for g in group_ids}
        if any(sum(1 for k in m if not k.startswith("aws:")) > TAG_LIMIT for m in merged.values()):
            raise AwsApiError("TagLimitExceeded", aws_code="TagLimitExceeded")
        self._write(f"tag_many {','.join(group_ids)} {sorted(tags)}")
        for g in group_ids:
            self.groups[g] = replace(self.groups[g], tags=merged[g])

    def remove_tags_many(self, group_ids: Sequence[str], keys: Sequence[str]) -> None:
        """One call for every group ("untag" hook); a group that is gone fails it as a whole."""
        self._hook("untag")
        missing = [g for g in group_ids if g not in self.groups]
        if missing:
            raise NotFoundError(f"{missing[0]} not found")
        self._write(f"untag_many {','.join(group_ids)} {sorted(keys)}")
        for g in group_ids:
            group = self.groups[g]
            self.groups[g] = replace(
                group, tags={k: v for k, v in group.tags.items() if k not in keys}
            )

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        self._hook("revoke")
        if self.in_order:
            return self._revoke_in_order(group_id, direction, rules)
        group = self.groups[group_id]
        held = {rule_identity(r): r for r in group.rules if r.direction is direction}
        unknown = tuple(r for r in rules if rule_identity(r) not in held)
        if unknown and self.fail_unknown:
            raise NotFoundError("InvalidPermission.NotFound")
        gone = {held[rule_identity(r)].rule_id for r in rules if rule_identity(r) in held}
        self._write(f"revoke {group_id} {direction} {sorted(gone)}")
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id not in gone)
        )
        return RevokeResult(unknown, tuple(sorted(gone)))

    def _revoke_in_order(
        self, group_id: str, direction: Direction, rules: Sequence[Rule]
    ) -> RevokeResult:
        for rule in rules:
            group = self.groups[group_id]
            held = {rule_identity(r): r for r in group.rules if r.direction is direction}
            match = held.get(rule_identity(rule))
            if match is None or (self.refuse_references and rule.peer.kind is PeerKind.GROUP):
                raise NotFoundError("InvalidPermission.NotFound")
            self._write(f"revoke {group_id} {direction} {[match.rule_id]}")
            rest = tuple(r for r in group.rules if r.rule_id != match.rule_id)
            self.groups[group_id] = replace(group, rules=rest)
        return RevokeResult((), None)

    def revoke_ids(self, group_id: str, direction: Direction, rule_ids: Sequence[str]) -> None:
        self._hook("revoke_ids")
        group = self.groups[group_id]
        present = {r.rule_id for r in group.rules if r.direction is direction}
        if not set(rule_ids) <= present:
            raise NotFoundError("InvalidSecurityGroupRuleId.NotFound")
        self._write(f"revoke-ids {group_id} {direction} {sorted(rule_ids)}")
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id not in set(rule_ids))
        )

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        self._hook("authorize")
        group = self.describe_group(group_id)
        self._write(f"authorize {group_id} {direction} {len(rules)}")
        fresh = tuple(replace(r, rule_id=f"sgr-new{next(self._ids)}") for r in rules)
        self.groups[group_id] = replace(group, rules=group.rules + fresh)

    def set_tags(self, group_id: str, tags: Mapping[str, str]) -> None:
        self._hook("tag")
        group = self.describe_group(group_id)
        merged = {**group.tags, **tags}
        if sum(1 for k in merged if not k.startswith("aws:")) > TAG_LIMIT:
            raise AwsApiError("TagLimitExceeded", aws_code="TagLimitExceeded")
        self._write(f"tag {group_id} {sorted(tags)}")
        self.groups[group_id] = replace(group, tags=merged)

    def remove_tags(self, group_id: str, keys: Sequence[str]) -> None:
        self._hook("untag")
        group = self.describe_group(group_id)
        self._write(f"untag {group_id} {sorted(keys)}")
        self.groups[group_id] = replace(
            group, tags={k: v for k, v in group.tags.items() if k not in keys}
        )

    def delete_rule(self, group_id: str, rule_id: str) -> None:
        """Someone else's change: the rule is gone (`RevokeSecurityGroupIngress` by id)."""
        group = self.groups[group_id]
        self.groups[group_id] = replace(
            group, rules=tuple(r for r in group.rules if r.rule_id != rule_id)
        )

    def modify_rule(self, group_id: str, rule_id: str, **changes: Any) -> None:
        """Someone else's `ModifySecurityGroupRules`: new content (Rule fields), same rule id."""
        group = self.groups[group_id]
        rules = tuple(replace(r, **changes) if r.rule_id == rule_id else r for r in group.rules)
        self.groups[group_id] = replace(group, rules=rules)

    def add_rule(self, group_id: str, rule: Rule) -> None:
        """Someone else's new rule, kept with the id and content given."""
        group = self.groups[group_id]
        self.groups[group_id] = replace(group, rules=(*group.rules, rule))
