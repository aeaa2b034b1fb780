"""A small policy built from the core dataclasses, for the integration tests."""

from __future__ import annotations

from collections.abc import Iterable

from sgcompliance.engine.policy import (
    AllTraffic,
    Check,
    CheckType,
    DefaultGroupClosed,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Settings,
    Severity,
    Sources,
    UntrustedReference,
)

ADMIN_PORTS = "ADMIN_PORTS_WORLD"
ALL_TRAFFIC = "ALL_TRAFFIC_WORLD"
DEFAULT_CLOSED = "DEFAULT_GROUP_CLOSED"
UNTRUSTED = "UNTRUSTED_REFERENCE"

TCP = frozenset({"tcp"})


def admin_policy(*, trusted: Iterable[str] = (), exemptions: tuple[Exemption, ...] = ()) -> Policy:
    admin = RestrictedPorts(
        (PortSpec(TCP, (22, 22)), PortSpec(TCP, (3389, 3389))), Sources(world=True)
    )
    checks = (
        Check(ADMIN_PORTS, "admin ports open to the world", CheckType.RESTRICTED_PORTS,
              Severity.CRITICAL, Remediation.REMOVE, admin),
        Check(ALL_TRAFFIC, "all traffic from the world", CheckType.ALL_TRAFFIC,
              Severity.HIGH, Remediation.REMOVE, AllTraffic(Sources(world=True))),
        Check(DEFAULT_CLOSED, "default group has rules", CheckType.DEFAULT_GROUP_CLOSED,
              Severity.MEDIUM, Remediation.FLAG, DefaultGroupClosed()),
        Check(UNTRUSTED, "reference to an untrusted account", CheckType.UNTRUSTED_REFERENCE,
              Severity.HIGH, Remediation.FLAG, UntrustedReference(frozenset(trusted))),
    )  # fmt: skip
    settings = Settings(trusted_accounts=frozenset(trusted))
    return Policy("integration", "1", checks, exemptions, settings)
