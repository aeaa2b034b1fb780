"""What the event-driven use cases share: their ports, and the services one configuration
implies (scanner, backup store, audit trail, alerts, member access), rebuilt only when the
configuration changes.

`ConfigManager` keeps an unchanged configuration as the same object across reloads, so the
services are cached by the identity of the configuration they were built from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from sgcompliance.clock import utc_now, utc_today
from sgcompliance.config.manager import ConfigManager
from sgcompliance.config.runtime import MemberReach, RuntimeConfig
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import (
    AwsApiError,
    AwsUnavailableError,
    ConfigError,
    SgcError,
    ThrottledError,
)
from sgcompliance.records.audit_log import AuditSink, AuditTrail, LogAuditSink
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.records.notifier import AlertPublisher, Notifier
from sgcompliance.records.undo import rollback_options
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.remediation.remediator import RemediationSettings, SecurityGroupRemediator

# AWS error codes that say "try again later" (server side or capacity), besides throttling.
# InconsistentRead (SGC505) is a group read while it changed: the next delivery reads it anew.
TRANSIENT_CODES = frozenset(
    {
        "InconsistentRead",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "Unavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "EndpointUnavailable",
    }
)


class ConfigSource(Protocol):
    """What `ConfigManager` offers the use cases."""

    def get(self) -> RuntimeConfig: ...

    def mode_for_account(self, account_id: str) -> Mode: ...


@runtime_checkable
class AccountTagSource(Protocol):
    """A configuration source that can also tell an account's tags (`ConfigManager`, through
    the organization's directory): alerts route by them when a group has no owner tag."""

    def account_tags(self, account_id: str) -> Mapping[str, str]: ...


@runtime_checkable
class MemberWarmup(Protocol):
    """Adapters that can make a member account ready ahead of its first use (`HandlerAdapters`:
    the member role's credentials and the EC2 client of one account x region)."""

    def warm_member(self, reach: MemberReach, account_id: str, region: str) -> None:
        """Ready the account x region; a failure is left for the first use to meet."""
        ...


class MemberGroups(Protocol):
    """Security groups of member accounts, read and changed through the member role."""

    def group(self, account_id: str, region: str, group_id: str) -> RegionSnapshot:
        """One group, its rules and the prefix lists they use; NotFoundError when it is gone."""
        ...

    def group_ids_named(self, account_id: str, region: str, names: Sequence[str]) -> list[str]:
        """The ids of default-VPC groups that a call named by name only."""
        ...

    def groups_of_rules(
        self, account_id: str, region: str, rule_ids: Sequence[str]
    ) -> dict[str, str]:
        """Rule id -> the id of its group, for the rules that still exist."""
        ...

    def region(
        self, account_id: str, region: str, judged_by: ComplianceScanner | None = None
    ) -> RegionSnapshot:
        """Every group of one account x region. With `judged_by`, for judging with that
        scanner's policy alone: the same findings, and rule ids, rule tags and attachment only
        where a group has one (`adapters.aws.judged_read`)."""
        ...

    def gateway(self, account_id: str, region: str) -> GroupGateway: ...


class Estate(Protocol):
    """What the organization consists of, for sweeps over `organization` or all regions."""

    def organization_accounts(self) -> tuple[str, ...]: ...

    def enabled_regions(self) -> tuple[str, ...]: ...


