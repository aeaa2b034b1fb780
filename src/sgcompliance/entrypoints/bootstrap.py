"""The composition root: builds AWS clients, scopes, readers, gateways and stores from options.

Every live command and the Lambda handler get their wiring here, so the same code runs against
AWS and against the local moto server (`--endpoint-url` / `AWS_ENDPOINT_URL`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sgcompliance.adapters.aws import accounts as account_source
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import (
    DEFAULT_ROLE_NAME,
    AccountClients,
    RoleAssumer,
    RoleSettings,
)
from sgcompliance.adapters.aws.deployment_probe import DeploymentProbe
from sgcompliance.adapters.aws.directory import LazyDirectory
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.estate import BackupTarget, MemberAccess, Runtime
from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.policy_object import S3PolicyObject
from sgcompliance.adapters.aws.s3_audit import S3AuditSink
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.adapters.aws.sns import TOPIC_ARN, SnsNotifier, topic_region
from sgcompliance.adapters.aws.sqs import SqsQueue
from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.adapters.local_backups import NoBackupStore
from sgcompliance.config.manager import PATH_ENV, ConfigManager
from sgcompliance.config.parameters import DEFAULT_PATH, Parameter, full_name, normalize_path
from sgcompliance.config.runtime import MemberReach, RuntimeConfig
from sgcompliance.deployment.doctor import Deployment
from sgcompliance.errors import ConfigError, SgcError
from sgcompliance.events.batch import Correlate
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.events.services import Pipeline
from sgcompliance.records.audit_log import AuditSink, LogAuditSink
from sgcompliance.records.metrics import DEFAULT_NAMESPACE, DEFAULT_SERVICE, MetricsManager
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.rollback import RecordSink, RollbackService

log = logging.getLogger(__name__)

WORK_QUEUE_ENV = "SGC_WORK_QUEUE_URL"
# The member role session: `sgcompliance-handler`, which `is_own_change` recognises.
HANDLER_PURPOSE = "handler"
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
    # With `organization`: only accounts under one of these OUs, and carrying every tag.
    ous: tuple[str, ...] = ()
    account_tags: tuple[tuple[str, str], ...] = ()
    role_name: str | None = None
    external_id: str | None = None
    max_attempts: int = 10
    purpose: str = "scan"


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


def local_clients(endpoint: str) -> ClientFactory:
    """Clients of the local AWS at `endpoint`: `sgc local`, its pipeline and the demo."""
    return ClientFactory(AwsSettings.from_options(endpoint_url=endpoint))


def doctor_wiring(
    profile: str | None,
    endpoint_url: str | None,
    region: str | None,
    parameter_path: str,
    inspect_role_name: str,
) -> tuple[DeploymentProbe, Deployment]:
    """`sgc doctor`'s read-only probe of the hub account (the caller's) and the deployment its
    runtime parameters describe; ConfigError when there are none at `parameter_path`."""
    settings = AwsSettings.from_options(profile=profile, region=region, endpoint_url=endpoint_url)
    factory = ClientFactory(settings)
    path = normalize_path(parameter_path)
    values = SsmParameterSource(factory.client("ssm")).get_by_path(path)
    if not values:
        raise ConfigError(
            f"no runtime parameters under {path} in {factory.region}",
            hint="run it with the hub account's credentials in the hub's region (--region), "
            "or pass the hub's --parameter-path",
        )
    parameters = {name.rsplit("/", 1)[-1]: value for name, value in values.items()}
    deployment = Deployment.from_parameters(path.strip("/").rsplit("/", 1)[-1], parameters)
    return DeploymentProbe(factory, inspect_role_name), deployment


def rollback_wiring(
    target: Target, backups: BackupTarget, record: RecordSink | None = None
) -> tuple[RollbackService, Runtime]:
    """The rollback use case over the backups `backups` names, and the runtime whose gateways
    it restores through: `sgc rollback` and the demo's rollback step alike."""
    runtime = build_runtime(target)
    return RollbackService(runtime.backups(backups), record=record), runtime


def _accounts(target: Target, factory: ClientFactory) -> tuple[str, ...]:
    found: list[str] = list(account_source.parse_account_ids(target.accounts))
    if target.accounts_file is not None:
        found.extend(account_source.read_accounts_file(target.accounts_file))
    if target.organization:
        found.extend(
            account_source.organization_accounts(
                factory.organizations(), ous=target.ous, tags=target.account_tags
            )
        )
    return tuple(dict.fromkeys(found))


