"""Putting revoked rules back, rule by rule when it must, and the group's tags after it.

AWS authorizes the permissions of one call all or nothing, so one rule that cannot come back
(its peer group deleted, its prefix list gone, the group at its rule limit) would otherwise keep
every other rule of the call out. The `sgc:*` tags belong to the remediation the group's pointer
tag names: a rollback changes them only when that is its own backup."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sgcompliance.engine.model import Direction, PeerKind, Rule
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.errors import (
    AccessDeniedError,
    AwsApiError,
    AwsUnavailableError,
    ThrottledError,
)
from sgcompliance.remediation.backup import parse_pointer
from sgcompliance.remediation.inverse import RollbackPlan
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS, TAG_BACKUP, TAG_STATUS
from sgcompliance.remediation.ports import GroupGateway

log = logging.getLogger(__name__)

# What AWS answers when a rule to authorize exists already.
DUPLICATE_RULE = "InvalidPermission.Duplicate"
GROUP_NOT_FOUND = "InvalidGroup.NotFound"
# EC2 spells this code both ways, depending on the API.
PREFIX_LIST_NOT_FOUND = frozenset({"InvalidPrefixListId.NotFound", "InvalidPrefixListID.NotFound"})
RULE_LIMIT = "RulesPerSecurityGroupLimitExceeded"
STATUS_ROLLBACK_PARTIAL = "rollback-partial"
# Errors about the call, not about any one rule: trying the rules one by one cannot help.
_NOT_ABOUT_A_RULE = (AccessDeniedError, ThrottledError, AwsUnavailableError)


@dataclass(frozen=True, slots=True)
class FailedRule:
    """A revoked rule that could not be authorized again, and why."""

    rule: Rule
    reason: str
    aws_code: str


@dataclass(slots=True)
class Restored:
    """What became of the rules of one direction."""

    restored: list[Rule] = field(default_factory=list)
    # Found present after a failed call: put back by a retried call or by someone else.
    present: list[Rule] = field(default_factory=list)
    failed: list[FailedRule] = field(default_factory=list)
    # A duplicate answered a call the SDK sent again after a lost answer: that attempt may
    # have added the rules `present` names, so they may be this call's own.
    retried: bool = False

    def add(self, other: Restored) -> None:
        self.restored += other.restored
        self.present += other.present
        self.failed += other.failed
        self.retried |= other.retried


def restore(
    gateway: GroupGateway,
    group_id: str,
    direction: Direction,
    rules: Sequence[Rule],
    done: Restored | None = None,
) -> Restored:
    """Authorize `rules` in one call; when that fails, find out rule by rule what comes back.

    A call that timed out after AWS carried it out is retried by the client and then fails as
    a duplicate; so does one racing another rollback: re-describe, then authorize the rules
    still missing. Any other failure is about some rule of the call, or about the call itself
    (access, throttling, the endpoint), which is raised: each rule would fail the same way.
    What is done is added to `done` as it is done, so that a caller whose restore is stopped
    by such a failure still knows which rules came back before it.
    """
    done = Restored() if done is None else done
    if not rules:
        return done
    try:
        gateway.authorize(group_id, direction, rules)
        done.restored += rules
        return done
    except AwsApiError as exc:
        _raise_unless_about_rules(exc)
        duplicate = exc.aws_code == DUPLICATE_RULE
        done.retried |= duplicate and exc.lost_answers > 0
        log.info("authorizing %d rule(s) of %s failed (%s)", len(rules), group_id, exc.aws_code)
    missing = _still_missing(gateway, group_id, rules, done)
    if duplicate and missing:
        try:
            gateway.authorize(group_id, direction, missing)
            done.restored += missing
            return done
        except AwsApiError as exc:
            _raise_unless_about_rules(exc)
        missing = _still_missing(gateway, group_id, missing, done)
    for rule in missing:
        _restore_one(gateway, group_id, direction, rule, done)
    return done


def _restore_one(
    gateway: GroupGateway, group_id: str, direction: Direction, rule: Rule, done: Restored
) -> None:
    try:
        gateway.authorize(group_id, direction, [rule])
        done.restored.append(rule)
    except AwsApiError as exc:
        _raise_unless_about_rules(exc)
        if exc.aws_code == DUPLICATE_RULE:
            done.present.append(rule)
            done.retried |= exc.lost_answers > 0
        else:
            done.failed.append(FailedRule(rule, failure_reason(rule, exc), exc.aws_code))


def _still_missing(
    gateway: GroupGateway, group_id: str, rules: Sequence[Rule], done: Restored
) -> list[Rule]:
    """The rules the group does not hold now; those it holds are noted as present."""
    held = {rule_identity(r) for r in gateway.describe_group(group_id).rules}
    done.present += [r for r in rules if rule_identity(r) in held]
    return [r for r in rules if rule_identity(r) not in held]


def _raise_unless_about_rules(exc: AwsApiError) -> None:
    if isinstance(exc, _NOT_ABOUT_A_RULE):
        raise exc


def failure_reason(rule: Rule, exc: AwsApiError) -> str:
    """Why one rule cannot come back, in the operator's terms."""
    code = exc.aws_code
    peer = rule.peer
    if code == GROUP_NOT_FOUND and peer.kind is PeerKind.GROUP:
        return f"its peer group {peer} no longer exists ({code})"
    if code == GROUP_NOT_FOUND:
        return f"the group no longer exists ({code})"
    if code in PREFIX_LIST_NOT_FOUND:
        return f"its prefix list {peer.value} no longer exists ({code})"
    if code == RULE_LIMIT:
        return f"the group has reached its limit of rules ({code})"
    return f"{code or 'error'}: {exc}"


