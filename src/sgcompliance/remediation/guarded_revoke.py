"""Revoking only what was judged: backup, pointer, re-read, revoke by content, verify, receipt.

The plan was judged on a read of the group; by the time its backup is stored, a developer may
have fixed a rule in place (`ModifySecurityGroupRules` keeps the id), deleted it, or added
another. So the group is read again after the backup and its pointer tag: any difference from
the pre-image and the group is judged again from that read, under a new backup, before anything
is revoked. The revoke itself names rule *content* (protocol, ports, peer), never ids, so a rule
changed in the last milliseconds no longer matches and is not removed. Verification compares
content, and a receipt records exactly what this tool removed: rollback restores nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sgcompliance.engine.model import Direction, PeerKind, Rule
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.errors import BackupError, NotFoundError, SgcError
from sgcompliance.remediation.backup import (
    BackupRecord,
    StoredBackup,
    backup_id_for,
    parse_pointer,
    pointer_value,
)
from sgcompliance.remediation.drift import content, drift, still_present
from sgcompliance.remediation.outcome import (
    STATUS_IN_PROGRESS,
    GroupOutcome,
    Outcome,
)
from sgcompliance.remediation.plan import (
    TAG_BACKUP,
    TAG_STATUS,
    Action,
    RemediationPlan,
    outcome_tags,
)
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState
from sgcompliance.remediation.rollback_restore import restore

log = logging.getLogger(__name__)

# Judging again from a new read, under a new backup, at most this often before giving up: a
# group that changes faster than it can be read and backed up is reported, not chased.
MAX_READS = 3

# The plan for the group as read now (None: compliant), and the tags it holds now.
Rejudge = Callable[
    [RemediationPlan, GroupGateway], tuple[RemediationPlan | None, Mapping[str, str]]
]


@dataclass(frozen=True, slots=True)
class Rejudged:
    """The group changed since it was read, and judged again it calls for no revoke: `plan`
    is the new judgement (a flag), or None when the group is compliant now."""

    plan: RemediationPlan | None
    changed: list[str]
    # The group's tags once this run's pointer and status were taken back.
    tags: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Applied:
    """The revokes of one plan under one stored backup."""

    revoked: tuple[str, ...]
    not_revoked: tuple[str, ...]
    still_there: tuple[str, ...]
    # Narrowed rules this tool authorized and left in place (by content).
    authorized: tuple[Rule, ...] = ()


@dataclass(slots=True)
class Narrowed:
    """What authorizing a plan's narrowed rules did, kept up to date call by call so that a
    failure part way still says truthfully what was added."""

    added: list[Rule] = field(default_factory=list)
    # Wide rules kept because a replacement of theirs could not be authorized, and why.
    held_back: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    # Added rules not found in the group afterwards.
    missing: list[str] = field(default_factory=list)


class GuardedRevoke:
    def __init__(
        self,
        backups: BackupStore,
        clock: Callable[[], datetime],
        *,
        policy_id: str,
        policy_digest: str,
        defer_outcome_tags: bool,
    ) -> None:
        self.backups = backups
        self.clock = clock
        self.policy_id = policy_id
        self.policy_digest = policy_digest
        self.defer_outcome_tags = defer_outcome_tags

    def run(
        self,
        plan: RemediationPlan,
        gateway: GroupGateway,
        rejudge: Rejudge,
        first: tuple[StoredBackup, tuple[Rule, ...]] | None = None,
    ) -> GroupOutcome | Rejudged:
        """The outcome of revoking under `plan` (or under the plan of a new read, when the
        group changed); `Rejudged` when, judged again, the group calls for no revoke.
        `first`: the backup already stored and pointed at for `plan`, and the group's rules as
        read after its pointer tag (a batch did those steps for many groups at once)."""
        changed: list[str] = []
        previous = previous_tags(plan)
        current_plan: RemediationPlan | None = plan
        for attempt in range(MAX_READS):
            assert current_plan is not None  # narrowed by the loop's exits below
            if attempt == 0 and first is not None:
                stored, current = first
            else:
                stored = self.store(current_plan)
                gateway.set_tags(
                    plan.group_id,
                    {TAG_BACKUP: pointer_value(stored), TAG_STATUS: STATUS_IN_PROGRESS},
                )
                current = gateway.rules(plan.group_id)
            moved = drift(current_plan.pre_image, current)
            if not moved:
                outcome = self.carry_out(current_plan, stored, gateway, previous=previous)
                outcome.changed = changed + [i for i in outcome.changed if i not in changed]
                return outcome
            log.info("%s changed since read (%s): judged again", plan.group_id, moved.describe())
            changed.extend(i for i in (*moved.changed, *moved.gone) if i not in changed)
            self.record(current_plan, stored, Applied((), _planned_ids(current_plan), ()))
            current_plan, tags = rejudge(current_plan, gateway)
            # What changed between that read and the new judgement's own read: the new plan
            # never names those rules, so only this says they went or changed (a group judged
            # compliant now has no plan to read them from: it is read once more).
            now = current_plan.pre_image if current_plan else gateway.rules(plan.group_id)
            later = drift(current, now)
            changed.extend(i for i in (*later.changed, *later.gone) if i not in changed)
            if current_plan is None or not current_plan.revoke_count:
                left = self.take_back(gateway, plan, previous, stored.backup_id, tags)
                return Rejudged(current_plan, changed, left)
        failed = GroupOutcome(plan, Outcome.FAILED, changed=changed)
        failed.error = f"{plan.group_id} kept changing while it was read {MAX_READS} times"
        self.take_back(gateway, plan, previous, stored.backup_id, tags)
        return failed

    def run_stored(
        self,
        plan: RemediationPlan,
        stored: StoredBackup,
        gateway: GroupGateway,
        rejudge: Rejudge,
        *,
        stands_alone: bool,
    ) -> GroupOutcome | Rejudged:
        """`run` for one group whose backup is stored already: its pointer, then the revokes.

        The group is read again after its pointer, and judged again if it changed, unless every
        rule the plan revokes `stands_alone` (judged in a group holding it alone, it is revoked
        the same: the caller judges that). The read then has nothing left to guard: a change
        to any other rule cannot make such a revoke wrong, and a revoked rule that was changed
        or deleted meanwhile no longer matches the content the revoke names, so AWS leaves it
        (named unknown, reported not revoked; the change's own event judges it). A lockdown
        (whose rules go because of others) and a narrowing (authorized first) always read."""
        tags = {TAG_BACKUP: pointer_value(stored), TAG_STATUS: STATUS_IN_PROGRESS}
        gateway.set_tags(plan.group_id, tags)
        if plan.action is not Action.REVOKE or plan.narrowing or not stands_alone:
            return self.run(plan, gateway, rejudge, first=(stored, gateway.rules(plan.group_id)))
        outcome = self.carry_out(plan, stored, gateway, previous=previous_tags(plan))
        # Without a read in between, a planned rule AWS no longer matched changed or went
        # between the read and the revoke: what `changed` says of the rules a read caught.
        outcome.changed += [i for i in outcome.already_gone if i not in outcome.changed]
        return outcome

    def store(self, plan: RemediationPlan) -> StoredBackup:
        now = self.clock()
        record = BackupRecord(
            backup_id=backup_id_for(plan, now),
            created_at=now.isoformat(),
            plan=plan,
            policy_id=self.policy_id,
            policy_digest=self.policy_digest,
        )
        return self.backups.put(record)  # raises BackupError: then nothing below happens

    def carry_out(
        self,
        plan: RemediationPlan,
        stored: StoredBackup,
        gateway: GroupGateway,
        *,
        earlier: tuple[str, ...] = (),
        previous: Mapping[str, str] | None = None,
    ) -> GroupOutcome:
        """Revoke the plan's rules by content, verify by content, store the receipt, tag.
        `earlier`: planned rules an interrupted run of this backup had revoked already;
        `previous`: the pointer and status tags to put back when nothing was revoked."""
        outcome = started(plan, stored)
        narrowed = Narrowed()
        try:
            # The narrower rules first, so that the peers they keep never lose access.
            self.narrow(plan, gateway, narrowed)
            skip = frozenset(earlier) | narrowed.held_back
            applied = self.revoke(plan, gateway, skip=skip)
            applied = self.settle_narrowed(plan, gateway, applied, narrowed, earlier)
        except SgcError as exc:
            if not narrowed.added:
                raise
            # Rules were added and the revokes did not happen: say so, and record them so
            # that a rollback of this backup removes them. A new run finds them present.
            self.record(plan, stored, Applied((*earlier,), (), (), tuple(narrowed.added)))
            outcome.outcome = Outcome.FAILED
            outcome.error = (
                f"authorized {len(narrowed.added)} narrowed rule(s) (recorded for rollback), "
                f"but the revoke failed, so the wider rules stay: {exc}"
            )
            self.untag_unrevoked(plan, stored, gateway, previous)
            return outcome
        return self.conclude(
            plan, stored, gateway, outcome, applied, narrowed, earlier=earlier, previous=previous
        )

    def conclude(
        self,
        plan: RemediationPlan,
        stored: StoredBackup,
        gateway: GroupGateway,
        outcome: GroupOutcome,
        applied: Applied,
        narrowed: Narrowed,
        *,
        earlier: tuple[str, ...] = (),
        previous: Mapping[str, str] | None = None,
        defer: bool = False,
        timestamp: str | None = None,
    ) -> GroupOutcome:
        """The outcome once the revokes were made and verified (`applied`): the receipt, then
        the outcome tags (left in `pending_tags` when `defer`, for a batch to write them)."""
        outcome.revoked = list(applied.revoked)
        outcome.already_gone = [i for i in applied.not_revoked if i not in narrowed.held_back]
        outcome.verified = not applied.still_there
        if narrowed.held_back:
            outcome.outcome = Outcome.FAILED
            outcome.error = (
                f"not narrowed, kept: {', '.join(sorted(narrowed.held_back))} "
                f"({'; '.join(narrowed.reasons)})"
            )
        if narrowed.missing:
            outcome.outcome = Outcome.FAILED
            outcome.verified = False
            outcome.error = "verification failed: narrowed rule(s) missing: " + "; ".join(
                narrowed.missing
            )
        if applied.still_there:
            outcome.outcome = Outcome.FAILED
            outcome.error = "verification failed: still present: " + ", ".join(applied.still_there)
        try:
            recorded = Applied(
                (*earlier, *applied.revoked),
                applied.not_revoked,
                applied.still_there,
                applied.authorized,
            )
            self.record(plan, stored, recorded)
        except BackupError as exc:
            if outcome.outcome is Outcome.APPLIED:
                outcome.outcome = Outcome.APPLIED_UNRECORDED
                outcome.error = f"revoked, but the receipt was not stored: {exc}"
            return outcome
        if outcome.outcome is Outcome.APPLIED and not (earlier or applied.revoked):
            # Every planned rule changed between the last read and the revoke: none matched.
            outcome.outcome, outcome.changed = Outcome.CHANGED, list(applied.not_revoked)
            outcome.error = "changed between the read and the revoke: nothing was revoked"
            held = gateway.describe_group(plan.group_id).tags
            self.take_back(gateway, plan, previous or {}, stored.backup_id, held)
        elif outcome.outcome is Outcome.APPLIED:
            self.tag(outcome, pointer_value(stored), gateway, defer=defer, timestamp=timestamp)
        elif narrowed.held_back and not (earlier or applied.revoked):
            self.untag_unrevoked(plan, stored, gateway, previous)
        return outcome

    def untag_unrevoked(
        self,
        plan: RemediationPlan,
        stored: StoredBackup,
        gateway: GroupGateway,
        previous: Mapping[str, str] | None,
    ) -> None:
        """Nothing was revoked under `stored` (its receipt says what was added): the group
        goes back to its earlier pointer and status, not left "in progress" for a later run
        to close as if it had been remediated. Best effort: the outcome already says why."""
        try:
            held = gateway.describe_group(plan.group_id).tags
            self.take_back(gateway, plan, previous or {}, stored.backup_id, held)
        except SgcError as exc:
            log.warning("%s keeps its in-progress tags: %s", plan.group_id, exc)

    def revoke(
        self, plan: RemediationPlan, gateway: GroupGateway, skip: frozenset[str] = frozenset()
    ) -> Applied:
        """The plan's revokes, verified: by AWS's answer to each call where it accounts for
        every rule (`_revoke_direction`), else by content against the group read again."""
        revoked, not_revoked, answered = self._revoke_all(plan, gateway, skip)
        if answered:
            return Applied(revoked, not_revoked, ())
        return verified(plan, revoked, not_revoked, gateway.rules(plan.group_id))

    def revoke_calls(
        self, plan: RemediationPlan, gateway: GroupGateway, skip: frozenset[str] = frozenset()
    ) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """The revoke calls of one plan, by content, one per direction (and, in a lockdown,
        its causes first): the ids revoked and those not (changed or gone), and whether AWS's
        answers alone account for every rule (else only a read after them verifies)."""
        return self._revoke_all(plan, gateway, skip)

    def _revoke_all(
        self, plan: RemediationPlan, gateway: GroupGateway, skip: frozenset[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """`revoke_calls`, and whether AWS's answers alone account for every rule."""
        revoked: list[str] = []
        not_revoked: list[str] = []
        answered = True
        causes, rest = _lockdown_causes(plan)
        for batch in (causes, rest):
            todo = [r for r in batch if r.rule_id not in skip]
            if batch is rest and any(r.rule_id in not_revoked for r in causes):
                # A rule that caused the lockdown changed or went before its revoke: the
                # others were to go only because of it, so they stay (the next run judges).
                not_revoked.extend(r.rule_id for r in todo)
                continue
            for direction in Direction:
                rules = [r for r in todo if r.direction is direction]
                if not rules:
                    continue
                unknown, told = _revoke_direction(gateway, plan.group_id, direction, rules)
                answered = answered and told
                revoked.extend(r.rule_id for r in rules if r.rule_id not in unknown)
                not_revoked.extend(r.rule_id for r in rules if r.rule_id in unknown)
        return tuple(revoked), tuple(not_revoked), answered

    def narrow(self, plan: RemediationPlan, gateway: GroupGateway, done: Narrowed) -> None:
        """Authorize the plan's narrowed rules, per direction in one call (rule by rule when
        that fails, as a rollback does). A rule the group holds already (another run's, or
        someone's) is not this tool's to record. A replacement that cannot be authorized keeps
        the rules it was to replace: their peers would otherwise lose access. After a call the
        SDK sent again (its first answer lost), a rule found present that the group did not hold
        when judged is this run's: its first attempt added it, and rollback must remove it."""
        held_before = {rule_identity(r) for r in plan.pre_image}
        for direction in Direction:
            rules = plan.narrowed(direction)
            if not rules:
                continue
            result = restore(gateway, plan.group_id, direction, rules)
            done.added += result.restored
            if result.retried:
                done.added += [r for r in result.present if rule_identity(r) not in held_before]
            failed = {rule_identity(f.rule) for f in result.failed}
            done.reasons += [f"{f.rule.describe()}: {f.reason}" for f in result.failed]
            for narrowing in plan.narrowing:
                if rule_identity(narrowing.rule) in failed:
                    done.held_back.update(narrowing.replaces)

    def settle_narrowed(
        self,
        plan: RemediationPlan,
        gateway: GroupGateway,
        applied: Applied,
        narrowed: Narrowed,
        earlier: tuple[str, ...],
    ) -> Applied:
        """`applied` with the narrowed rules this tool added: those whose every wide rule
        stayed (changed or gone before its revoke, or held back) are taken back, and those
        kept must be in the group (else the verification fails)."""
        if not plan.narrowing:
            return applied
        gone = set(applied.revoked) | set(earlier)
        serving = {
            rule_identity(n.rule) for n in plan.narrowing if any(i in gone for i in n.replaces)
        }
        kept = [r for r in narrowed.added if rule_identity(r) in serving]
        idle = [r for r in narrowed.added if rule_identity(r) not in serving]
        for direction in Direction:
            rules = [r for r in idle if r.direction is direction]
            if rules:
                unknown, _ = _revoke_direction(gateway, plan.group_id, direction, rules)
                kept += [r for r in rules if r.rule_id in unknown]
        held = {rule_identity(r) for r in gateway.rules(plan.group_id)}
        narrowed.missing = [r.describe() for r in kept if rule_identity(r) not in held]
        not_revoked = (
            *applied.not_revoked,
            *(i for i in sorted(narrowed.held_back) if i not in applied.not_revoked),
        )
        return Applied(applied.revoked, not_revoked, applied.still_there, tuple(kept))

    def record(self, plan: RemediationPlan, stored: StoredBackup, applied: Applied) -> None:
        if applied.revoked:
            state = ReceiptState.PARTIAL if applied.not_revoked else ReceiptState.APPLIED
        elif applied.authorized:
            state = ReceiptState.PARTIAL
        else:
            state = ReceiptState.NOTHING
        self.backups.put_receipt(
            BackupReceipt(
                backup_id=stored.backup_id,
                account_id=plan.account_id,
                region=plan.region,
                group_id=plan.group_id,
                created_at=self.clock().isoformat(),
                sha256=stored.sha256,
                version_id=stored.version_id,
                plan_id=plan.plan_id,
                state=state,
                revoked=applied.revoked,
                not_revoked=applied.not_revoked,
                authorized=applied.authorized,
            )
        )

    def take_back(
        self,
        gateway: GroupGateway,
        plan: RemediationPlan,
        previous: Mapping[str, str],
        backup_id: str,
        tags: Mapping[str, str],
    ) -> dict[str, str]:
        """Take back the pointer and status tags of a backup nothing was revoked under, when
        the group (as read in `tags`) still carries them; the group's tags afterwards.

        Another run may have remediated the group meanwhile (a second delivery of the same
        event, a sweep): its outcome tags may be the ones this run's pointer overwrote, so what
        the tags say then comes from the records, the group's newest receipt of a revoke, and
        only without one from the tags read before this run began (`previous`). A pointer some
        other run wrote since is left as it is."""
        pointer = parse_pointer(tags.get(TAG_BACKUP, ""))
        if pointer is None or pointer.backup_id != backup_id:
            return dict(tags)
        recorded = self.recorded_tags(plan)
        if recorded:
            gateway.set_tags(plan.group_id, recorded)
            return {**tags, **recorded}
        if previous:
            gateway.set_tags(plan.group_id, dict(previous))
        gone = [k for k in (TAG_BACKUP, TAG_STATUS) if k not in previous]
        if gone:
            gateway.remove_tags(plan.group_id, gone)
        return {**{k: v for k, v in tags.items() if k not in gone}, **previous}

    def recorded_tags(self, plan: RemediationPlan) -> dict[str, str]:
        """The outcome tags of the group's newest receipt of a revoke (none: {})."""
        where = (plan.account_id, plan.region, plan.group_id)
        done = [
            r
            for r in self.backups.receipts(plan.group_id)
            if r.revoked and (r.account_id, r.region, r.group_id) == where
        ]
        if not done:
            return {}
        newest = max(done, key=lambda r: (r.created_at, r.backup_id))
        try:
            loaded = self.backups.load(newest.backup_id, newest.version_id)
        except BackupError:
            return {}
        if loaded.sha256 != newest.sha256 or loaded.record.plan.group_id != plan.group_id:
            return {}
        stored = StoredBackup(newest.backup_id, "", newest.version_id, newest.sha256)
        return outcome_tags(loaded.record.plan, pointer_value(stored), newest.created_at)

    def tag(
        self,
        outcome: GroupOutcome,
        pointer: str,
        gateway: GroupGateway,
        *,
        defer: bool = False,
        timestamp: str | None = None,
    ) -> None:
        tags = outcome_tags(outcome.plan, pointer, timestamp or self.clock().isoformat())
        if self.defer_outcome_tags or defer:
            outcome.pending_tags = tags
            return
        try:
            gateway.set_tags(outcome.plan.group_id, tags)
        except SgcError as exc:
            outcome.outcome = Outcome.APPLIED_TAGGING_FAILED
            outcome.error = f"revoked and verified, but the outcome tags failed: {exc}"


def previous_tags(plan: RemediationPlan) -> dict[str, str]:
    """The pointer and status tags to put back when nothing is revoked under this run's
    backup. An in-progress status is never put back: its run was closed, or is this one."""
    return {
        k: v
        for k, v in plan.group_tags.items()
        if k in (TAG_BACKUP, TAG_STATUS) and v != STATUS_IN_PROGRESS
    }


def started(plan: RemediationPlan, stored: StoredBackup) -> GroupOutcome:
    """The outcome of a plan whose backup is stored, before anything is revoked."""
    outcome = GroupOutcome(plan, Outcome.APPLIED, backup_id=stored.backup_id)
    outcome.backup_sha256, outcome.backup_version = stored.sha256, stored.version_id
    return outcome


def verified(
    plan: RemediationPlan,
    revoked: tuple[str, ...],
    not_revoked: tuple[str, ...],
    after: tuple[Rule, ...],
) -> Applied:
    """What the revokes did, checked by content against the group's rules read after them."""
    gone = [r for r in plan.revoked_rules if r.rule_id in set(revoked)]
    still = tuple(r.rule_id for r in still_present(gone, after))
    return Applied(revoked, not_revoked, still)


def _revoke_direction(
    gateway: GroupGateway, group_id: str, direction: Direction, rules: list[Rule]
) -> tuple[set[str], bool]:
    """Revoke `rules` by content: the ids of those this call did not remove, and whether the
    answer told so itself (else only a read of the group can confirm what went).

    The answer tells when it accounts for every rule (`RevokeResult.accounted`) and, where it
    lists the ids it removed, they are exactly those of the rules judged that it did not name
    unknown: a rule deleted and added again under another id, or an answer that disagrees
    with itself, is left to the read. That is the answer AWS gives to the call that removed
    the rules, so it replaces the read after it (which, EC2 being eventually consistent, may
    even show a rule that is already gone).

    AWS names content the group no longer holds in its answer and revokes the rest. Some
    endpoints fail the whole call instead, after removing the rules before the unmatched one
    (moto; and it never matches a group reference that has a description). There, group
    references go first, so that such a refusal removes nothing; after a refusal the group is
    read again and each rule still there, under its id and as judged, is revoked alone. A
    rule that went during the refused call is not claimed as revoked: a rollback never
    restores what this tool cannot show it removed. Nor is its content held now under another
    id (someone added it back): that is another rule, which no plan of this run judged.

    Unless the refused call was sent again after an attempt whose answer was lost
    (`lost_answers`: say a timeout after the endpoint acted): then the refusal may be about
    what that attempt removed, so a rule whose id is gone counts as removed by this call, and
    its receipt lets a rollback restore it. The tool cannot tell it from a rule someone deleted
    in the same moment, which a rollback would then restore too. A call sent again only after
    throttling or an error AWS answered is not such a call: those attempts removed nothing.
    """
    ordered = sorted(rules, key=lambda r: r.peer.kind is not PeerKind.GROUP)
    retried = False
    try:
        answer = gateway.revoke(group_id, direction, ordered)
    except NotFoundError as exc:
        log.info("a revoke of %s was refused; revoking rule by rule", group_id)
        retried = exc.lost_answers > 0
    else:
        unknown = {r.rule_id for r in answer.unknown}
        removed = {r.rule_id for r in ordered} - unknown
        listed = answer.revoked_ids
        told = answer.accounted and (listed is None or set(listed) == removed)
        return unknown, told
    held = gateway.rules(group_id)
    current = {r.rule_id: content(r) for r in held}
    return {
        rule.rule_id
        for rule in ordered
        if not (
            (retried and rule.rule_id not in current)
            or (
                current.get(rule.rule_id) == content(rule)
                and _revoke_one(gateway, group_id, direction, rule)
            )
        )
    }, False


def _revoke_one(gateway: GroupGateway, group_id: str, direction: Direction, rule: Rule) -> bool:
    """Whether `rule` was removed by this call: by content, else (a group reference, which
    such an endpoint refuses to match by content while it is there) by id, when the group
    read again right before holds exactly the rule judged under that id. Any other refused
    rule changed or went since the last read: removing it by id would remove what was not
    judged."""
    try:
        return not gateway.revoke(group_id, direction, [rule]).unknown
    except NotFoundError as exc:
        retried = exc.lost_answers > 0
        if rule.peer.kind is not PeerKind.GROUP and not retried:
            return False
    held = {r.rule_id: content(r) for r in gateway.rules(group_id)}
    if retried and rule.rule_id not in held:
        return True  # an earlier attempt of the call removed it (`_revoke_direction`)
    if rule.peer.kind is not PeerKind.GROUP or held.get(rule.rule_id) != content(rule):
        return False
    try:
        gateway.revoke_ids(group_id, direction, [rule.rule_id])
    except NotFoundError as exc:
        return exc.lost_answers > 0 and all(
            r.rule_id != rule.rule_id for r in gateway.rules(group_id)
        )
    return True


def _lockdown_causes(plan: RemediationPlan) -> tuple[list[Rule], list[Rule]]:
    """The rules to revoke first and the rest. A lockdown revokes every rule of the group
    because of its most severe findings: their rules go first, and the rest only once they
    went. Any other plan revokes its rules for their own findings, all at once."""
    rules = list(plan.revoked_rules)
    severities = [f.severity for f in plan.findings if f.rule_id is not None]
    if plan.action is not Action.LOCKDOWN or not severities:
        return rules, []
    worst = max(s.rank for s in severities)
    ids = {f.rule_id for f in plan.findings if f.rule_id and f.severity.rank == worst}
    return [r for r in rules if r.rule_id in ids], [r for r in rules if r.rule_id not in ids]


def _planned_ids(plan: RemediationPlan) -> tuple[str, ...]:
    return (*plan.revoke_ingress, *plan.revoke_egress)
