"""What changed between two scans: the violations new since the previous report, those fixed
since it, and those still open, read from two JSON reports (`sgc scan --format json`).

A violation is known across scans by what it is about, not by an id: the account, the region,
the group, the check and the rule's content (direction, protocol, ports, peer). A rule that was
deleted and added again gets a new rule id but is the same exposure, so it is still open; the
finding id (a hash that includes the rule id) would call it fixed and new at once.

A violation of the previous report that the newer one does not hold is fixed only if the newer
scan read its account-region: one it did not read (not asked for, or failed) is `unverified`,
and one now covered by an exemption is `exempted`, never fixed.

Both files may come from anywhere: every value is checked for its type and the first wrong
one is named by its JSON path (`ReportInputError`, exit 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.errors import InputError
from sgcompliance.report.coverage import coverage_of
from sgcompliance.report.records import rule_summary

Record = dict[str, Any]
# (account, region, group id, check id, direction, protocol, from port, to port, peer); the rule
# parts are all None for a finding about the whole group.
FindingKey = tuple[str, str, str, str, str | None, str | None, int | None, int | None, str | None]

_STRING_FIELDS = ("account_id", "region", "group_id", "check_id", "severity")
# Text shown from a file someone else wrote is kept to a readable length.
_TEXT_LIMIT = 500


class ReportInputError(InputError):
    code = "SGC101"
    hint = "give two JSON reports written by `sgc scan --format json`"


@dataclass(frozen=True, slots=True)
class Violation:
    """One violation as a report holds it: its key and what to show about it."""

    key: FindingKey
    severity: str
    group_name: str
    rule_summary: str
    message: str
    finding_id: str

    @property
    def account_id(self) -> str:
        return self.key[0]

    @property
    def region(self) -> str:
        return self.key[1]

    @property
    def group_id(self) -> str:
        return self.key[2]

    @property
    def check_id(self) -> str:
        return self.key[3]


@dataclass(frozen=True, slots=True)
class ReportFindings:
    """What one report says: its violations and exempted findings by key, what it read."""

    source: str
    policy_id: str
    policy_digest: str
    generated_at: str | None
    violations: Mapping[FindingKey, Violation]
    exempted: frozenset[FindingKey]
    # Account-regions the scan read; None when the report does not say (then all are assumed).
    scanned: frozenset[tuple[str, str]] | None

    def read(self, account_id: str, region: str) -> bool:
        return self.scanned is None or (account_id, region) in self.scanned


@dataclass(frozen=True, slots=True)
class Comparison:
    """Violations of the newer report against the older one, each list in location order."""

    old: ReportFindings
    new: ReportFindings
    added: tuple[Violation, ...]
    fixed: tuple[Violation, ...]
    still_open: tuple[Violation, ...]
    exempted: tuple[Violation, ...] = field(default=())
    unverified: tuple[Violation, ...] = field(default=())

    @property
    def same_policy(self) -> bool:
        return (self.old.policy_id, self.old.policy_digest) == (
            self.new.policy_id,
            self.new.policy_digest,
        )


def key_of(record: Mapping[str, Any]) -> FindingKey:
    """The key of a finding record (the JSON report's shape, already checked)."""
    rule = record.get("rule")
    if rule is None:
        parts: tuple[Any, ...] = (None, None, None, None, None)
    else:
        parts = (rule["direction"], rule["protocol"], rule["from_port"], rule["to_port"],
                 rule["peer"])  # fmt: skip
    return (
        record["account_id"], record["region"], record["group_id"], record["check_id"], *parts
    )  # fmt: skip


def compare(old: ReportFindings, new: ReportFindings) -> Comparison:
    added = [v for k, v in new.violations.items() if k not in old.violations]
    still_open = [v for k, v in new.violations.items() if k in old.violations]
    fixed, exempted, unverified = [], [], []
    for key, violation in old.violations.items():
        if key in new.violations:
            continue
        if not new.read(violation.account_id, violation.region):
            unverified.append(violation)
        elif key in new.exempted:
            exempted.append(violation)
        else:
            fixed.append(violation)
    return Comparison(
        old, new, _ordered(added), _ordered(fixed), _ordered(still_open),
        _ordered(exempted), _ordered(unverified),
    )  # fmt: skip


def read_report(document: object, source: str) -> ReportFindings:
    """The findings of a parsed JSON report, every value checked; `source` names the file."""
    top = _object(document, "$", source)
    summary = _object(top.get("summary", {}), "$.summary", source)
    findings = top.get("findings")
    if not isinstance(findings, list):
        raise ReportInputError(
            "expected the list of findings of a JSON report (`sgc scan --format json`)",
            path="$.findings",
            source=source,
        )
    violations: dict[FindingKey, Violation] = {}
    exempted: set[FindingKey] = set()
    for index, item in enumerate(findings):
        path = f"$.findings[{index}]"
        record = _finding(item, path, source)
        key = key_of(record)
        if record.get("exempted_by") is not None:
            exempted.add(key)
        else:
            violations.setdefault(key, _violation(key, record))
    return ReportFindings(
        source=source,
        policy_id=_optional_text(summary.get("policy_id"), "$.summary.policy_id", source),
        policy_digest=_optional_text(
            summary.get("policy_digest"), "$.summary.policy_digest", source
        ),
        generated_at=_optional_text(summary.get("generated_at"), "$.summary.generated_at", source)
        or None,
        violations=dict(sorted(violations.items(), key=_sort_key)),
        exempted=frozenset(exempted),
        scanned=_scanned(top.get("coverage"), source),
    )


def _finding(item: object, path: str, source: str) -> Record:
    record = _object(item, path, source)
    for name in _STRING_FIELDS:
        _text(record.get(name), f"{path}.{name}", source)
    for name in ("group_name", "message", "finding_id"):
        _optional_text(record.get(name), f"{path}.{name}", source)
    rule = record.get("rule")
    if rule is not None:
        rule = _object(rule, f"{path}.rule", source)
        for name in ("direction", "protocol", "peer"):
            _text(rule.get(name), f"{path}.rule.{name}", source)
        for name in ("from_port", "to_port"):
            _port(rule.get(name), f"{path}.rule.{name}", source)
        _optional_text(rule.get("summary"), f"{path}.rule.summary", source)
    exemption = record.get("exempted_by")
    if exemption is not None:
        _object(exemption, f"{path}.exempted_by", source)
    return record


def _violation(key: FindingKey, record: Record) -> Violation:
    rule = record.get("rule")
    summary = rule.get("summary") if rule is not None else None
    return Violation(
        key=key,
        severity=record["severity"],
        group_name=_clip(record.get("group_name") or ""),
        rule_summary=_clip(summary or ""),
        message=_clip(record.get("message") or ""),
        finding_id=_clip(record.get("finding_id") or ""),
    )


def _scanned(coverage: object, source: str) -> frozenset[tuple[str, str]] | None:
    if coverage is None:
        return None
    record = _object(coverage, "$.coverage", source)
    scanned = record.get("scanned")
    if scanned is None:
        return None
    if not isinstance(scanned, list):
        raise ReportInputError("expected a list", path="$.coverage.scanned", source=source)
    scopes = set()
    for index, item in enumerate(scanned):
        path = f"$.coverage.scanned[{index}]"
        scope = _object(item, path, source)
        account = _text(scope.get("account_id"), f"{path}.account_id", source)
        region = _text(scope.get("region"), f"{path}.region", source)
        scopes.add((account, region))
    return frozenset(scopes)


def _object(value: object, path: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportInputError(f"expected an object, not {_kind(value)}", path=path, source=source)
    return value


def _text(value: object, path: str, source: str) -> str:
    if not isinstance(value, str):
        raise ReportInputError(f"expected a string, not {_kind(value)}", path=path, source=source)
    return value


def _optional_text(value: object, path: str, source: str) -> str:
    return "" if value is None else _text(value, path, source)


def _port(value: object, path: str, source: str) -> None:
    # bool is an int to Python, never a port to JSON.
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ReportInputError(
            f"expected an integer or null, not {_kind(value)}", path=path, source=source
        )


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _clip(value: str) -> str:
    return value if len(value) <= _TEXT_LIMIT else value[: _TEXT_LIMIT - 1] + "\u2026"


def _sort_key(item: tuple[FindingKey, Violation]) -> tuple[str, ...]:
    return tuple("" if part is None else str(part) for part in item[0])


def _ordered(violations: Iterable[Violation]) -> tuple[Violation, ...]:
    return tuple(sorted(violations, key=lambda v: _sort_key((v.key, v))))


def finding_key(finding: Finding) -> FindingKey:
    """The key of a finding of this scan: the same as `key_of` its JSON record."""
    rule = finding.rule
    if rule is None:
        return (finding.account_id, finding.region, finding.group_id, finding.check_id,
                None, None, None, None, None)  # fmt: skip
    return (
        finding.account_id, finding.region, finding.group_id, finding.check_id,
        rule.direction.value, rule.protocol, rule.from_port, rule.to_port, str(rule.peer),
    )  # fmt: skip


def current_findings(result: ScanResult, generated_at: str | None = None) -> ReportFindings:
    """What `result`'s JSON report would say, without writing and reading it."""
    violations: dict[FindingKey, Violation] = {}
    exempted: set[FindingKey] = set()
    for finding in result.findings:
        key = finding_key(finding)
        if finding.exempted_by is not None:
            exempted.add(key)
            continue
        rule = finding.rule
        violations.setdefault(
            key,
            Violation(
                key, finding.severity.value, finding.group.name,
                rule_summary(rule) if rule is not None else "", finding.message,
                finding.finding_id,
            ),
        )  # fmt: skip
    scanned = frozenset((s.account_id, s.region) for s in coverage_of(result).scanned)
    return ReportFindings(
        "this scan", result.policy.id, result.policy.digest, generated_at,
        dict(sorted(violations.items(), key=_sort_key)), frozenset(exempted), scanned,
    )  # fmt: skip
