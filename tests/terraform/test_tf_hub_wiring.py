"""The hub module agrees with the code it deploys, read from its HCL: the event pattern is the
handler's, the parameters are ConfigManager's, the environment names the variables the handler
reads, the alarm watches the metric the code writes, and the policy is on the trusted role."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.config.manager import PATH_ENV
from sgcompliance.config.parameters import Parameter
from sgcompliance.entrypoints.bootstrap import WORK_QUEUE_ENV
from sgcompliance.events.cloudtrail import DETAIL_TYPE, SG_CHANGE_EVENTS, SOURCE
from sgcompliance.events.tag_changes import TAG_EVENTS
from sgcompliance.local.pipeline.hub import sg_change_pattern
from sgcompliance.records.metrics import DEFAULT_NAMESPACE, MetricName

hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency)")

HUB = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "hub"


def plain(value: Any) -> Any:
    """python-hcl2's output without its quoting and bookkeeping keys."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    raw = str(value)
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else value


@pytest.fixture(scope="module")
def module() -> dict[str, Any]:
    """The module's blocks merged across files: locals, resources by type and name, outputs."""
    merged: dict[str, Any] = {"locals": {}, "resource": {}, "output": {}}
    for path in sorted(HUB.glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            parsed = plain(hcl2.load(handle))
        for block in parsed.get("locals", []):
            merged["locals"].update(block)
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                merged["resource"].setdefault(kind, {}).update(named)
        for block in parsed.get("output", []):
            merged["output"].update(block)
    return merged


def test_the_rule_matches_exactly_the_events_the_handler_acts_on(module: dict[str, Any]) -> None:
    # GIVEN the hub rule's pattern THEN it is the handler's source, detail type and event names
    pattern = module["locals"]["sg_change_pattern"]
    assert pattern["source"] == [SOURCE]
    assert pattern["detail-type"] == [DETAIL_TYPE]
    assert pattern["detail"]["eventSource"] == ["ec2.amazonaws.com"]
    rule_changes, tag_changes = pattern["detail"]["$or"]
    assert sorted(rule_changes["eventName"]) == sorted(SG_CHANGE_EVENTS)
    # AND tag calls only on groups and rules, as the local pipeline's rule
    assert pattern == sg_change_pattern()
    assert tag_changes["eventName"] == sorted(TAG_EVENTS)


def test_the_module_writes_every_parameter_configuration_knows(module: dict[str, Any]) -> None:
    # GIVEN the plain parameters, the SecureString and the optional overrides
    written = set(module["locals"]["plain_parameters"]) | {"external_id", "mode_overrides"}
    # THEN they are ConfigManager's parameters: none unknown (it refuses those), none forgotten
    assert written == {p.value for p in Parameter}


def test_the_external_id_is_the_only_secure_string(module: dict[str, Any]) -> None:
    parameters = module["resource"]["aws_ssm_parameter"]
    assert parameters["external_id"]["type"] == "SecureString"
    assert parameters["setting"]["type"] == "String"
    assert "external_id" not in module["locals"]["plain_parameters"]


def test_the_functions_run_the_handler_with_the_variables_it_reads(
    module: dict[str, Any],
) -> None:
    # GIVEN the module's functions: one resource, an instance per role
    resource = module["resource"]["aws_lambda_function"]["function"]
    assert resource["for_each"] == "${local.function_roles}"
    assert set(module["locals"]["function_roles"]) == {"handler", "worker"}
    # THEN their handler exists in the package, and their environment names what the code reads
    path, _, name = resource["handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(path), name))
    assert resource["environment"][0]["variables"] == "${local.environment}"
    assert set(module["locals"]["environment"]) == {
        PATH_ENV,
        WORK_QUEUE_ENV,
        "POWERTOOLS_SERVICE_NAME",
    }


def test_the_violations_alarm_watches_the_metric_the_code_writes(module: dict[str, Any]) -> None:
    alarm = module["resource"]["aws_cloudwatch_metric_alarm"]["violations"]
    assert module["locals"]["metric_namespace"] == DEFAULT_NAMESPACE
    assert alarm["metric_name"] == MetricName.VIOLATIONS.value
    assert set(alarm["dimensions"]) == {"service", "Mode"}


def test_the_policy_is_on_the_role_the_member_roles_trust(module: dict[str, Any]) -> None:
    # GIVEN the role policy and the output the member module's trust is built from
    policy = module["resource"]["aws_iam_role_policy"]["functions"]
    output = module["output"]["remediator_role_arn"]
    # THEN the code's actions are granted to that very role
    assert policy["policy"] == "${data.aws_iam_policy_document.functions.json}"
    assert policy["role"] == "${aws_iam_role.functions.id}"
    assert output["value"] == "${aws_iam_role.functions.arn}"
