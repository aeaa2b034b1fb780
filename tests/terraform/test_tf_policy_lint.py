"""Every IAM policy document the project ships, linted with parliament: the Terraform documents
(rendered with sample values), the StackSet template's, and the JSON policies in docs/ and in
the example's ci/ directory. A finding fails the test unless ALLOWED names it, narrowly, with
the reason it is right as written."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
from policy_documents import Shipped, placeholders_replaced, shipped_documents

with warnings.catch_warnings():
    # parliament loads its data through pkg_resources, which warns that it is deprecated.
    warnings.simplefilter("ignore", DeprecationWarning)
    parliament = pytest.importorskip("parliament", reason="parliament is a dev dependency")

TRUST_ACTIONS = frozenset({"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"})


@dataclass(frozen=True, slots=True)
class Allowed:
    origin: str  # a regular expression matched against Shipped.origin
    issue: str
    detail: str  # a substring of the finding's detail
    reason: str


ALLOWED = (
    Allowed(
        r"data\.aws_iam_policy_document\.key$",
        "RESOURCE_STAR",
        "kms:",
        'in a key policy the resource "*" is the key the policy is attached to',
    ),
    Allowed(
        r"data\.aws_iam_policy_document\.key$",
        "UNKNOWN_CONDITION_FOR_ACTION",
        "kms:EncryptionContext:aws:logs:arn for action kms:DescribeKey",
        "AWS's documented key policy for CloudWatch Logs log group encryption grants Describe* "
        "under the log group's encryption context",
    ),
    Allowed(
        r"data\.aws_iam_policy_document\.key$",
        "MISMATCHED_TYPE",
        "ArnLike requires a value of type Arn but given String",
        "AWS's documented key policy for CloudWatch Logs compares "
        "kms:EncryptionContext:aws:logs:arn with ArnLike (the value is a log group ARN)",
    ),
    Allowed(
        r"deploy-role-trust|deploy\.md",
        "UNKNOWN_FEDERATION_SOURCE",
        "oidc-provider/token.actions.githubusercontent.com",
        "GitHub's OIDC provider, registered in the account (docs/deploy.md section 2); "
        "parliament knows only AWS's own federation sources",
    ),
)


def _is_trust_policy(shipped: Shipped) -> bool:
    statements = shipped.document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    return all(
        "Principal" in s
        and set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]]) <= TRUST_ACTIONS
        for s in statements
    )


def _detail(finding: Any) -> str:
    return finding.detail if isinstance(finding.detail, str) else json.dumps(finding.detail)


def _findings(shipped: Shipped) -> list[tuple[str, str]]:
    policy = parliament.analyze_policy_string(placeholders_replaced(shipped.text))
    found = []
    for finding in policy.findings:
        detail = _detail(finding)
        if (
            finding.issue == "MALFORMED"
            and detail == "Statement contains neither Resource nor NotResource"
            and _is_trust_policy(shipped)
        ):
            continue  # a role's trust policy names no resource: the role is the resource
        if any(
            re.search(a.origin, shipped.origin) and a.issue == finding.issue and a.detail in detail
            for a in ALLOWED
        ):
            continue
        found.append((finding.issue, detail))
    return found


DOCUMENTS = shipped_documents()


def test_every_kind_of_shipped_document_is_linted() -> None:
    origins = " ".join(d.origin for d in DOCUMENTS)
    for expected in ("modules/hub", "modules/member", "member-stackset.yaml", "docs/policy.md",
                     "docs/deploy.md", "ci/plan-role-policy.json"):  # fmt: skip
        assert expected in origins


@pytest.mark.parametrize("shipped", DOCUMENTS, ids=[d.origin for d in DOCUMENTS])
def test_parliament_finds_nothing(shipped: Shipped) -> None:
    assert _findings(shipped) == [], shipped.text


def test_every_allowance_is_still_needed() -> None:
    # GIVEN the findings with nothing allowed
    used = set()
    for shipped in DOCUMENTS:
        policy = parliament.analyze_policy_string(placeholders_replaced(shipped.text))
        for finding in policy.findings:
            detail = _detail(finding)
            for allowed in ALLOWED:
                if (
                    re.search(allowed.origin, shipped.origin)
                    and allowed.issue == finding.issue
                    and allowed.detail in detail
                ):
                    used.add(allowed)
    # THEN each allowance matches a finding: none is kept for a problem that is gone
    assert set(ALLOWED) - used == set()


def test_a_wildcard_grant_is_found() -> None:
    # GIVEN a document with a mistake parliament knows (an action on the wrong resource)
    bad = Shipped(
        "sample",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}
            ],
        },
    )
    # THEN the lint reports it
    assert [issue for issue, _ in _findings(bad)] == ["RESOURCE_MISMATCH"]
