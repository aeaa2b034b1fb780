"""Remediation plans: pure values saying what to revoke and tag, and how to undo it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from sgcompliance.engine.exposure import allowed_ranges, peer_within
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule, SecurityGroup
from sgcompliance.engine.network import RangeSet, cidr_info
from sgcompliance.engine.policy import AllowedPeers, Remediation, Severity
from sgcompliance.engine.rule_codec import rule_identity


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
# The last day of a grace period (YYYY-MM-DD): the group's graced violations are remediated by
# the first run after it. Empty once nothing waits.
TAG_DEADLINE = "sgc:remediate-after"
MANAGED_TAG_KEYS = (TAG_STATUS, TAG_CHECKS, TAG_BACKUP, TAG_TIME, TAG_DEADLINE)
# The keys every revoke writes (the deadline only where the group already has one).
REVOKE_TAG_KEYS = (TAG_STATUS, TAG_CHECKS, TAG_BACKUP, TAG_TIME)
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
class Narrowing:
    """A rule to authorize in place of wider ones: same direction, protocol, ports and
    description, a peer from the check's allowed ranges that lies inside theirs."""

    rule: Rule
    # The rule ids of the wide rules it stands in for.
    replaces: tuple[str, ...]


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
    # The last day of the grace period of violations flagged now and remediated after it.
    remediate_after: date | None = None
    # Rules authorized before the revokes, in place of revoked rules (remediation narrow).
    narrowing: tuple[Narrowing, ...] = ()

    def narrowed(self, direction: Direction) -> tuple[Rule, ...]:
        return tuple(n.rule for n in self.narrowing if n.rule.direction is direction)

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


@dataclass(frozen=True, slots=True)
class Grace:
    """Grace periods of a policy's checks (days; a check not named has none) and the day the
    plan is made on: pure code is handed the date, it never reads a clock."""

    days: Mapping[str, int]
    today: date


@dataclass(frozen=True, slots=True)
class NarrowTo:
    """The allowed ranges of the policy's `narrow` checks, and the region's prefix lists
    (a list the region cannot resolve narrows to nothing)."""

    allowed: Mapping[str, AllowedPeers]
    prefix_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


NO_NARROWING = NarrowTo({})


@dataclass(frozen=True, slots=True)
class Deferral:
    """What a group's grace period holds back from this plan, and why."""

    deferred: frozenset[str]  # finding ids
    remediate_after: date | None
    note: str


NO_GRACE = Grace({}, date.min)


def defer(
    group: SecurityGroup, violations: Sequence[Finding], mode: Mode, grace: Grace
) -> Deferral:
    """Which violations wait for the group's grace period to end.

    The period is the group's: it starts the first time a violation of a check with a grace
    period is planned (`today` + the shortest such grace) and is kept in `sgc:remediate-after`;
    violations seen later share it. The tag is written by anyone who may tag the group, so it is
    trusted only as far as the policy allows: a date later than `today` + the longest grace of
    the violations could not have been written under this policy (a genuine date was written on
    or before today), and neither could text that is not a date; either way the grace is over
    and the violations are remediated now. A tag moved within the policy's grace cannot be told
    from the tool's own: the tag-change events and the SCP on `sgc:` keys are what guard it.
    """
    graced = [
        f
        for f in violations
        if grace.days.get(f.check_id, 0) > 0
        and f.rule_id is not None
        and f.remediation in (Remediation.REMOVE, Remediation.LOCKDOWN, Remediation.NARROW)
    ]
    if mode is Mode.FLAG_ONLY or not graced:
        return Deferral(frozenset(), None, "")
    today = grace.today
    longest = max(grace.days[f.check_id] for f in graced)
    written = group.tags.get(TAG_DEADLINE, "")
    deadline: date | None = today + timedelta(days=min(grace.days[f.check_id] for f in graced))
    if written:
        deadline = _tag_date(written)
        if deadline is None or deadline > today + timedelta(days=longest):
            shown = written if len(written) <= 32 else written[:32] + "..."
            note = (
                f"{TAG_DEADLINE}={shown!r} is not a date this policy's grace ({longest} days) "
                "allows: it was not written by sgcompliance under this policy, so the grace "
                "period is over"
            )
            return Deferral(frozenset(), None, note)
    if deadline is None or today > deadline:
        return Deferral(frozenset(), None, "")
    checks = ", ".join(sorted({f.check_id for f in graced}))
    note = (
        f"{checks}: within the grace period; {len({f.rule_id for f in graced})} rule(s) "
        f"flagged now, remediated by the first run after {deadline.isoformat()}"
    )
    return Deferral(frozenset(f.finding_id for f in graced), deadline, note)


