"""The Lambda handler's adapters: member accounts, buckets, topic and queue a configuration names.

They reuse the CLI's composition (`bootstrap.Runtime`: the same factory, role assumption,
region reads and gateways), with everything chosen by `ConfigManager` instead of options.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sgcompliance.adapters.aws import accounts as account_source
from sgcompliance.adapters.aws import ec2 as ec2_reads
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.directory import OrganizationsDirectory
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.aws.parameters import SsmParameterSource
from sgcompliance.adapters.aws.s3_audit import S3AuditSink
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.adapters.aws.sns import SnsNotifier
from sgcompliance.adapters.aws.sqs import SqsQueue
from sgcompliance.adapters.local_backups import NoBackupStore
from sgcompliance.config.manager import PATH_ENV, AccountPlacement
from sgcompliance.config.parameters import DEFAULT_PATH, Parameter, full_name, normalize_path
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.entrypoints.bootstrap import Runtime
from sgcompliance.errors import ConfigError, NotFoundError, SgcError
from sgcompliance.records.audit_log import AuditSink
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.sources.snapshot import read_snapshot

WORK_QUEUE_ENV = "SGC_WORK_QUEUE_URL"
# The member role session: `sgcompliance-handler`, which `is_own_change` recognises.
HANDLER_PURPOSE = "handler"
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}(\.fifo)?")


class MemberAccess:
    """The pipeline's `MemberGroups`: member accounts through the member role."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def group(self, account_id: str, region: str, group_id: str) -> RegionSnapshot:
        ec2 = self.runtime.clients.ec2(account_id, region)
        document = ec2_reads.read_group(ec2, account_id, region, group_id)
        if not document["SecurityGroups"]:
            raise NotFoundError(f"{group_id} not found in {account_id}/{region}")
        return read_snapshot(document, source=f"{account_id}/{region}/{group_id}")

    def group_ids_named(self, account_id: str, region: str, names: Sequence[str]) -> list[str]:
        ec2 = self.runtime.clients.ec2(account_id, region)
        with translating("DescribeSecurityGroups", scope=f"{account_id}/{region}"):
            found = ec2.describe_security_groups(GroupNames=list(names)).get("SecurityGroups", [])
        return [g["GroupId"] for g in found if "GroupId" in g]

    def region(self, account_id: str, region: str) -> RegionSnapshot:
        return self.runtime.read(Scope(account_id, region))

    def gateway(self, account_id: str, region: str) -> Ec2GroupGateway:
        return self.runtime.gateway(account_id, region)


class HandlerAdapters:
    """The pipeline's `Adapters` (and its `Estate`); what a configuration names is built once
    and kept while it names the same (credentials and the versioning check stay warm)."""

    def __init__(self, factory: ClientFactory, caller: str, environ: Mapping[str, str]) -> None:
        self.factory = factory
        self.caller = caller
        self.environ = environ
        self._members: dict[tuple[str, str | None], MemberAccess] = {}
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
        key = (config.role_name, config.external_id)
        if key not in self._members:
            role = RoleSettings(role_name=key[0], external_id=key[1], purpose=HANDLER_PURPOSE)
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
        return topic if _TOPIC_ARN.fullmatch(topic) else None


def topic_region(topic_arn: str) -> str | None:
    """The region an SNS topic ARN names (None for anything that is not one)."""
    match = _TOPIC_ARN.fullmatch(topic_arn)
    return match.group(1) if match else None


class LazyDirectory:
    """Organizations is read only when OU or tag mode overrides exist."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory
        self._directory: OrganizationsDirectory | None = None

    def placement(self, account_id: str) -> AccountPlacement:
        if self._directory is None:
            self._directory = OrganizationsDirectory(self.factory.organizations())
        return self._directory.placement(account_id)
