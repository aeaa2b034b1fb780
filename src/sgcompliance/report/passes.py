"""What was checked and found compliant: per security group judged, the checks of the policy
that applied to it and produced no finding (neither a violation nor an exempted one).

One record per group, listing its passed checks, rather than one per group and check: an
estate of 20,000 groups under a pack of 15 checks has 300,000 passes, and a report of one
record per pass would outweigh its findings many times over.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import SecurityGroup
from sgcompliance.engine.policy import Check

Record = dict[str, object]


@dataclass(frozen=True, slots=True)
class GroupPasses:
    """The checks one group passed, in check-id order."""

    group: SecurityGroup
    checks: tuple[str, ...]

    @property
    def location(self) -> str:
        g = self.group
        return f"{g.account_id}/{g.region}/{g.group_id}"


def group_passes(result: ScanResult) -> Iterator[GroupPasses]:
    """Every judged group that passed at least one check, in account, region, group order."""
    enabled = sorted((c for c in result.policy.checks if c.enabled), key=lambda c: c.id)
    # A finding names its group object: keyed by identity, a group's findings cannot be
    # mistaken for those of another group that shares its id (two snapshots of one scope).
    found: dict[int, set[str]] = {}
    for finding in result.findings:
        found.setdefault(id(finding.group), set()).add(finding.check_id)
    in_scope: dict[tuple[str, str], _ScopeChecks] = {}
    for group in sorted(result.groups, key=_location):
        scope = (group.account_id, group.region)
        checks = in_scope.get(scope)
        if checks is None:
            checks = in_scope[scope] = _ScopeChecks.of(enabled, scope)
        passed = checks.passed(group, found.get(id(group)))
        if passed:
            yield GroupPasses(group, passed)


@dataclass(frozen=True, slots=True)
class _ScopeChecks:
    """The checks in scope of one account-region; most groups of an estate have no finding and
    no tag-scoped check, and share one tuple of check ids."""

    every_group: tuple[str, ...]
    tagged: tuple[Check, ...]

    @classmethod
    def of(cls, enabled: Sequence[Check], scope: tuple[str, str]) -> _ScopeChecks:
        checks = [c for c in enabled if c.selector.matches_scope(*scope)]
        return cls(
            tuple(c.id for c in checks if not c.selector.group_tags),
            tuple(c for c in checks if c.selector.group_tags),
        )

    def passed(self, group: SecurityGroup, failed: set[str] | None) -> tuple[str, ...]:
        if not self.tagged and not failed:
            return self.every_group
        applied = set(self.every_group)
        applied.update(c.id for c in self.tagged if c.selector.matches_group(group))
        return tuple(sorted(applied - (failed or set())))


def passes_by_check(result: ScanResult) -> dict[str, list[str]]:
    """Check id -> the `ACCOUNT/REGION/GROUP_ID` of every group that passed it, sorted."""
    by_check: dict[str, list[str]] = {}
    for passes in group_passes(result):
        for check_id in passes.checks:
            by_check.setdefault(check_id, []).append(passes.location)
    return dict(sorted(by_check.items()))


def pass_count(result: ScanResult) -> int:
    """How many (group, check) pairs passed."""
    return sum(len(p.checks) for p in group_passes(result))


def passed_records(result: ScanResult) -> list[Record]:
    """`[{"account_id", "region", "group_id", "group_name", "checks": [...]}]`."""
    return [
        {
            "account_id": p.group.account_id,
            "region": p.group.region,
            "group_id": p.group.group_id,
            "group_name": p.group.name,
            "checks": list(p.checks),
        }
        for p in group_passes(result)
    ]


def _location(group: SecurityGroup) -> tuple[str, str, str]:
    return (group.account_id, group.region, group.group_id)
