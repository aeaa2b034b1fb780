"""The `ComplianceScanner` service: a policy plus a clock over the pure engine, with Python's
cycle collector paused while it runs (`collector`: the engine itself stays pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sgcompliance.clock import utc_today
from sgcompliance.engine.collector import collector_paused
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import Policy


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
