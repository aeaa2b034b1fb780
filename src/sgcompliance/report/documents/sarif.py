"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One rule per check (with its CIS / AWS FSBP references), one result per finding. The finding id
is the result's fingerprint, so an upload of a re-run updates the same alerts instead of adding
new ones. Security groups are not files: each result names its group twice, as a logical
location chain (account, region, group, rule) and as a physical artifact with the URI
`aws://ACCOUNT/REGION/GROUP_ID`, because code scanning requires a physical location; a group
of a Terraform plan or CloudFormation template is named by the file and line of its block.
Exempted findings carry an accepted external suppression with the exemption's reason. After
the findings, one result of kind `pass` per check names every group that passed it.
`invocations[0].executionSuccessful` is false when an account-region could not be read, and
each such account-region is a `toolExecutionNotifications` entry (level error) with its reason;
the run's `properties.coverage` says which accounts and regions were asked for and read, and
`invocations[0].startTimeUtc` when the scan ran (when the caller gave a time).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import quote

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.fleet import ScopeFailure
from sgcompliance.engine.policy import Severity
from sgcompliance.report.controls import CheckInfo, check_catalog
from sgcompliance.report.coverage import (
    NOT_SCANNED_CHECK,
    coverage_of,
    coverage_record,
    failures,
    time_text,
)
from sgcompliance.report.formats import PiecewiseText, Presentation
from sgcompliance.report.json_text import with_items
from sgcompliance.report.passes import passes_by_check
from sgcompliance.report.records import by_location
from sgcompliance.report.remediation_view import RemediationReport
from sgcompliance.sources.code_estate import SourceLocation
from sgcompliance.sources.code_scan import CodeScanResult
from sgcompliance.version import __version__

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "sgcompliance"
FINGERPRINT_KEY = "sgcompliance/findingId/v1"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub's bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low, 0.0 none.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

Json = dict[str, Any]


def message_text(text: str) -> str:
    """Plain SARIF message text: brackets would start an embedded link, so they are escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def artifact_uri(finding: Finding) -> str:
    return f"aws://{finding.account_id}/{finding.region}/{finding.group_id}"


def _help(info: CheckInfo) -> str:
    lines = [info.help_text]
    if info.references:
        lines += ["", "References:", *(f"- {r}" for r in info.references)]
    return "\n".join(lines)


def rule_object(info: CheckInfo) -> Json:
    return {
        "id": info.check_id,
        "name": info.check_id,
        "shortDescription": {"text": info.title or info.check_id},
        "fullDescription": {"text": info.description or info.title or info.check_id},
        "help": {"text": _help(info)},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {
            "tags": ["security", *info.standards],
            "precision": "very-high",
            "problem.severity": "error" if LEVELS[info.severity] == "error" else "warning",
            "security-severity": SECURITY_SEVERITY[info.severity],
            "severity": info.severity.value,
            "remediation": info.remediation.value,
            "references": list(info.references),
            "controls": [c.text for c in info.controls if c.control_id],
        },
    }


def _logical_locations(finding: Finding) -> list[Json]:
    account, region, group = finding.account_id, finding.region, finding.group_id
    chain = [
        {"name": account, "kind": "namespace", "fullyQualifiedName": account},
        {"name": region, "kind": "namespace", "fullyQualifiedName": f"{account}/{region}"},
        {"name": group, "kind": "resource", "fullyQualifiedName": f"{account}/{region}/{group}"},
    ]
    if finding.rule_id:
        fqn = f"{account}/{region}/{group}/{finding.rule_id}"
        chain.append({"name": finding.rule_id, "kind": "member", "fullyQualifiedName": fqn})
    return chain


def _suppressions(finding: Finding) -> list[Json]:
    exemption = finding.exempted_by
    if exemption is None:
        return []
    ticket = f" ({exemption.ticket})" if exemption.ticket else ""
    return [
        {
            "kind": "external",
            "status": "accepted",
            "justification": f"exemption {exemption.id} by {exemption.owner}: "
            f"{exemption.reason}{ticket}",
        }
    ]


def physical_location(finding: Finding, written: SourceLocation | None = None) -> Json:
    """Where code scanning shows a result: the file and line of a plan's or template's block,
    relative to the repository, else the group's `aws://` URI."""
    if written is None:
        return {"artifactLocation": {"uri": artifact_uri(finding)}}
    # A URI: spaces and other reserved characters of a file name are percent-encoded.
    uri = quote(written.file, safe="/")
    return {"artifactLocation": {"uri": uri}, "region": {"startLine": written.line}}


