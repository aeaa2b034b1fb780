"""Client construction: one `ClientFactory` per run, the same code for AWS and the local AWS.

Credentials come from the standard chain (or `--profile`). `--endpoint-url`, else the
`AWS_ENDPOINT_URL` environment variable, sends every call to another endpoint such as the local
moto server. A loopback endpoint needs no real credentials: when none are configured, fixed
local ones are used so that the local AWS works on a machine with no AWS set-up at all.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.exceptions import DataNotFoundError, ProfileNotFound
from botocore.loaders import JSONFileLoader, Loader
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from sgcompliance.adapters.aws import lost_answers
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
# Characters of a refused endpoint URL kept in its error: the message stays one short line.
URL_SHOWN = 120


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
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)

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


def check_endpoint_url(url: str) -> None:
    """ConfigError naming `url` unless it is one the SDK can send calls to: a malformed URL
    (`http://[::1`, a port that is not a number) would otherwise surface as the SDK's ValueError
    at the first call, or as a traceback from whatever parses it first."""
    problem = endpoint_url_problem(url)
    if problem is not None:
        shown = url if len(url) <= URL_SHOWN else url[: URL_SHOWN - 3] + "..."
        raise ConfigError(
            f"endpoint URL {shown!r} is not usable: {problem}",
            hint="give --endpoint-url (or AWS_ENDPOINT_URL) as http(s)://host[:port], "
            "e.g. http://127.0.0.1:5000 or http://[::1]:5000",
        )


def endpoint_url_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint, in a few words; None when it can."""
    bad_port = "the port must be a number from 1 to 65535"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket, brackets around no IPv6 address
        return str(exc)
    try:
        port = parts.port
    except ValueError:
        return bad_port
    if parts.scheme not in {"http", "https"}:
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    if parts.netloc.endswith(":") or port == 0:
        return bad_port
    # The SDK's own test of an endpoint, so that what passes here is what a client accepts.
    if not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        return "the host is not a valid host name or address"
    return None


class ClientFactory:
    """Builds (and reuses) SDK clients for one set of settings; safe to share across threads.

    `counter`, when given, sees every API call of every client this factory builds. Every
    client counts the attempts of each call whose answer was lost (`lost_answers`), which is
    what a retried write's answer means.
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
        events = self._session.get_component("event_emitter")
        lost_answers.attach(events)
        if counter is not None:
            counter.attach(events)

    @property
    def region(self) -> str:
        """The region for global services and defaults."""
        region = self.settings.region or self._session.get_config_variable("region")
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
        with self._lock:  # SDK sessions are not thread-safe while creating clients
            found = self._clients.get(key)
            if found is None or found[0] != access_key:
                client = self._session.create_client(
                    service,
                    region_name=region_name,
                    endpoint_url=self.settings.endpoint_url,
                    config=self._config,
                    aws_access_key_id=credentials.access_key_id if credentials else None,
                    aws_secret_access_key=credentials.secret_access_key if credentials else None,
                    aws_session_token=credentials.session_token if credentials else None,
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


class PlainJsonFiles(JSONFileLoader):
    """The SDK's data files (service models, endpoint rules) read as plain dicts.

    botocore reads them with `object_pairs_hook=OrderedDict`, which calls back into Python for
    every JSON object: it doubles the time of reading the EC2 model (4 MiB). A dict keeps its
    keys in order just as well, and nothing of the SDK asks more of them.
    """

    def load_file(self, file_path: str) -> Any:
        for suffix, opener in ((".json", open), (".json.gz", gzip.open)):
            full_path = file_path + suffix
            if os.path.isfile(full_path):
                with opener(full_path, "rb") as fp:
                    return json.loads(fp.read().decode("utf-8"))
        return None


class KnownServices(Sequence[str]):
    """The services a loader knows for one kind of file, asked about one service at a time.

    botocore's `Loader.list_available_services` lists every service directory of every search
    path and each one's versions (about 900 directory listings, 15 ms) before it loads any
    model, once per kind of file (the model, the endpoint rules) and session: a good part of a
    cold start. Whether one service is known needs only that service's own listing, which
    finding its latest version reads anyway. The whole list is read only when iterated (the
    error that names every known service)."""

    def __init__(self, loader: Loader, type_name: str) -> None:
        self.loader = loader
        self.type_name = type_name
        self._every: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or os.sep in name or name.startswith("."):
            return False
        try:
            return bool(self.loader.list_api_versions(name, self.type_name))
        except DataNotFoundError:
            return False

    def _all(self) -> list[str]:
        if self._every is None:
            self._every = Loader.list_available_services(self.loader, self.type_name)
        return self._every

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


class ServiceLoader(Loader):
    """botocore's loader, reading files as `PlainJsonFiles` and answering which services it
    knows one service at a time (`KnownServices`)."""

    # A sequence of the names, as botocore's own callers use the list (`in`, then join).
    def list_available_services(self, type_name: str) -> KnownServices:  # type: ignore[override]
        return KnownServices(self, type_name)


def _core_session(profile: str | None = None) -> botocore.session.Session:
    """A botocore session whose data loader is a `ServiceLoader` over the same search paths;
    ProfileNotFound when `profile` is not configured."""
    core = botocore.session.Session(profile=profile)
    default = core.get_component("data_loader")
    loader = ServiceLoader(
        extra_search_paths=list(default.search_paths),
        file_loader=PlainJsonFiles(),
        include_default_search_paths=False,
    )
    core.register_component("data_loader", loader)
    return core


def _new_session(settings: AwsSettings, environ: Mapping[str, str]) -> botocore.session.Session:
    """The run's SDK session. botocore's own: boto3's session adds resources and S3 transfers,
    which nothing here uses, and importing boto3 costs a cold start over 10 ms."""
    try:
        core = _core_session(settings.profile)
    except ProfileNotFound as exc:
        raise ConfigError(
            f"AWS profile {settings.profile!r} not found", hint="check ~/.aws/config or --profile"
        ) from exc
    if settings.is_local and not settings.profile and not environ.get("AWS_ACCESS_KEY_ID"):
        core.set_credentials(*LOCAL_CREDENTIALS)
        region = (
            settings.region
            or environ.get("AWS_REGION")
            or environ.get("AWS_DEFAULT_REGION")
            or LOCAL_REGION
        )
        core.set_config_variable("region", region)
    elif settings.region:
        core.set_config_variable("region", settings.region)
    return core
