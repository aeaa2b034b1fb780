"""The timeline of one change through the local pipeline, from the times each part recorded.

Each moment comes from whoever saw it happen: the emitter (the call and the PutEvents), SQS
(`SentTimestamp`: when EventBridge's rule delivered the event to the hub queue), the worker
(received, handler returned), the handler's backup id (the backup's creation time, right after
the plan) and audit record (`decided_at`, taken once the remediation was applied and verified:
it stands for the revoke), and SNS (the envelope's `Timestamp`). All clocks are this machine's.
Moments are shown in the order they happened, as offsets from the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sgcompliance.local.pipeline.cloudtrail_emitter import EmittedEvent
from sgcompliance.local.pipeline.flow import InboxAlert, parse_time
from sgcompliance.local.pipeline.worker import Handled

_BACKUP_TIME = re.compile(r"\.(\d{8}T\d{12})Z\.")


@dataclass(frozen=True, slots=True)
class Moment:
    label: str
    at: datetime
    note: str = ""


def backup_time(backup_id: object) -> datetime | None:
    """The creation time a backup id carries (`GROUP.yyyymmddTHHMMSSffffffZ.PLAN`)."""
    found = _BACKUP_TIME.search(backup_id) if isinstance(backup_id, str) else None
    if found is None:
        return None
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def change_timeline(
    emitted: EmittedEvent,
    handled: Handled,
    record: Mapping[str, Any] | None,
    alert: InboxAlert | None,
) -> list[Moment]:
    """Every moment that was recorded, in time order (a moment not recorded is left out)."""
    record = record or {}
    candidates = [
        ("change", emitted.changed_at, f"{emitted.event_name} in {emitted.account_id}"),
        ("event", emitted.put_at, "CloudTrail record put on the member's default bus"),
        ("queued", handled.queued_at, "forward rule -> hub bus -> rule -> SQS events queue"),
        ("received", handled.received_at, "the worker took it from the queue"),
        ("decision", backup_time(record.get("backup_id")), "planned; backup written to S3 first"),
        ("revoke", parse_time(record.get("decided_at")), _outcome(record)),
        ("alert", alert.published_at if alert else None, "SNS published the alert"),
        ("done", handled.handled_at, "the handler returned"),
    ]
    moments = [Moment(label, at, note) for label, at, note in candidates if at is not None]
    return sorted(moments, key=lambda m: m.at)


def _outcome(record: Mapping[str, Any]) -> str:
    action, outcome = record.get("action"), record.get("outcome")
    return f"audit record: {action} {outcome} (verified and tagged)"


def latency_ms(moments: list[Moment], label: str) -> int | None:
    """Milliseconds from the change to the moment `label`."""
    start = next((m.at for m in moments if m.label == "change"), None)
    end = next((m.at for m in moments if m.label == label), None)
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() * 1000)


def render(moments: list[Moment]) -> list[str]:
    if not moments:
        return []
    start = next((m.at for m in moments if m.label == "change"), moments[0].at)
    lines = []
    for moment in moments:
        offset = round((moment.at - start).total_seconds() * 1000)
        stamp = moment.at.strftime("%H:%M:%S.%f")[:-3]
        lines.append(f"{stamp}  {offset:>+7} ms  {moment.label:<9} {moment.note}")
    return lines
