"""engine/selection.py: what `--checks`, `--excluded-checks`, `--severity`, `--attached-only` and
`--skip-aws-managed` leave out, applied to the policy, the snapshots and the result."""

from __future__ import annotations

from datetime import date

import pytest

from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.model import Attachment, SecurityGroup
from sgcompliance.engine.policy import UNKNOWN_EXEMPTION_TAG_CHECK, Severity
from sgcompliance.engine.selection import Selection, aws_managed_by, split_values
from sgcompliance.errors import InputError
from sgcompliance.policy.loader import load_policy
from support.estate import group, rule, snapshot

DAY = date(2026, 1, 1)
STRICT = load_policy("builtin:strict")


def world_ssh(group_id: str = "sg-1", attachment: Attachment = Attachment.UNKNOWN) -> SecurityGroup:
    return group(rule("sgr-1", "0.0.0.0/0", ports=22), group_id=group_id, attachment=attachment)


def checks_found(selection: Selection, *groups: SecurityGroup) -> set[str]:
    snaps = selection.snapshots([snapshot(*groups)])
    result = selection.result(evaluate(selection.policy(STRICT), snaps, today=DAY))
    return {f.check_id for f in result.findings}


def test_the_default_selection_changes_nothing() -> None:
    selection = Selection.of(STRICT)
    assert not selection.narrows
    assert selection.policy(STRICT) is STRICT
    assert checks_found(selection, world_ssh()) == checks_found(Selection(), world_ssh())


def test_checks_keep_only_the_named_ones_and_excluded_checks_drop_them() -> None:
    everything = checks_found(Selection(), world_ssh())
    assert len(everything) >= 2, everything
    first, *rest = sorted(everything)
    assert checks_found(Selection.of(STRICT, checks=[first]), world_ssh()) == {first}
    assert checks_found(Selection.of(STRICT, excluded_checks=[first]), world_ssh()) == set(rest)


def test_severity_keeps_only_findings_of_those_severities() -> None:
    selection = Selection.of(STRICT, severities=["critical"])
    snaps = selection.snapshots([snapshot(world_ssh())])
    result = selection.result(evaluate(selection.policy(STRICT), snaps, today=DAY))
    assert result.findings
    assert {f.severity for f in result.findings} == {Severity.CRITICAL}


def test_the_engines_own_checks_follow_the_selection_too() -> None:
    # GIVEN a group whose exemption tag names no exemption (a finding no policy check makes)
    tagged = group(group_id="sg-2", tags={STRICT.settings.exemption_tag_key: "nobody-granted"})
    assert UNKNOWN_EXEMPTION_TAG_CHECK in checks_found(Selection(), tagged)
    # WHEN other checks are selected, or it is excluded THEN its finding is left out
    other = next(c.id for c in STRICT.checks if c.enabled)
    assert checks_found(Selection.of(STRICT, checks=[other]), tagged) == set()
    excluded = Selection.of(STRICT, excluded_checks=[UNKNOWN_EXEMPTION_TAG_CHECK])
    assert UNKNOWN_EXEMPTION_TAG_CHECK not in checks_found(excluded, tagged)


def test_an_unknown_check_id_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError, match="'SGC-NOPE' is not a check of policy") as raised:
        Selection.of(STRICT, checks=["SGC-NOPE"])
    assert "sgc checks list" in raised.value.hint
    with pytest.raises(InputError, match="--excluded-checks"):
        Selection.of(STRICT, excluded_checks=["SGC-NOPE"])
    with pytest.raises(InputError, match="'urgent' is not a severity"):
        Selection.of(STRICT, severities=["urgent"])


def test_attached_only_leaves_out_unattached_groups_and_judges_unknown_ones() -> None:
    selection = Selection.of(STRICT, attached_only=True)
    unattached = world_ssh("sg-u", attachment=Attachment.UNATTACHED)
    unknown = world_ssh("sg-k", attachment=Attachment.UNKNOWN)
    exposed = world_ssh("sg-e", attachment=Attachment.EXPOSED)
    (snap,) = selection.snapshots([snapshot(unattached, unknown, exposed)])
    assert [g.group_id for g in snap.groups] == ["sg-k", "sg-e"]


@pytest.mark.parametrize(
    ("name", "description", "tags", "managed"),
    [
        ("eks-cluster-sg-prod-1", "EKS created security group applied to ENI", {}, True),
        ("default_elb_0a1b2c3d-1111-2222-3333-444455556666",
         "ELB created security group used when no security group is specified", {}, True),
        ("d-1234567890_controllers",
         "AWS created security group for d-1234567890 directory controllers", {}, True),
        ("ElasticMapReduce-master", "Master group for Elastic MapReduce created on 2026", {}, True),
        ("rds-launch-wizard-2", "Created by RDS management console", {}, True),
        ("anything", "", {"aws:eks:cluster-name": "prod"}, True),
        ("anything", "", {"elbv2.k8s.aws/cluster": "prod"}, True),
        # a user's CloudFormation stack: the user's group
        ("web", "web", {"aws:cloudformation:stack-name": "app"}, False),
        # a name alone, or a description alone, is not a service's group
        ("eks-cluster-sg-prod-1", "my own group", {}, False),
        ("web", "EKS created security group", {}, False),
    ],
)  # fmt: skip
def test_aws_managed_groups_are_told_by_reserved_tags_or_name_and_description(
    name: str, description: str, tags: dict[str, str], managed: bool
) -> None:
    candidate = group(name=name, description=description, tags=tags)
    assert (aws_managed_by(candidate) is not None) is managed
    kept = Selection(skip_aws_managed=True).snapshots([snapshot(candidate)])[0].groups
    assert (kept == ()) is managed


def test_describe_says_every_filter_in_a_few_words() -> None:
    selection = Selection.of(
        STRICT, severities=["high,critical"], attached_only=True, skip_aws_managed=True
    )
    assert selection.describe() == (
        "severity critical,high; attached groups only; AWS-managed groups skipped"
    )


def test_repeated_and_comma_separated_values_are_one_list() -> None:
    assert split_values(["a,b", " c ", "a", ""]) == ("a", "b", "c")
