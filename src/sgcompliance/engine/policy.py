"""The policy model: checks, selectors, exemptions and settings, as validated values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sgcompliance.engine.model import Direction, SecurityGroup
from sgcompliance.engine.network import Network
from sgcompliance.engine.protocol import Interval


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Remediation(StrEnum):
    """What a check asks the remediator to do with its findings."""

    FLAG = "flag"
    REMOVE = "remove"
    LOCKDOWN = "lockdown"
    # Replace the rule with rules from the check's allowed peers that lie inside its peer.
    NARROW = "narrow"


class CheckType(StrEnum):
    RESTRICTED_PORTS = "restricted_ports"
    AUTHORIZED_PORTS = "authorized_ports_only"
    ALL_TRAFFIC = "all_traffic"
    WIDE_PUBLIC_CIDR = "wide_public_cidr"
    DEFAULT_GROUP_CLOSED = "default_group_closed"
    UNTRUSTED_REFERENCE = "untrusted_reference"
    MAX_RULES = "max_rules"
    DESCRIPTION_REQUIRED = "description_required"


@dataclass(frozen=True, slots=True)
class AllowedPeers:
    """Public ranges a check accepts (a CDN's, a partner's): CIDRs and managed prefix lists.

    A rule whose peer lies wholly inside their union is not judged by the check; a peer partly
    outside still is. A prefix list counts by its entries in the region judged, so one that
    cannot be resolved there allows nothing.
    """

    cidrs: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.cidrs or self.prefix_lists)


NO_ALLOWED_PEERS = AllowedPeers()


@dataclass(frozen=True, slots=True)
class Sources:
    """Which peers a check cares about: the world, any public range, and/or listed CIDRs."""

    world: bool = True
    public: bool = False
    cidrs: tuple[Network, ...] = ()
    # IP versions judged; CIS separates IPv4 (5.2) from IPv6 (5.3) world access.
    versions: frozenset[int] = frozenset({4, 6})
    allowed: AllowedPeers = NO_ALLOWED_PEERS


@dataclass(frozen=True, slots=True)
class PortSpec:
    """Ports over some of tcp and udp. A protocol -1 rule reaches every PortSpec."""

    protocols: frozenset[str]
    interval: Interval


@dataclass(frozen=True, slots=True)
class RestrictedPorts:
    ports: tuple[PortSpec, ...]
    sources: Sources


@dataclass(frozen=True, slots=True)
class AuthorizedPorts:
    allowed: tuple[PortSpec, ...]
    sources: Sources


@dataclass(frozen=True, slots=True)
class AllTraffic:
    sources: Sources


@dataclass(frozen=True, slots=True)
class WidePublicCidr:
    ipv4_min_prefix: int
    ipv6_min_prefix: int
    include_world: bool = True
    allowed: AllowedPeers = NO_ALLOWED_PEERS


@dataclass(frozen=True, slots=True)
class DefaultGroupClosed:
    pass


@dataclass(frozen=True, slots=True)
class UntrustedReference:
    trusted_accounts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MaxRules:
    maximum: int
    # None counts both directions together.
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class DescriptionRequired:
    pass


CheckSpec = (
    RestrictedPorts
    | AuthorizedPorts
    | AllTraffic
    | WidePublicCidr
    | DefaultGroupClosed
    | UntrustedReference
    | MaxRules
    | DescriptionRequired
)


@dataclass(frozen=True, slots=True)
class Selector:
    """Which groups a check applies to; an empty field matches everything."""

    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    # Every (key, value) must be on the group; a value of None asks only for the key.
    group_tags: tuple[tuple[str, str | None], ...] = ()

    def matches_scope(self, account_id: str, region: str) -> bool:
        return (not self.accounts or account_id in self.accounts) and (
            not self.regions or region in self.regions
        )

    def matches_group(self, group: SecurityGroup) -> bool:
        return all(tags_match(group.tags, key, value) for key, value in self.group_tags)


def tags_match(tags: Mapping[str, str], key: str, value: str | None) -> bool:
    """Exact, case-sensitive tag matching."""
    if key not in tags:
        return False
    return value is None or tags[key] == value


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    type: CheckType
    severity: Severity
    remediation: Remediation
    spec: CheckSpec
    directions: frozenset[Direction] = frozenset({Direction.INGRESS})
    enabled: bool = True
    selector: Selector = Selector()
    references: tuple[str, ...] = ()
    description: str = ""
    # Days a violation may stand, flagged, before it is remediated (0: remediated at once).
    grace_days: int = 0


DEFAULT_EXEMPTION_TAG_KEY = "sgc-exemption"


@dataclass(frozen=True, slots=True)
class Exemption:
    """A documented, owned, optionally expiring exception. All given criteria must match."""

    id: str
    owner: str
    reason: str
    ticket: str | None = None
    expires: date | None = None
    checks: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()
    rule_ids: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    # Tags of the group (never of the rule: whoever opens a rule sets the rule's tags).
    tags: tuple[tuple[str, str | None], ...] = ()
    # Tags of the rule: only where the policy says so explicitly.
    rule_tags: tuple[tuple[str, str | None], ...] = ()
    # Applies to a group only where the group's exemption tag names this exemption's id.
    tagged: bool = False
    # Applies only to rules whose peer lies wholly inside these ranges (empty: any peer).
    peers_within: AllowedPeers = NO_ALLOWED_PEERS

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True, slots=True)
class Settings:
    # Rules that together cover a whole address family are judged as world-open.
    coverage_detection: bool = True
    # Managed prefix lists are judged by their entries.
    resolve_prefix_lists: bool = True
    # Accounts whose security groups may be referenced from any account.
    trusted_accounts: frozenset[str] = frozenset()
    unresolved_prefix_list_severity: Severity = Severity.HIGH
    # The group tag whose value names an exemption of the policy (a pointer, never a grant).
    exemption_tag_key: str = DEFAULT_EXEMPTION_TAG_KEY
    unknown_exemption_tag_severity: Severity = Severity.HIGH


def allowed_peers(check: Check) -> AllowedPeers:
    """The public ranges a check accepts (none for a type that does not judge ranges)."""
    spec = check.spec
    if isinstance(spec, WidePublicCidr):
        return spec.allowed
    sources = getattr(spec, "sources", None)
    return sources.allowed if isinstance(sources, Sources) else NO_ALLOWED_PEERS


UNRESOLVED_PREFIX_LIST_CHECK = "SGC.PREFIX_LIST_UNRESOLVED"
UNKNOWN_EXEMPTION_TAG_CHECK = "SGC.EXEMPTION_TAG_UNKNOWN"
# Infrastructure code (a plan, a template) whose value is known only once deployed.
UNKNOWN_BEFORE_APPLY_CHECK = "SGC.UNKNOWN_BEFORE_APPLY"
# Checks the engine itself raises, which a policy may name (exemptions, overrides of severity).
BUILTIN_CHECKS = frozenset(
    {UNRESOLVED_PREFIX_LIST_CHECK, UNKNOWN_EXEMPTION_TAG_CHECK, UNKNOWN_BEFORE_APPLY_CHECK}
)


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    version: str
    checks: tuple[Check, ...]
    exemptions: tuple[Exemption, ...] = ()
    settings: Settings = Settings()
    description: str = ""
    # Hash of the canonical document, recorded with every decision.
    digest: str = ""

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)
