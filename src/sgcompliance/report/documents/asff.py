"""ASFF: AWS Security Finding Format documents, ready for Security Hub's BatchImportFindings.

Each finding becomes one document of the importing account's `default` product (a custom
integration), so it must be imported by the account it is about, in its own region (see
`app/securityhub_export.py`). The finding id is the document id: importing a re-run updates the
same Security Hub findings. Free text is flattened to one line and clipped to Security Hub's
limits; the time is the caller's (`Presentation.generated_at`), never read here.

An account-region that could not be read is one more document, about the account
(`AwsAccount`), with `Compliance.Status` `NOT_AVAILABLE`: Security Hub's status for a check that
could not run. `sgc export securityhub` imports findings only (`asff_documents`).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    partition_for,
    security_group_arn,
    securityhub_product_arn,
)
from sgcompliance.report.plain_text import clip, one_line
from sgcompliance.report.records import rule_summary
from sgcompliance.version import __version__

SCHEMA_VERSION = "2018-10-08"
PRODUCT_NAME = "sgcompliance"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Security Hub's documented limits, in characters.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1024
RECOMMENDATION_LIMIT = 512
REQUIREMENT_LIMIT = 128
REQUIREMENTS_MAX = 32
FIELD_KEY_LIMIT = 128
FIELD_VALUE_LIMIT = 2048
TAG_KEY_LIMIT = 128
TAG_VALUE_LIMIT = 256
TAGS_MAX = 50

LABELS: dict[Severity, str] = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
NETWORK_TYPE = "Software and Configuration Checks/AWS Security Best Practices/Network Reachability"
CIS_TYPE = (
    "Software and Configuration Checks/Industry and Regulatory Standards/"
    "CIS AWS Foundations Benchmark"
)

Document = dict[str, Any]


# Every document of a report carries the same time.
@lru_cache(maxsize=16)
def asff_time(moment: datetime | None) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as Security Hub writes its own times."""
    value = (moment or EPOCH).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _text(value: str, limit: int, fallback: str) -> str:
    flat = one_line(value)
    return clip(flat if flat else fallback, limit)


def _types(info: CheckInfo) -> list[str]:
    types = [NETWORK_TYPE]
    if any("CIS" in s for s in info.standards):
        types.append(CIS_TYPE)
    return types


def _description(finding: Finding) -> str:
    parts = [finding.message if finding.message.endswith(".") else f"{finding.message}."]
    rule = finding.rule
    if rule is not None and rule.description:
        parts.append(f'Rule description: "{rule.description}".')
    if finding.expired_exemption is not None:
        parts.append(f"Exemption {finding.expired_exemption.id} has expired.")
    return " ".join(parts)


def _product_fields(finding: Finding) -> dict[str, str]:
    rule = finding.rule
    fields = {
        "ProviderName": PRODUCT_NAME,
        "ProviderVersion": __version__,
        "sgcompliance/PolicyId": finding.policy_id,
        "sgcompliance/CheckId": finding.check_id,
        "sgcompliance/Reason": finding.reason.value,
        "sgcompliance/Attachment": finding.group.attachment.value,
        "sgcompliance/RuleId": finding.rule_id or "",
        "sgcompliance/Rule": rule_summary(rule) if rule is not None else "",
        "sgcompliance/ExemptedBy": finding.exempted_by.id if finding.exempted_by else "",
    }
    return {
        clip(one_line(k), FIELD_KEY_LIMIT): clip(one_line(v), FIELD_VALUE_LIMIT)
        for k, v in fields.items()
        if v
    }


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    pairs = sorted(tags.items())[:TAGS_MAX]
    return {clip(k, TAG_KEY_LIMIT): clip(v, TAG_VALUE_LIMIT) for k, v in pairs}


def _resource(finding: Finding) -> Document:
    group = finding.group
    details: Document = {
        "GroupId": group.group_id,
        "GroupName": group.name,
        "OwnerId": finding.account_id,
    }
    if group.vpc_id:
        details["VpcId"] = group.vpc_id
    resource: Document = {
        "Type": "AwsEc2SecurityGroup",
        "Id": security_group_arn(finding.account_id, finding.region, group.group_id),
        "Partition": partition_for(finding.region),
        "Region": finding.region,
        "Details": {"AwsEc2SecurityGroup": details},
    }
    if group.tags:
        resource["Tags"] = _tags(group.tags)
    return resource


