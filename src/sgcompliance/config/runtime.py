"""The validated runtime configuration: one frozen value per load, produced by `ConfigManager`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Literal

from sgcompliance.config.mode_overrides import ModeOverrides
from sgcompliance.engine.policy import Policy, Severity
from sgcompliance.errors import ConfigError
from sgcompliance.records.owner_routing import OwnerRouting
from sgcompliance.remediation.plan import Mode

ORGANIZATION: Final = "organization"
Accounts = tuple[str, ...] | Literal["organization"]
# CloudTrail delivers within minutes and Lambda retries asynchronous events for 6 hours at
# most; an older change event is a replay (an archive replayed, a dead-letter queue re-driven),
# and the scheduled sweep is what judges old state.
DEFAULT_MAX_EVENT_AGE = timedelta(hours=24)
MAX_EVENT_AGE_ENV = "SGC_MAX_EVENT_AGE"
# A month: a longer window would accept replays of anything an archive still holds.
_MAX_EVENT_AGE_LIMIT = 30 * 86_400


@dataclass(frozen=True, slots=True)
class MemberReach:
    """What the runtime parameters alone tell of the member accounts: where the tool acts, as
    which role, and which changes are its own. Known before the policy object is read, so that
    a member's credentials can be fetched meanwhile (`ConfigManager.get`'s `meanwhile`)."""

    accounts: Accounts
    regions: tuple[str, ...]
    role_name: str
    external_id: str | None = field(default=None, repr=False)
    own_role_arns: frozenset[str] = frozenset()
    max_event_age: timedelta | None = DEFAULT_MAX_EVENT_AGE

    @property
    def account_scope(self) -> frozenset[str] | None:
        """The accounts events may come from; None for the whole organization."""
        return None if self.accounts == ORGANIZATION else frozenset(self.accounts)

    @property
    def region_scope(self) -> frozenset[str] | None:
        """The regions events may come from; None for every region."""
        return frozenset(self.regions) if self.regions else None


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    mode: Mode
    dry_run: bool
    accounts: Accounts
    # Empty: every region enabled in each account.
    regions: tuple[str, ...]
    role_name: str
    policy: Policy
    # Where the policy came from (s3://bucket/key, builtin:NAME or a path) and its S3 ETag.
    policy_ref: str
    policy_etag: str | None = None
    external_id: str | None = field(default=None, repr=False)
    sns_topic_arn: str | None = None
    max_revokes: int | None = None
    lockdown_severity: Severity = Severity.CRITICAL
    audit_bucket: str | None = None
    audit_prefix: str = "audit/"
    backup_bucket: str | None = None
    backup_prefix: str = "backups/"
    backup_kms_key_id: str | None = None
    # CLI runs only: backups in this local directory instead of a bucket.
    backup_dir: str | None = None
    # The remediator's own roles (patterns: `*` for partition or account): see `is_own_change`.
    own_role_arns: frozenset[str] = frozenset()
    mode_overrides: ModeOverrides = field(default_factory=ModeOverrides)
    # Change events older than this are not acted on; None: no limit.
    max_event_age: timedelta | None = DEFAULT_MAX_EVENT_AGE
    # The account the tool itself runs in (the hub): never locked down, see `mode_for`.
    hub_account: str | None = None
    # Which group and account tags route alerts to their owners (`alert_owner_tags`).
    owner_routing: OwnerRouting = field(default_factory=OwnerRouting)

    @property
    def account_scope(self) -> frozenset[str] | None:
        """The accounts events may come from; None for the whole organization."""
        return None if self.accounts == ORGANIZATION else frozenset(self.accounts)

    @property
    def region_scope(self) -> frozenset[str] | None:
        """The regions events may come from; None for every region."""
        return frozenset(self.regions) if self.regions else None

    def mode_for(
        self, account_id: str, account_ous: tuple[str, ...], account_tags: Mapping[str, str]
    ) -> Mode:
        """The mode for one account. `account_ous`: its OU chain, nearest first (then root).

        The hub's own account is never locked down: a lockdown of its groups could cut the
        remediator off from AWS (and from the rollback). Its violating rules are still removed.
        """
        return self.spare_hub(
            account_id, self._configured_mode(account_id, account_ous, account_tags)
        )

    def spare_hub(self, account_id: str, mode: Mode) -> Mode:
        """`mode`, except that the hub's own account is never locked down (an operator's or a
        work item's explicit mode included)."""
        if mode is Mode.EMERGENCY and account_id == self.hub_account:
            return Mode.REMOVE
        return mode

    def _configured_mode(
        self, account_id: str, account_ous: tuple[str, ...], account_tags: Mapping[str, str]
    ) -> Mode:
        overrides = self.mode_overrides
        if account_id in overrides.accounts:
            return overrides.accounts[account_id]
        for rule in overrides.tags:
            if account_tags.get(rule.key) == rule.value:
                return rule.mode
        for ou in account_ous:
            if ou in overrides.ous:
                return overrides.ous[ou]
        return self.mode

    def to_log(self) -> dict[str, Any]:
        """A log-safe summary: the ExternalId is never included, only whether one is set."""
        return {
            "mode": str(self.mode),
            "dry_run": self.dry_run,
            "accounts": self.accounts if isinstance(self.accounts, str) else list(self.accounts),
            "regions": list(self.regions),
            "role_name": self.role_name,
            "external_id_set": self.external_id is not None,
            "policy": {"ref": self.policy_ref, "id": self.policy.id, "digest": self.policy.digest},
            "sns_topic_arn": self.sns_topic_arn,
            "max_revokes": self.max_revokes,
            "lockdown_severity": str(self.lockdown_severity),
            "audit": {"bucket": self.audit_bucket, "prefix": self.audit_prefix},
            "backup": {"bucket": self.backup_bucket, "prefix": self.backup_prefix},
            "own_role_arns": sorted(self.own_role_arns),
            "mode_overrides": self.mode_overrides.to_document(),
            "hub_account": self.hub_account,
            "alert_owner_tags": self.owner_routing.describe(),
            "max_event_age_seconds": (
                None if self.max_event_age is None else self.max_event_age.total_seconds()
            ),
        }


def max_event_age(environ: Mapping[str, str]) -> timedelta | None:
    """SGC_MAX_EVENT_AGE: seconds (60 to a month), `none` for no limit; unset: a day."""
    text = environ.get(MAX_EVENT_AGE_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_EVENT_AGE
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 60 <= value <= _MAX_EVENT_AGE_LIMIT:
        raise ConfigError(
            f"{MAX_EVENT_AGE_ENV} (environment): {text!r} is not 60-{_MAX_EVENT_AGE_LIMIT} "
            "seconds or `none`",
            hint="older change events are ignored as replays; the scheduled sweep covers them",
        )
    return timedelta(seconds=value)