def _tag_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def plan_group(
    group: SecurityGroup,
    findings: Sequence[Finding],
    mode: Mode,
    *,
    lockdown_severity: Severity = Severity.CRITICAL,
    grace: Grace = NO_GRACE,
    narrow_to: NarrowTo = NO_NARROWING,
) -> RemediationPlan | None:
    """The plan for one group from its findings; None when nothing violates.

    Exempted findings never contribute. Group-level findings (no rule) are only flagged.
    Violations within their grace period (`defer`) are flagged, not revoked.
    """
    violations = [f for f in findings if f.is_violation and f.group_id == group.group_id]
    if not violations:
        return None
    planned = tuple(
        PlannedFinding(f.finding_id, f.check_id, f.severity, f.rule_id, f.message)
        for f in violations
    )
    deferral = defer(group, violations, mode, grace)
    # A rule also found by a check without grace is revoked for that check.
    acted_on = [f for f in violations if f.finding_id not in deferral.deferred]
    action, revoke_ids = _decide(group, acted_on, mode, lockdown_severity)
    if action is Action.LOCKDOWN:
        revoke_ids -= _exempted_rules(findings, violations)
    note = deferral.note
    narrowing: tuple[Narrowing, ...] = ()
    if action is Action.REVOKE:
        narrowing, unnarrowable = narrow(group, acted_on, narrow_to)
        if unnarrowable:
            revoke_ids -= set(unnarrowable)
            if not revoke_ids:
                action = Action.FLAG
            note = _join(
                note,
                f"{', '.join(sorted(unnarrowable))}: no allowed range lies inside the peer (or "
                "its prefix list cannot be resolved here), so nothing can replace it: flagged, "
                "not narrowed",
            )
    if revoke_ids and not tags_fit(group.tags):
        action, revoke_ids = Action.FLAG, set()
        note = (
            f"{group.group_id} has {user_tag_count(group.tags)} tags: the remediator's "
            f"{len(REVOKE_TAG_KEYS)} tags (backup pointer, status) would exceed the limit of "
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
        remediate_after=deferral.remediate_after,
        narrowing=narrowing if action is Action.REVOKE else (),
    )


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def narrow(
    group: SecurityGroup, violations: Sequence[Finding], narrow_to: NarrowTo
) -> tuple[tuple[Narrowing, ...], tuple[str, ...]]:
    """The rules that replace the rules found only by `narrow` checks, and those rules that
    nothing can replace.

    A rule also found by a `remove` or `lockdown` check is revoked without a replacement. A
    replacement is an allowed CIDR, or an allowed prefix list as resolved in the region, that
    lies wholly inside the rule's own peer (so narrowing never opens what the rule did not)
    and inside the allowed ranges of every `narrow` check that found the rule. A replacement
    the group holds already is not authorized again.
    """
    by_rule: dict[str, list[Finding]] = {}
    for finding in violations:
        if finding.rule_id is not None:
            by_rule.setdefault(finding.rule_id, []).append(finding)
    rules = {r.rule_id: r for r in group.rules}
    held = {rule_identity(r) for r in group.rules}
    lists = narrow_to.prefix_lists
    replacing: dict[tuple[object, ...], tuple[Rule, list[str]]] = {}
    unnarrowable: list[str] = []
    for rule_id, found in sorted(by_rule.items()):
        # Flag-only findings of the rule ask for nothing; a revoking one without narrowing wins.
        kinds = {f.remediation for f in found} - {Remediation.FLAG}
        if kinds != {Remediation.NARROW} or rule_id not in rules:
            continue
        rule = rules[rule_id]
        sets = [
            narrow_to.allowed.get(f.check_id) for f in found if f.remediation is Remediation.NARROW
        ]
        if any(s is None for s in sets):
            unnarrowable.append(rule_id)
            continue
        allowed = [s for s in sets if s is not None]
        own = _peer_ranges(rule.peer, lists)
        peers = [
            peer
            for peer in _candidates(allowed)
            if own
            and peer_within(peer, own, lists)
            and all(peer_within(peer, allowed_ranges(a, lists), lists) for a in allowed)
        ]
        if not peers:
            unnarrowable.append(rule_id)
            continue
        for peer in peers:
            new = Rule("", group.group_id, rule.direction, rule.protocol, rule.from_port,
                       rule.to_port, peer, rule.description)  # fmt: skip
            key = rule_identity(new)
            if key in held:
                continue
            replacing.setdefault(key, (new, []))[1].append(rule_id)
    # The ids AWS gives the new rules are not known before the call: these only name them in
    # the plan and its backup (rules are matched by content, never by id).
    narrowing = tuple(
        Narrowing(replace(r, rule_id=f"narrow-{i}"), tuple(ids))
        for i, (r, ids) in enumerate(replacing.values(), 1)
    )
    return narrowing, tuple(unnarrowable)