class HandlerAdapters:
    """The pipeline's `Adapters` (and its `Estate`); what a configuration names is built once
    and kept while it names the same (credentials and the versioning check stay warm)."""

    def __init__(self, factory: ClientFactory, caller: str, environ: Mapping[str, str]) -> None:
        self.factory = factory
        self.caller = caller
        self.environ = environ
        self._members: dict[tuple[str, str | None], MemberAccess] = {}
        # `warm_member` runs in the configuration's helper thread: `_members` is shared with it.
        self._lock = threading.Lock()
        self._backups: dict[tuple[str, str, str | None], BackupStore] = {}

    def backups(self, config: RuntimeConfig) -> BackupStore:
        if config.backup_bucket is None:
            return NoBackupStore()
        key = (config.backup_bucket, config.backup_prefix, config.backup_kms_key_id)
        if key not in self._backups:
            s3 = self.factory.client("s3")
            self._backups[key] = S3BackupStore(s3, key[0], prefix=key[1], kms_key_id=key[2])
        return self._backups[key]

    def audit_sinks(self, config: RuntimeConfig) -> list[AuditSink]:
        if config.audit_bucket is None:
            return []
        # The backups' key serves the audit records too when both share one bucket.
        shared = config.audit_bucket == config.backup_bucket
        key = config.backup_kms_key_id if shared else None
        s3 = self.factory.client("s3")
        return [S3AuditSink(s3, config.audit_bucket, prefix=config.audit_prefix, kms_key_id=key)]

    def notifier(self, topic_arn: str) -> SnsNotifier:
        return SnsNotifier(self.factory.client("sns", topic_region(topic_arn)), topic_arn)

    def members(self, config: RuntimeConfig) -> MemberAccess:
        return self._member_access(config.role_name, config.external_id)

    def warm_member(self, reach: MemberReach, account_id: str, region: str) -> None:
        """The member role's credentials for the account (unless it is the hub's own) and its
        EC2 client in `region`, kept for `members`; a failure is logged and left for the first
        use, which meets it again and reports it."""
        access = self._member_access(reach.role_name, reach.external_id)
        try:
            access.runtime.clients.ec2(account_id, region)
        except SgcError as exc:
            log.info("member %s/%s not readied: %s", account_id, region, exc)

    def _member_access(self, role_name: str, external_id: str | None) -> MemberAccess:
        key = (role_name, external_id)
        with self._lock:
            if key not in self._members:
                role = RoleSettings(
                    role_name=role_name, external_id=external_id, purpose=HANDLER_PURPOSE
                )
                assumer = RoleAssumer(self.factory.sts(), role)
                clients = AccountClients(self.factory, assumer, direct_accounts=[self.caller])
                runtime = Runtime(self.factory, clients, self.caller, (), ())
                self._members[key] = MemberAccess(runtime)
            return self._members[key]

    def estate(self) -> HandlerAdapters:
        return self

    def organization_accounts(self) -> tuple[str, ...]:
        return account_source.organization_accounts(self.factory.organizations())

    def enabled_regions(self) -> tuple[str, ...]:
        return account_source.enabled_regions(self.factory.ec2(self.factory.region))

    def work_queue(self) -> SqsQueue:
        url = self.environ.get(WORK_QUEUE_ENV, "")
        if not url:
            raise ConfigError(
                f"{WORK_QUEUE_ENV} (environment) is not set: the sweep sends its work items "
                "to that SQS queue",
                hint="set it to the work queue's URL (the Terraform hub module does)",
            )
        return SqsQueue(self.factory.client("sqs"), url)

    def fallback_topic(self) -> str | None:
        topic = self.environ.get(Parameter.SNS_TOPIC_ARN.env, "")
        if not topic:
            # The raw stored value: the configuration as a whole may be what is broken.
            try:
                path = normalize_path(self.environ.get(PATH_ENV) or DEFAULT_PATH)
                stored = SsmParameterSource(self.factory.client("ssm")).get_by_path(path)
            except SgcError:
                return None
            topic = stored.get(full_name(path, Parameter.SNS_TOPIC_ARN), "")
        return topic if TOPIC_ARN.fullmatch(topic) else None


@dataclass(slots=True)
class HandlerWiring:
    """The Lambda handler's dependencies, built once per function instance."""

    app: HandlerApp
    metrics: MetricsManager
    logger: Any
    counter: ApiCallCounter
    # The environment it was built from (see `wiring_environment`).
    environment: tuple[tuple[str, str], ...] = ()
    # The account the function runs in (the hub), as it was given or as STS told it.
    account: str = ""


def wiring_environment(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables the wiring depends on: a change in any of them calls for a new one."""
    return tuple(sorted((k, v) for k, v in environ.items() if k.startswith(WIRING_ENV_PREFIXES)))


def build_handler_wiring(
    logger: Any,
    environ: Mapping[str, str] | None = None,
    *,
    correlate: Correlate | None = None,
    metrics_out: TextIO | None = None,
    account_id: str | None = None,
) -> HandlerWiring:
    """Everything the Lambda handler needs, from the environment (`AWS_ENDPOINT_URL` points
    it at the local AWS): no call at all when `account_id` (the function's own account, from
    its ARN) is given, else one GetCallerIdentity call now; every other call on first use.

    `logger` is the entry point's structured logger (powertools `Logger`): the audit records
    go through it; `correlate` sets its correlation keys per input.
    """
    env = os.environ if environ is None else environ
    counter = ApiCallCounter()
    settings = AwsSettings.from_options(environ=env)
    factory = ClientFactory(settings, counter=counter, environ=env)
    caller = account_id or _caller_account(factory)
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
    return HandlerWiring(app, metrics, logger, counter, wiring_environment(env), caller)


def _caller_account(factory: ClientFactory) -> str:
    with translating("GetCallerIdentity"):
        account: str = factory.sts().get_caller_identity()["Account"]
    return account