def result_object(finding: Finding, rule_index: int, written: SourceLocation | None = None) -> Json:
    rule = finding.rule
    result: Json = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVELS[finding.severity],
        "message": {"text": message_text(finding.message)},
        "locations": [
            {
                "physicalLocation": physical_location(finding, written),
                "logicalLocations": _logical_locations(finding),
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.finding_id},
        "fingerprints": {FINGERPRINT_KEY: finding.finding_id},
        "properties": {
            "findingId": finding.finding_id,
            "severity": finding.severity.value,
            "reason": finding.reason.value,
            "accountId": finding.account_id,
            "region": finding.region,
            "groupId": finding.group_id,
            "groupName": finding.group.name,
            "ruleId": finding.rule_id,
            "ruleDescription": rule.description if rule is not None else None,
            "expiredExemption": (
                finding.expired_exemption.id if finding.expired_exemption is not None else None
            ),
        },
    }
    suppressions = _suppressions(finding)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def notification(failure: ScopeFailure) -> Json:
    """An account-region that could not be read, as a tool execution notification."""
    account, region = failure.scope.account_id, failure.scope.region
    return {
        "level": "error",
        "descriptor": {"id": NOT_SCANNED_CHECK},
        "message": {"text": message_text(f"{failure.scope} could not be read: {failure.reason}")},
        "locations": [
            {
                "logicalLocations": [
                    {"name": account, "kind": "namespace", "fullyQualifiedName": account},
                    {
                        "name": region,
                        "kind": "namespace",
                        "fullyQualifiedName": f"{account}/{region}",
                    },
                ]
            }
        ],
        "properties": {"accountId": account, "region": region, "errorCode": failure.code},
    }


def pass_object(check_id: str, rule_index: int, groups: list[str]) -> Json:
    """Every group that passed one check, as one `pass` result: one result per group and check
    would make hundreds of thousands of results of a large estate (code scanning takes 5,000)."""
    noun = "security group" if len(groups) == 1 else "security groups"
    return {
        "ruleId": check_id,
        "ruleIndex": rule_index,
        "kind": "pass",
        "level": "none",
        "message": {"text": message_text(f"{len(groups)} {noun} passed {check_id}")},
        # The root of every group's URI: code scanning refuses a result without a location.
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "aws://"}}}],
        "properties": {"passedGroups": groups},
    }


def invocation(result: ScanResult, at: datetime | None = None) -> Json:
    """Whether the run judged everything it was asked to, what it could not read, and when it
    ran (when the caller said)."""
    found = failures(result)
    record: Json = {"executionSuccessful": coverage_of(result).complete}
    started = time_text(at)
    if started is not None:
        record["startTimeUtc"] = started
    if found:
        record["toolExecutionNotifications"] = [notification(f) for f in found]
    return record


def sarif_log(result: ScanResult, at: datetime | None = None) -> Json:
    catalog: Mapping[str, CheckInfo] = check_catalog(result)
    log = _log_without_results(result, catalog, at)
    log["runs"][0]["results"] = list(_results(result, catalog))
    return log


def _results(result: ScanResult, catalog: Mapping[str, CheckInfo]) -> Iterator[Json]:
    """A result per finding, in location order, then a `pass` result per check passed."""
    index = {check_id: i for i, check_id in enumerate(catalog)}
    written = result.location_of if isinstance(result, CodeScanResult) else None
    for finding in by_location(result.findings):
        at = written(finding) if written is not None else None
        yield result_object(finding, index[finding.check_id], at)
    for check_id, groups in passes_by_check(result).items():
        yield pass_object(check_id, index[check_id], groups)


def _log_without_results(
    result: ScanResult, catalog: Mapping[str, CheckInfo], at: datetime | None = None
) -> Json:
    """The log with its one run's `results` empty."""
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_object(info) for info in catalog.values()],
                    }
                },
                # Separate categories per policy: uploads judged by different policies coexist.
                "automationDetails": {"id": f"sgcompliance/{result.policy.id}/"},
                "invocations": [invocation(result, at)],
                "columnKind": "unicodeCodePoints",
                "results": [],
                "properties": {
                    "policyId": result.policy.id,
                    "policyDigest": result.policy.digest,
                    "policyVersion": result.policy.version,
                    "coverage": coverage_record(result),
                    "groupsScanned": result.groups_scanned,
                    "rulesEvaluated": result.rules_evaluated,
                },
            }
        ],
    }


class SarifWriter(PiecewiseText):
    def pieces(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> Iterator[bytes]:
        del remediation  # code scanning shows findings; fixes live elsewhere
        catalog = check_catalog(result)
        # The results are written as they are made: they never all exist at once. The run's
        # keys are 3 levels deep (the log, its `runs`, the run).
        log = _log_without_results(result, catalog, presentation.generated_at)
        pieces = with_items(log, "results", 3, _results(result, catalog))
        return chain(pieces, (b"\n",))
