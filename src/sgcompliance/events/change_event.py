"""The use case for one security-group change event (CloudTrail, delivered by EventBridge).

In this order, each step before any AWS call it could spare:
1. ignore reasons: a failed call, a Revoke* call, the remediator's own role session (a loop
   needs one of these to be missed), an event naming no group: audited, counted by reason;
   the remediator's own tag writes are only counted (its remediation record has them);
2. age: an event older than the configured maximum is a replay (an archive replayed, a queue
   re-driven) and changes nothing: audited, counted, no AWS call;
3. scope: an account or region outside the configuration: audited, and no AWS call at all;
   a tag change (CreateTags/DeleteTags) is judged only when it touches a tag the tool reads:
   the exemption tag, a key the policy matches on, or one of the tool's `sgc:` tags;
4. per group: describe -> scan -> plan in the account's mode -> backup -> apply -> verify;
5. the audit records, then one alert for the event, unless every record was already stored:
   a duplicate delivery, whose alert went out with the first. A tag change the tool reads is
   always alerted, naming the tag, the group and who changed it, whatever the judgement.
A duplicate delivery remediates nothing twice: the group it describes is compliant by then,
or its flags are already in place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from sgcompliance.config.runtime import MemberReach
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import NotFoundError, SgcError
from sgcompliance.events.classify import SgChangeEvent, ignore_reason, in_scope
from sgcompliance.events.enforcement import (
    Enforced,
    Enforcement,
    combined,
    enforce,
    failure_record,
    finish,
    record_all,
)
from sgcompliance.events.services import Pipeline, Services, is_transient
from sgcompliance.events.tag_changes import (
    TAG_EVENTS,
    group_ids_in,
    rule_ids_in,
    tag_keys_read,
    watched,
)
from sgcompliance.records import audit
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record
from sgcompliance.records.notifier import GroupTags
from sgcompliance.records.tag_change import TagChange
from sgcompliance.remediation.plan import Mode

log = logging.getLogger(__name__)

# The event's reasons as the audit trail and the EventsIgnored metric name them.


class EventStatus(StrEnum):
    IGNORED = "ignored"
    OUT_OF_SCOPE = "out_of_scope"
    JUDGED = "judged"


@dataclass(frozen=True, slots=True)
class EventReport:
    event_id: str
    status: EventStatus
    records: tuple[AuditRecord, ...] = ()
    reason: str = ""
    alert_message_id: str | None = None
    # A transient failure (throttling, an outage): delivering the event again may succeed.
    retry: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "event_id": self.event_id,
            "reason": self.reason,
            "decisions": [decision(r) for r in self.records],
            "alert_message_id": self.alert_message_id,
            "retry": self.retry,
        }


def decision(record: AuditRecord) -> dict[str, Any]:
    """What an invocation reports of one decision; the audit record has the rest."""
    return {
        "account_id": record.account_id,
        "region": record.region,
        "group_id": record.group_id,
        "action": record.action.value,
        "outcome": record.outcome,
        "violations": record.violation_count,
        "revoked_rule_ids": list(record.revoked_rule_ids),
        "backup_id": record.backup_id,
        "record_id": record.record_id,
        "reason": record.reason,
    }


def trigger_for(event: SgChangeEvent) -> Trigger:
    return Trigger(
        event_id=event.event_id,
        event_name=event.event_name,
        account_id=event.account_id,
        region=event.region,
        event_time=event.event_time,
        actor=event.actor.arn or None,
    )


class EventProcessor:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def process(self, event: SgChangeEvent) -> EventReport:
        """Judge and remediate the groups the event names; ConfigError when the configuration
        cannot be loaded (then nothing was done but, at most, the member role assumed)."""
        services = self.pipeline.services(meanwhile=partial(self._warm, event))
        config = services.config
        reason = ignore_reason(event, config.own_role_arns)
        if reason is audit.IgnoreReason.OWN_SESSION and event.event_name in TAG_EVENTS:
            # The tags the remediator writes itself: its own remediation record says so.
            self.pipeline.metrics.event_ignored(reason.value)
            return EventReport(event.event_id, EventStatus.IGNORED, (), _why(reason, event))
        if reason is not None:
            return self._skip(services, event, reason, _why(reason, event))
        age = self.pipeline.clock() - event.event_time
        if config.max_event_age is not None and age > config.max_event_age:
            why = f"the event is {_whole(age)} old, older than {_whole(config.max_event_age)}"
            return self._skip(services, event, audit.IgnoreReason.STALE_EVENT, why)
        if not in_scope(event.account_id, event.region, config.account_scope, config.region_scope):
            where = f"{event.account_id}/{event.region} is outside the configured scope"
            return self._skip(services, event, audit.IgnoreReason.OUT_OF_SCOPE, where)
        changes = watched(event.tag_edits, config.policy)
        if event.event_name in TAG_EVENTS and not changes:
            keys = ", ".join(sorted(tag_keys_read(config.policy)))
            why = f"{event.event_name} changed no tag the tool reads ({keys} or sgc:*)"
            return self._skip(services, event, audit.IgnoreReason.UNWATCHED_TAGS, why)
        judged, retry = self._judge(services, event, changes)
        records = judged.records
        fresh = record_all(services, records)
        message_id = self._alert(
            services, records, fresh, owed=judged.alert_owed, group_tags=judged.group_tags
        )
        # Only now: a group left "in progress" tells the next delivery its alert is owed.
        finish(services, judged.unfinished)
        return EventReport(
            event.event_id, EventStatus.JUDGED, tuple(records), "", message_id, retry
        )

    def _warm(self, event: SgChangeEvent, reach: MemberReach) -> None:
        """While the policy object loads: ready the event's account x region when, as far as
        the parameters tell (the steps before the policy in `process`), it will be read. A tag
        change waits: whether it is judged depends on the policy."""
        if event.event_name in TAG_EVENTS or ignore_reason(event, reach.own_role_arns):
            return
        oldest = reach.max_event_age
        if oldest is not None and self.pipeline.clock() - event.event_time > oldest:
            return
        if in_scope(event.account_id, event.region, reach.account_scope, reach.region_scope):
            self.pipeline.warm_member(reach, event.account_id, event.region)

    def _skip(
        self, services: Services, event: SgChangeEvent, reason: audit.IgnoreReason, why: str
    ) -> EventReport:
        self.pipeline.metrics.event_ignored(reason.value)
        out_of_scope = reason is audit.IgnoreReason.OUT_OF_SCOPE
        record = audit_record(
            trigger_for(event),
            decided_at=self.pipeline.clock(),
            action=AuditAction.OUT_OF_SCOPE if out_of_scope else AuditAction.IGNORED,
            group_id=event.group_ids[0] if event.group_ids else None,
            reason=why,
        )
        record_all(services, [record])
        log.info("event not acted on (%s): %s", reason.value, why, extra={"reason": reason})
        status = EventStatus.OUT_OF_SCOPE if out_of_scope else EventStatus.IGNORED
        return EventReport(event.event_id, status, (record,), why)

    def _judge(
        self, services: Services, event: SgChangeEvent, changes: Sequence[TagChange] = ()
    ) -> tuple[Enforced, bool]:
        """(one record per group the event names and the outcomes still to be tagged, whether
        a transient failure calls for a second delivery)."""
        trigger = replace(trigger_for(event), tag_changes=tuple(changes))
        try:
            mode = self.pipeline.mode_for(event.account_id)
            group_ids, owners = self._groups(services, event, changes)
        except SgcError as exc:
            log.error("cannot judge the event: %s", exc, extra={"error_code": exc.code})
            first = event.group_ids[0] if event.group_ids else None
            failed = failure_record(self.pipeline, services, trigger, exc, group_id=first)
            return Enforced([failed]), is_transient(exc)
        how = Enforcement(mode, services.config.dry_run, per_event=True, defer_outcome_tags=True)
        judged: list[Enforced] = []
        retry = False
        for group_id in group_ids:
            own = tuple(c for c in changes if owners.get(c.resource_id, c.resource_id) == group_id)
            decided, transient = self._judge_group(
                services, event, group_id, how, replace(trigger, tag_changes=own)
            )
            judged.append(decided)
            retry = retry or transient
        return combined(judged), retry

    def _judge_group(
        self,
        services: Services,
        event: SgChangeEvent,
        group_id: str,
        how: Enforcement,
        trigger: Trigger,
    ) -> tuple[Enforced, bool]:
        read = partial(_read_group, services, event, group_id)
        try:
            return enforce(self.pipeline, services, trigger, read, how), False
        except NotFoundError:
            return Enforced([self._gone(services, trigger, group_id, how.mode)]), False
        except SgcError as exc:
            log.error("group %s: %s", group_id, exc, extra={"group": group_id})
            failed = failure_record(
                self.pipeline, services, trigger, exc, group_id=group_id, mode=how.mode
            )
            return Enforced([failed]), is_transient(exc)

    def _groups(
        self, services: Services, event: SgChangeEvent, changes: Sequence[TagChange]
    ) -> tuple[list[str], dict[str, str]]:
        """The groups to judge, and which group each tagged rule belongs to."""
        if event.event_name in TAG_EVENTS:
            # Only the groups whose watched tags (or whose rules' watched tags) changed.
            ids = list(group_ids_in(changes))
            rules = rule_ids_in(changes)
            owners = (
                services.members.groups_of_rules(event.account_id, event.region, rules)
                if rules
                else {}
            )
            ids.extend(g for g in dict.fromkeys(owners.values()) if g not in ids)
            return ids, owners
        ids = list(event.group_ids)
        if event.group_names:
            named = services.members.group_ids_named(
                event.account_id, event.region, event.group_names
            )
            ids.extend(i for i in named if i not in ids)
        return ids, {}

    def _gone(self, services: Services, trigger: Trigger, group_id: str, mode: Mode) -> AuditRecord:
        policy = services.config.policy
        return audit_record(
            trigger,
            decided_at=self.pipeline.clock(),
            action=AuditAction.NONE,
            group_id=group_id,
            policy_id=policy.id,
            policy_digest=policy.digest,
            mode=mode.value,
            outcome="group_gone",
            reason=f"{group_id} no longer exists",
        )

    def _alert(
        self,
        services: Services,
        records: list[AuditRecord],
        fresh: list[AuditRecord],
        *,
        owed: bool = False,
        group_tags: GroupTags | None = None,
    ) -> str | None:
        if records and not fresh and not owed:
            # Every decision was stored before, and its alert went out before the group's
            # outcome tags were written: a duplicate delivery, already alerted.
            self.pipeline.metrics.event_ignored(audit.IgnoreReason.DUPLICATE.value)
            return None
        if services.alerts is None:
            return None
        delivery = services.alerts.send_for_event(
            records,
            audit_uris=services.audit.locations(records),
            rollback_options=services.rollback_options,
            group_tags=group_tags,
        )
        return delivery.message_id if delivery is not None else None


def _read_group(services: Services, event: SgChangeEvent, group_id: str) -> list[RegionSnapshot]:
    return [services.members.group(event.account_id, event.region, group_id)]


def _why(reason: audit.IgnoreReason, event: SgChangeEvent) -> str:
    if reason is audit.IgnoreReason.FAILED_CALL:
        return f"the call failed with errorCode {event.error_code}"
    if reason is audit.IgnoreReason.REVOKE_EVENT:
        return f"{event.event_name} only narrows access"
    if reason is audit.IgnoreReason.OWN_SESSION:
        return f"made by the remediator's own role session {event.actor.session_name}"
    return "the call names no security group"


def _whole(age: timedelta) -> str:
    return str(timedelta(seconds=int(age.total_seconds())))
