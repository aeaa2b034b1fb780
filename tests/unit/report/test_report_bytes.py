"""The JSON formats (json, sarif, asff, ocsf) are written by orjson, a batch of findings at a time
(report/json_text.py): each must stay byte for byte what the standard library writes of the same
records, `json.dumps(..., indent=2, sort_keys=True, ensure_ascii=True)`, whatever text the estate
holds (quotes, controls, DEL, line separators, non-ASCII, beyond the BMP, lone surrogates), for
a complete and a partial scan and with a remediation. The golden files pin the records
themselves (jsonl, csv, sarif, asff, ocsf, json)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from formats_estate import PRESENTATION, assert_golden, estate_result
from test_report_coverage import partial

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.fleet import Coverage, Scope, ScopeFailure, with_coverage
from sgcompliance.engine.policy import Exemption
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan
from sgcompliance.report.coverage import failures
from sgcompliance.report.documents.asff import AsffWriter
from sgcompliance.report.documents.ocsf import OcsfWriter
from sgcompliance.report.documents.sarif import SarifWriter, sarif_log
from sgcompliance.report.formats import Presentation
from sgcompliance.report.json_report import JsonWriter
from sgcompliance.report.records import scan_record
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport
from support.estate import group, rule, snapshot

# Every kind of text the escaping must get right, with many findings per group and rule.
TEXTS = (
    'q"uote \\ back/slash',
    "ctl \x00\x01\x1b[31m\t\r\n\x1f end",
    "del \x7f",
    "sep \u2028 \u2029 nbsp\xa0 bidi \u202e",
    "caf\xe9 \u6f22 \u2026",
    "emoji \U0001f600 \U00010000 \U0010ffff",
    "lone \ud800 and \udfff",
    "=cmd|' /C calc'!A0",
)
WHEN = datetime(2026, 11, 27, 8, 30, 15, 250000, tzinfo=UTC)


def hostile_result() -> ScanResult:
    groups = []
    for n, text in enumerate(TEXTS):
        rules = [
            rule(f"sgr-{n:02d}{i}", cidr, ports=port, description=f"{text} #{i}")
            for i, (cidr, port) in enumerate(
                [("0.0.0.0/0", 22), ("::/0", 3389), ("10.0.0.0/8", 80)]
            )
        ]
        groups.append(
            group(*rules, group_id=f"sg-{n:02d}", name=text, tags={text: text, "Owner": text})
        )
    exemption = Exemption(
        "EX-\xe9", TEXTS[6], TEXTS[1], TEXTS[5], date(2027, 1, 1), group_ids=frozenset({"sg-03"})
    )
    policy = dataclasses.replace(load_policy("builtin:strict"), exemptions=(exemption,))
    result = evaluate(policy, [snapshot(*groups)], today=date(2026, 11, 27))
    failed = ScopeFailure(Scope("222222222222", "eu-west-1"), " ".join(TEXTS), "SGC501")
    scopes = (*(Scope(a, r) for a, r in result.scopes), failed.scope)
    return with_coverage(result, Coverage(scopes, (failed,)))


def remediation_of(result: ScanResult) -> RemediationReport:
    entries = []
    for n, finding in enumerate(result.violations[:5]):
        assert finding.rule is not None
        plan = RemediationPlan(
            f"plan-{n}", Mode.REMOVE, Action.REVOKE, finding.account_id, finding.region,
            finding.group_id, finding.group.name, (finding.rule,), (),
            revoke_ingress=(finding.rule.rule_id,),
        )  # fmt: skip
        entries.append(RemediationEntry(plan, "applied", f"bk-{TEXTS[n]}", (finding.rule.rule_id,)))
    return RemediationReport(Mode.REMOVE, False, tuple(entries), TEXTS[3])


def stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


RESULTS = {"fixed estate": estate_result, "partial": partial, "hostile": hostile_result}


@pytest.mark.parametrize("made", RESULTS.values(), ids=RESULTS.keys())
def test_the_json_report_is_the_standard_librarys_text_of_its_record(made: Any) -> None:
    result = made()
    assert len(result.findings) > 0
    for remediation in (None, remediation_of(result)):
        written = JsonWriter().render(result, PRESENTATION, remediation)
        assert written == stdlib(scan_record(result, remediation, PRESENTATION.generated_at))


@pytest.mark.parametrize("made", RESULTS.values(), ids=RESULTS.keys())
def test_sarif_is_the_standard_librarys_text_of_its_log(made: Any) -> None:
    result = made()
    written = SarifWriter().render(result, PRESENTATION)
    assert written == stdlib(sarif_log(result, PRESENTATION.generated_at))


@pytest.mark.parametrize("writer", [AsffWriter, OcsfWriter])
@pytest.mark.parametrize("made", RESULTS.values(), ids=RESULTS.keys())
def test_finding_documents_are_the_standard_librarys_text_of_the_documents(
    made: Any, writer: type[AsffWriter | OcsfWriter]
) -> None:
    result = made()
    documents = writer().documents(result, WHEN)
    documents += [writer().not_scanned(f, result.policy.id, WHEN) for f in failures(result)]
    written = writer().render(result, Presentation(generated_at=WHEN))
    assert written == stdlib(documents)


def test_the_hostile_estate_has_every_kind_of_text_in_the_reports() -> None:
    # GIVEN the hostile estate's JSON report  THEN each kind of text reached it, escaped
    written = JsonWriter().render(hostile_result(), PRESENTATION)
    assert written.isascii()
    for escape in ("\\u007f", "\\u2028", "\\ud83d\\ude00", "\\ud800", "\\u00e9", "\\u001b"):
        assert escape in written


def test_golden_json_of_the_fixed_estate() -> None:
    # Written by the standard library's encoder before the reports were written by orjson.
    assert_golden("json", "estate.report.json")
