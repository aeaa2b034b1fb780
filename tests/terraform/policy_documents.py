"""Every IAM policy document the project ships, as the JSON AWS would receive: the Terraform
`aws_iam_policy_document` data blocks (rendered here with sample values for what only an
apply knows), the StackSet template's policies (intrinsic functions resolved with sample
parameters), and the JSON policies in the docs and in terraform/examples/organization/ci.

The rendering covers the expressions the configurations use; an expression it does not know
fails loudly (UnknownExpression), so a new one gets its sample here instead of going unlinted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tf_hcl
import yaml
from conformance import ORGANIZATION, documented_policies
from tf_harness import REPO_ROOT, configuration_dirs

ACCOUNT = "999999999999"
MEMBERS = ("111111111111", "222222222222")
REGION = "eu-west-1"
ORG_ID = "o-abcdefghij"
OPERATORS = ("arn:aws:iam::999999999999:role/secops",)
ADMINS = ("arn:aws:iam::999999999999:role/sgcompliance-deploy",)

# What only an apply knows: each resource's ARN, and the variables' sample values.
_ARN = f"{REGION}:{ACCOUNT}"
SAMPLES: dict[str, Any] = {
    "aws_cloudwatch_event_bus.hub.arn": f"arn:aws:events:{_ARN}:event-bus/sgcompliance-hub",
    "aws_cloudwatch_event_rule.sg_changes.arn": (
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/sgcompliance-hub/sgcompliance-sg-changes"
    ),
    "aws_iam_role.functions.arn": f"arn:aws:iam::{ACCOUNT}:role/sgcompliance-remediator",
    "aws_kms_key.hub.arn": f"arn:aws:kms:{_ARN}:key/00000000-0000-4000-8000-000000000000",
    "aws_s3_bucket.hub.arn": f"arn:aws:s3:::sgcompliance-hub-{ACCOUNT}-{REGION}",
    "aws_sns_topic.alerts.arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:sgcompliance-alerts",
    "aws_sqs_queue.events_target_dlq.arn": f"arn:aws:sqs:{_ARN}:sgcompliance-events-target-dlq",
    "aws_sqs_queue.failed_invocations.arn": (
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:sgcompliance-failed-invocations"
    ),
    'aws_sqs_queue.feed["events"].arn': f"arn:aws:sqs:{REGION}:{ACCOUNT}:sgcompliance-events",
    'aws_sqs_queue.feed["work"].arn': f"arn:aws:sqs:{REGION}:{ACCOUNT}:sgcompliance-work",
    "var.external_id": "sgc-sample-external-id",
    "var.hub_event_bus_arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/sgcompliance-hub",
    "var.hub_role_arn": f"arn:aws:iam::{ACCOUNT}:role/sgcompliance-remediator",
    "var.operator_role_arns": list(OPERATORS),
    "var.organization_id": ORG_ID,
    "var.role_name": "sgcompliance-member",
    "var.name": "sgcompliance",
    "local.partition": "aws",
    "local.account_id": ACCOUNT,
    "local.region": REGION,
}
# A dynamic block's for_each, by its text -> the one value its instance iterates with.
FOR_EACH = {
    "${length(var.bucket_admin_principal_arns) == 0 ? [] : [var.bucket_admin_principal_arns]}": (
        list(ADMINS)
    ),
    "${length(var.member_account_ids) == 0 ? [] : [var.member_account_ids]}": list(MEMBERS),
    "${length(var.operator_role_arns) == 0 ? [] : [var.operator_role_arns]}": list(OPERATORS),
    "${var.organization_id == null ? [] : [var.organization_id]}": ORG_ID,
}
# Whole-value expressions that build lists.
LISTS = {
    (
        '${[for service in ["s3", "sns", "sqs", "ssm"] : '
        '"${service}.${local.region}.amazonaws.com"]}'
    ): [f"{s}.{REGION}.amazonaws.com" for s in ("s3", "sns", "sqs", "ssm")],
    (
        '${[for f in values(local.functions) : "arn:${local.partition}:logs:${local.region}:'
        '${local.account_id}:log-group:/aws/lambda/${f}"]}'
    ): [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/sgcompliance-{f}"
        for f in ("handler", "worker")
    ],
    "${concat([aws_iam_role.functions.arn], var.operator_role_arns, "
    "var.bucket_admin_principal_arns)}": [
        f"arn:aws:iam::{ACCOUNT}:role/sgcompliance-remediator",
        *OPERATORS,
        *ADMINS,
    ],
    '${[for arn in local.log_group_arns : "${arn}:*"]}': [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/sgcompliance-{f}:*"
        for f in ("handler", "worker")
    ],
    '${[for id in statement.value : "arn:${local.partition}:iam::${id}:root"]}': [
        f"arn:aws:iam::{m}:root" for m in MEMBERS
    ],
}
_REFERENCE = re.compile(r"\$\{([^${}]+)\}")


class UnknownExpressionError(ValueError):
    """An expression the renderer has no sample for."""


@dataclass(frozen=True, slots=True)
class Shipped:
    """One policy document and where it comes from."""

    origin: str
    document: Mapping[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=2)


def _render(config: tf_hcl.Configuration, value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [item for v in value for item in _as_items(_render(config, v, context))]
    if not isinstance(value, str) or "${" not in value:
        return value
    if " ".join(value.split()) in LISTS:
        return LISTS[" ".join(value.split())]
    whole = re.fullmatch(r"\$\{([^${}]+)\}", value)
    if whole:
        return _reference(config, whole.group(1), context)
    if value.startswith("${") and value.endswith("}") and value.count("${") == 1:
        raise UnknownExpressionError(value)

    def substitute(match: re.Match[str]) -> str:
        found = _reference(config, match.group(1), context)
        if not isinstance(found, str):
            raise UnknownExpressionError(value)
        return found

    rendered = _REFERENCE.sub(substitute, value)
    if "${" in rendered:
        raise UnknownExpressionError(value)
    return rendered


def _reference(config: tf_hcl.Configuration, name: str, context: Mapping[str, Any]) -> Any:
    if name in context:
        return context[name]
    if name in SAMPLES:
        return SAMPLES[name]
    if name.startswith("local."):
        local = config.locals().get(name.removeprefix("local."))
        if local is not None and not (
            isinstance(local, str) and local.startswith("${") and " ? " in local
        ):
            return _render(config, local, context)
        if name == "local.member_role_arns":
            return ["arn:aws:iam::*:role/sgcompliance-member"]
        if name == "local.org_path":
            return ORG_ID
    raise UnknownExpressionError(f"${{{name}}}")


def _as_items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _one_or_list(values: list[Any]) -> Any:
    """As the AWS provider renders a list of one: the element itself."""
    return values[0] if len(values) == 1 else values


def _statement(
    config: tf_hcl.Configuration, body: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if body.get("sid"):
        statement["Sid"] = body["sid"]
    statement["Effect"] = body.get("effect", "Allow")
    for key, field in (("actions", "Action"), ("not_actions", "NotAction"),
                       ("resources", "Resource"), ("not_resources", "NotResource")):  # fmt: skip
        if key in body:
            statement[field] = _one_or_list(_as_items(_render(config, body[key], context)))
    principals: dict[str, list[Any]] = {}
    for principal in body.get("principals", []):
        ids = _as_items(_render(config, principal["identifiers"], context))
        kind = principal["type"]
        if kind == "*":
            statement["Principal"] = "*"
            continue
        principals.setdefault(kind, []).extend(ids)
    if principals:
        statement["Principal"] = {k: _one_or_list(v) for k, v in principals.items()}
    conditions = list(body.get("condition", []))
    for dynamic in body.get("dynamic", []):
        if "condition" in dynamic:
            value = FOR_EACH.get(str(dynamic["condition"]["for_each"]))
            if value is None:
                raise UnknownExpressionError(str(dynamic["condition"]["for_each"]))
            for content in dynamic["condition"]["content"]:
                rendered = _render(config, content["values"], {"condition.value": value})
                conditions.append({**content, "values": rendered})
    if conditions:
        grouped: dict[str, dict[str, Any]] = {}
        for condition in conditions:
            values = _as_items(_render(config, condition["values"], context))
            grouped.setdefault(condition["test"], {})[condition["variable"]] = _one_or_list(values)
        statement["Condition"] = grouped
    return statement


def rendered_terraform_documents() -> Iterator[Shipped]:
    """Every aws_iam_policy_document of every module and example, rendered."""
    for path in configuration_dirs():
        config = tf_hcl.load(path)
        for block in config.of("data"):
            kind, name = block.labels
            if kind != "aws_iam_policy_document" or "source_policy_documents" in block.body:
                continue
            statements = [_statement(config, b, {}) for b in block.body.get("statement", [])]
            for dynamic in block.body.get("dynamic", []):
                if "statement" not in dynamic:
                    continue
                value = FOR_EACH.get(str(dynamic["statement"]["for_each"]))
                if value is None:
                    raise UnknownExpressionError(str(dynamic["statement"]["for_each"]))
                statements += [
                    _statement(config, b, {"statement.value": value})
                    for b in dynamic["statement"]["content"]
                ]
            origin = f"{path.relative_to(REPO_ROOT)}: data.aws_iam_policy_document.{name}"
            yield Shipped(origin, {"Version": "2012-10-17", "Statement": statements})


_PARAMETERS = {
    "HubRoleArn": f"arn:aws:iam::{ACCOUNT}:role/sgcompliance-remediator",
    "HubEventBusArn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/sgcompliance-hub",
    "ExternalId": "sgc-sample-external-id",
    "OrganizationId": ORG_ID,
    "RoleName": "sgcompliance-member",
    "OperatorRoleArns": list(OPERATORS),
    "AWS::Partition": "aws",
    "AWS::AccountId": MEMBERS[0],
    "AWS::Region": REGION,
}


def _resolve(value: Any) -> Any:
    """A template value with Ref, Sub, If (first branch) and GetAtt resolved."""
    if isinstance(value, list):
        resolved = [_resolve(v) for v in value]
        return [v for v in resolved if v is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return _NO_VALUE if value["Ref"] == "AWS::NoValue" else _PARAMETERS[value["Ref"]]
    if set(value) == {"Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(_PARAMETERS[m.group(1)]), value["Sub"])
    if set(value) == {"If"}:
        return _resolve(value["If"][1])
    resolved = {k: _resolve(v) for k, v in value.items()}
    return {k: v for k, v in resolved.items() if v is not _NO_VALUE}


_NO_VALUE = object()


def _template() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node, deep=True)}
        return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", intrinsic)
    loaded: dict[str, Any] = yaml.load(
        (ORGANIZATION / "member-stackset.yaml").read_text(encoding="utf-8"), Loader
    )
    return loaded


def template_documents() -> Iterator[Shipped]:
    """The StackSet template's trust and permission policies, with sample parameters."""
    for name, resource in _template()["Resources"].items():
        properties = resource.get("Properties", {})
        found = []
        if "AssumeRolePolicyDocument" in properties:
            found.append(("trust", properties["AssumeRolePolicyDocument"]))
        found += [(p["PolicyName"], p["PolicyDocument"]) for p in properties.get("Policies", [])]
        if "PolicyDocument" in properties:
            found.append((properties.get("PolicyName", "policy"), properties["PolicyDocument"]))
        for label, document in found:
            yield Shipped(f"member-stackset.yaml: {name} {label}", _resolve(document))


def documentation_documents() -> Iterator[Shipped]:
    """The JSON policies of docs/*.md and of the example's ci/ directory."""
    for path in sorted((REPO_ROOT / "docs").glob("*.md")):
        for n, document in enumerate(documented_policies(path)):
            yield Shipped(f"{path.relative_to(REPO_ROOT)}: policy {n + 1}", document)
    for path in sorted((ORGANIZATION / "ci").glob("*.json")):
        yield Shipped(str(path.relative_to(REPO_ROOT)), json.loads(path.read_text("utf-8")))


def shipped_documents() -> list[Shipped]:
    return [*rendered_terraform_documents(), *template_documents(), *documentation_documents()]


def placeholders_replaced(text: str) -> str:
    """The docs' placeholders (SECURITY_ACCOUNT, STATE_BUCKET, ...) as sample values."""
    return (
        text.replace("SECURITY_ACCOUNT", ACCOUNT)
        .replace("MEMBER_ACCOUNT", MEMBERS[0])
        .replace("STATE_BUCKET", "sample-terraform-state")
    )


def as_path(origin: str) -> Path:
    return REPO_ROOT / origin.split(":", 1)[0]
