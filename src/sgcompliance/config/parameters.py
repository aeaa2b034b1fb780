"""The runtime parameters: names, defaults and parsing with errors that name the parameter.

Each parameter `NAME` is read from SSM Parameter Store as `<path>/NAME` and may be overridden
by the environment variable `SGC_<NAME in upper case>` (an empty variable counts as unset).
docs/configuration.md lists every parameter with its type, default and an example.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sgcompliance.config.mode_overrides import ModeOverrides, parse_mode_overrides
from sgcompliance.config.owner_tags import parse_owner_tags
from sgcompliance.config.runtime import ORGANIZATION, Accounts
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import ConfigError
from sgcompliance.records.owner_routing import OwnerRouting
from sgcompliance.remediation.plan import Mode

DEFAULT_PATH = "/sgcompliance"
ENV_PREFIX = "SGC_"
DEFAULT_ROLE_NAME = "sgcompliance-member"
DEFAULT_POLICY = "builtin:strict"
DEFAULT_MAX_REVOKES = 25

_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX = re.compile(r"[\w!.*'()/-]{0,512}")
_KMS_KEY = re.compile(r"[\w:/+=,.@-]{1,2048}")
_S3_URI = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.{1,1024}")
_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):role/[\w+=,.@/-]{1,512}")


class Parameter(StrEnum):
    MODE = "mode"
    DRY_RUN = "dry_run"
    ACCOUNTS = "accounts"
    REGIONS = "regions"
    ROLE_NAME = "role_name"
    EXTERNAL_ID = "external_id"
    POLICY = "policy"
    SNS_TOPIC_ARN = "sns_topic_arn"
    MAX_REVOKES = "max_revokes"
    LOCKDOWN_SEVERITY = "lockdown_severity"
    AUDIT_BUCKET = "audit_bucket"
    AUDIT_PREFIX = "audit_prefix"
    BACKUP_BUCKET = "backup_bucket"
    BACKUP_PREFIX = "backup_prefix"
    BACKUP_KMS_KEY_ID = "backup_kms_key_id"
    OWN_ROLE_ARNS = "own_role_arns"
    MODE_OVERRIDES = "mode_overrides"
    ALERT_OWNER_TAGS = "alert_owner_tags"

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.value.upper()


@dataclass(frozen=True, slots=True)
class RawValue:
    """A parameter's text and where it came from (an SSM name or an environment variable)."""

    origin: str
    text: str


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every parameter parsed, before the policy is loaded."""

    values: Mapping[Parameter, Any]
    origins: Mapping[Parameter, str]

    def __getitem__(self, parameter: Parameter) -> Any:
        return self.values[parameter]


def normalize_path(path: str) -> str:
    if not path.startswith("/") or "//" in path:
        raise ConfigError(f"parameter path {path!r} must start with '/', e.g. {DEFAULT_PATH}")
    return path.rstrip("/") or "/"


def full_name(path: str, parameter: Parameter) -> str:
    return f"{path.rstrip('/')}/{parameter}"


def described(path: str, parameter: Parameter) -> str:
    """How to name a parameter in an error when no value was given for it."""
    return f"{full_name(path, parameter)} (or {parameter.env})"


def collect(
    stored: Mapping[str, str], path: str, environ: Mapping[str, str]
) -> dict[Parameter, RawValue]:
    """Stored values under `path`, then the environment on top; unknown names are refused."""
    raw: dict[Parameter, RawValue] = {}
    known = set(Parameter)
    prefix = path.rstrip("/") + "/"
    for name, text in sorted(stored.items()):
        relative = name[len(prefix) :] if name.startswith(prefix) else name
        if relative not in known:
            raise ConfigError(
                f"{name}: unknown parameter under {path}",
                hint=f"known parameters: {', '.join(Parameter)}; remove or rename it",
            )
        raw[Parameter(relative)] = RawValue(name, text)
    _refuse_near_misses(environ)
    for parameter in Parameter:
        text = environ.get(parameter.env, "")
        if text:
            raw[parameter] = RawValue(f"{parameter.env} (environment)", text)
    return raw


def _refuse_near_misses(environ: Mapping[str, str]) -> None:
    # A misspelt SGC_DRY_RUN would silently leave dry run off: refuse close misses.
    names = [p.env for p in Parameter]
    for name in environ:
        if name.startswith(ENV_PREFIX) and name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.85)
            if close:
                raise ConfigError(f"environment variable {name}: unknown; did you mean {close[0]}?")


def parse(raw: Mapping[Parameter, RawValue], path: str) -> Parameters:
    values: dict[Parameter, Any] = {}
    origins: dict[Parameter, str] = {}
    for parameter in Parameter:
        given = raw.get(parameter)
        if given is None:
            values[parameter] = _default(parameter)
            origins[parameter] = described(path, parameter)
            continue
        values[parameter] = _PARSERS[parameter](given.text.strip(), given.origin)
        origins[parameter] = given.origin
    return Parameters(values, origins)


def _default(parameter: Parameter) -> Any:
    defaults: dict[Parameter, Any] = {
        Parameter.MODE: Mode.FLAG_ONLY,
        Parameter.DRY_RUN: False,
        Parameter.ACCOUNTS: ORGANIZATION,
        Parameter.REGIONS: (),
        Parameter.ROLE_NAME: DEFAULT_ROLE_NAME,
        Parameter.POLICY: DEFAULT_POLICY,
        Parameter.MAX_REVOKES: DEFAULT_MAX_REVOKES,
        Parameter.LOCKDOWN_SEVERITY: Severity.CRITICAL,
        Parameter.AUDIT_PREFIX: "audit/",
        Parameter.BACKUP_PREFIX: "backups/",
        Parameter.OWN_ROLE_ARNS: frozenset(),
        Parameter.MODE_OVERRIDES: ModeOverrides(),
        Parameter.ALERT_OWNER_TAGS: OwnerRouting(),
    }
    return defaults.get(parameter)


def _choice(kind: type[Mode] | type[Severity]) -> Callable[[str, str], Any]:
    def parse_choice(text: str, origin: str) -> Any:
        if text in set(kind):
            return kind(text)
        raise ConfigError(f"{origin}: {text!r} is not one of {', '.join(kind)}")

    return parse_choice


def _boolean(text: str, origin: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ConfigError(f"{origin}: {text!r} is not true or false")


def _items(text: str) -> list[str]:
    return list(dict.fromkeys(item for item in re.split(r"[,\s]+", text) if item))


def _accounts(text: str, origin: str) -> Accounts:
    if text.lower() == ORGANIZATION:
        return ORGANIZATION
    ids = _items(text)
    bad = [i for i in ids if not _ACCOUNT_ID.fullmatch(i)]
    if bad or not ids:
        raise ConfigError(
            f"{origin}: {bad[0] if bad else text!r} is not a 12-digit account id",
            hint=f"use {ORGANIZATION!r} or comma-separated 12-digit account ids",
        )
    return tuple(ids)


def _regions(text: str, origin: str) -> tuple[str, ...]:
    if text.lower() == "all":
        return ()
    regions = _items(text)
    bad = [r for r in regions if not _REGION.fullmatch(r)]
    if bad or not regions:
        raise ConfigError(
            f"{origin}: {bad[0] if bad else text!r} is not an AWS region name",
            hint="use 'all' or comma-separated region names, e.g. eu-west-1,us-east-1",
        )
    return tuple(regions)


def _max_revokes(text: str, origin: str) -> int | None:
    if text.lower() == "none":
        return None
    if text.isdigit() and len(text) <= 9:
        return int(text)
    raise ConfigError(f"{origin}: {text!r} is not a whole number >= 0 (or 'none' for no limit)")


def _matching(
    pattern: re.Pattern[str], what: str, *, secret: bool = False
) -> Callable[[str, str], str]:
    def parse_text(text: str, origin: str) -> str:
        if pattern.fullmatch(text):
            return text
        # An invalid secret may still be (close to) the real one: never echo it.
        shown = "the value" if secret else repr(text[:80])
        raise ConfigError(f"{origin}: {shown} is not {what}")

    return parse_text


def _role_arns(text: str, origin: str) -> frozenset[str]:
    arns = _items(text)
    bad = [a for a in arns if not _ROLE_ARN.fullmatch(a)]
    if bad:
        raise ConfigError(
            f"{origin}: {bad[0]!r} is not an IAM role ARN",
            hint="e.g. arn:aws:iam::*:role/sgcompliance-hub ('*' for any partition or account)",
        )
    return frozenset(arns)


def _policy(text: str, origin: str) -> str:
    if text.startswith("s3://") and not _S3_URI.fullmatch(text):
        raise ConfigError(f"{origin}: {text!r} is not s3://BUCKET/KEY")
    return text


_PARSERS: dict[Parameter, Callable[[str, str], Any]] = {
    Parameter.MODE: _choice(Mode),
    Parameter.DRY_RUN: _boolean,
    Parameter.ACCOUNTS: _accounts,
    Parameter.REGIONS: _regions,
    Parameter.ROLE_NAME: _matching(_ROLE_NAME, "an IAM role name"),
    Parameter.EXTERNAL_ID: _matching(
        _EXTERNAL_ID, "2-1224 of letters, digits and +=,.@:/-_", secret=True
    ),
    Parameter.POLICY: _policy,
    Parameter.SNS_TOPIC_ARN: _matching(_TOPIC_ARN, "an SNS topic ARN"),
    Parameter.MAX_REVOKES: _max_revokes,
    Parameter.LOCKDOWN_SEVERITY: _choice(Severity),
    Parameter.AUDIT_BUCKET: _matching(_BUCKET, "an S3 bucket name"),
    Parameter.AUDIT_PREFIX: _matching(_PREFIX, "an S3 key prefix"),
    Parameter.BACKUP_BUCKET: _matching(_BUCKET, "an S3 bucket name"),
    Parameter.BACKUP_PREFIX: _matching(_PREFIX, "an S3 key prefix"),
    Parameter.BACKUP_KMS_KEY_ID: _matching(_KMS_KEY, "a KMS key id, ARN or alias"),
    Parameter.OWN_ROLE_ARNS: _role_arns,
    Parameter.MODE_OVERRIDES: parse_mode_overrides,
    Parameter.ALERT_OWNER_TAGS: parse_owner_tags,
}
