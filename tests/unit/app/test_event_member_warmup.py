"""A change event readies its member account while the policy object loads, only when the
parameters say the event will be read: never for an event that is ignored, stale, out of scope
or a tag change (whose judgement depends on the policy)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from sgcompliance.config.manager import ConfigManager
from sgcompliance.config.runtime import MemberReach
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.testing import FakeAdapters, FakeClock, FakeParameters, FakePolicyObject
from support.pipeline_world import MEMBER, REGION, World, event_for, fixture, world

PATH = "/sgcompliance"


@dataclass
class WarmingAdapters(FakeAdapters):
    """The fakes, and a record of what `warm_member` was asked, from which thread."""

    warmed: list[tuple[str, str, str, str]] = field(default_factory=list)

    def warm_member(self, reach: MemberReach, account_id: str, region: str) -> None:
        thread = threading.current_thread().name
        self.warmed.append((reach.role_name, account_id, region, thread))


def warming_world(policy: str | None = None) -> tuple[World, WarmingAdapters]:
    """The pipeline world, configured by a ConfigManager over SSM and S3 fakes."""
    base = world()
    adapters = WarmingAdapters(base.adapters.member_groups)
    values = {"accounts": MEMBER, "regions": REGION, "external_id": "ext-1"}
    values["policy"] = "s3://sgc-policies/policy.json"
    parameters = FakeParameters({f"{PATH}/{k}": v for k, v in values.items()})
    source = FakePolicyObject(policy) if policy is not None else FakePolicyObject()
    configs = ConfigManager(
        parameters, source.source, None, environ={}, clock=FakeClock(), home_account="9" * 12
    )
    pipeline = base.pipeline
    pipeline.configs, pipeline.adapters = configs, adapters
    return World(
        base.configs, adapters, pipeline, HandlerApp(pipeline), base.calls, base.log_sink
    ), adapters


def test_a_change_to_judge_readies_its_member_while_the_policy_loads() -> None:
    # GIVEN a cold function  WHEN a change in a configured account x region arrives
    w, adapters = warming_world()
    body = w.app.handle(event_for()).body
    # THEN its account x region was readied once, beside the load, with the parameters' role
    assert body["status"] == "judged"
    [(role, account, region, thread)] = adapters.warmed
    assert (role, account, region) == ("sgcompliance-member", MEMBER, REGION)
    assert thread == "sgc-meanwhile"
    # AND a warm function (configuration cached) readies nothing again
    w.app.handle(event_for(eventID="ev-2"))
    assert len(adapters.warmed) == 1


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(event_for(recipientAccountId="333333333333"), id="out-of-scope account"),
        pytest.param(event_for(awsRegion="ap-south-1"), id="out-of-scope region"),
        pytest.param(event_for(eventTime="2026-11-01T00:00:00Z"), id="stale"),
        pytest.param(fixture("own_role_authorize_ingress"), id="own session"),
        pytest.param(fixture("failed_authorize_ingress"), id="failed call"),
        pytest.param(fixture("revoke_ingress"), id="revoke"),
        pytest.param(fixture("create_tags"), id="tag change"),
    ],
)
def test_an_event_the_parameters_rule_out_readies_nothing(event: dict[str, object]) -> None:
    w, adapters = warming_world()
    w.app.handle(event)
    assert adapters.warmed == []


def test_an_invalid_policy_is_reported_as_ever_whatever_was_readied() -> None:
    # GIVEN a policy object that is no policy
    w, adapters = warming_world(policy='{"version": "1"}')
    # WHEN a change to judge arrives  THEN the configuration error names the policy
    body = w.app.handle(event_for()).body
    assert body["status"] == "config_error"
    assert "policy" in body["error"]
    # AND nothing was read or changed in the member account: at most its role was readied
    assert w.calls == []
    assert len(adapters.warmed) <= 1
