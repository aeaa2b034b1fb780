"""Fakes for the ports of `config.manager.ConfigManager`: SSM parameters, the S3 policy object,
the Organizations directory, and its clock."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sgcompliance.config.manager import AccountPlacement, PolicySource
from sgcompliance.config.parameters import DEFAULT_PATH

# A valid policy document: the strict pack under the id "team".
TEAM_POLICY = json.dumps({"version": "1", "id": "team", "extends": "builtin:strict"})


class FakeParameters:
    """Stands in for `config.manager.ParameterSource` (SSM GetParametersByPath) over a dict of
    full parameter names; `calls` counts the reads, `set(name, value)` writes `<path>/<name>`."""

    def __init__(self, values: Mapping[str, str] | None = None, path: str = DEFAULT_PATH) -> None:
        self.values = dict(values or {})
        self.path = path
        self.calls = 0

    def set(self, name: str, value: str) -> None:
        self.values[f"{self.path}/{name}"] = value

    def get_by_path(self, path: str) -> dict[str, str]:
        self.calls += 1
        prefix = path.rstrip("/") + "/"
        return {k: v for k, v in self.values.items() if k.startswith(prefix)}


class FakePolicyObject:
    """One S3 object holding a policy document, with an ETag (`"etag-<version>"`) that changes
    on every `replace`. `source` is a `PolicySourceFactory`: its sources answer a conditional
    read (If-None-Match) like S3, with no text when the ETag still matches; every read is kept
    in `requests` as (bucket, key, If-None-Match). It holds `TEAM_POLICY` unless told."""

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
        return _BoundPolicyObject(self, bucket, key)


class _BoundPolicyObject:
    def __init__(self, target: FakePolicyObject, bucket: str, key: str) -> None:
        self.target = target
        self.bucket = bucket
        self.key = key

    def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:
        target = self.target
        target.requests.append((self.bucket, self.key, if_none_match))
        if if_none_match == target.etag:
            return None, target.etag
        return target.text, target.etag


class FakeClock:
    """A `config.manager.Clock` (monotonic seconds) that moves only when told: `advance`."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeDirectory:
    """Stands in for `config.manager.AccountDirectory` (Organizations): each account's
    placement from `placements` (no OUs and no tags when absent); `calls` lists the accounts
    asked about, in order."""

    def __init__(self, placements: Mapping[str, AccountPlacement] | None = None) -> None:
        self.placements = dict(placements or {})
        self.calls: list[str] = []

    def placement(self, account_id: str) -> AccountPlacement:
        self.calls.append(account_id)
        return self.placements.get(account_id, AccountPlacement())
