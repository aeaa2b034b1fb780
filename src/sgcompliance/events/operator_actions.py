"""Direct invocations by an operator: `{"action": "scan" | "remediate" | "rollback", ...}`.

Fields (all optional unless noted; unknown fields are refused, so a typo never silently widens
or narrows what runs):
- `accounts`, `regions`, `group_ids`: arrays narrowing the configured scope.
- `mode` (remediate only): one of the remediation modes, instead of the configured one.
- `dry_run`: boolean; true plans and reports without changing anything.
- `backup_id` (rollback, required): the backup to restore.
- `request_id`: a correlation id the operator chooses, echoed in logs and the audit record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sgcompliance.events.untrusted import (
    ACCOUNT_ID,
    GROUP_ID,
    REGION,
    RejectCode,
    Rejected,
    describe,
    matching,
    quoted,
    shown,
)
from sgcompliance.remediation.plan import Mode

_MAX_LIST = 1000
# An action has at most 6 fields besides `action`; a request with more is refused by count,
# before any field is looked at.
_MAX_FIELDS = 8
_BACKUP_ID = re.compile(r"sg-[0-9a-f]{8,17}\.[0-9A-Za-z]{1,40}\.[0-9A-Za-z]{1,40}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/-]{1,128}")


class OperatorVerb(StrEnum):
    SCAN = "scan"
    REMEDIATE = "remediate"
    ROLLBACK = "rollback"


_ALLOWED = {
    OperatorVerb.SCAN: frozenset({"accounts", "regions", "group_ids", "request_id"}),
    OperatorVerb.REMEDIATE: frozenset(
        {"accounts", "regions", "group_ids", "mode", "dry_run", "request_id"}
    ),
    OperatorVerb.ROLLBACK: frozenset({"backup_id", "dry_run", "request_id"}),
}


@dataclass(frozen=True, slots=True)
class OperatorAction:
    action: OperatorVerb
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    mode: Mode | None = None
    dry_run: bool | None = None
    backup_id: str | None = None
    request_id: str | None = None


class _InvalidFieldError(Exception):
    """One bad field; turned into `Rejected` before leaving this module."""


def parse_operator_action(doc: dict[object, object]) -> OperatorAction | Rejected:
    """A validated operator action, or a rejection naming the first bad field."""
    raw_action = doc.get("action")
    if not isinstance(raw_action, str) or raw_action not in set(OperatorVerb):
        choices = "scan, remediate, rollback"
        return _rejected(f"action must be one of {choices}, got {shown(raw_action)}")
    verb = OperatorVerb(raw_action)
    if len(doc) > _MAX_FIELDS:
        over = len(doc) - _MAX_FIELDS
        return _rejected(
            f"{verb}: the request has {len(doc):,} fields: {over:,} over the limit of {_MAX_FIELDS}"
        )
    allowed = _ALLOWED[verb] | {"action"}
    unknown = [k for k in doc if k not in allowed]
    if unknown:
        fields = ", ".join(sorted(allowed - {"action"}))
        return _rejected(f"{verb}: unknown field {_field_name(unknown)} (allowed: {fields})")
    try:
        action = OperatorAction(
            action=verb,
            accounts=_ids(doc, "accounts", ACCOUNT_ID, "a 12-digit account id"),
            regions=_ids(doc, "regions", REGION, "an AWS region name"),
            group_ids=_ids(doc, "group_ids", GROUP_ID, "a security group id"),
            mode=_mode(doc),
            dry_run=_flag(doc),
            backup_id=_single(doc, "backup_id", _BACKUP_ID, "a backup id"),
            request_id=_single(doc, "request_id", _REQUEST_ID, "1-128 of A-Za-z0-9._:/-"),
        )
    except _InvalidFieldError as exc:
        return _rejected(f"{verb}: {exc}")
    if verb is OperatorVerb.ROLLBACK and action.backup_id is None:
        return _rejected("rollback: backup_id is required")
    return action


def _field_name(unknown: list[object]) -> str:
    """The first unknown field by name (text first), quoted; a key that is not text (only
    a caller in the same process can make one) by its type, never printed."""
    names = sorted(k for k in unknown if isinstance(k, str))
    return quoted(names[0]) if names else f"({describe(unknown[0])})"


def _rejected(message: str) -> Rejected:
    return Rejected(RejectCode.BAD_OPERATOR_ACTION, message)


def _ids(
    doc: dict[object, object], key: str, pattern: re.Pattern[str], what: str
) -> tuple[str, ...]:
    value = doc.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > _MAX_LIST:
        raise _InvalidFieldError(f"{key} must be an array of at most {_MAX_LIST} strings")
    found: list[str] = []
    for index, item in enumerate(value):
        valid = matching(pattern, item)
        if valid is None:
            raise _InvalidFieldError(f"{key}[{index}] must be {what}, got {shown(item)}")
        found.append(valid)
    return tuple(dict.fromkeys(found))


def _single(doc: dict[object, object], key: str, pattern: re.Pattern[str], what: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    valid = matching(pattern, value)
    if valid is None:
        raise _InvalidFieldError(f"{key} must be {what}, got {shown(value)}")
    return valid


def _mode(doc: dict[object, object]) -> Mode | None:
    value = doc.get("mode")
    if value is None:
        return None
    if isinstance(value, str) and value in set(Mode):
        return Mode(value)
    raise _InvalidFieldError(f"mode must be one of {', '.join(Mode)}, got {shown(value)}")


def _flag(doc: dict[object, object]) -> bool | None:
    value = doc.get("dry_run")
    if value is None or isinstance(value, bool):
        return value
    raise _InvalidFieldError(f"dry_run must be true or false, got {describe(value)}")
