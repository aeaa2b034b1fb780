"""Client construction: one `ClientFactory` per run, the same code for AWS and the local AWS.

Credentials come from the standard chain (or `--profile`). `--endpoint-url`, else the
`AWS_ENDPOINT_URL` environment variable, sends every call to another endpoint such as the local
moto server. A loopback endpoint needs no real credentials: when none are configured, fixed
local ones are used so that the local AWS works on a machine with no AWS set-up at all.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from sgcompliance.errors import ConfigError
from sgcompliance.version import __version__

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_organizations import OrganizationsClient
    from mypy_boto3_sts import STSClient

    from sgcompliance.adapters.aws.api_calls import ApiCallCounter

USER_AGENT = f"sgcompliance/{__version__}"
DEFAULT_MAX_ATTEMPTS = 10
LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = ("sgc-local", "sgc-local")


@dataclass(frozen=True, slots=True)
class StaticCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclass(frozen=True, slots=True)
class AwsSettings:
    """How to reach AWS; built once from the command line and environment."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"max attempts must be at least 1, got {self.max_attempts}")
        if self.endpoint_url is not None and not _is_http_url(self.endpoint_url):
            raise ConfigError(
                f"endpoint URL must be http(s)://host[:port], got {self.endpoint_url!r}",
                hint="e.g. --endpoint-url http://127.0.0.1:5000",
            )

    @classmethod
    def from_options(
        cls,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        environ: Mapping[str, str] | None = None,
    ) -> AwsSettings:
        """Explicit options win; `AWS_ENDPOINT_URL` fills in a missing endpoint."""
        env = os.environ if environ is None else environ
        endpoint = endpoint_url or env.get("AWS_ENDPOINT_URL") or None
        return cls(profile=profile, region=region, endpoint_url=endpoint, max_attempts=max_attempts)

    @property
    def is_local(self) -> bool:
        """True when the endpoint is on this machine (the local moto server)."""
        if not self.endpoint_url:
            return False
        host = urlsplit(self.endpoint_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def botocore_config(self) -> Config:
        return Config(
            retries={"mode": "adaptive", "total_max_attempts": self.max_attempts},
            user_agent_extra=USER_AGENT,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


class ClientFactory:
    """Builds (and reuses) boto3 clients for one set of settings; safe to share across threads.

    `counter`, when given, sees every API call of every client this factory builds.
    """

    def __init__(
        self,
        settings: AwsSettings,
        *,
        counter: ApiCallCounter | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self._config = settings.botocore_config()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, str], tuple[str, Any]] = {}
        env = os.environ if environ is None else environ
        self._session = _new_session(settings, env)
        if counter is not None:
            counter.attach(self._session.events)

    @property
    def region(self) -> str:
        """The region for global services and defaults."""
        region = self.settings.region or self._session.region_name
        if region:
            return region
        if self.settings.is_local:
            return LOCAL_REGION
        raise ConfigError(
            "no AWS region configured", hint="pass --regions or set AWS_REGION / AWS_DEFAULT_REGION"
        )

    def client(
        self,
        service: str,
        region: str | None = None,
        credentials: StaticCredentials | None = None,
        *,
        owner: str = "",
    ) -> Any:
        """A client for `service` in `region`, with the base or the given credentials.

        `owner` (e.g. the account id) names whose credentials these are: a client is kept per
        owner, service and region, and rebuilt when that owner's credentials change, so a
        long-lived factory holds a bounded number of clients.
        """
        region_name = region or self.region
        key = (service, region_name, owner or (credentials.access_key_id if credentials else ""))
        access_key = credentials.access_key_id if credentials else ""
        with self._lock:  # boto3 sessions are not thread-safe while creating clients
            found = self._clients.get(key)
            if found is None or found[0] != access_key:
                session: Any = self._session
                client = session.client(
                    service,
                    region_name=region_name,
                    endpoint_url=self.settings.endpoint_url,
                    config=self._config,
                    **_credential_kwargs(credentials),
                )
                found = (access_key, client)
                self._clients[key] = found
            return found[1]

    def ec2(
        self, region: str, credentials: StaticCredentials | None = None, *, owner: str = ""
    ) -> EC2Client:
        client: EC2Client = self.client("ec2", region, credentials, owner=owner)
        return client

    def sts(self, credentials: StaticCredentials | None = None) -> STSClient:
        client: STSClient = self.client("sts", None, credentials)
        return client

    def organizations(self) -> OrganizationsClient:
        client: OrganizationsClient = self.client("organizations")
        return client


def _new_session(settings: AwsSettings, environ: Mapping[str, str]) -> boto3.Session:
    if settings.is_local and not settings.profile and not environ.get("AWS_ACCESS_KEY_ID"):
        key, secret = LOCAL_CREDENTIALS
        return boto3.Session(
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name=settings.region
            or environ.get("AWS_REGION")
            or environ.get("AWS_DEFAULT_REGION")
            or LOCAL_REGION,
        )
    try:
        return boto3.Session(profile_name=settings.profile, region_name=settings.region)
    except ProfileNotFound as exc:
        raise ConfigError(
            f"AWS profile {settings.profile!r} not found", hint="check ~/.aws/config or --profile"
        ) from exc


def _credential_kwargs(credentials: StaticCredentials | None) -> dict[str, str | None]:
    if credentials is None:
        return {}
    return {
        "aws_access_key_id": credentials.access_key_id,
        "aws_secret_access_key": credentials.secret_access_key,
        "aws_session_token": credentials.session_token,
    }
