"""The `ConfigManager`: runtime parameters and the policy, validated once and cached.

Sources, lowest precedence first:
1. defaults (docs/configuration.md);
2. SSM Parameter Store: every parameter under one path (default `/sgcompliance`), read
   recursively and decrypted (the ExternalId is a SecureString);
3. environment variables, for local use: `SGC_<PARAMETER>` for each parameter, i.e.
   SGC_MODE, SGC_DRY_RUN, SGC_ACCOUNTS, SGC_REGIONS, SGC_ROLE_NAME, SGC_EXTERNAL_ID, SGC_POLICY,
   SGC_SNS_TOPIC_ARN, SGC_MAX_REVOKES, SGC_LOCKDOWN_SEVERITY, SGC_AUDIT_BUCKET, SGC_AUDIT_PREFIX,
   SGC_BACKUP_BUCKET, SGC_BACKUP_PREFIX, SGC_BACKUP_KMS_KEY_ID, SGC_OWN_ROLE_ARNS and
   SGC_MODE_OVERRIDES. An empty variable counts as unset.
The manager itself reads SGC_PARAMETER_PATH (the SSM path), SGC_CONFIG_TTL (seconds) and
SGC_MAX_EVENT_AGE (seconds a change event may be old and still acted on; `none`: no limit).

The policy is `s3://BUCKET/KEY` (fetched with the cached ETag as If-None-Match: an unchanged
object is neither downloaded nor parsed again), `builtin:NAME`, or a file path. The parameters
name it, so they are read first; while the policy loads, `get(meanwhile=...)` hands what the
parameters say of the members (`MemberReach`) to `meanwhile` in a thread of its own (the event
path fetches the member role's credentials then), and returns once both are done. `meanwhile`
is called only when the configuration is loaded and its parameters are valid (the policy may
still be refused); what it raises is logged, never lost in the thread and never in the way of
the configuration.

Any invalid value raises `ConfigError` naming the parameter (its full SSM name or its
environment variable) and what is wrong; nothing is cached then, so the next call retries.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from sgcompliance.config import parameters as params
from sgcompliance.config.mode_overrides import AccountPlacement
from sgcompliance.config.parameters import Parameter, Parameters
from sgcompliance.config.runtime import ORGANIZATION, MemberReach, RuntimeConfig, max_event_age
from sgcompliance.engine.policy import Policy
from sgcompliance.errors import (
    AccessDeniedError,
    ConfigError,
    InputError,
    NotFoundError,
    PolicyError,
)
from sgcompliance.remediation.plan import Mode

__all__ = [
    "AccountDirectory",
    "AccountPlacement",
    "ConfigManager",
    "Meanwhile",
    "ParameterSource",
    "PolicySource",
    "PolicySourceFactory",
]

DEFAULT_TTL = 60.0
DEFAULT_DIRECTORY_TTL = 300.0
PATH_ENV = "SGC_PARAMETER_PATH"
TTL_ENV = "SGC_CONFIG_TTL"
_S3 = "s3://"

Clock = Callable[[], float]
# Called with the parameters' `MemberReach` while the policy object loads (see `get`).
Meanwhile = Callable[[MemberReach], None]

log = logging.getLogger(__name__)


class ParameterSource(Protocol):
    def get_by_path(self, path: str) -> dict[str, str]:
        """Every parameter under `path`, recursively and decrypted: full name -> value."""
        ...


class PolicySource(Protocol):
    def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:
        """(document text, ETag); the text is None when the object still has `if_none_match`."""
        ...


# Builds the source for one S3 object: (bucket, key) -> source.
PolicySourceFactory = Callable[[str, str], PolicySource]


class AccountDirectory(Protocol):
    def placement(self, account_id: str) -> AccountPlacement:
        """The account's OUs (nearest first, root last) and tags."""
        ...


@dataclass(frozen=True, slots=True)
class _LoadedPolicy:
    ref: str
    etag: str | None
    policy: Policy


