"""The `ComplianceScanner` service: a policy plus a clock over the pure engine, with Python's
cycle collector paused while it runs (`collector`: the engine itself stays pure).

A live read asks it two things before it reads everything (`adapters/aws/judged_read.py`):
which groups of an account-region have a finding when judged from their permissions alone
(`flagged_groups`), whether the policy looks at prefix-list entries at all
(`reads_prefix_lists`) and whether it judges rule descriptions (`reads_rule_descriptions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, is_dataclass
from datetime import date

from sgcompliance.clock import utc_today
from sgcompliance.engine.collector import collector_paused
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import AllowedPeers, CheckType, Policy


class ComplianceScanner:
    def __init__(self, policy: Policy, today: Callable[[], date] = utc_today) -> None:
        self.policy = policy
        self._today = today

    def scan(self, snapshots: Iterable[RegionSnapshot]) -> ScanResult:
        with collector_paused():
            return evaluate(self.policy, snapshots, today=self._today())

    def scan_group(
        self, group: SecurityGroup, prefix_lists: dict[str, tuple[str, ...]] | None = None
    ) -> list[Finding]:
        snapshot = RegionSnapshot(group.account_id, group.region, (group,), prefix_lists or {})
        return list(self.scan([snapshot]).findings)

    def flagged_groups(self, snapshot: RegionSnapshot) -> frozenset[str]:
        """The ids of the groups of `snapshot` with at least one finding, exempted or not.

        Which groups these are does not depend on rule ids or rule tags: exemptions (the only
        part of the engine that reads them) mark findings and never remove one. So a snapshot
        whose rules came from `IpPermissions` (derived ids, no tags) flags the same groups as
        one read from `DescribeSecurityGroupRules`.
        """
        return frozenset(f.group.group_id for f in self.scan([snapshot]).findings)

    @property
    def reads_rule_descriptions(self) -> bool:
        """Whether an enabled check judges rule descriptions (`description_required`)."""
        return any(
            c.enabled and c.type is CheckType.DESCRIPTION_REQUIRED for c in self.policy.checks
        )

    @property
    def reads_prefix_lists(self) -> bool:
        """Whether any verdict of the policy can depend on a prefix list's entries: it resolves
        them, or it names allowed peers anywhere (a rule's list is then compared with them)."""
        return self.policy.settings.resolve_prefix_lists or any(
            bool(peers) for peers in _allowed_peers(self.policy)
        )


def _allowed_peers(value: object) -> Iterator[AllowedPeers]:
    """Every `AllowedPeers` inside a policy's values, wherever the policy model keeps one."""
    if isinstance(value, AllowedPeers):
        yield value
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _allowed_peers(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _allowed_peers(getattr(value, f.name))
