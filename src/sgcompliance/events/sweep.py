"""Scheduled sweeps: one work item per account x region, each judged a whole region at a time.

The dispatcher turns a schedule tick into work items on the work queue (batched sends); the
worker (`app.batch`) judges each item with `judge_scope`, which operator remediations use too.
Accounts come from the configuration, or from Organizations for `organization`; regions from
the configuration, or every region enabled in the account the tool runs in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import SgcError
from sgcompliance.events.classify import SweepTick, WorkItem, in_scope
from sgcompliance.events.enforcement import Enforced, Enforcement, enforce, failure_record
from sgcompliance.events.services import Pipeline, Services, WorkQueue, is_transient
from sgcompliance.records import audit
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.remediation.plan import Mode

log = logging.getLogger(__name__)

SWEEP_EVENT_NAME = "ScheduledSweep"


@dataclass(frozen=True, slots=True)
class DispatchReport:
    sweep_id: str
    work_items: int
    # "account/region" -> why the queue did not take its work item
    failed: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    retry: bool = False

    def to_dict(self) -> dict[str, Any]:
        status = "dispatched" if not self.failed and self.error is None else "incomplete"
        return {
            "status": status,
            "sweep_id": self.sweep_id,
            "work_items": self.work_items,
            "sent": self.work_items - len(self.failed) if self.error is None else None,
            "failed": dict(self.failed),
            "error": self.error,
            "retry": self.retry,
        }


@dataclass(frozen=True, slots=True)
class ScopeDecisions:
    records: list[AuditRecord]
    retry: bool = False
    # With deferred outcome tags: what the caller finishes after alerting (see Enforced).
    enforced: Enforced | None = None


class SweepDispatcher:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def dispatch(self, tick: SweepTick) -> DispatchReport:
        """Send one work item per configured account x region; ConfigError when the
        configuration (or the work queue setting) is missing or invalid."""
        services = self.pipeline.services()
        queue = self.pipeline.adapters.work_queue()
        try:
            scopes, _ = configured_scopes(self.pipeline, services.config)
        except SgcError as exc:
            log.error("cannot list the sweep's scopes: %s", exc, extra={"error_code": exc.code})
            return DispatchReport(tick.sweep_id, 0, error=str(exc), retry=is_transient(exc))
        return send_work(queue, scopes, tick.sweep_id, tick.time)


def send_work(
    queue: WorkQueue,
    scopes: Sequence[Scope],
    sweep_id: str,
    issued_at: datetime | None,
    *,
    mode: Mode | None = None,
    dry_run: bool = False,
) -> DispatchReport:
    """One work item per scope on the work queue (batched sends): the sweep's fan-out, which
    operator actions over many account-regions use as well."""
    items = {
        f"item-{n}": WorkItem(s.account_id, s.region, sweep_id, issued_at, mode, dry_run)
        for n, s in enumerate(scopes)
    }
    try:
        refused = queue.send([(key, item.to_body()) for key, item in items.items()])
    except SgcError as exc:
        log.error("work items not sent: %s", exc, extra={"error_code": exc.code})
        return DispatchReport(sweep_id, len(items), error=str(exc), retry=is_transient(exc))
    failed = {f"{items[k].account_id}/{items[k].region}": why for k, why in refused.items()}
    if failed:
        log.error("%d work items not accepted by the queue", len(failed), extra={"failed": failed})
    log.info("sweep %s: %d work items", sweep_id, len(items))
    return DispatchReport(sweep_id, len(items), failed)


def configured_scopes(
    pipeline: Pipeline,
    config: RuntimeConfig,
    *,
    accounts: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> tuple[list[Scope], list[str]]:
    """(account x region scopes, requested accounts/regions outside the configured scope).

    `accounts` and `regions` narrow the configured scope; they never widen it.
    """
    account_scope, region_scope = config.account_scope, config.region_scope
    refused = [a for a in accounts if account_scope is not None and a not in account_scope]
    refused += [r for r in regions if region_scope is not None and r not in region_scope]
    estate = pipeline.adapters.estate()
    if accounts:
        chosen_accounts = [a for a in accounts if a not in refused]
    elif account_scope is None:
        chosen_accounts = list(estate.organization_accounts())
    else:
        chosen_accounts = list(config.accounts)
    if regions:
        chosen_regions = [r for r in regions if r not in refused]
    else:
        chosen_regions = list(config.regions or estate.enabled_regions())
    return [Scope(a, r) for a in chosen_accounts for r in chosen_regions], refused


def sweep_trigger(item: WorkItem) -> Trigger:
    return Trigger(item.sweep_id, SWEEP_EVENT_NAME, item.account_id, item.region, item.issued_at)


def judge_scope(
    pipeline: Pipeline,
    services: Services,
    trigger: Trigger,
    *,
    mode: Mode | None = None,
    dry_run: bool | None = None,
    only_groups: frozenset[str] | None = None,
    defer_outcome_tags: bool = False,
) -> ScopeDecisions:
    """Read one account x region, judge it, remediate in `mode` (else the account's). With
    `defer_outcome_tags`, the caller writes them (`enforcement.finish`) once it has alerted."""
    account, region = trigger.account_id, trigger.region
    config = services.config
    if not in_scope(account, region, config.account_scope, config.region_scope):
        # A forged or stale work item: nothing in that account is touched.
        pipeline.metrics.event_ignored(audit.IgnoreReason.OUT_OF_SCOPE.value)
        why = f"{account}/{region} is outside the configured scope"
        record = audit_record(
            trigger, decided_at=pipeline.clock(), action=AuditAction.OUT_OF_SCOPE, reason=why
        )
        return ScopeDecisions([record])
    chosen = mode
    try:
        chosen = config.spare_hub(account, mode) if mode else pipeline.mode_for(account)
        how = Enforcement(
            chosen, config.dry_run or bool(dry_run), False, only_groups, defer_outcome_tags
        )
        read = partial(_read_region, services, account, region)
        enforced = enforce(pipeline, services, trigger, read, how)
        return ScopeDecisions(enforced.records, enforced=enforced)
    except SgcError as exc:
        log.error("scope %s/%s: %s", account, region, exc, extra={"error_code": exc.code})
        record = failure_record(pipeline, services, trigger, exc, mode=chosen)
        return ScopeDecisions([record], is_transient(exc))


def _read_region(services: Services, account: str, region: str) -> list[RegionSnapshot]:
    return [services.members.region(account, region, judged_by=services.scanner)]


def sweep_time(records: Sequence[AuditRecord]) -> datetime | None:
    return next((r.event_time for r in records if r.event_time is not None), None)
