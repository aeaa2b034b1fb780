"""The library's public API, re-exported by the `sgcompliance` package.

    import sgcompliance
    policy = sgcompliance.load_policy("builtin:cis-aws")        # or a path to a JSON/YAML policy
    snapshots = sgcompliance.read_snapshots(describe_output)    # DescribeSecurityGroups + Rules
    result = sgcompliance.evaluate(policy, snapshots, today=date.today())
    for finding in result.violations: ...

`evaluate` is pure: the same policy, snapshots and date give the same findings in the same
order. The fakes of the ports, for testing code built on the use cases, are in
`sgcompliance.testing`.
"""

from __future__ import annotations

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding, Reason
from sgcompliance.engine.model import Direction, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import Policy, Severity
from sgcompliance.errors import InputError, PolicyError, SgcError
from sgcompliance.policy.loader import load_policy, parse_policy
from sgcompliance.sources.snapshot import read_snapshot, read_snapshots

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
    "evaluate",
    "load_policy",
    "parse_policy",
    "read_snapshot",
    "read_snapshots",
]