class ConfigManager:
    """Loads the `RuntimeConfig`, re-validating at most once per TTL (warm Lambda invocations).

    `local` (the endpoint is this machine) allows cross-account runs without an ExternalId;
    `home_account` (the account the tool runs in) tells cross-account runs apart.
    """

    def __init__(
        self,
        parameters: ParameterSource | None,
        policy_sources: PolicySourceFactory | None = None,
        directory: AccountDirectory | None = None,
        *,
        path: str | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        ttl: float | None = None,
        directory_ttl: float = DEFAULT_DIRECTORY_TTL,
        local: bool = False,
        home_account: str | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._parameters = parameters
        self._policy_sources = policy_sources
        self._directory = directory
        self.path = params.normalize_path(
            path or self._environ.get(PATH_ENV) or params.DEFAULT_PATH
        )
        self.ttl = ttl if ttl is not None else _ttl(self._environ)
        self._directory_ttl = directory_ttl
        self._clock = clock
        self._local = local
        self._home_account = home_account
        self._lock = threading.Lock()
        self._config: RuntimeConfig | None = None
        self._loaded_at = 0.0
        self._policy: _LoadedPolicy | None = None
        self._reader_started = False
        self._placements: dict[str, tuple[float, AccountPlacement]] = {}

    def get(self, meanwhile: Meanwhile | None = None) -> RuntimeConfig:
        """The configuration, from the cache while it is younger than the TTL. When it is
        loaded, `meanwhile` (if given) runs with the parameters' `MemberReach` while the policy
        object is read (see the module documentation)."""
        with self._lock:
            now = self._clock()
            if self._config is not None and now - self._loaded_at < self.ttl:
                return self._config
            fresh = self._load(meanwhile)
            # An unchanged configuration keeps its identity across reloads.
            if fresh != self._config:
                self._config = fresh
            self._loaded_at = now
            return self._config

    def invalidate(self) -> None:
        """Reload on the next `get` (the policy is still fetched conditionally on its ETag)."""
        with self._lock:
            self._config = None
            self._placements.clear()

    def mode_for_account(self, account_id: str) -> Mode:
        """The mode for one account; asks the directory only when OU or tag overrides exist."""
        config = self.get()
        if not config.mode_overrides.needs_placement:
            return config.mode_for(account_id, (), {})
        placement = self._placement(account_id)
        return config.mode_for(account_id, placement.ous, placement.tags)

    def account_tags(self, account_id: str) -> Mapping[str, str]:
        """An account's tags from the organization (cached like its placement), for alert
        routing; none without a directory. SgcError when Organizations cannot be read."""
        if self._directory is None:
            return {}
        return self._placement(account_id).tags

    def _placement(self, account_id: str) -> AccountPlacement:
        if self._directory is None:
            raise ConfigError(
                f"{params.described(self.path, Parameter.MODE_OVERRIDES)}: OU or tag overrides "
                "need the organization's account directory, which this run does not have",
                hint="use account overrides only, or run where Organizations can be read",
            )
        now = self._clock()
        with self._lock:
            cached = self._placements.get(account_id)
        if cached is not None and now - cached[0] < self._directory_ttl:
            return cached[1]
        placement = self._directory.placement(account_id)
        with self._lock:
            self._placements[account_id] = (now, placement)
        return placement

    def _load(self, meanwhile: Meanwhile | None = None) -> RuntimeConfig:
        if self._policy is None and not self._reader_started:
            # The first load's reads (parameters, the policy's text) wait on the network; the
            # policy reader is built meanwhile instead of after them.
            self._reader_started = True
            threading.Thread(target=_prepare_reader, name="sgc-policy-reader", daemon=True).start()
        stored = self._parameters.get_by_path(self.path) if self._parameters is not None else {}
        parsed = params.parse(params.collect(stored, self.path, self._environ), self.path)
        self._check_external_id(parsed)
        self._check_backup_store(parsed)
        oldest = max_event_age(self._environ)
        helper = None
        if meanwhile is not None:
            helper = threading.Thread(
                target=_quietly, args=(meanwhile, _reach(parsed, oldest)), name="sgc-meanwhile"
            )
            helper.start()
        try:
            loaded = self._load_policy(parsed[Parameter.POLICY], parsed.origins[Parameter.POLICY])
        finally:
            if helper is not None:
                helper.join()
        config = replace(
            _build(parsed, loaded), max_event_age=oldest, hub_account=self._home_account
        )
        self._policy = loaded
        return config

    def _check_external_id(self, parsed: Parameters) -> None:
        if parsed[Parameter.EXTERNAL_ID] is not None or self._local:
            return
        accounts = parsed[Parameter.ACCOUNTS]
        home = self._home_account
        if accounts == ORGANIZATION or home is None or any(a != home for a in accounts):
            raise ConfigError(
                f"{params.described(self.path, Parameter.EXTERNAL_ID)} is missing: member "
                "roles in other accounts are only assumed with an ExternalId",
                hint="store it as a SecureString parameter (the Terraform hub module does)",
            )

    def _check_backup_store(self, parsed: Parameters) -> None:
        if parsed[Parameter.DRY_RUN] or parsed[Parameter.BACKUP_BUCKET] is not None:
            return
        modes = {parsed[Parameter.MODE], *parsed[Parameter.MODE_OVERRIDES].modes()}
        destructive = sorted(m for m in modes if m is not Mode.FLAG_ONLY)
        if destructive:
            raise ConfigError(
                f"{params.described(self.path, Parameter.BACKUP_BUCKET)} is missing: mode "
                f"{destructive[0]} revokes rules, and nothing is revoked without a stored backup",
                hint="set the backup bucket, or use flag_only / dry_run",
            )

    def _load_policy(self, ref: str, origin: str) -> _LoadedPolicy:
        if ref.startswith(_S3):
            return self._s3_policy(ref, origin)
        # Imported when first needed: the loader (JSON Schema, YAML) weighs on cold starts.
        from sgcompliance.policy.loader import load_policy  # noqa: PLC0415 - lazy: JSON Schema and YAML weigh on a cold start

        try:
            return _LoadedPolicy(ref, None, load_policy(ref))
        except (PolicyError, InputError) as exc:
            raise ConfigError(f"{origin}: the policy {ref} is invalid: {exc}") from exc

    def _s3_policy(self, ref: str, origin: str) -> _LoadedPolicy:
        if self._policy_sources is None:
            raise ConfigError(f"{origin}: {ref} needs S3 access, which this run does not have")
        bucket, key = ref.removeprefix(_S3).split("/", 1)
        known = self._policy if self._policy is not None and self._policy.ref == ref else None
        try:
            text, etag = self._policy_sources(bucket, key).fetch(known.etag if known else None)
        except (NotFoundError, AccessDeniedError, InputError) as exc:
            raise ConfigError(f"{origin}: cannot read the policy {ref}: {exc}") from exc
        if text is None and known is not None:
            return known
        if text is None:
            raise ConfigError(f"{origin}: {ref} returned no document")
        return _LoadedPolicy(ref, etag, _parse_policy_text(text, key, ref, origin))


def _parse_policy_text(text: str, key: str, ref: str, origin: str) -> Policy:
    from sgcompliance.policy.loader import parse_policy  # noqa: PLC0415 - lazy: JSON Schema and YAML weigh on a cold start
    from sgcompliance.sources.documents import POLICY_LIMITS, parse_json, parse_yaml  # noqa: PLC0415 - lazy: JSON Schema and YAML weigh on a cold start

    try:
        # Within the limits of a policy file (size, nesting, keys and values; no YAML aliases).
        yaml = key.lower().endswith((".yaml", ".yml"))
        parse = parse_yaml if yaml else parse_json
        doc = parse(text, ref, POLICY_LIMITS)
        return parse_policy(doc, ref)
    except (PolicyError, InputError) as exc:
        raise ConfigError(f"{origin}: the policy {ref} is invalid: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{origin}: the policy {ref} is nested too deeply") from exc
    except (TypeError, ValueError) as exc:
        # The object's text is whatever its writers put there: a YAML mapping used as a key
        # is unhashable, for one. Refused like any invalid policy, never a crash.
        message = f"{origin}: the policy {ref} cannot be read as data: {type(exc).__name__}"
        raise ConfigError(message) from exc


def _prepare_reader() -> None:
    try:
        from sgcompliance.policy.loader import prepare  # noqa: PLC0415 - lazy: JSON Schema and YAML weigh on a cold start

        prepare()
    except Exception:  # a thread's top: the policy's own read builds it again and meets it
        log.warning("preparing the policy reader ahead failed", exc_info=True)


def _quietly(meanwhile: Meanwhile, reach: MemberReach) -> None:
    """`meanwhile` in its thread: a failure is logged; the configuration loads all the same,
    and whatever `meanwhile` prepared is done again, and its failure met, where it is used."""
    try:
        meanwhile(reach)
    except Exception:  # a thread's top: nothing above it would see the failure
        log.warning("preparing the members while the policy loaded failed", exc_info=True)


def _own_role_arns(parsed: Parameters) -> frozenset[str]:
    # The member role is always the remediator's own; configured ARNs add to it.
    role_name = parsed[Parameter.ROLE_NAME]
    return frozenset({f"arn:*:iam::*:role/{role_name}", *parsed[Parameter.OWN_ROLE_ARNS]})


def _reach(parsed: Parameters, oldest: timedelta | None) -> MemberReach:
    return MemberReach(
        accounts=parsed[Parameter.ACCOUNTS],
        regions=parsed[Parameter.REGIONS],
        role_name=parsed[Parameter.ROLE_NAME],
        external_id=parsed[Parameter.EXTERNAL_ID],
        own_role_arns=_own_role_arns(parsed),
        max_event_age=oldest,
    )


def _build(parsed: Parameters, loaded: _LoadedPolicy) -> RuntimeConfig:
    return RuntimeConfig(
        mode=parsed[Parameter.MODE],
        dry_run=parsed[Parameter.DRY_RUN],
        accounts=parsed[Parameter.ACCOUNTS],
        regions=parsed[Parameter.REGIONS],
        role_name=parsed[Parameter.ROLE_NAME],
        policy=loaded.policy,
        policy_ref=loaded.ref,
        policy_etag=loaded.etag,
        external_id=parsed[Parameter.EXTERNAL_ID],
        sns_topic_arn=parsed[Parameter.SNS_TOPIC_ARN],
        max_revokes=parsed[Parameter.MAX_REVOKES],
        lockdown_severity=parsed[Parameter.LOCKDOWN_SEVERITY],
        audit_bucket=parsed[Parameter.AUDIT_BUCKET],
        audit_prefix=parsed[Parameter.AUDIT_PREFIX],
        backup_bucket=parsed[Parameter.BACKUP_BUCKET],
        backup_prefix=parsed[Parameter.BACKUP_PREFIX],
        backup_kms_key_id=parsed[Parameter.BACKUP_KMS_KEY_ID],
        own_role_arns=_own_role_arns(parsed),
        mode_overrides=parsed[Parameter.MODE_OVERRIDES],
        owner_routing=parsed[Parameter.ALERT_OWNER_TAGS],
    )


def _ttl(environ: Mapping[str, str]) -> float:
    text = environ.get(TTL_ENV, "")
    if not text:
        return DEFAULT_TTL
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise ConfigError(f"{TTL_ENV} (environment): {text!r} is not 0-86400 seconds")
    return value