class WorkQueue(Protocol):
    def send(self, messages: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Send (message id, body) pairs; returns message id -> why, for those not accepted."""
        ...


class Adapters(Protocol):
    """Builds the outside-world pieces a configuration names (buckets, topic, member role)."""

    def backups(self, config: RuntimeConfig) -> BackupStore: ...

    def audit_sinks(self, config: RuntimeConfig) -> list[AuditSink]:
        """The sinks besides the log (e.g. the S3 audit bucket)."""
        ...

    def notifier(self, topic_arn: str) -> Notifier: ...

    def members(self, config: RuntimeConfig) -> MemberGroups: ...

    def estate(self) -> Estate: ...

    def work_queue(self) -> WorkQueue:
        """The sweep's work queue; ConfigError naming the setting when there is none."""
        ...

    def fallback_topic(self) -> str | None:
        """The alert topic when the configuration cannot be loaded, if it can still be known."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    config: RuntimeConfig
    scanner: ComplianceScanner
    backups: BackupStore
    audit: AuditTrail
    alerts: AlertPublisher | None
    members: MemberGroups

    @property
    def rollback_options(self) -> str:
        """What `sgc rollback` needs besides the backup id to find the backup."""
        config = self.config
        return rollback_options(config.backup_dir, config.backup_bucket, config.backup_prefix)


class Pipeline:
    """The configuration, the services built from it, metrics and clocks: one per process."""

    def __init__(
        self,
        configs: ConfigSource,
        adapters: Adapters,
        metrics: MetricsManager,
        *,
        audit_log: AuditSink | None = None,
        clock: Callable[[], datetime] = utc_now,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self.configs = configs
        self.adapters = adapters
        self.metrics = metrics
        self.audit_log: AuditSink = audit_log or LogAuditSink()
        self.clock = clock
        self.today = today
        self._lock = threading.Lock()
        self._services: Services | None = None

    def services(self, meanwhile: Callable[[MemberReach], None] | None = None) -> Services:
        """The services for the current configuration; ConfigError when it is invalid.

        `meanwhile`: when the configuration is loaded by a `ConfigManager`, called with what
        its parameters say of the members while its policy object is read (`warm_member`)."""
        if meanwhile is not None and isinstance(self.configs, ConfigManager):
            config = self.configs.get(meanwhile)
        else:
            config = self.configs.get()
        with self._lock:
            if self._services is None or self._services.config is not config:
                self._services = self._build(config)
            return self._services

    def mode_for(self, account_id: str) -> Mode:
        return self.configs.mode_for_account(account_id)

    def warm_member(self, reach: MemberReach, account_id: str, region: str) -> None:
        """Ready one member account x region ahead of its first use, where the adapters can."""
        if isinstance(self.adapters, MemberWarmup):
            self.adapters.warm_member(reach, account_id, region)

    def alert_topic(self) -> str | None:
        """The topic of the last valid configuration, else whatever the adapters can find."""
        with self._lock:
            known = self._services.config.sns_topic_arn if self._services else None
        return known or self.adapters.fallback_topic()

    def remediator(
        self,
        services: Services,
        mode: Mode,
        *,
        dry_run: bool | None = None,
        defer_outcome_tags: bool = False,
        changes_come_as_events: bool = False,
    ) -> SecurityGroupRemediator:
        config = services.config
        settings = RemediationSettings(
            mode=mode,
            dry_run=config.dry_run if dry_run is None else dry_run,
            max_revokes=config.max_revokes,
            lockdown_severity=config.lockdown_severity,
            defer_outcome_tags=defer_outcome_tags,
            changes_come_as_events=changes_come_as_events,
        )
        return SecurityGroupRemediator(services.scanner, services.backups, self.clock, settings)

    def _build(self, config: RuntimeConfig) -> Services:
        notifier = self.adapters.notifier(config.sns_topic_arn) if config.sns_topic_arn else None
        tags = self.configs.account_tags if isinstance(self.configs, AccountTagSource) else None
        alerts = (
            AlertPublisher(notifier, self.metrics, routing=config.owner_routing, account_tags=tags)
            if notifier is not None
            else None
        )
        return Services(
            config=config,
            scanner=ComplianceScanner(config.policy, today=self.today),
            backups=self.adapters.backups(config),
            audit=AuditTrail([self.audit_log, *self.adapters.audit_sinks(config)]),
            alerts=alerts,
            members=self.adapters.members(config),
        )


def is_transient(exc: BaseException) -> bool:
    """True when trying again later may succeed (throttling, an endpoint or service outage),
    looking through errors that wrap another (a BackupError raised from an S3 failure)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if isinstance(current, ThrottledError | AwsUnavailableError):
            return True
        if isinstance(current, AwsApiError) and current.aws_code in TRANSIENT_CODES:
            return True
        if isinstance(current, ConfigError):
            return False
        current = current.__cause__
        seen += 1
    return False


def error_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, SgcError) else "SGC999"
