"""sgcompliance: keeps AWS security groups compliant across an AWS Organization.

The library API (`sgcompliance.api`, re-exported here): `load_policy`, `read_snapshots`,
`evaluate`, and the values they work with (`Policy`, `RegionSnapshot`, `ScanResult`, `Finding`).
The names load on first use, so that importing a submodule (the Lambda handler on a cold start)
does not pay for the engine and the policy loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sgcompliance.version import __version__

if TYPE_CHECKING:
    from sgcompliance.api import (
        Direction,
        Finding,
        InputError,
        Policy,
        PolicyError,
        Reason,
        RegionSnapshot,
        Rule,
        ScanResult,
        SecurityGroup,
        Severity,
        SgcError,
        evaluate,
        load_policy,
        parse_policy,
        read_snapshot,
        read_snapshots,
    )

__all__ = [
    "Direction",
    "Finding",
    "InputError",
    "Policy",
    "PolicyError",
    "Reason",
    "RegionSnapshot",
    "Rule",
    "ScanResult",
    "SecurityGroup",
    "Severity",
    "SgcError",
    "__version__",
    "evaluate",
    "load_policy",
    "parse_policy",
    "read_snapshot",
    "read_snapshots",
]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module 'sgcompliance' has no attribute {name!r}")
    from sgcompliance import api  # noqa: PLC0415 - lazy: a cold start imports submodules only

    return getattr(api, name)
