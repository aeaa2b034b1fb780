"""ConfigManager.get(meanwhile=...): what the parameters say of the members is handed over while
the policy object is read, in a thread of its own; every failure still surfaces as before."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from config_fakes import MEMBER, POLICY_URI, base_parameters, manager

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.config.manager import PolicySource
from sgcompliance.config.runtime import MemberReach
from sgcompliance.errors import AccessDeniedError, AwsApiError, ConfigError, NotFoundError
from sgcompliance.testing import FakeParameters, FakePolicyObject

WAIT = 5.0  # seconds: far beyond what either side needs; only a broken overlap waits this long


class FailingParameters(FakeParameters):
    """SSM refuses the read, as GetParametersByPath does when the role may not read the path."""

    def get_by_path(self, path: str) -> dict[str, str]:
        self.calls += 1
        refusal = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        with translating("GetParametersByPath", scope=path):
            raise ClientError(refusal, "GetParametersByPath")  # type: ignore[arg-type]


def test_the_members_are_handed_over_while_the_policy_object_is_read() -> None:
    # GIVEN a policy object whose read waits until `meanwhile` has started
    policy, started = FakePolicyObject(), threading.Event()
    seen: list[tuple[MemberReach, str]] = []

    def source(bucket: str, key: str) -> PolicySource:
        assert started.wait(WAIT), "the policy was read before meanwhile started"
        return policy.source(bucket, key)

    def meanwhile(reach: MemberReach) -> None:
        seen.append((reach, threading.current_thread().name))
        started.set()

    configs = manager(base_parameters(role_name="sgc-member"))
    configs._policy_sources = source
    # WHEN the configuration is loaded
    config = configs.get(meanwhile)
    # THEN meanwhile ran once, in a thread of its own, with what the parameters say
    [(reach, thread)] = seen
    assert thread != threading.current_thread().name
    assert reach.accounts == (MEMBER, "222222222222")
    assert (reach.role_name, reach.external_id) == ("sgc-member", "ext-0123456789")
    assert reach.own_role_arns == config.own_role_arns
    assert reach.max_event_age == config.max_event_age == timedelta(hours=24)
    assert reach.account_scope == config.account_scope
    # AND the configuration is the one a plain load gives
    assert config.policy_ref == POLICY_URI
    assert config == manager(base_parameters(role_name="sgc-member")).get()


def test_a_cached_configuration_calls_nothing_meanwhile() -> None:
    configs, calls = manager(), []
    configs.get(calls.append)
    configs.get(calls.append)
    assert len(calls) == 1


def test_a_failing_parameter_read_names_it_and_nothing_runs_meanwhile() -> None:
    # GIVEN SSM refuses the parameters
    parameters, calls = FailingParameters(), []
    configs = manager(parameters)
    # WHEN loaded  THEN the error names the call and the path, and meanwhile never ran
    with pytest.raises(AccessDeniedError, match="GetParametersByPath") as raised:
        configs.get(calls.append)
    assert "/sgcompliance" in str(raised.value)
    assert "not authorized" in str(raised.value)
    assert calls == []
    # AND nothing was cached: the next load reads again
    with pytest.raises(AwsApiError):
        configs.get(calls.append)
    assert parameters.calls == 2


def test_invalid_parameters_are_refused_before_anything_runs_meanwhile() -> None:
    calls: list[MemberReach] = []
    configs = manager(base_parameters(mode="remove_everything"))
    with pytest.raises(ConfigError, match="/sgcompliance/mode"):
        configs.get(calls.append)
    assert calls == []


def test_a_failing_policy_read_is_reported_after_meanwhile_is_done() -> None:
    # GIVEN a policy object that is gone, and a meanwhile that is slow to finish
    done = threading.Event()

    def meanwhile(reach: MemberReach) -> None:
        del reach
        done.wait(0.05)
        done.set()

    def gone(bucket: str, key: str) -> PolicySource:
        raise NotFoundError(f"s3://{bucket}/{key} does not exist")

    configs = manager()
    configs._policy_sources = gone
    # WHEN loaded  THEN the policy's error, naming the parameter, once meanwhile is finished
    with pytest.raises(ConfigError, match="cannot read the policy"):
        configs.get(meanwhile)
    assert done.is_set()
    assert not [t for t in threading.enumerate() if t.name == "sgc-meanwhile"]


def test_what_meanwhile_raises_is_logged_and_the_configuration_loads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def meanwhile(reach: MemberReach) -> None:
        raise RuntimeError(f"cannot ready {reach.role_name}")

    config = manager().get(meanwhile)
    assert config.policy_ref == POLICY_URI
    assert "cannot ready sgcompliance-member" in caplog.text
