"""Member accounts by AssumeRole, with credentials cached per account until shortly before expiry.

One `RoleAssumer` per run and purpose; `AccountClients` hands out clients per account x region.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory, StaticCredentials
from sgcompliance.clock import Clock, utc_now
from sgcompliance.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_sts import STSClient

DEFAULT_ROLE_NAME = "sgcompliance-member"
DEFAULT_ARN_TEMPLATE = "arn:{partition}:iam::{account_id}:role/{role_name}"
REFRESH_MARGIN = timedelta(minutes=5)
SESSION_PREFIX = "sgcompliance-"
_PURPOSE = re.compile(r"^[A-Za-z0-9+=,.@-]{1,50}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class TemporaryCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def usable_at(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        return now + margin < self.expiration

    def static(self) -> StaticCredentials:
        return StaticCredentials(self.access_key_id, self.secret_access_key, self.session_token)

    def __repr__(self) -> str:  # never print secrets, even by accident in a log line
        return f"TemporaryCredentials({self.access_key_id}, expires {self.expiration.isoformat()})"


@dataclass(frozen=True, slots=True)
class RoleSettings:
    """Which role to assume in each member account, and how."""

    role_name: str = DEFAULT_ROLE_NAME
    arn_template: str = DEFAULT_ARN_TEMPLATE
    external_id: str | None = None
    partition: str = "aws"
    purpose: str = "scan"
    duration_seconds: int = 3600

    def __post_init__(self) -> None:
        if not _PURPOSE.match(self.purpose):
            raise ConfigError(
                f"role session purpose {self.purpose!r} must be 1-50 characters of "
                "letters, digits and +=,.@-"
            )
        try:
            self.arn_template.format(partition="aws", account_id="0" * 12, role_name="r")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"role ARN template {self.arn_template!r} is invalid: {exc}",
                hint="use the fields {partition}, {account_id} and {role_name}",
            ) from exc

    @property
    def session_name(self) -> str:
        return f"{SESSION_PREFIX}{self.purpose}"

    def role_arn(self, account_id: str) -> str:
        if not _ACCOUNT_ID.match(account_id):
            raise ConfigError(f"{account_id!r} is not a 12-digit AWS account id")
        return self.arn_template.format(
            partition=self.partition, account_id=account_id, role_name=self.role_name
        )


class RoleAssumer:
    """AssumeRole per account; concurrent callers for one account share one STS call."""

    def __init__(
        self,
        sts: STSClient,
        settings: RoleSettings,
        *,
        clock: Clock = utc_now,
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self._sts = sts
        self.settings = settings
        self._clock = clock
        self._margin = margin
        self._cache: dict[str, TemporaryCredentials] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def credentials(self, account_id: str) -> TemporaryCredentials:
        with self._lock_for(account_id):
            cached = self._cache.get(account_id)
            if cached is not None and cached.usable_at(self._clock(), self._margin):
                return cached
            fresh = self._assume(account_id)
            self._cache[account_id] = fresh
            return fresh

    def forget(self, account_id: str) -> None:
        """Drop cached credentials, e.g. after the role's policy changed."""
        with self._lock_for(account_id):
            self._cache.pop(account_id, None)

    def _lock_for(self, account_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account_id, threading.Lock())

    def _assume(self, account_id: str) -> TemporaryCredentials:
        arn = self.settings.role_arn(account_id)
        params: dict[str, Any] = {
            "RoleArn": arn,
            "RoleSessionName": self.settings.session_name,
            "DurationSeconds": self.settings.duration_seconds,
        }
        if self.settings.external_id:
            params["ExternalId"] = self.settings.external_id
        with translating("AssumeRole", scope=arn):
            creds = self._sts.assume_role(**params)["Credentials"]
        expiration = creds["Expiration"]
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return TemporaryCredentials(
            creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], expiration
        )


class AccountClients:
    """Clients per account: assumed-role credentials for members, base credentials otherwise.

    `direct_accounts` are read with the base credentials (e.g. the account the tool runs in
    when no role is deployed there); every other account goes through the assumer.
    """

    def __init__(
        self,
        factory: ClientFactory,
        assumer: RoleAssumer | None,
        *,
        direct_accounts: Iterable[str] = (),
    ) -> None:
        self.factory = factory
        self.assumer = assumer
        self.direct_accounts = frozenset(direct_accounts)

    def credentials(self, account_id: str) -> StaticCredentials | None:
        if self.assumer is None or account_id in self.direct_accounts:
            return None
        return self.assumer.credentials(account_id).static()

    def client(self, account_id: str, service: str, region: str | None = None) -> Any:
        return self.factory.client(service, region, self.credentials(account_id), owner=account_id)

    def ec2(self, account_id: str, region: str) -> EC2Client:
        return self.factory.ec2(region, self.credentials(account_id), owner=account_id)
