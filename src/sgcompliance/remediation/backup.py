"""Backup records: a plan and its group's full pre-image, as a self-describing JSON document.

A backup is written before any change to a group; rollback reads nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sgcompliance.engine.policy import Severity
from sgcompliance.engine.rule_codec import rule_to_row
from sgcompliance.errors import InputError
from sgcompliance.remediation.plan import (
    Action,
    Mode,
    Narrowing,
    PlannedFinding,
    RemediationPlan,
)
from sgcompliance.sources.snapshot import parse_rule

FORMAT_VERSION = 1
# What a backup read back may be (the stores read no further than MAX_BACKUP_BYTES + 1), so
# that reading one takes at most about a second and 200 MB. EC2 allows at most 1,000 rules
# per direction in a group. Measured: a backup of 2,000 rules with 255-character descriptions,
# 4 findings and 5 tags each is 4.7 MiB (178,000 keys and values), nested 5 levels. (With 50
# tags of the longest keys and values on every one of 2,000 rules it would be 46 MiB.)
MAX_BACKUP_BYTES = 16 * 1024 * 1024
MAX_BACKUP_DEPTH = 16
MAX_BACKUP_ITEMS = 500_000
# Rules in a backup's pre-image (and ids in a receipt's lists): 5 times EC2's maximum.
MAX_RULES = 10_000
# Findings in a plan: every check of a pack flagging every rule stays far below.
MAX_FINDINGS = 100_000
# A run id is the id of what triggered the remediation: `sgc remediate`'s own, a CloudTrail
# event id (at most 128 characters) or a sweep id. Anything longer was not written by sgc.
MAX_RUN_ID_CHARS = 256
# Hex digits of the run tag a backup id ends with: 48 bits, so that backups of two runs share
# a tag only by a chance no estate reaches (and such a backup is still told apart by its
# document, whose run id the receipt's digest covers).
RUN_TAG_CHARS = 12
# Between a backup id's plan suffix (hex) and its run tag: never a hex digit.
RUN_MARK = "r"


@dataclass(frozen=True, slots=True)
class BackupRecord:
    backup_id: str
    created_at: str
    plan: RemediationPlan
    policy_id: str = ""
    policy_digest: str = ""
    # The remediation run that wrote it (None in backups written before runs were recorded).
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredBackup:
    """Where a backup went and what exactly was stored: the version the store gave it (None
    where the store keeps no versions) and the sha256 of its canonical bytes."""

    backup_id: str
    location: str
    version_id: str | None
    sha256: str


@dataclass(frozen=True, slots=True)
class LoadedBackup:
    """A backup as read back: the record, the sha256 of its canonical content as read (to
    compare with the receipt's), and the version that was read."""

    record: BackupRecord
    sha256: str
    version_id: str | None


def canonical_bytes(record: BackupRecord) -> bytes:
    """The one byte string a backup is stored as and digested from."""
    return canonical_json(to_document(record))


def canonical_json(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup_id_for(plan: RemediationPlan, created_at: datetime, run_id: str | None = None) -> str:
    """Sortable by time within a group, unique per plan, safe in S3 keys and tag values; a
    backup written by a run ends with `r` and the run's tag, so that listing keys finds a
    run's backups without reading any of them. Still three dot-separated parts of letters and
    digits, as whatever validates a backup id (the operator action) expects."""
    backup_id = f"{plan.group_id}.{created_at:%Y%m%dT%H%M%S%fZ}.{plan.plan_id[-8:]}"
    return backup_id if run_id is None else f"{backup_id}{RUN_MARK}{run_tag(run_id)}"


def group_of(backup_id: str) -> str:
    return backup_id.split(".", 1)[0]


def run_tag(run_id: str) -> str:
    """A digest of the run id: whatever characters the id holds (an event id comes from the
    event), the tag is hex, safe in a key and a path."""
    return hashlib.sha256(run_id.encode()).hexdigest()[:RUN_TAG_CHARS]


def tagged_with_run(backup_id: str, run_id: str) -> bool:
    """Whether the id carries the run's tag: a hint for listing only (a key is a name anyone
    who may write to the store can choose); the document's run id decides."""
    parts = backup_id.split(".")
    return len(parts) == 3 and parts[2].endswith(f"{RUN_MARK}{run_tag(run_id)}")


def of_run(record: BackupRecord, run_id: str | None) -> BackupRecord:
    """The record as a backup of `run_id`: the run recorded in it and its tag in its id."""
    if run_id is None:
        return record
    head, dot, suffix = record.backup_id.rpartition(".")
    untagged = f"{head}{dot}{suffix.split(RUN_MARK, 1)[0]}"
    return replace(record, backup_id=f"{untagged}{RUN_MARK}{run_tag(run_id)}", run_id=run_id)


def check_run_id(run_id: str) -> str:
    """The run id when it can be one (InputError otherwise)."""
    if not run_id or len(run_id) > MAX_RUN_ID_CHARS or not run_id.isprintable():
        raise InputError(
            f"{run_id[:64]!r} is not a run id: 1 to {MAX_RUN_ID_CHARS} printable characters",
            hint="`sgc remediate` prints its run id; an event's is its CloudTrail event id",
        )
    return run_id


def to_document(record: BackupRecord) -> dict[str, Any]:
    plan = record.plan
    # Without a run the document is exactly what it was before runs were recorded.
    run = {} if record.run_id is None else {"run_id": record.run_id}
    return {
        **run,
        "format_version": FORMAT_VERSION,
        "backup_id": record.backup_id,
        "created_at": record.created_at,
        "policy": {"id": record.policy_id, "digest": record.policy_digest},
        "plan": {
            "plan_id": plan.plan_id,
            "mode": plan.mode.value,
            "action": plan.action.value,
            "account_id": plan.account_id,
            "region": plan.region,
            "group_id": plan.group_id,
            "group_name": plan.group_name,
            "revoke_ingress": list(plan.revoke_ingress),
            "revoke_egress": list(plan.revoke_egress),
            "note": plan.note,
            "findings": [
                {
                    "finding_id": f.finding_id,
                    "check_id": f.check_id,
                    "severity": f.severity.value,
                    "rule_id": f.rule_id,
                    "message": f.message,
                }
                for f in plan.findings
            ],
        },
        "pre_image": [rule_to_row(rule) for rule in plan.pre_image],
        # Only in a narrowing plan's backup: every other document is as it was before.
        **(
            {
                "narrowing": [
                    {"rule": rule_to_row(n.rule), "replaces": list(n.replaces)}
                    for n in plan.narrowing
                ]
            }
            if plan.narrowing
            else {}
        ),
    }


def from_document(doc: Any, source: str = "") -> BackupRecord:
    """Read a backup document back; every problem names its JSON path. Its lists are counted
    before any item is read (MAX_RULES, MAX_FINDINGS)."""
    try:
        return _read(doc, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Shortened: a missing key may be as long as whatever wrote the document.
        raise InputError(f"not a valid backup record ({exc!r:.120})", source=source) from exc


def counted(items: Any, most: int, what: str, path: str, source: str) -> Any:
    """`items` when it is a list of at most `most` entries; else an InputError that names
    the path, and the count and the limit or the type found.

    A list is required, not any iterable: a rule id written as a bare string would otherwise be
    read as one rule id per character."""
    if not isinstance(items, list):
        raise InputError(
            f"{path} must be a list of {what}, not {type(items).__name__}",
            source=source,
            hint="a backup or receipt lists its rules and rule ids: it was not written by sgc",
        )
    if len(items) > most:
        raise InputError(
            f"{path} holds {len(items):,} {what}: {len(items) - most:,} over the limit of {most:,}",
            source=source,
            hint="a backup or receipt covers one security group: it was not written by sgc",
        )
    return items


def _rule_ids(items: list[Any], path: str, source: str) -> tuple[str, ...]:
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InputError(
                f"{path}[{index}] must be a rule id (a string), not {type(item).__name__}",
                source=source,
            )
    return tuple(items)


def _read(doc: Any, source: str) -> BackupRecord:
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"expected a backup record of format_version {FORMAT_VERSION}", source=source
        )
    raw = doc["plan"]
    rows = counted(doc["pre_image"], MAX_RULES, "rules", "$.pre_image", source)
    rules = tuple(parse_rule(row, source, f"$.pre_image[{i}]") for i, row in enumerate(rows))
    findings = counted(raw["findings"], MAX_FINDINGS, "findings", "$.plan.findings", source)
    ingress = counted(raw["revoke_ingress"], MAX_RULES, "rule ids", "$.plan.revoke_ingress", source)
    egress = counted(raw["revoke_egress"], MAX_RULES, "rule ids", "$.plan.revoke_egress", source)
    plan = RemediationPlan(
        plan_id=str(raw["plan_id"]),
        mode=Mode(raw["mode"]),
        action=Action(raw["action"]),
        account_id=str(raw["account_id"]),
        region=str(raw["region"]),
        group_id=str(raw["group_id"]),
        group_name=str(raw.get("group_name", "")),
        pre_image=rules,
        findings=tuple(
            PlannedFinding(
                str(f["finding_id"]),
                str(f["check_id"]),
                Severity(f["severity"]),
                f.get("rule_id"),
                str(f.get("message", "")),
            )
            for f in findings
        ),
        revoke_ingress=_rule_ids(ingress, "$.plan.revoke_ingress", source),
        revoke_egress=_rule_ids(egress, "$.plan.revoke_egress", source),
        note=str(raw.get("note", "")),
        narrowing=_narrowing(doc.get("narrowing", []), source),
    )
    policy = doc.get("policy", {})
    return BackupRecord(
        backup_id=str(doc["backup_id"]),
        created_at=str(doc["created_at"]),
        plan=plan,
        policy_id=str(policy.get("id", "")),
        policy_digest=str(policy.get("digest", "")),
        run_id=_run_id(doc.get("run_id")),
    )


def _narrowing(items: Any, source: str) -> tuple[Narrowing, ...]:
    rows = counted(items, MAX_RULES, "narrowed rules", "$.narrowing", source)
    out = []
    for i, item in enumerate(rows):
        path = f"$.narrowing[{i}]"
        replaces = counted(item["replaces"], MAX_RULES, "rule ids", f"{path}.replaces", source)
        rule = parse_rule(item["rule"], source, f"{path}.rule")
        out.append(Narrowing(rule, _rule_ids(replaces, f"{path}.replaces", source)))
    return tuple(out)


def _run_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_RUN_ID_CHARS:
        raise ValueError(f"$.run_id: not a run id of 1 to {MAX_RUN_ID_CHARS} characters")
    return value


@dataclass(frozen=True, slots=True)
class BackupPointer:
    """What the `sgc:backup` tag says: a hint only (anyone who may tag the group may write it);
    a resume or rollback acts on it only once the stored receipt agrees."""

    backup_id: str
    sha256: str | None = None
    version_id: str | None = None


def pointer_value(stored: StoredBackup) -> str:
    """`BACKUP_ID sha256=HEX [v=VERSION]`: within the 256 characters of a tag value."""
    value = f"{stored.backup_id} sha256={stored.sha256}"
    if stored.version_id:
        value += f" v={stored.version_id}"
    return value


def parse_pointer(value: str) -> BackupPointer | None:
    """The pointer a tag value names; None for an empty or malformed value. A bare backup id
    (the tag as written before digests) reads as a pointer without digest."""
    parts = value.split()
    if not parts or "/" in parts[0] or parts[0].startswith("."):
        return None
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    return BackupPointer(parts[0], fields.get("sha256") or None, fields.get("v") or None)
