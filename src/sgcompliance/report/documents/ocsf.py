"""OCSF: one Compliance Finding (class 2003) record per finding, as a JSON array, for SIEMs and
security lakes (Amazon Security Lake, Splunk, ...).

Records follow OCSF 1.5.0 with the `cloud` profile. The time is the caller's
(`Presentation.generated_at`); the finding id is `finding_info.uid`, so a re-run describes the
same findings. Whatever OCSF has no attribute for (the policy, the rule, the exemption) is under
`unmapped`.

An account-region that could not be read is one more Compliance Finding, about the account, with
`compliance.status_id` 2 Warning: OCSF's "the compliance check did not yield a result due to
missing information".
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.fleet import ScopeFailure
from sgcompliance.engine.policy import Severity
from sgcompliance.report.controls import CheckInfo
from sgcompliance.report.coverage import NOT_SCANNED_CHECK, NOT_SCANNED_TITLE, not_scanned_id
from sgcompliance.report.documents.finding_documents import (
    FindingDocumentsWriter,
    account_arn,
    partition_for,
    security_group_arn,
)
from sgcompliance.report.records import exemption_record, rule_record
from sgcompliance.version import __version__

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SEVERITY_IDS: dict[Severity, tuple[int, str]] = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
STATUS_NEW = (1, "New")
STATUS_SUPPRESSED = (3, "Suppressed")
COMPLIANCE_FAIL = (3, "Fail")
COMPLIANCE_WARNING = (2, "Warning")
AWS_ACCOUNT_TYPE = (10, "AWS Account")

Record = dict[str, Any]


# Every record of a report carries the same time.
@lru_cache(maxsize=16)
def epoch_ms(moment: datetime | None) -> int:
    value = (moment or EPOCH).astimezone(UTC)
    return int(value.timestamp()) * 1000 + value.microsecond // 1000


def _compliance(info: CheckInfo, policy_id: str) -> Record:
    status_id, status = COMPLIANCE_FAIL
    return {
        "control": info.check_id,
        "desc": info.description or info.title,
        "requirements": list(info.references),
        "standards": list(info.standards) or [policy_id],
        "status_id": status_id,
        "status": status,
    }


def _resource(finding: Finding) -> Record:
    group = finding.group
    data: Record = {"group_id": group.group_id, "vpc_id": group.vpc_id}
    if finding.rule is not None:
        data["rule"] = {"rule_id": finding.rule.rule_id, **(rule_record(finding.rule) or {})}
    return {
        "uid": security_group_arn(finding.account_id, finding.region, group.group_id),
        "name": group.name,
        "type": "AWS::EC2::SecurityGroup",
        "region": finding.region,
        "cloud_partition": partition_for(finding.region),
        "labels": [f"{k}={v}" for k, v in sorted(group.tags.items())],
        "data": data,
    }


def _cloud(account_id: str, region: str) -> Record:
    type_id, type_name = AWS_ACCOUNT_TYPE
    account = {"uid": account_id, "name": account_id}
    return {
        "provider": "AWS",
        "region": region,
        "account": {**account, "type_id": type_id, "type": type_name},
    }


def _metadata(uid: str, event_code: str) -> Record:
    return {
        "version": OCSF_VERSION,
        "uid": uid,
        "event_code": event_code,
        "profiles": ["cloud"],
        "product": {
            "name": "sgcompliance",
            "vendor_name": "sgcompliance",
            "uid": "sgcompliance",
            "version": __version__,
        },
    }


def ocsf_record(finding: Finding, info: CheckInfo, at: datetime | None) -> Record:
    severity_id, severity = SEVERITY_IDS[finding.severity]
    status_id, status = STATUS_NEW if finding.is_violation else STATUS_SUPPRESSED
    time = epoch_ms(at)
    return {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": finding.message,
        "compliance": _compliance(info, finding.policy_id),
        "finding_info": {
            "uid": finding.finding_id,
            "title": finding.title or finding.check_id,
            "desc": finding.message,
            "types": [finding.reason.value],
            "created_time": time,
        },
        "remediation": {"desc": info.help_text},
        "resources": [_resource(finding)],
        "cloud": _cloud(finding.account_id, finding.region),
        "metadata": _metadata(finding.finding_id, finding.check_id),
        "unmapped": {
            "policy_id": finding.policy_id,
            "reason": finding.reason.value,
            "attachment": finding.group.attachment.value,
            "exempted_by": exemption_record(finding.exempted_by),
            "expired_exemption": exemption_record(finding.expired_exemption),
        },
    }


def not_scanned_record(failure: ScopeFailure, policy_id: str, at: datetime | None) -> Record:
    """An account-region whose security groups could not be read, and why."""
    severity_id, severity = SEVERITY_IDS[Severity.MEDIUM]
    status_id, status = STATUS_NEW
    compliance_id, compliance = COMPLIANCE_WARNING
    time = epoch_ms(at)
    account, region = failure.scope.account_id, failure.scope.region
    uid = not_scanned_id(failure, policy_id)
    message = f"{failure.scope} could not be read: {failure.reason}"
    return {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": message,
        "compliance": {
            "control": NOT_SCANNED_CHECK,
            "desc": NOT_SCANNED_TITLE,
            "standards": [policy_id],
            "status_id": compliance_id,
            "status": compliance,
        },
        "finding_info": {
            "uid": uid,
            "title": NOT_SCANNED_TITLE,
            "desc": message,
            "types": ["not_scanned"],
            "created_time": time,
        },
        "resources": [
            {
                "uid": account_arn(account, region),
                "name": account,
                "type": "AWS::::Account",
                "region": region,
                "cloud_partition": partition_for(region),
            }
        ],
        "cloud": _cloud(account, region),
        "metadata": _metadata(uid, NOT_SCANNED_CHECK),
        "unmapped": {"policy_id": policy_id, "error_code": failure.code, "reason": failure.reason},
    }


def ocsf_records(result: ScanResult, at: datetime | None) -> list[Record]:
    """One record per finding (exempted ones included), in location order."""
    return OcsfWriter().documents(result, at)


class OcsfWriter(FindingDocumentsWriter):
    def document(self, finding: Finding, info: CheckInfo, at: datetime | None) -> Record:
        return ocsf_record(finding, info, at)

    def not_scanned(self, failure: ScopeFailure, policy_id: str, at: datetime | None) -> Record:
        return not_scanned_record(failure, policy_id, at)
