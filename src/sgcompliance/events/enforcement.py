"""Judging groups and carrying out the decisions: the steps an event and a sweep share.

read -> scan -> plan (the account's mode, the blast-radius limit) -> backup -> apply -> verify,
then one audit record per decision, with the metrics of every step. Writing the records and
alerting is left to the caller: an event alerts once per event, a sweep once per batch.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import SgcError
from sgcompliance.events.services import Pipeline, Services, error_code, is_transient
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record, latency_ms
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.records.notifier import GroupTags
from sgcompliance.remediation.audit_records import outcome_audit_record
from sgcompliance.remediation.outcome import REVOKED_OUTCOMES
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan, pre_image_hash
from sgcompliance.remediation.remediator import (
    GroupOutcome,
    Outcome,
    RemediationRun,
    SecurityGroupRemediator,
    write_outcome_tags,
)

log = logging.getLogger(__name__)

Reader = Callable[[], Sequence[RegionSnapshot]]
# The outcome of a compliance record whose group's stale flag tags were cleared.
FLAGS_CLEARED = "flags_cleared"


@dataclass(frozen=True, slots=True)
class Enforcement:
    mode: Mode
    dry_run: bool
    # Events: a record for every group judged, and the time from the change to its fix; what
    # changes after the read comes as an event of its own (`changes_come_as_events`).
    # Sweeps: records for decisions to act only, and one record for a scope with none.
    per_event: bool
    only_groups: frozenset[str] | None = None
    # Events: the outcome tags wait until the caller has recorded and alerted (see
    # RemediationSettings.defer_outcome_tags); `Enforced.unfinished` holds them.
    defer_outcome_tags: bool = False


@dataclass(frozen=True, slots=True)
class Enforced:
    records: list[AuditRecord]
    # Outcomes whose tags are still to be written (`write_outcome_tags`), once alerted.
    unfinished: tuple[GroupOutcome, ...] = ()
    # Records of remediations an earlier run started and this one finished: they may have been
    # stored before that run died, but their alert has not gone out (the outcome tags, written
    # only after the alert, were missing), so they are alerted even when not fresh.
    owed: tuple[AuditRecord, ...] = ()
    # What was done, group by group (None when combined from several runs).
    run: RemediationRun | None = None
    # (account, region, group id) -> its tags as read: the alert's owner routing.
    group_tags: GroupTags = field(default_factory=dict)

    @property
    def alert_owed(self) -> bool:
        return bool(self.owed)


def combined(parts: Sequence[Enforced]) -> Enforced:
    """Several enforcements (groups of one event, scopes of one batch) as one."""
    return Enforced(
        [r for part in parts for r in part.records],
        tuple(o for part in parts for o in part.unfinished),
        tuple(r for part in parts for r in part.owed),
        group_tags={k: v for part in parts for k, v in part.group_tags.items()},
    )


def finish(services: Services, unfinished: Sequence[GroupOutcome]) -> None:
    """Write the deferred outcome tags, once the records are stored and the alert has gone."""
    for outcome in unfinished:
        plan = outcome.plan
        try:
            write_outcome_tags(outcome, services.members.gateway(plan.account_id, plan.region))
        except SgcError as exc:
            # Left "remediating": the next delivery or sweep finishes it (and alerts again).
            log.warning("outcome tags of %s not written: %s", plan.group_id, exc)


@dataclass(frozen=True, slots=True)
class Judgement:
    """The groups read, what the policy found, and the plans: all before any write, so that a
    person can be asked in between (`sgc remediate`)."""

    snapshots: list[RegionSnapshot]
    result: ScanResult
    remediator: SecurityGroupRemediator
    plans: list[RemediationPlan]
    note: str


def enforce(
    pipeline: Pipeline, services: Services, trigger: Trigger, read: Reader, how: Enforcement
) -> Enforced:
    """The decisions about the groups `read` returns, carried out; SgcError when reading fails,
    a transient BackupError when the backup store may accept the backup later."""
    start = time.perf_counter()
    snapshots = narrowed(read(), how.only_groups)
    judged = judge(pipeline, services, snapshots, how, started=start)
    return carry_out(pipeline, services, trigger, judged, how)


def judge(
    pipeline: Pipeline,
    services: Services,
    snapshots: Sequence[RegionSnapshot],
    how: Enforcement,
    *,
    started: float | None = None,
) -> Judgement:
    """Scan `snapshots` and plan in `how.mode` (with the run-wide blast-radius limit)."""
    start = time.perf_counter() if started is None else started
    result = services.scanner.scan(snapshots)
    scan_metrics(pipeline.metrics, result, (time.perf_counter() - start) * 1000, how.mode)
    remediator = pipeline.remediator(
        services,
        how.mode,
        dry_run=how.dry_run,
        defer_outcome_tags=how.defer_outcome_tags,
        changes_come_as_events=how.per_event,
    )
    plans, note = remediator.plan(result, snapshots)
    return Judgement(list(snapshots), result, remediator, plans, note)


def carry_out(
    pipeline: Pipeline, services: Services, trigger: Trigger, judged: Judgement, how: Enforcement
) -> Enforced:
    """The plans applied (each group read again first), one record per decision."""
    run = judged.remediator.execute(
        judged.plans,
        judged.note,
        services.members.gateway,
        judged.snapshots,
        run_id=trigger.event_id,
    )
    stopped = run.stopped_by
    if stopped is not None:
        log.error("backup store failed: %s", stopped, extra={"error_code": stopped.code})
        if is_transient(stopped) and not any(o.revoked for o in run.outcomes):
            raise stopped  # nothing changed: the next delivery may find the store back
    records = _own_ids(
        [_outcome(pipeline, services, trigger, outcome, how) for outcome in run.outcomes]
    )
    unfinished = tuple(o for o in run.outcomes if o.pending_tags)
    owed = tuple(
        record
        for outcome, record in zip(run.outcomes, records, strict=True)
        if outcome.resumed and outcome.outcome in REVOKED_OUTCOMES
    )
    compliant = _compliant(pipeline, services, trigger, judged.snapshots, run, how)
    tags = {
        (g.account_id, g.region, g.group_id): g.tags for s in judged.snapshots for g in s.groups
    }
    return Enforced(records + compliant, unfinished, owed, run, tags)


def _own_ids(records: list[AuditRecord]) -> list[AuditRecord]:
    """The records with distinct ids. A group can have two decisions in one run (an earlier
    run's remediation closed, then its new plan carried out) whose ids, made of the event, the
    group and the action, are the same, and a sink takes a second write of an id for a
    duplicate delivery and keeps the first. The later one gets an id of its own, made with its
    plan's id, so a delivery of the same event again makes the same ids."""
    seen: set[str] = set()
    out = []
    for record in records:
        own = record
        if record.record_id in seen:
            key = f"{record.record_id}\x1f{record.plan_id or ''}"
            own = replace(record, record_id=hashlib.sha256(key.encode()).hexdigest()[:32])
        seen.add(own.record_id)
        out.append(own)
    return out


def scan_metrics(metrics: MetricsManager, result: ScanResult, ms: float, mode: Mode) -> None:
    metrics.groups_scanned(result.groups_scanned, mode=mode.value)
    metrics.rules_evaluated(result.rules_evaluated, mode=mode.value)
    metrics.violations(result.by_severity(), mode=mode.value)
    metrics.scan_duration(ms, mode=mode.value)


def failure_record(
    pipeline: Pipeline,
    services: Services | None,
    trigger: Trigger,
    exc: BaseException,
    *,
    group_id: str | None = None,
    mode: Mode | None = None,
) -> AuditRecord:
    """The record of a decision that could not be made (read failed, access denied, ...)."""
    pipeline.metrics.remediation_errors(
        1, mode=mode.value if mode else None, account=trigger.account_id
    )
    policy = services.config.policy if services is not None else None
    return audit_record(
        trigger,
        decided_at=pipeline.clock(),
        action=AuditAction.ERROR,
        group_id=group_id,
        policy_id=policy.id if policy else None,
        policy_digest=policy.digest if policy else None,
        mode=mode.value if mode else None,
        reason=f"{error_code(exc)}: {exc}",
    )


def record_all(services: Services, records: Sequence[AuditRecord]) -> list[AuditRecord]:
    """Write every record; returns those no sink had seen (a duplicate delivery's are not)."""
    fresh = []
    for record in records:
        if not services.audit.write(record).seen_before:
            fresh.append(record)
    return fresh


def alert_run(
    services: Services,
    run_id: str,
    fresh: Sequence[AuditRecord],
    group_tags: GroupTags | None = None,
) -> str | None:
    """One alert for the fresh records of an operator's run (Lambda or CLI), when any is worth
    telling; the SNS message id, or None."""
    if services.alerts is None:
        return None
    delivery = services.alerts.send_for_sweep(
        run_id,
        fresh,
        audit_uris=services.audit.locations(fresh),
        rollback_options=services.rollback_options,
        group_tags=group_tags,
    )
    return delivery.message_id if delivery is not None else None


def narrowed(
    snapshots: Sequence[RegionSnapshot], group_ids: frozenset[str] | None
) -> list[RegionSnapshot]:
    """The snapshots with only the groups named (all of them for None)."""
    if group_ids is None:
        return list(snapshots)
    return [
        replace(s, groups=tuple(g for g in s.groups if g.group_id in group_ids)) for s in snapshots
    ]


def _outcome(
    pipeline: Pipeline,
    services: Services,
    trigger: Trigger,
    outcome: GroupOutcome,
    how: Enforcement,
) -> AuditRecord:
    policy = services.config.policy
    decided = pipeline.clock()
    # A run over several account-regions (`sgc remediate`) records each group where it is.
    where = replace(trigger, account_id=outcome.plan.account_id, region=outcome.plan.region)
    record = outcome_audit_record(
        where, outcome, decided_at=decided, policy_id=policy.id, policy_digest=policy.digest
    )
    metrics, mode = pipeline.metrics, outcome.plan.mode.value
    if outcome.outcome in REVOKED_OUTCOMES:
        metrics.rules_revoked(len(outcome.revoked), mode=mode)
        if outcome.plan.action is Action.LOCKDOWN:
            metrics.groups_locked_down(1, mode=mode)
        elapsed = latency_ms(trigger.event_time, decided)
        if how.per_event and elapsed is not None:
            metrics.time_to_remediate(elapsed, mode=mode)
    if outcome.outcome in (Outcome.FAILED, *REVOKED_OUTCOMES - {Outcome.APPLIED}):
        metrics.remediation_errors(1, mode=mode, account=outcome.plan.account_id)
    log.info(
        "group %s: %s %s",
        outcome.plan.group_id,
        record.action.value,
        outcome.outcome.value,
        extra={"group": outcome.plan.group_id, "plan_id": outcome.plan.plan_id},
    )
    return record


def _compliant(
    pipeline: Pipeline,
    services: Services,
    trigger: Trigger,
    snapshots: Sequence[RegionSnapshot],
    run: RemediationRun,
    how: Enforcement,
) -> list[AuditRecord]:
    acted = {o.plan.group_id for o in run.outcomes}
    groups = [g for s in snapshots for g in s.groups if g.group_id not in acted]
    policy = services.config.policy
    cleared = {group_id for _, _, group_id in run.cleared}

    def compliant(group_id: str | None, digest: str | None, reason: str = "") -> AuditRecord:
        return audit_record(
            trigger,
            decided_at=pipeline.clock(),
            action=AuditAction.NONE,
            group_id=group_id,
            policy_id=policy.id,
            policy_digest=policy.digest,
            mode=how.mode.value,
            pre_image_digest=digest,
            outcome=FLAGS_CLEARED if group_id in cleared else None,
            reason=reason,
            dry_run=how.dry_run,
        )

    if how.per_event:
        return [compliant(g.group_id, pre_image_hash(g.rules)) for g in groups]
    if run.outcomes:
        return []
    why = f"{len(groups)} groups compliant"
    if cleared:
        why += f"; the stale flags of {len(cleared)} cleared: {', '.join(sorted(cleared))}"
    return [compliant(None, None, why)]
