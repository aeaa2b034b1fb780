"""The composition root: builds AWS clients, scopes, readers, gateways and stores from options.

Every live command and the Lambda handler get their wiring here, so the same code runs against
AWS and against the local moto server (`--endpoint-url` / `AWS_ENDPOINT_URL`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sgcompliance.adapters.aws import accounts as account_source
from sgcompliance.adapters.aws import ec2 as ec2_reads
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import (
    DEFAULT_ROLE_NAME,
    AccountClients,
    RoleAssumer,
    RoleSettings,
)
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.policy_object import S3PolicyObject
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.adapters.local_backups import LocalBackupStore, NoBackupStore
from sgcompliance.config.manager import ConfigManager
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import ConfigError
from sgcompliance.events.batch import Correlate
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.events.services import Pipeline
from sgcompliance.records.audit_log import LogAuditSink
from sgcompliance.records.metrics import DEFAULT_NAMESPACE, DEFAULT_SERVICE, MetricsManager
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.sources.snapshot import read_snapshot

# What the handler's wiring is built from: a change in any of these builds it again.
WIRING_ENV_PREFIXES = ("SGC_", "AWS_", "POWERTOOLS_")


@dataclass(frozen=True, slots=True)
class Target:
    """Where to act: credentials, endpoint, accounts, regions and the member role."""

    profile: str | None = None
    endpoint_url: str | None = None
    regions: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    accounts_file: Path | None = None
    organization: bool = False
    role_name: str | None = None
    external_id: str | None = None
    max_attempts: int = 10
    purpose: str = "scan"


@dataclass(frozen=True, slots=True)
class BackupTarget:
    directory: Path | None = None
    bucket: str | None = None
    prefix: str = "backups/"
    kms_key_id: str | None = None
    allow_unversioned: bool = False


@dataclass(slots=True)
class Runtime:
    factory: ClientFactory
    clients: AccountClients
    caller_account: str
    accounts: tuple[str, ...]
    requested_regions: tuple[str, ...]
    counter: ApiCallCounter = field(default_factory=ApiCallCounter)
    _regions: tuple[str, ...] | None = None

    @property
    def regions(self) -> tuple[str, ...]:
        """The requested regions, else the caller's enabled regions (read once, when needed)."""
        if self._regions is None:
            self._regions = self.requested_regions or account_source.enabled_regions(
                self.factory.ec2(self.factory.region)
            )
        return self._regions

    @property
    def scopes(self) -> list[Scope]:
        return [Scope(a, r) for a in self.accounts for r in self.regions]

    def read(self, scope: Scope) -> RegionSnapshot:
        ec2 = self.clients.ec2(scope.account_id, scope.region)
        document = ec2_reads.read_region(ec2, scope.account_id, scope.region)
        return read_snapshot(document, source=str(scope))

    def read_document(self, scope: Scope) -> dict[str, object]:
        return ec2_reads.read_region(
            self.clients.ec2(scope.account_id, scope.region), scope.account_id, scope.region
        )

    def gateway(self, account_id: str, region: str) -> Ec2GroupGateway:
        return Ec2GroupGateway(self.clients.ec2(account_id, region), account_id, region)

    def backups(self, target: BackupTarget, *, required: bool = True) -> BackupStore:
        if target.bucket:
            s3 = self.factory.client("s3", None, self.clients.credentials(self.caller_account))
            return S3BackupStore(
                s3,
                target.bucket,
                prefix=target.prefix,
                kms_key_id=target.kms_key_id,
                allow_unversioned=target.allow_unversioned,
            )
        if target.directory is not None:
            return LocalBackupStore(target.directory)
        if not required:
            return NoBackupStore()
        raise ConfigError(
            "no backup store configured: nothing is ever revoked without a stored backup",
            hint="pass --backup-dir DIR or --backup-bucket BUCKET",
        )


def build_runtime(target: Target) -> Runtime:
    counter = ApiCallCounter()
    settings = AwsSettings.from_options(
        profile=target.profile, endpoint_url=target.endpoint_url, max_attempts=target.max_attempts
    )
    factory = ClientFactory(settings, counter=counter)
    with translating("GetCallerIdentity"):
        caller = factory.sts().get_caller_identity()["Account"]
    accounts = _accounts(target, factory) or (caller,)
    # Only accounts other than the caller's are assumed into, and only when first used.
    role = RoleSettings(
        role_name=target.role_name or DEFAULT_ROLE_NAME,
        external_id=target.external_id,
        purpose=target.purpose,
    )
    assumer = RoleAssumer(factory.sts(), role)
    clients = AccountClients(factory, assumer, direct_accounts=[caller])
    regions = account_source.parse_regions(target.regions)
    return Runtime(factory, clients, caller, accounts, regions, counter)


def _accounts(target: Target, factory: ClientFactory) -> tuple[str, ...]:
    found: list[str] = list(account_source.parse_account_ids(target.accounts))
    if target.accounts_file is not None:
        found.extend(account_source.read_accounts_file(target.accounts_file))
    if target.organization:
        found.extend(account_source.organization_accounts(factory.organizations()))
    return tuple(dict.fromkeys(found))


@dataclass(slots=True)
class HandlerWiring:
    """The Lambda handler's dependencies, built once per function instance."""

    app: HandlerApp
    metrics: MetricsManager
    logger: Any
    counter: ApiCallCounter
    # The environment it was built from (see `wiring_environment`).
    environment: tuple[tuple[str, str], ...] = ()


def wiring_environment(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables the wiring depends on: a change in any of them calls for a new one."""
    return tuple(sorted((k, v) for k, v in environ.items() if k.startswith(WIRING_ENV_PREFIXES)))


def build_handler_wiring(
    logger: Any,
    environ: Mapping[str, str] | None = None,
    *,
    correlate: Correlate | None = None,
    metrics_out: TextIO | None = None,
) -> HandlerWiring:
    """Everything the Lambda handler needs, from the environment (`AWS_ENDPOINT_URL` points
    it at the local AWS): one GetCallerIdentity call now, every other call on first use.

    `logger` is the entry point's structured logger (powertools `Logger`): the audit records
    go through it; `correlate` sets its correlation keys per input.
    """
    # Imported here: the adapters build on `Runtime` above, and only the handler needs them.
    from sgcompliance.entrypoints.handler_adapters import (  # noqa: PLC0415
        HandlerAdapters,
        LazyDirectory,
    )

    env = os.environ if environ is None else environ
    counter = ApiCallCounter()
    settings = AwsSettings.from_options(environ=env)
    factory = ClientFactory(settings, counter=counter, environ=env)
    with translating("GetCallerIdentity"):
        caller = factory.sts().get_caller_identity()["Account"]
    configs = ConfigManager(
        SsmParameterSource(factory.client("ssm")),
        lambda bucket, key: S3PolicyObject(factory.client("s3"), bucket, key),
        LazyDirectory(factory),
        environ=env,
        local=settings.is_local,
        home_account=caller,
    )
    service = env.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    metrics = MetricsManager(EmfMetricsSink(metrics_out), namespace=namespace, service=service)
    adapters = HandlerAdapters(factory, caller, env)
    pipeline = Pipeline(configs, adapters, metrics, audit_log=LogAuditSink(logger))
    app = HandlerApp(pipeline, correlate=correlate)
    return HandlerWiring(app, metrics, logger, counter, wiring_environment(env))
