"""AssumeRole into member accounts: ARN, ExternalId, session name, and the credential cache."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sgcompliance.adapters.aws.assume import RoleAssumer, RoleSettings
from sgcompliance.errors import ConfigError

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeSts:
    """Issues credentials valid for one hour from the fake clock's current time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def assume_role(self, **params: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(params)
            n = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{n}",
                "SecretAccessKey": f"secret-{n}",
                "SessionToken": f"token-{n}",
                "Expiration": self.clock.now + timedelta(hours=1),
            }
        }


def assumer(settings: RoleSettings | None = None) -> tuple[RoleAssumer, FakeSts, FakeClock]:
    clock = FakeClock()
    sts = FakeSts(clock)
    role = settings or RoleSettings(role_name="audit", external_id="ext-123", purpose="scan")
    return RoleAssumer(sts, role, clock=clock), sts, clock  # type: ignore[arg-type]


def test_assume_role_uses_template_external_id_and_session_name() -> None:
    roles, sts, _ = assumer()
    roles.credentials("222222222222")
    assert sts.calls == [
        {
            "RoleArn": "arn:aws:iam::222222222222:role/audit",
            "RoleSessionName": "sgcompliance-scan",
            "DurationSeconds": 3600,
            "ExternalId": "ext-123",
        }
    ]


def test_no_external_id_is_sent_when_none_is_configured() -> None:
    roles, sts, _ = assumer(RoleSettings(role_name="audit"))
    roles.credentials("222222222222")
    assert "ExternalId" not in sts.calls[0]


def test_custom_arn_template_and_partition() -> None:
    settings = RoleSettings(
        role_name="audit",
        arn_template="arn:{partition}:iam::{account_id}:role/security/{role_name}",
        partition="aws-us-gov",
    )
    assert settings.role_arn("222222222222") == (
        "arn:aws-us-gov:iam::222222222222:role/security/audit"
    )


def test_cached_credentials_are_reused_while_valid() -> None:
    # GIVEN credentials obtained at START, valid one hour
    roles, sts, clock = assumer()
    first = roles.credentials("222222222222")
    # WHEN asked again 54 minutes later (6 minutes before expiry)
    clock.now = START + timedelta(minutes=54)
    second = roles.credentials("222222222222")
    # THEN no new STS call is made
    assert second is first
    assert len(sts.calls) == 1


def test_credentials_are_refreshed_within_five_minutes_of_expiry() -> None:
    roles, sts, clock = assumer()
    first = roles.credentials("222222222222")
    clock.now = START + timedelta(minutes=56)
    second = roles.credentials("222222222222")
    assert second.access_key_id != first.access_key_id
    assert len(sts.calls) == 2


def test_each_account_has_its_own_credentials() -> None:
    roles, sts, _ = assumer()
    a = roles.credentials("222222222222")
    b = roles.credentials("333333333333")
    assert a.access_key_id != b.access_key_id
    assert [c["RoleArn"].split(":")[4] for c in sts.calls] == ["222222222222", "333333333333"]


def test_concurrent_callers_for_one_account_share_one_assume_role() -> None:
    roles, sts, _ = assumer()
    barrier = threading.Barrier(8)
    results: list[str] = []

    def work() -> None:
        barrier.wait()
        results.append(roles.credentials("222222222222").access_key_id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sts.calls) == 1
    assert set(results) == {"ASIA1"}


def test_forget_drops_the_cached_credentials() -> None:
    roles, sts, _ = assumer()
    roles.credentials("222222222222")
    roles.forget("222222222222")
    roles.credentials("222222222222")
    assert len(sts.calls) == 2


def test_credentials_repr_never_shows_secrets() -> None:
    roles, _, _ = assumer()
    text = repr(roles.credentials("222222222222"))
    assert "secret-1" not in text
    assert "token-1" not in text


def test_a_malformed_account_id_is_refused_before_calling_sts() -> None:
    roles, sts, _ = assumer()
    with pytest.raises(ConfigError, match="12-digit"):
        roles.credentials("12345")
    assert sts.calls == []


@pytest.mark.parametrize("purpose", ["", "has space", "x" * 51])
def test_an_invalid_session_purpose_is_refused(purpose: str) -> None:
    with pytest.raises(ConfigError, match="purpose"):
        RoleSettings(purpose=purpose)


def test_a_template_with_an_unknown_field_is_refused() -> None:
    with pytest.raises(ConfigError, match="template"):
        RoleSettings(arn_template="arn:aws:iam::{account}:role/{role_name}")
