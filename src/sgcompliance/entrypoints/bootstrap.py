"""The composition root: builds AWS clients, scopes, readers, gateways and stores from options.

Every live command and the Lambda handler get their wiring here, so the same code runs against
AWS and against the local moto server (`--endpoint-url` / `AWS_ENDPOINT_URL`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sgcompliance.app.fleet import Scope
from sgcompliance.app.local_backups import LocalBackupStore, NoBackupStore
from sgcompliance.app.ports import BackupStore
from sgcompliance.aws import accounts as account_source
from sgcompliance.aws import ec2 as ec2_reads
from sgcompliance.aws.api_calls import ApiCallCounter
from sgcompliance.aws.assume import (
    DEFAULT_ROLE_NAME,
    AccountClients,
    RoleAssumer,
    RoleSettings,
)
from sgcompliance.aws.errors import translating
from sgcompliance.aws.gateway import Ec2GroupGateway
from sgcompliance.aws.s3_backups import S3BackupStore
from sgcompliance.aws.session import AwsSettings, ClientFactory
from sgcompliance.core.errors import ConfigError
from sgcompliance.core.model import RegionSnapshot
from sgcompliance.core.snapshot import read_snapshot


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
