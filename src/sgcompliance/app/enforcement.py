"""Judging groups and carrying out the decisions: the steps an event and a sweep share.

read -> scan -> plan (the account's mode, the blast-radius limit) -> backup -> apply -> verify,
then one audit record per decision, with the metrics of every step. Writing the records and
alerting is left to the caller: an event alerts once per event, a sweep once per batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sgcompliance.app.audit_log import outcome_audit_record
from sgcompliance.app.metrics_manager import MetricsManager
from sgcompliance.app.pipeline import Pipeline, Services, error_code, is_transient
from sgcompliance.app.remediator import (
    GroupOutcome,
    Outcome,
    RemediationRun,
    write_outcome_tags,
)
from sgcompliance.core.audit import AuditAction, AuditRecord, Trigger, audit_record, latency_ms
from sgcompliance.core.errors import BackupError, SgcError
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.model import RegionSnapshot
from sgcompliance.core.plan import Action, Mode, RemediationPlan, pre_image_hash

log = logging.getLogger(__name__)

Reader = Callable[[], Sequence[RegionSnapshot]]


@dataclass(frozen=True, slots=True)
class Enforcement:
    mode: Mode
    dry_run: bool
    # Events: a record for every group judged, and the time from the change to its fix.
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

    @property
    def alert_owed(self) -> bool:
        return bool(self.owed)


def combined(parts: Sequence[Enforced]) -> Enforced:
    """Several enforcements (groups of one event, scopes of one batch) as one."""
    return Enforced(
        [r for part in parts for r in part.records],
        tuple(o for part in parts for o in part.unfinished),
        tuple(r for part in parts for r in part.owed),
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


def enforce(
    pipeline: Pipeline, services: Services, trigger: Trigger, read: Reader, how: Enforcement
) -> Enforced:
    """The decisions about the groups `read` returns, carried out; SgcError when reading fails,
    a transient BackupError when the backup store may accept the backup later."""
    start = time.perf_counter()
    snapshots = narrowed(read(), how.only_groups)
    result = services.scanner.scan(snapshots)
    scan_metrics(pipeline.metrics, result, (time.perf_counter() - start) * 1000, how.mode)
    remediator = pipeline.remediator(
        services, how.mode, dry_run=how.dry_run, defer_outcome_tags=how.defer_outcome_tags
    )
    plans, note = remediator.plan(result)
    try:
        run = remediator.execute(plans, note, services.members.gateway, snapshots)
    except BackupError as exc:
        if is_transient(exc):
            raise
        # Nothing was revoked: the store refused the first backup, and the run stopped there.
        log.error("backup store failed, nothing revoked: %s", exc, extra={"error_code": exc.code})
        return Enforced([_refused(pipeline, services, trigger, plan, exc) for plan in plans])
    records = [_outcome(pipeline, services, trigger, outcome, how) for outcome in run.outcomes]
    unfinished = tuple(o for o in run.outcomes if o.pending_tags)
    owed = tuple(
        record
        for outcome, record in zip(run.outcomes, records, strict=True)
        if outcome.resumed and outcome.outcome is Outcome.APPLIED
    )
    compliant = _compliant(pipeline, services, trigger, snapshots, run, how)
    return Enforced(records + compliant, unfinished, owed)


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
    record = outcome_audit_record(
        trigger, outcome, decided_at=decided, policy_id=policy.id, policy_digest=policy.digest
    )
    metrics, mode = pipeline.metrics, outcome.plan.mode.value
    if outcome.outcome is Outcome.APPLIED:
        metrics.rules_revoked(len(outcome.revoked), mode=mode)
        if outcome.plan.action is Action.LOCKDOWN:
            metrics.groups_locked_down(1, mode=mode)
        elapsed = latency_ms(trigger.event_time, decided)
        if how.per_event and elapsed is not None:
            metrics.time_to_remediate(elapsed, mode=mode)
    elif outcome.outcome is Outcome.FAILED:
        metrics.remediation_errors(1, mode=mode, account=outcome.plan.account_id)
    log.info(
        "group %s: %s %s",
        outcome.plan.group_id,
        record.action.value,
        outcome.outcome.value,
        extra={"group": outcome.plan.group_id, "plan_id": outcome.plan.plan_id},
    )
    return record


def _refused(
    pipeline: Pipeline,
    services: Services,
    trigger: Trigger,
    plan: RemediationPlan,
    exc: BackupError,
) -> AuditRecord:
    failed = GroupOutcome(plan, Outcome.FAILED, error=f"{exc.code}: {exc}")
    pipeline.metrics.remediation_errors(1, mode=plan.mode.value, account=plan.account_id)
    policy = services.config.policy
    return outcome_audit_record(
        trigger,
        failed,
        decided_at=pipeline.clock(),
        policy_id=policy.id,
        policy_digest=policy.digest,
    )


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
            reason=reason,
            dry_run=how.dry_run,
        )

    if how.per_event:
        return [compliant(g.group_id, pre_image_hash(g.rules)) for g in groups]
    if run.outcomes:
        return []
    return [compliant(None, None, f"{len(groups)} groups compliant")]
