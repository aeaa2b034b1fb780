"""Policy unit tests: a case names a policy, snapshots, a date and the findings it expects.

A case is a .json/.yaml/.yml file directly inside the test directory (files it refers to live in
subdirectories, or anywhere else, by a path relative to the case file):

    {"name", "policy": "builtin:NAME" | "path" | {inline document},
     "snapshots": [snapshot documents] | "snapshot_file": "path"
       | "terraform_plan_file": "path" | "cloudformation_file": "path" (+ "parameters": {K: V}),
     "today": "YYYY-MM-DD",
     "expect": [{"check_id", "group_id", "rule_id"?, "exempted"?}], "expect_exactly"?: true}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import Policy
from sgcompliance.errors import InputError, PolicyError
from sgcompliance.policy.loader import load_policy, parse_policy
from sgcompliance.policy.problems import Problem, make_validator, schema_problems
from sgcompliance.policy.semantics import PACK_PREFIX
from sgcompliance.sources.cloudformation import load_template
from sgcompliance.sources.code_documents import read_plan_file
from sgcompliance.sources.code_estate import CodeEstate
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.documents import load_document
from sgcompliance.sources.snapshot import read_snapshot, read_snapshots
from sgcompliance.sources.terraform_plan import read_plan

CASE_SUFFIXES = frozenset({".json", ".yaml", ".yml"})

_TEXT: dict[str, Any] = {"type": "string", "minLength": 1}
CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "policy", "today", "expect"],
    "properties": {
        "name": _TEXT,
        "description": {"type": "string"},
        "policy": {
            "type": ["string", "object"],
            "minLength": 1,
            "description": "builtin:NAME, a policy file path, or an inline policy document",
        },
        "snapshots": {"type": "array", "description": "Snapshot documents, inline"},
        "snapshot_file": {**_TEXT, "description": "A snapshot file, relative to the case"},
        "terraform_plan_file": {
            **_TEXT,
            "description": "The JSON of `terraform show -json PLANFILE`, relative to the case",
        },
        "cloudformation_file": {**_TEXT, "description": "A template, relative to the case"},
        "parameters": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The template's parameter values (with cloudformation_file)",
        },
        "today": {
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "The evaluation date as YYYY-MM-DD (exemption expiry is judged on it)",
        },
        "expect": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["check_id", "group_id"],
                "properties": {
                    "check_id": _TEXT,
                    "group_id": _TEXT,
                    "rule_id": _TEXT,
                    "exempted": {"type": "boolean"},
                },
            },
        },
        "expect_exactly": {"type": "boolean"},
    },
}


class CaseError(InputError):
    """A policy test case file is malformed; carries every problem with its JSON path."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        path, message, hint = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(message + more, path=path, source=source, hint=hint)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Expectation:
    check_id: str
    group_id: str
    rule_id: str | None = None
    # None: the finding may be exempted or not.
    exempted: bool | None = None

    def matches(self, finding: Finding) -> bool:
        return (
            finding.check_id == self.check_id
            and finding.group_id == self.group_id
            and (self.rule_id is None or finding.rule_id == self.rule_id)
            and (self.exempted is None or self.exempted != finding.is_violation)
        )

    def __str__(self) -> str:
        rule = f" {self.rule_id}" if self.rule_id else ""
        state = {None: "", True: " (exempted)", False: " (not exempted)"}[self.exempted]
        return f"{self.check_id} {self.group_id}{rule}{state}"


def describe_finding(finding: Finding) -> str:
    rule = f" {finding.rule_id}" if finding.rule_id else ""
    exemption = finding.exempted_by
    state = f" (exempted by {exemption.id})" if exemption is not None else ""
    return f"{finding.check_id} {finding.group_id}{rule}{state}"


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    source: Path
    policy: Policy
    snapshots: tuple[RegionSnapshot, ...]
    today: date
    expect: tuple[Expectation, ...]
    exactly: bool = True
    # A plan or template judged instead of the snapshots (which are then empty).
    code: CodeEstate | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    missing: tuple[Expectation, ...]
    unexpected: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def discover(directory: Path) -> list[Path]:
    """The case files of a directory, in name order (subdirectories are not searched)."""
    return sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in CASE_SUFFIXES
    )


