"""ConfigManager caching: a TTL for the parameters, the S3 ETag for the policy."""

from __future__ import annotations

import pytest
from config_fakes import MEMBER, OTHER_POLICY, POLICY_URI, base_parameters, manager

from sgcompliance.config.manager import AccountPlacement, ConfigManager
from sgcompliance.errors import ConfigError
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing import (
    TEAM_POLICY,
    FakeClock,
    FakeDirectory,
    FakeParameters,
    FakePolicyObject,
)


def test_within_the_ttl_nothing_is_read_again() -> None:
    # GIVEN a loaded configuration
    parameters, policy, clock = base_parameters(), FakePolicyObject(), FakeClock()
    configs = manager(parameters, policy, clock=clock)
    first = configs.get()
    # WHEN asked again 59 s later
    clock.advance(59)
    # THEN the same value comes from the cache without any call
    assert configs.get() is first
    assert (parameters.calls, len(policy.requests)) == (1, 1)


def test_after_the_ttl_parameters_are_read_again() -> None:
    parameters, clock = base_parameters(), FakeClock()
    configs = manager(parameters, clock=clock)
    configs.get()
    parameters.set("mode", "remove_non_compliant_rules")
    parameters.set("backup_bucket", "sgc-backups")
    clock.advance(60)
    assert configs.get().mode is Mode.REMOVE
    assert parameters.calls == 2


def test_an_unchanged_policy_object_is_neither_downloaded_nor_parsed_again() -> None:
    # GIVEN a configuration loaded once
    policy, clock = FakePolicyObject(), FakeClock()
    configs = manager(policy=policy, clock=clock)
    first = configs.get()
    # WHEN the TTL expires and the policy object is unchanged
    clock.advance(61)
    second = configs.get()
    # THEN the second fetch was conditional on the first ETag and the parsed policy is reused
    assert [tag for _, _, tag in policy.requests] == [None, '"etag-1"']
    assert second.policy is first.policy
    assert second is first


def test_a_changed_policy_object_is_parsed_again() -> None:
    policy, clock = FakePolicyObject(TEAM_POLICY), FakeClock()
    configs = manager(policy=policy, clock=clock)
    assert configs.get().policy.id == "team"
    policy.replace(OTHER_POLICY)
    clock.advance(61)
    refreshed = configs.get()
    assert (refreshed.policy.id, refreshed.policy_etag) == ("other", '"etag-2"')


def test_the_policy_location_is_read_from_the_parameter() -> None:
    policy = FakePolicyObject()
    manager(policy=policy).get()
    assert policy.requests[0][:2] == ("sgc-policies", "policy.json")


def test_a_new_policy_location_is_fetched_unconditionally() -> None:
    parameters, policy, clock = base_parameters(), FakePolicyObject(), FakeClock()
    configs = manager(parameters, policy, clock=clock)
    configs.get()
    parameters.set("policy", "s3://sgc-policies/v2/policy.json")
    clock.advance(61)
    configs.get()
    assert policy.requests[-1] == ("sgc-policies", "v2/policy.json", None)


def test_invalidate_reloads_parameters_on_the_next_get() -> None:
    parameters = base_parameters()
    configs = manager(parameters)
    configs.get()
    configs.invalidate()
    configs.get()
    assert parameters.calls == 2


def test_an_invalid_reload_raises_and_is_not_cached() -> None:
    # GIVEN a valid configuration, then an operator's typo in the mode
    parameters, clock = base_parameters(), FakeClock()
    configs = manager(parameters, clock=clock)
    configs.get()
    parameters.set("mode", "remove")
    clock.advance(61)
    # THEN every call fails (no stale configuration is served) until it is fixed
    for _ in range(2):
        with pytest.raises(ConfigError, match="/sgcompliance/mode"):
            configs.get()
    parameters.set("mode", "flag_only")
    assert configs.get().mode is Mode.FLAG_ONLY


def test_a_zero_ttl_reads_every_time() -> None:
    parameters = base_parameters()
    configs = ConfigManager(
        parameters, FakePolicyObject().source, environ={"SGC_CONFIG_TTL": "0"}, clock=FakeClock()
    )
    configs.get()
    configs.get()
    assert parameters.calls == 2


def test_a_bad_ttl_is_named() -> None:
    with pytest.raises(ConfigError, match="SGC_CONFIG_TTL"):
        ConfigManager(FakeParameters(), environ={"SGC_CONFIG_TTL": "soon"})


def test_an_account_placement_is_looked_up_once_per_directory_ttl() -> None:
    # GIVEN OU overrides, so an account's OUs matter
    parameters = base_parameters(
        mode_overrides='{"ous": {"ou-ab12-cdef3456": "flag_only"}}', mode="flag_only"
    )
    directory = FakeDirectory({MEMBER: AccountPlacement(("ou-ab12-cdef3456", "r-ab12"))})
    clock = FakeClock()
    configs = manager(parameters, directory=directory, clock=clock)
    # WHEN the mode is asked twice within 5 minutes and once after
    configs.mode_for_account(MEMBER)
    clock.advance(30)
    configs.mode_for_account(MEMBER)
    clock.advance(300)
    configs.mode_for_account(MEMBER)
    # THEN the directory was asked twice
    assert directory.calls == [MEMBER, MEMBER]


def test_without_ou_or_tag_overrides_the_directory_is_never_asked() -> None:
    directory = FakeDirectory()
    configs = manager(base_parameters(), directory=directory)
    assert configs.mode_for_account(MEMBER) is Mode.FLAG_ONLY
    assert directory.calls == []


def test_ou_overrides_without_a_directory_are_refused_by_name() -> None:
    configs = manager(base_parameters(mode_overrides='{"ous": {"r-ab12": "flag_only"}}'))
    with pytest.raises(ConfigError, match="/sgcompliance/mode_overrides"):
        configs.mode_for_account(MEMBER)


def test_policy_from_s3_is_refused_without_s3_access() -> None:
    configs = ConfigManager(base_parameters(), None, environ={}, clock=FakeClock())
    with pytest.raises(ConfigError, match=f"/sgcompliance/policy: {POLICY_URI} needs S3 access"):
        configs.get()


def test_the_policy_reader_is_prepared_once_in_a_thread_and_its_failure_only_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN preparing the policy reader ahead fails (threads record where it ran)
    import threading

    from sgcompliance.policy import loader

    ran: list[str] = []

    def prepare() -> None:
        ran.append(threading.current_thread().name)
        raise RuntimeError("no reader")

    monkeypatch.setattr(loader, "prepare", prepare)
    clock = FakeClock()
    configs = manager(clock=clock)
    # WHEN the configuration loads, and again after its TTL
    first = configs.get()
    clock.advance(61)
    configs.get()
    for thread in threading.enumerate():
        if thread.name == "sgc-policy-reader":
            thread.join(5)
    # THEN it was prepared once, in its own thread, and the policy loaded all the same
    assert ran == ["sgc-policy-reader"]
    assert first.policy.id
    assert "preparing the policy reader ahead failed" in caplog.text