def asff_document(finding: Finding, info: CheckInfo, at: datetime | None) -> Document:
    when = asff_time(at)
    requirements = [
        clip(one_line(r), REQUIREMENT_LIMIT) for r in info.references[:REQUIREMENTS_MAX]
    ]
    compliance: Document = {"Status": "FAILED"}
    if requirements:
        compliance["RelatedRequirements"] = requirements
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding.finding_id,
        "ProductArn": securityhub_product_arn(finding.account_id, finding.region),
        "ProductName": PRODUCT_NAME,
        "CompanyName": PRODUCT_NAME,
        "GeneratorId": finding.check_id,
        "AwsAccountId": finding.account_id,
        "Types": _types(info),
        "FirstObservedAt": when,
        "LastObservedAt": when,
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": LABELS[finding.severity], "Original": finding.severity.value},
        "Title": _text(finding.title, TITLE_LIMIT, finding.check_id),
        "Description": _text(_description(finding), DESCRIPTION_LIMIT, finding.check_id),
        "Remediation": {
            "Recommendation": {
                "Text": _text(info.help_text, RECOMMENDATION_LIMIT, finding.check_id)
            }
        },
        "ProductFields": _product_fields(finding),
        "Resources": [_resource(finding)],
        "Compliance": compliance,
        # Exempted findings arrive suppressed: visible, but out of the triage queue.
        "Workflow": {"Status": "NEW" if finding.is_violation else "SUPPRESSED"},
        "RecordState": "ACTIVE",
    }


def not_scanned_document(failure: ScopeFailure, policy_id: str, at: datetime | None) -> Document:
    """An account-region whose security groups could not be read, and why."""
    when = asff_time(at)
    account, region = failure.scope.account_id, failure.scope.region
    fields = {
        "ProviderName": PRODUCT_NAME,
        "ProviderVersion": __version__,
        "sgcompliance/PolicyId": policy_id,
        "sgcompliance/CheckId": NOT_SCANNED_CHECK,
        "sgcompliance/ErrorCode": failure.code,
    }
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": not_scanned_id(failure, policy_id),
        "ProductArn": securityhub_product_arn(account, region),
        "ProductName": PRODUCT_NAME,
        "CompanyName": PRODUCT_NAME,
        "GeneratorId": NOT_SCANNED_CHECK,
        "AwsAccountId": account,
        "Types": [NETWORK_TYPE],
        "FirstObservedAt": when,
        "LastObservedAt": when,
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": {"Label": "MEDIUM", "Original": "not_scanned"},
        "Title": _text(NOT_SCANNED_TITLE, TITLE_LIMIT, NOT_SCANNED_CHECK),
        "Description": _text(
            f"{failure.scope} could not be read: {failure.reason}",
            DESCRIPTION_LIMIT,
            NOT_SCANNED_CHECK,
        ),
        "ProductFields": {
            clip(one_line(k), FIELD_KEY_LIMIT): clip(one_line(v), FIELD_VALUE_LIMIT)
            for k, v in fields.items()
            if v
        },
        "Resources": [
            {
                "Type": "AwsAccount",
                "Id": f"AWS::::Account:{account}",
                "Partition": partition_for(region),
                "Region": region,
            }
        ],
        "Compliance": {"Status": "NOT_AVAILABLE"},
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }


def asff_documents(result: ScanResult, at: datetime | None) -> list[Document]:
    """One document per finding (exempted ones included), in location order."""
    return AsffWriter().documents(result, at)


class AsffWriter(FindingDocumentsWriter):
    def document(self, finding: Finding, info: CheckInfo, at: datetime | None) -> Document:
        return asff_document(finding, info, at)

    def not_scanned(self, failure: ScopeFailure, policy_id: str, at: datetime | None) -> Document:
        return not_scanned_document(failure, policy_id, at)