def _candidates(allowed: Sequence[AllowedPeers]) -> list[Peer]:
    seen: dict[str, Peer] = {}
    for peers in allowed:
        for cidr in peers.cidrs:
            kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
            seen.setdefault(cidr, Peer(kind, cidr))
        for list_id in peers.prefix_lists:
            seen.setdefault(list_id, Peer(PeerKind.PREFIX_LIST, list_id))
    return list(seen.values())


def _peer_ranges(peer: Peer, prefix_lists: Mapping[str, tuple[str, ...]]) -> RangeSet:
    """The addresses a rule's peer stands for (none for a group, or an unresolvable list)."""
    if peer.kind is PeerKind.GROUP:
        return RangeSet()
    if peer.kind is PeerKind.PREFIX_LIST:
        return RangeSet([cidr_info(c) for c in prefix_lists.get(peer.value, ())])
    return RangeSet([cidr_info(peer.value)])


def user_tag_count(tags: Mapping[str, str]) -> int:
    return sum(1 for key in tags if not key.startswith("aws:"))


def tags_fit(tags: Mapping[str, str]) -> bool:
    """Whether every tag a revoke writes fits beside the group's own: a revoke whose pointer
    or outcome tags cannot be written would leave no trace on the group."""
    missing = sum(1 for key in REVOKE_TAG_KEYS if key not in tags)
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
        if f.rule_id is not None
        and f.remediation in (Remediation.REMOVE, Remediation.LOCKDOWN, Remediation.NARROW)
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
        replace(p, action=Action.FLAG, revoke_ingress=(), revoke_egress=(), note=why, narrowing=())
        for p in plans
    ]
    return flagged, why


def outcome_tags(plan: RemediationPlan, backup_id: str, timestamp: str) -> dict[str, str]:
    """Summaries within AWS limits (256-character values); full detail lives in the backup."""
    status = {Action.FLAG: "flagged", Action.REVOKE: "remediated", Action.LOCKDOWN: "locked-down"}
    checks = ",".join(sorted({f.check_id for f in plan.findings}))
    if len(checks) > TAG_VALUE_LIMIT:
        checks = checks[: TAG_VALUE_LIMIT - 3] + "..."
    tags = {
        TAG_STATUS: status[plan.action],
        TAG_CHECKS: checks,
        TAG_BACKUP: backup_id[:TAG_VALUE_LIMIT],
        TAG_TIME: timestamp,
    }
    # The grace period's last day while violations wait; emptied once none does, so that a
    # violation found later starts a period of its own.
    if plan.remediate_after is not None:
        tags[TAG_DEADLINE] = plan.remediate_after.isoformat()
    elif plan.group_tags.get(TAG_DEADLINE):
        tags[TAG_DEADLINE] = ""
    return tags


def fitting(tags: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """The `tags` to write that fit the tag limit beside `current`, the most telling first
    (status, violations, grace deadline, time, backup): a flag on a crowded group says at
    least what is wrong."""
    room = TAG_LIMIT - user_tag_count(current)
    kept: dict[str, str] = {}
    for key in (TAG_STATUS, TAG_CHECKS, TAG_DEADLINE, TAG_TIME, TAG_BACKUP):
        if key not in tags:
            continue
        if key in current or room > 0:
            kept[key] = tags[key]
            room -= 0 if key in current else 1
    return kept