def run_case(case: Case) -> Outcome:
    if case.code is not None:
        findings = scan_code(case.policy, case.code, today=case.today).findings
    else:
        findings = evaluate(case.policy, case.snapshots, today=case.today).findings
    missing = tuple(e for e in case.expect if not any(e.matches(f) for f in findings))
    unexpected: tuple[Finding, ...] = ()
    if case.exactly:
        unexpected = tuple(f for f in findings if not any(e.matches(f) for e in case.expect))
    return Outcome(case, missing, unexpected)


def load_case(path: Path) -> Case:
    """Read and check a case file. Raises CaseError, InputError or PolicyError."""
    source = str(path)
    doc = load_document(path)
    problems = schema_problems(make_validator(CASE_SCHEMA), doc)
    if not problems and isinstance(doc, dict):
        problems = _shape_problems(doc)
    if problems or not isinstance(doc, dict):
        raise CaseError(source, problems)
    return Case(
        name=doc["name"],
        source=path,
        policy=_policy(doc["policy"], path),
        snapshots=_snapshots(doc, path) if not code_case(doc) else (),
        today=date.fromisoformat(doc["today"]),
        expect=tuple(Expectation(**e) for e in doc["expect"]),
        exactly=doc.get("expect_exactly", True),
        code=code_estate(doc, path) if code_case(doc) else None,
    )


def _shape_problems(doc: dict[str, Any]) -> list[Problem]:
    given = [key for key in (*_SNAPSHOT_KEYS, *_CODE_KEYS) if key in doc]
    if len(given) != 1:
        hint = (
            "give inline snapshots, a snapshot_file, a terraform_plan_file or a cloudformation_file"
        )
        return [
            ("$", f"a case needs exactly one of {', '.join((*_SNAPSHOT_KEYS, *_CODE_KEYS))}", hint)
        ]
    if "parameters" in doc and "cloudformation_file" not in doc:
        return [("$.parameters", "parameters are a template's", "add cloudformation_file")]
    try:
        date.fromisoformat(doc["today"])
    except ValueError:
        return [("$.today", f"{doc['today']!r} is not a valid date", "use YYYY-MM-DD")]
    return []


def _policy(ref: str | dict[str, Any], case_path: Path) -> Policy:
    if isinstance(ref, dict):
        try:
            return parse_policy(ref, str(case_path))
        except PolicyError as exc:
            problems = [(path.replace("$", "$.policy", 1), m, h) for path, m, h in exc.problems]
            raise PolicyError(str(case_path), problems) from exc
    if ref.startswith(PACK_PREFIX):
        return load_policy(ref)
    return load_policy(case_path.parent / ref)


def _snapshots(doc: dict[str, Any], case_path: Path) -> tuple[RegionSnapshot, ...]:
    if "snapshot_file" in doc:
        snapshot_path = case_path.parent / doc["snapshot_file"]
        return tuple(read_snapshots(load_document(snapshot_path), str(snapshot_path)))
    return tuple(
        read_snapshot(item, str(case_path), f"$.snapshots[{i}]")
        for i, item in enumerate(doc["snapshots"])
    )


_SNAPSHOT_KEYS = ("snapshots", "snapshot_file")
_CODE_KEYS = ("terraform_plan_file", "cloudformation_file")


def code_case(doc: dict[str, Any]) -> bool:
    return any(key in doc for key in _CODE_KEYS)


def code_estate(doc: dict[str, Any], case_path: Path) -> CodeEstate:
    """The plan or template a case judges, by a path relative to the case."""
    if "terraform_plan_file" in doc:
        plan_path = case_path.parent / doc["terraform_plan_file"]
        return read_plan(read_plan_file(str(plan_path)), str(plan_path)).estate
    template = case_path.parent / doc["cloudformation_file"]
    return load_template(template, doc.get("parameters", {}))
