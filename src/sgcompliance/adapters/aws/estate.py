"""An AWS estate as the code reaches it: a client factory, the member accounts behind their role,
the regions, and what is read and written there (region snapshots, single groups, gateways,
backup stores). The composition root (`entrypoints/bootstrap.py`) builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sgcompliance.adapters.aws import accounts as account_source
from sgcompliance.adapters.aws import ec2 as ec2_reads
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import AccountClients
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway, by_content
from sgcompliance.adapters.aws.judged_read import read_judged
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.adapters.local_backups import LocalBackupStore, NoBackupStore
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import ConfigError, NotFoundError
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.sources.snapshot import read_snapshot


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

    def groups_by_content(self, scope: Scope) -> tuple[SecurityGroup, ...]:
        """The account-region's groups as `DescribeSecurityGroups` alone gives them (one call a
        page): names, tags and every rule's content, without rule ids, rule tags or attachment.
        What restoring rules needs to know of a group first: which of them it holds again."""
        ec2 = self.clients.ec2(scope.account_id, scope.region)
        where = str(scope)
        groups = ec2_reads.collect(ec2, "describe_security_groups", "SecurityGroups", scope=where)
        return by_content(scope.account_id, scope.region, groups, where)

    def reader_for(self, scanner: ComplianceScanner) -> Callable[[Scope], RegionSnapshot]:
        """A reader of account-regions for a scan with `scanner`'s policy: the same findings as
        `read`, with rule rows and attachment read only for the groups that have one
        (`judged_read`)."""

        def read(scope: Scope) -> RegionSnapshot:
            ec2 = self.clients.ec2(scope.account_id, scope.region)
            return read_judged(ec2, scope.account_id, scope.region, scanner)

        return read

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


class MemberAccess:
    """The event use cases' `MemberGroups`: member accounts through the member role."""

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

    def groups_of_rules(
        self, account_id: str, region: str, rule_ids: Sequence[str]
    ) -> dict[str, str]:
        ec2 = self.runtime.clients.ec2(account_id, region)
        return ec2_reads.groups_of_rules(ec2, account_id, region, rule_ids)

    def region(
        self, account_id: str, region: str, judged_by: ComplianceScanner | None = None
    ) -> RegionSnapshot:
        scope = Scope(account_id, region)
        if judged_by is None:
            return self.runtime.read(scope)
        return self.runtime.reader_for(judged_by)(scope)

    def gateway(self, account_id: str, region: str) -> Ec2GroupGateway:
        return self.runtime.gateway(account_id, region)
