"""`sgc doctor` against the local AWS: the pipeline deployed for a small organization, one
member region's forwarding rule removed, and the doctor naming that account-region."""

from __future__ import annotations

from typing import Any

import pytest
from pipeline_org import REGIONS, deployed
from typer.testing import CliRunner

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.deployment.checks import Status
from sgcompliance.deployment.doctor import diagnose
from sgcompliance.entrypoints.bootstrap import doctor_wiring
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.pipeline.flow import LocalPipeline
from sgcompliance.local.pipeline.members import FORWARD_RULE, deployer

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(factory: ClientFactory) -> LocalPipeline:
    deployment = deployed(factory)
    # CloudTrail, which the hub needs and the local pipeline only imitates: a multi-region
    # organization trail in the hub account, logging.
    s3 = factory.client("s3")
    s3.create_bucket(Bucket="org-trail")
    trail = factory.client("cloudtrail")
    trail.create_trail(
        Name="org-trail", S3BucketName="org-trail", IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
    )  # fmt: skip
    trail.start_logging(Name="org-trail")
    return deployment


def _remove_rule(factory: ClientFactory, account: str, region: str) -> None:
    events: Any = deployer(factory).client(account, "events", region)
    events.remove_targets(Rule=FORWARD_RULE, Ids=["sgcompliance-hub"])
    events.delete_rule(Name=FORWARD_RULE)


def test_doctor_finds_every_member_region_forwarding_until_one_rule_is_removed(
    factory: ClientFactory, pipeline: LocalPipeline, endpoint: str
) -> None:
    # GIVEN the deployed pipeline: every member forwards from both regions
    probe, deployment = doctor_wiring(
        None, endpoint, "us-east-1", "/sgcompliance", "OrganizationAccountAccessRole"
    )
    before = diagnose(probe, deployment)
    forwarding = {r.where: r.status for r in before if r.check == "forwarding rule"}
    members = sorted({m.account_id for m in pipeline.members})
    assert forwarding == {f"{a}/{r}": Status.OK for a in members for r in REGIONS}
    assert {r.status for r in before if r.check == "member role"} == {Status.OK}
    assert [r.status for r in before if r.check == "cloudtrail trail"] == [Status.OK]
    # and the hub is as the hub module makes it: key policy, rule target with retries and DLQ,
    # encrypted queues with DLQs. Only Lambda's account settings, which the local AWS does not
    # serve, stay unknown.
    not_ok = {(r.check, r.status) for r in before if r.status is not Status.OK}
    assert not_ok == {("lambda concurrency", Status.UNKNOWN)}, before
    # WHEN one member region's forwarding rule is deleted
    _remove_rule(factory, members[1], REGIONS[1])
    # THEN the doctor names exactly that account-region as missing, with a hint, and exits 1
    # (or 3 where the local AWS cannot answer a check)
    done = CliRunner().invoke(app, ["doctor", "--endpoint-url", endpoint, "--region", "us-east-1"])
    missing = [line for line in done.output.splitlines() if line.startswith("missing")]
    rules = [line for line in missing if "forwarding rule" in line]
    assert len(rules) == 1, done.output
    assert f"{members[1]}/{REGIONS[1]}" in rules[0]
    assert "no rule on the default bus" in rules[0]
    assert done.exit_code in (1, 3), done.output
    unknown = [line for line in done.output.splitlines() if line.startswith("unknown")]
    assert (done.exit_code == 3) == bool(unknown)


def test_doctor_without_a_hub_is_a_usage_error(endpoint: str) -> None:
    # GIVEN an empty local AWS  WHEN the doctor runs  THEN it says the hub is not there (exit 2)
    done = CliRunner().invoke(app, ["doctor", "--endpoint-url", endpoint, "--region", "us-east-1"])
    assert done.exit_code == 2
    assert "no runtime parameters under /sgcompliance" in done.output
