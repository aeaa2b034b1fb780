"""Reading the hub and member configurations for the conformance tests: the statements of a
policy document by principal, the resources by type and name, and what a condition tests.

The local AWS (moto) enforces no key policy, resource policy, quota or ExternalId, so these
integrations are checked against what the AWS documentation requires, from the HCL itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import tf_hcl
from tf_harness import EXAMPLES_ROOT, MODULES_ROOT, REPO_ROOT

HUB = MODULES_ROOT / "hub"
MEMBER = MODULES_ROOT / "member"
ORGANIZATION = EXAMPLES_ROOT / "organization"
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"

# The confused-deputy keys AWS's SNS key-management guide says EventBridge does not support in
# the key policy of an encrypted target (and that the SQS guide's example leaves out).
SOURCE_CONDITION_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"})

_JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)


def statements_for(path: Path, document: str, service: str) -> list[tf_hcl.Statement]:
    """The Allow statements of `document` whose principals name the AWS service `service`."""
    return [
        s
        for s in tf_hcl.statements(tf_hcl.load(path), document)
        if s.effect == "Allow"
        and any(
            p.get("type") == "Service" and service in (p.get("identifiers") or [])
            for p in s.principals
        )
    ]


def condition_keys(statement: tf_hcl.Statement) -> set[str]:
    return {str(c["variable"]).lower() for c in statement.conditions}


def via_services(statement: tf_hcl.Statement) -> str:
    """The text of the statement's kms:ViaService values (a list, or the HCL expression that
    builds one), for checking which services it names."""
    return " ".join(
        str(c["values"]) for c in statement.conditions if c["variable"] == "kms:ViaService"
    )


def grants(statement: tf_hcl.Statement, action: str) -> bool:
    """The statement's actions cover `action` (a trailing * as IAM reads it)."""
    return any(
        granted == action or (granted.endswith("*") and action.startswith(granted[:-1]))
        for granted in statement.actions
    )


def resource(path: Path, kind: str, name: str) -> Mapping[str, Any]:
    found = [b.body for b in tf_hcl.load(path).of("resource") if b.labels == (kind, name)]
    assert found, f"{path.name} declares no {kind}.{name}"
    return found[0]


def resources_of(path: Path, kind: str) -> dict[str, Mapping[str, Any]]:
    return {b.labels[1]: b.body for b in tf_hcl.load(path).of("resource") if b.labels[0] == kind}


def variable(path: Path, name: str) -> Mapping[str, Any]:
    found = [b.body for b in tf_hcl.load(path).of("variable") if b.labels == (name,)]
    assert found, f"{path.name} declares no variable {name}"
    return found[0]


def block_list(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = body.get(key) or []
    return list(value) if isinstance(value, list) else [value]


def documented_policies(path: Path = DEPLOY_DOC) -> Iterator[dict[str, Any]]:
    """Every JSON policy document (a "Statement" list) in a Markdown file's json blocks."""
    for block in _JSON_BLOCK.findall(path.read_text(encoding="utf-8")):
        if '"Statement"' not in block:
            continue  # an example record or a report, not a policy
        document = json.loads(block)
        if isinstance(document, dict) and "Statement" in document:
            yield document


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
