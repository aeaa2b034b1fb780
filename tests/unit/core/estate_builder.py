"""Small builders for policies and scans, and the estate builders of `support.estate` (groups,
rules, snapshots), so that each engine test states only what matters to its behaviour."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Direction, RegionSnapshot
from sgcompliance.engine.policy import (
    AllTraffic,
    AuthorizedPorts,
    Check,
    CheckSpec,
    CheckType,
    DefaultGroupClosed,
    DescriptionRequired,
    Exemption,
    MaxRules,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Selector,
    Settings,
    Severity,
    Sources,
    UntrustedReference,
    WidePublicCidr,
)
from support.estate import group, rule, snapshot  # noqa: F401 - the engine tests' builders

ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"
REGION = "eu-west-1"
TODAY = date(2026, 3, 1)
BOTH_DIRECTIONS = frozenset({Direction.INGRESS, Direction.EGRESS})
EGRESS_ONLY = frozenset({Direction.EGRESS})

_TYPE_OF_SPEC: dict[type, CheckType] = {
    RestrictedPorts: CheckType.RESTRICTED_PORTS,
    AuthorizedPorts: CheckType.AUTHORIZED_PORTS,
    AllTraffic: CheckType.ALL_TRAFFIC,
    WidePublicCidr: CheckType.WIDE_PUBLIC_CIDR,
    DefaultGroupClosed: CheckType.DEFAULT_GROUP_CLOSED,
    UntrustedReference: CheckType.UNTRUSTED_REFERENCE,
    MaxRules: CheckType.MAX_RULES,
    DescriptionRequired: CheckType.DESCRIPTION_REQUIRED,
}


def port_spec(protocols: str, lo: int, hi: int | None = None) -> PortSpec:
    """`port_spec("tcp/udp", 53)` covers tcp and udp 53."""
    return PortSpec(frozenset(protocols.split("/")), (lo, lo if hi is None else hi))


def restricted(*specs: PortSpec, sources: Sources | None = None) -> RestrictedPorts:
    return RestrictedPorts(specs, sources or Sources())


def check(
    spec: CheckSpec,
    *,
    check_id: str = "CHK",
    directions: frozenset[Direction] = frozenset({Direction.INGRESS}),
    selector: Selector | None = None,
    severity: Severity = Severity.HIGH,
) -> Check:
    return Check(
        id=check_id,
        title=f"{check_id} title",
        type=_TYPE_OF_SPEC[type(spec)],
        severity=severity,
        remediation=Remediation.FLAG,
        spec=spec,
        directions=directions,
        selector=selector or Selector(),
    )


def policy(
    *checks: Check,
    exemptions: Iterable[Exemption] = (),
    settings: Settings | None = None,
    policy_id: str = "pol",
) -> Policy:
    return Policy(policy_id, "1", checks, tuple(exemptions), settings or Settings())


def exemption(exemption_id: str = "EX-1", /, **criteria: object) -> Exemption:
    return Exemption(exemption_id, "team-network", "accepted risk", **criteria)  # type: ignore[arg-type]


def scan(pol: Policy, *snapshots: RegionSnapshot, today: date = TODAY) -> ScanResult:
    return evaluate(pol, snapshots, today=today)


def violations(result: ScanResult, check_id: str | None = None) -> list[Finding]:
    return [f for f in result.violations if check_id is None or f.check_id == check_id]


def flagged(result: ScanResult, check_id: str = "CHK") -> list[str | None]:
    """Rule ids (None for group-level findings) with a violation of `check_id`, in output order."""
    return [f.rule_id for f in violations(result, check_id)]


def one_finding(result: ScanResult, check_id: str = "CHK") -> Finding:
    found = [f for f in result.findings if f.check_id == check_id]
    assert len(found) == 1, [f.message for f in found]
    return found[0]
