"""Operator actions on the deployed function: scan, remediate and roll back on demand.

Every result is a JSON-serialisable dict. A scan or remediation over more than
MAX_INLINE_SCOPES account-regions (an organization-wide one, say) is not read inside the
invocation: it fans out through the work queue as the sweep does, and the answer says how many
work items went out. Requested accounts and regions narrow the configured scope and never widen
it (those outside are listed under `refused`); a configured dry run is never turned off by a
request; a rollback restores only a backup of an account-region in scope.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sgcompliance.engine.findings import Finding
from sgcompliance.engine.fleet import Scope, read_fleet
from sgcompliance.errors import SgcError
from sgcompliance.events.change_event import decision
from sgcompliance.events.classify import OperatorAction, OperatorVerb, in_scope
from sgcompliance.events.enforcement import alert_run, narrowed, record_all, scan_metrics
from sgcompliance.events.services import Pipeline, Services, error_code, is_transient
from sgcompliance.events.sweep import configured_scopes, judge_scope, send_work
from sgcompliance.records.audit import AuditRecord, Trigger
from sgcompliance.records.notifier import GroupKey
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.rollback import RollbackOutcome, RollbackService

log = logging.getLogger(__name__)

# A Lambda response is at most 6 MB: list this many violations, count the rest.
MAX_LISTED_VIOLATIONS = 1000
OPERATOR_EVENT_NAME = "OperatorRemediate"
OPERATOR_ROLLBACK_EVENT_NAME = "OperatorRollback"
# More account-regions than this are not read inside the operator's invocation (the handler
# has 60 s): they go to the work queue, one item each, as the sweep's do.
MAX_INLINE_SCOPES = 8


class OperatorService:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def run(self, action: OperatorAction) -> dict[str, Any]:
        """The action's result; ConfigError when the configuration cannot be loaded."""
        services = self.pipeline.services()
        request_id = action.request_id or f"operator-{uuid.uuid4().hex[:16]}"
        head = {"action": action.action.value, "request_id": request_id}
        try:
            if action.action is OperatorVerb.SCAN:
                return head | self._scan(services, action, request_id)
            if action.action is OperatorVerb.REMEDIATE:
                return head | self._remediate(services, action, request_id)
            return head | self._rollback(services, action, request_id)
        except SgcError as exc:
            log.error("%s failed: %s", action.action.value, exc, extra={"error_code": exc.code})
            return head | {
                "status": "error",
                "error": str(exc),
                "code": error_code(exc),
                "retryable": is_transient(exc),
            }

    def _fan_out(
        self,
        scopes: list[Scope],
        action: OperatorAction,
        request_id: str,
        *,
        mode: Mode | None,
        dry_run: bool,
    ) -> dict[str, Any] | None:
        """The work items' dispatch report when the request is too wide to read in this
        invocation; None when it is read here (a narrow scope, or chosen groups)."""
        if action.group_ids or len(scopes) <= MAX_INLINE_SCOPES:
            return None
        sweep_id = request_id.replace("/", "-")
        queue = self.pipeline.adapters.work_queue()
        report = send_work(
            queue, scopes, sweep_id, self.pipeline.clock(), mode=mode, dry_run=dry_run
        )
        return report.to_dict() | {
            "dry_run": dry_run,
            "results": "each account-region is judged by the worker: audit records and one "
            f"sweep alert per batch, under the sweep id {sweep_id}",
        }

    def _scan(self, services: Services, action: OperatorAction, request_id: str) -> dict[str, Any]:
        scopes, refused = configured_scopes(
            self.pipeline, services.config, accounts=action.accounts, regions=action.regions
        )
        # A scan changes nothing: its work items are judged as a dry run.
        dispatched = self._fan_out(scopes, action, request_id, mode=None, dry_run=True)
        if dispatched is not None:
            return dispatched | {"refused": refused}
        members = services.members
        results = read_fleet(
            scopes, lambda s: members.region(s.account_id, s.region, services.scanner)
        )
        only = frozenset(action.group_ids) or None
        snapshots = narrowed([r.snapshot for r in results if r.snapshot is not None], only)
        result = services.scanner.scan(snapshots)
        scan_metrics(self.pipeline.metrics, result, 0.0, services.config.mode)
        violations = list(result.violations)
        return {
            "status": "ok" if all(r.ok for r in results) else "incomplete",
            "policy": {"id": result.policy.id, "digest": result.policy.digest},
            "groups_scanned": result.groups_scanned,
            "rules_evaluated": result.rules_evaluated,
            "by_severity": result.by_severity(),
            "scopes": [
                {"account_id": r.scope.account_id, "region": r.scope.region, "error": r.error}
                for r in results
            ],
            "refused": refused,
            "violations": [_violation(f) for f in violations[:MAX_LISTED_VIOLATIONS]],
            "violations_truncated": max(0, len(violations) - MAX_LISTED_VIOLATIONS),
        }

    def _remediate(
        self, services: Services, action: OperatorAction, request_id: str
    ) -> dict[str, Any]:
        config = services.config
        dry_run = config.dry_run or bool(action.dry_run)
        if action.mode not in (None, Mode.FLAG_ONLY) and not dry_run and not config.backup_bucket:
            return {
                "status": "refused",
                "error": f"mode {action.mode} revokes rules, and no backup bucket is configured",
            }
        scopes, refused = configured_scopes(
            self.pipeline, config, accounts=action.accounts, regions=action.regions
        )
        dispatched = self._fan_out(scopes, action, request_id, mode=action.mode, dry_run=dry_run)
        if dispatched is not None:
            return dispatched | {
                "mode": action.mode.value if action.mode else None,
                "refused": refused,
            }
        only = frozenset(action.group_ids) or None
        records: list[AuditRecord] = []
        tags: dict[GroupKey, Mapping[str, str]] = {}
        for scope in scopes:
            trigger = Trigger(request_id, OPERATOR_EVENT_NAME, scope.account_id, scope.region)
            decided = judge_scope(
                self.pipeline,
                services,
                trigger,
                mode=action.mode,
                dry_run=dry_run,
                only_groups=only,
            )
            records.extend(decided.records)
            if decided.enforced is not None:
                tags.update(decided.enforced.group_tags)
        fresh = record_all(services, records)
        return {
            "status": "ok",
            "dry_run": dry_run,
            "mode": action.mode.value if action.mode else None,
            "refused": refused,
            "decisions": [decision(r) for r in records],
            "alert_message_id": alert_run(services, request_id, fresh, tags),
        }

    def _rollback(
        self, services: Services, action: OperatorAction, request_id: str
    ) -> dict[str, Any]:
        """Roll back one backup, verified against its receipt (never forced from here), in
        scope only; the decision, whatever it is, is one audit record."""
        config = services.config
        backup_id = str(action.backup_id)
        dry_run = config.dry_run or bool(action.dry_run)
        records: list[AuditRecord] = []
        service = RollbackService(
            services.backups,
            record=records.append,
            clock=self.pipeline.clock,
            event_name=OPERATOR_ROLLBACK_EVENT_NAME,
        )
        try:
            checked = service.check(backup_id, request_id=request_id)
            plan = checked.record.plan
            where = {"account_id": plan.account_id, "region": plan.region}
            if not in_scope(
                plan.account_id, plan.region, config.account_scope, config.region_scope
            ):
                error = f"backup of {plan.account_id}/{plan.region}, outside the configured scope"
                service.refuse(checked, (error,), request_id=request_id)
                return {"status": "refused", "error": error, "backup_id": backup_id, **where}
            outcome = service.restore(
                checked, services.members.gateway, dry_run=dry_run, request_id=request_id
            )
        finally:
            record_all(services, records)
        return {
            "status": _ROLLBACK_STATUS[outcome.status],
            "backup_id": backup_id,
            **where,
            "group_id": plan.group_id,
            "dry_run": dry_run,
            **rollback_counts(outcome),
        }


_ROLLBACK_STATUS = {
    "dry_run": "ok",
    "restored": "ok",
    "partial": "partial",
    "unverified": "unverified",
}


def rollback_counts(outcome: RollbackOutcome) -> dict[str, Any]:
    """What a rollback did, as the operator's answer lists it."""
    return {
        "to_restore": len(outcome.plan.authorize),
        "restored": outcome.restored,
        "already_present": len(outcome.already_present),
        "not_restored": list(outcome.not_restored),
        "failed": [
            {"rule_id": f.rule.rule_id, "rule": f.rule.describe(), "reason": f.reason}
            for f in outcome.failed
        ],
        "partial": outcome.partial,
        "problems": list(outcome.problems),
        "removed_tags": list(outcome.removed_tags),
        "status_tag": outcome.status_tag,
        "tags": outcome.tags_note,
        "verified": outcome.verified,
    }


def _violation(finding: Finding) -> dict[str, Any]:
    return {
        "finding_id": finding.finding_id,
        "check_id": finding.check_id,
        "severity": finding.severity.value,
        "account_id": finding.account_id,
        "region": finding.region,
        "group_id": finding.group_id,
        "rule_id": finding.rule_id,
        "message": finding.message,
    }
