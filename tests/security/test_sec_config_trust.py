"""The replay window is configured, bounded and refused when invalid; the configuration
records which account is the hub."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sgcompliance.adapters.aws.session import AwsSettings
from sgcompliance.config.manager import ConfigManager
from sgcompliance.config.runtime import DEFAULT_MAX_EVENT_AGE
from sgcompliance.errors import ConfigError

HOME = "999999999999"
BASE = {"SGC_ACCOUNTS": HOME, "SGC_POLICY": "builtin:strict"}


def loaded(**environ: str) -> ConfigManager:
    return ConfigManager(None, environ=BASE | environ, home_account=HOME)


def test_change_events_older_than_a_day_are_replays_by_default() -> None:
    assert loaded().get().max_event_age == DEFAULT_MAX_EVENT_AGE == timedelta(hours=24)


def test_the_maximum_event_age_is_set_in_seconds() -> None:
    assert loaded(SGC_MAX_EVENT_AGE="3600").get().max_event_age == timedelta(hours=1)


def test_none_lifts_the_maximum_event_age() -> None:
    assert loaded(SGC_MAX_EVENT_AGE="none").get().max_event_age is None


@pytest.mark.parametrize("value", ["30", "2592001", "a day", "-5", "nan", "inf"])
def test_an_invalid_maximum_event_age_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigError, match="SGC_MAX_EVENT_AGE"):
        loaded(SGC_MAX_EVENT_AGE=value).get()


def test_the_account_the_tool_runs_in_is_the_hub_in_the_configuration_and_its_log() -> None:
    config = loaded().get()
    assert config.hub_account == HOME
    assert config.to_log()["hub_account"] == HOME
    assert config.to_log()["max_event_age_seconds"] == 86_400


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost:5000", True),
        ("http://[::1]:5000", True),
        ("http://localhost.attacker.invalid:5000", False),
        ("http://127.0.0.1.attacker.invalid", False),
        ("https://ec2.eu-west-1.amazonaws.com", False),
    ],
)
def test_only_a_loopback_endpoint_waives_the_external_id(endpoint: str, local: bool) -> None:
    # The ExternalId check is skipped for the local AWS only: a look-alike host is not local.
    assert AwsSettings.from_options(endpoint_url=endpoint).is_local is local


def test_a_look_alike_local_endpoint_still_needs_an_external_id_for_other_accounts() -> None:
    settings = AwsSettings.from_options(endpoint_url="http://localhost.attacker.invalid")
    configs = ConfigManager(
        None,
        environ={"SGC_ACCOUNTS": f"{HOME},111111111111"},
        home_account=HOME,
        local=settings.is_local,
    )
    with pytest.raises(ConfigError, match="external_id"):
        configs.get()
