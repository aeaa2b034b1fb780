"""Remediation plans: pure values saying what to revoke and tag, and how to undo it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Direction, Rule, SecurityGroup
from sgcompliance.engine.policy import Remediation, Severity


class Mode(StrEnum):
    FLAG_ONLY = "flag_only"
    REMOVE = "remove_non_compliant_rules"
    EMERGENCY = "emergency_remediation"


class Action(StrEnum):
    FLAG = "flag"
    REVOKE = "revoke"
    LOCKDOWN = "lockdown"


# Tag keys the remediator writes; the member role may only touch these.
TAG_PREFIX = "sgc:"
TAG_STATUS = "sgc:status"
TAG_CHECKS = "sgc:violations"
TAG_BACKUP = "sgc:backup"
TAG_TIME = "sgc:remediated-at"
MANAGED_TAG_KEYS = (TAG_STATUS, TAG_CHECKS, TAG_BACKUP, TAG_TIME)
TAG_VALUE_LIMIT = 256
# Tags per EC2 resource; keys AWS itself writes (`aws:`) do not count against it.
TAG_LIMIT = 50


@dataclass(frozen=True, slots=True)
class PlannedFinding:
    finding_id: str
    check_id: str
    severity: Severity
    rule_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class RemediationPlan:
    plan_id: str
    mode: Mode
    action: Action
    account_id: str
    region: str
    group_id: str
    group_name: str
    # The group's complete rule set when planned: the rollback source of truth.
    pre_image: tuple[Rule, ...]
    findings: tuple[PlannedFinding, ...]
    revoke_ingress: tuple[str, ...] = ()
    revoke_egress: tuple[str, ...] = ()
    note: str = ""
    # The group's tags when planned: lets a re-run see that flags are already in place.
    group_tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def revoke_count(self) -> int:
        return len(self.revoke_ingress) + len(self.revoke_egress)

    def revokes(self, direction: Direction) -> tuple[str, ...]:
        return self.revoke_ingress if direction is Direction.INGRESS else self.revoke_egress

    @property
    def revoked_rules(self) -> tuple[Rule, ...]:
        ids = set(self.revoke_ingress) | set(self.revoke_egress)
        return tuple(r for r in self.pre_image if r.rule_id in ids)


def plan_id_for(
    group: SecurityGroup, mode: Mode, revokes: Iterable[str], pre_image_hash: str
) -> str:
    key = "|".join(
        (group.account_id, group.region, group.group_id, mode, *sorted(revokes), pre_image_hash)
    )
    return "plan-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def pre_image_hash(rules: Sequence[Rule]) -> str:
    """Order-independent digest of a rule set, recorded in the audit trail."""
    lines = sorted(
        f"{r.rule_id}|{r.direction}|{r.protocol}|{r.from_port}|{r.to_port}|{r.peer.kind}|{r.peer}"
        f"|{r.description}"
        for r in rules
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def plan_group(
    group: SecurityGroup,
    findings: Sequence[Finding],
    mode: Mode,
    *,
    lockdown_severity: Severity = Severity.CRITICAL,
) -> RemediationPlan | None:
    """The plan for one group from its findings; None when nothing violates.

    Exempted findings never contribute. Group-level findings (no rule) are only flagged.
    """
    violations = [f for f in findings if f.is_violation and f.group_id == group.group_id]
    if not violations:
        return None
    planned = tuple(
        PlannedFinding(f.finding_id, f.check_id, f.severity, f.rule_id, f.message)
        for f in violations
    )
    action, revoke_ids = _decide(group, violations, mode, lockdown_severity)
    if action is Action.LOCKDOWN:
        revoke_ids -= _exempted_rules(findings, violations)
    note = ""
    if revoke_ids and not tags_fit(group.tags):
        action, revoke_ids = Action.FLAG, set()
        note = (
            f"{group.group_id} has {user_tag_count(group.tags)} tags: the remediator's "
            f"{len(MANAGED_TAG_KEYS)} tags (backup pointer, status) would exceed the limit of "
            f"{TAG_LIMIT}, so its rules are flagged, not revoked"
        )
    ingress = tuple(
        sorted(
            r.rule_id
            for r in group.rules
            if r.rule_id in revoke_ids and r.direction is Direction.INGRESS
        )
    )
    egress = tuple(
        sorted(
            r.rule_id
            for r in group.rules
            if r.rule_id in revoke_ids and r.direction is Direction.EGRESS
        )
    )
    digest = pre_image_hash(group.rules)
    return RemediationPlan(
        plan_id=plan_id_for(group, mode, revoke_ids, digest),
        mode=mode,
        action=action,
        account_id=group.account_id,
        region=group.region,
        group_id=group.group_id,
        group_name=group.name,
        pre_image=group.rules,
        findings=planned,
        revoke_ingress=ingress,
        revoke_egress=egress,
        note=note,
        group_tags=dict(group.tags),
    )


def user_tag_count(tags: Mapping[str, str]) -> int:
    return sum(1 for key in tags if not key.startswith("aws:"))


def tags_fit(tags: Mapping[str, str]) -> bool:
    """Whether every tag a revoke writes fits beside the group's own: a revoke whose pointer
    or outcome tags cannot be written would leave no trace on the group."""
    missing = sum(1 for key in MANAGED_TAG_KEYS if key not in tags)
    return user_tag_count(tags) + missing <= TAG_LIMIT


def _exempted_rules(findings: Sequence[Finding], violations: Sequence[Finding]) -> set[str]:
    """Rules whose every finding is exempted: even a complete lockdown leaves them alone."""
    violating = {f.rule_id for f in violations}
    return {
        f.rule_id
        for f in findings
        if not f.is_violation and f.rule_id is not None and f.rule_id not in violating
    }


def _decide(
    group: SecurityGroup, violations: Sequence[Finding], mode: Mode, lockdown_severity: Severity
) -> tuple[Action, set[str]]:
    if mode is Mode.FLAG_ONLY:
        return Action.FLAG, set()
    if mode is Mode.EMERGENCY and any(
        f.severity.rank >= lockdown_severity.rank or f.remediation is Remediation.LOCKDOWN
        for f in violations
    ):
        return Action.LOCKDOWN, {r.rule_id for r in group.rules}
    revoke = {
        f.rule_id
        for f in violations
        if f.rule_id is not None and f.remediation in (Remediation.REMOVE, Remediation.LOCKDOWN)
    }
    # An exempted finding on the same rule does not protect it from another check's violation,
    # but a rule that is exempted for every finding it has never appears in `violations`.
    return (Action.REVOKE if revoke else Action.FLAG), revoke


def limit_blast_radius(
    plans: Sequence[RemediationPlan], max_revokes: int | None
) -> tuple[list[RemediationPlan], str]:
    """More revokes than allowed in one run: revoke nothing, flag everything, and say why."""
    total = sum(p.revoke_count for p in plans)
    if max_revokes is None or total <= max_revokes:
        return list(plans), ""
    why = (
        f"blast-radius limit: {total} rules would be revoked, more than the maximum of "
        f"{max_revokes}; every group is flagged instead and nothing is revoked"
    )
    flagged = [
        replace(p, action=Action.FLAG, revoke_ingress=(), revoke_egress=(), note=why) for p in plans
    ]
    return flagged, why


def outcome_tags(plan: RemediationPlan, backup_id: str, timestamp: str) -> dict[str, str]:
    """Summaries within AWS limits (256-character values); full detail lives in the backup."""
    status = {Action.FLAG: "flagged", Action.REVOKE: "remediated", Action.LOCKDOWN: "locked-down"}
    checks = ",".join(sorted({f.check_id for f in plan.findings}))
    if len(checks) > TAG_VALUE_LIMIT:
        checks = checks[: TAG_VALUE_LIMIT - 3] + "..."
    return {
        TAG_STATUS: status[plan.action],
        TAG_CHECKS: checks,
        TAG_BACKUP: backup_id[:TAG_VALUE_LIMIT],
        TAG_TIME: timestamp,
    }


def fitting(tags: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """The `tags` to write that fit the tag limit beside `current`, the most telling first
    (status, violations, time, backup): a flag on a crowded group says at least what is wrong."""
    room = TAG_LIMIT - user_tag_count(current)
    kept: dict[str, str] = {}
    for key in (TAG_STATUS, TAG_CHECKS, TAG_TIME, TAG_BACKUP):
        if key not in tags:
            continue
        if key in current or room > 0:
            kept[key] = tags[key]
            room -= 0 if key in current else 1
    return kept