def all_back(plan: RollbackPlan, failed: Sequence[FailedRule], rules: Sequence[Rule]) -> bool:
    """Every rule meant to be back is in `rules` (a describe after the restore), those
    reported as failed aside."""
    held = {rule_identity(r) for r in rules}
    lost = {rule_identity(f.rule) for f in failed}
    expected = (rule_identity(r) for r in plan.authorize + plan.skipped)
    return all(key in held for key in expected if key not in lost)


@dataclass(frozen=True, slots=True)
class Retagged:
    removed: tuple[str, ...] = ()
    status: str | None = None
    note: str = ""


def tag_change(tags: Mapping[str, str], backup_id: str, *, failed: int, verified: bool) -> Retagged:
    """Remove the remediation's tags once everything is back, or say `rollback-partial` (and
    keep the pointer) when some rule could not come back; only when the pointer names this
    backup, and never when the restored rules could not be verified."""
    if not points_at(tags, backup_id) or not (verified or failed):
        return Retagged(note=tags_note(tags, backup_id, dry_run=False, verified=verified))
    if failed:
        note = f"{TAG_BACKUP} is kept: the group still names its backup"
        return Retagged(status=STATUS_ROLLBACK_PARTIAL, note=note)
    present = tuple(k for k in MANAGED_TAG_KEYS if k in tags)
    return Retagged(removed=present, note="" if present else "no sgc tags to remove")


def write_tags(gateway: GroupGateway, group_id: str, change: Retagged) -> None:
    """The group's part of `change`: its status set, or its sgc tags removed."""
    if change.status is not None:
        gateway.set_tags(group_id, {TAG_STATUS: change.status})
    elif change.removed:
        gateway.remove_tags(group_id, change.removed)


def points_at(tags: Mapping[str, str], backup_id: str) -> bool:
    pointer = parse_pointer(tags.get(TAG_BACKUP, ""))
    return pointer is not None and pointer.backup_id == backup_id


def tags_note(
    tags: Mapping[str, str], backup_id: str, *, dry_run: bool, verified: bool = True
) -> str:
    """What happens (or would) to the group's tags, when that is not simply their removal."""
    pointer = parse_pointer(tags.get(TAG_BACKUP, ""))
    if pointer is None:
        return f"tags left alone: the group has no {TAG_BACKUP} tag naming this backup"
    if pointer.backup_id != backup_id:
        return (
            f"tags left alone: {TAG_BACKUP} names {pointer.backup_id}, another remediation, "
            "whose tags stay"
        )
    if not verified:
        return "tags left alone: the restored rules could not all be verified"
    return "the sgc tags would be removed" if dry_run else ""
