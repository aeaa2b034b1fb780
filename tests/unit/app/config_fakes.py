"""Fakes for the ConfigManager's ports: SSM parameters, the S3 policy object, the directory."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sgcompliance.config.manager import AccountPlacement, ConfigManager, PolicySource

PATH = "/sgcompliance"
HOME = "999999999999"
MEMBER = "111111111111"
POLICY_URI = "s3://sgc-policies/policy.json"
TEAM_POLICY = json.dumps({"version": "1", "id": "team", "extends": "builtin:strict"})
OTHER_POLICY = json.dumps({"version": "1", "id": "other", "extends": "builtin:cis-aws"})


class FakeParameters:
    """SSM GetParametersByPath over a dict of full names."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.calls = 0

    def set(self, name: str, value: str) -> None:
        self.values[f"{PATH}/{name}"] = value

    def get_by_path(self, path: str) -> dict[str, str]:
        self.calls += 1
        prefix = path.rstrip("/") + "/"
        return {k: v for k, v in self.values.items() if k.startswith(prefix)}


class FakePolicyObject:
    """An S3 object with an ETag that answers If-None-Match like S3 does."""

    def __init__(self, text: str = TEAM_POLICY) -> None:
        self.version = 1
        self.text = text
        self.requests: list[tuple[str, str, str | None]] = []

    @property
    def etag(self) -> str:
        return f'"etag-{self.version}"'

    def replace(self, text: str) -> None:
        self.text = text
        self.version += 1

    def source(self, bucket: str, key: str) -> PolicySource:
        fake = self

        class Bound:
            def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:
                fake.requests.append((bucket, key, if_none_match))
                if if_none_match == fake.etag:
                    return None, fake.etag
                return fake.text, fake.etag

        return Bound()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeDirectory:
    def __init__(self, placements: Mapping[str, AccountPlacement] | None = None) -> None:
        self.placements = dict(placements or {})
        self.calls: list[str] = []

    def placement(self, account_id: str) -> AccountPlacement:
        self.calls.append(account_id)
        return self.placements.get(account_id, AccountPlacement())


def base_parameters(**values: str) -> FakeParameters:
    """A valid hub configuration: flag_only over two accounts, policy in S3, an ExternalId."""
    defaults = {
        "accounts": f"{MEMBER},222222222222",
        "external_id": "ext-0123456789",
        "policy": POLICY_URI,
    }
    return FakeParameters({f"{PATH}/{k}": v for k, v in {**defaults, **values}.items()})


def manager(
    parameters: FakeParameters | None = None,
    policy: FakePolicyObject | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: FakeClock | None = None,
    directory: FakeDirectory | None = None,
    local: bool = False,
) -> ConfigManager:
    return ConfigManager(
        parameters if parameters is not None else base_parameters(),
        (policy or FakePolicyObject()).source,
        directory,
        environ=environ or {},
        clock=clock or FakeClock(),
        local=local,
        home_account=HOME,
    )
