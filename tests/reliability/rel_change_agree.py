"""Invariant (4) of the concurrent-change campaign, judged after each remediation pass: the
report (the run's `GroupOutcome`s), the receipts the product stored, the audit records it
wrote and AWS agree on every outcome.

- the ids an outcome says it revoked are absent from AWS;
- they are the `revoked` of the receipt the product stored for that backup;
- the audit record of the outcome says the same revoked, changed and not-revoked ids, and names
  the same backup, version and digest;
- a planned rule the adversary changed in place or deleted before the group's first revoke (and
  that was still changed at that revoke) is accounted for: the outcome says the group changed
  since read, or lists the rule as changed or not revoked (or as revoked, when it was changed
  back before its own revoke); a `changed_since_read` record names at least one changed rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rel_adversary import Act, Kind
from rel_change_oracles import ChangeOracle
from rel_rows import rule_content

from sgcompliance.remediation.outcome import GroupOutcome, Outcome
from sgcompliance.remediation.plan import RemediationPlan

# Outcomes that say by themselves that the group was not remediated as planned.
SAYS_CHANGED = frozenset({Outcome.CHANGED, Outcome.GROUP_GONE, Outcome.FAILED})
RULE_CHANGES = frozenset({Kind.FIX, Kind.OPEN, Kind.DELETE_RULE})


@dataclass(frozen=True, slots=True)
class Pass:
    """What one remediation pass did, as the product reported it and as AWS holds it now."""

    phase: str
    plans: Sequence[RemediationPlan]
    outcomes: Sequence[GroupOutcome]
    records: Sequence[Mapping[str, Any]]  # this pass's audit records, as stored
    rule_ids: Mapping[str, frozenset[str]]  # group id -> its rule ids in AWS now
    acts: Sequence[tuple[int, Act]]  # (journal seq, act) of this pass


def check_pass(oracle: ChangeOracle, done: Pass) -> None:
    plans = {p.group_id: (p, -1) for p in done.plans if p.revoke_count}
    for outcome in done.outcomes:
        if outcome.resumed:
            # An earlier run's remediation, closed first; the group is then planned again
            # from a new read, and that plan (its first backup of this pass) is the one to
            # account for changes against.
            group_id = outcome.plan.group_id
            first = oracle.first_put.get((done.phase, group_id))
            plans.pop(group_id, None)
            if first is not None:
                plans[group_id] = (first[1], first[0])
    for outcome in done.outcomes:
        group_id = outcome.plan.group_id
        if outcome.backup_id in oracle.forged:
            continue  # resting on a forged receipt: counted apart, see ChangeOracle
        _revoked_gone(oracle, outcome, done.rule_ids.get(group_id, frozenset()))
        _receipt_agrees(oracle, outcome)
        _record_agrees(oracle, outcome, done.records)
        if group_id in plans and not outcome.resumed:
            _changes_accounted(oracle, outcome, plans[group_id], done)


def _revoked_gone(oracle: ChangeOracle, outcome: GroupOutcome, now: frozenset[str]) -> None:
    still = sorted(set(outcome.revoked) & now)
    if still:
        oracle.found(4, outcome.plan.group_id, f"reported revoked but in AWS: {still}")


def _receipt_agrees(oracle: ChangeOracle, outcome: GroupOutcome) -> None:
    group_id = outcome.plan.group_id
    receipt = oracle.receipts.get(outcome.backup_id or "")
    if receipt is None:
        if outcome.revoked and outcome.outcome is not Outcome.APPLIED_UNRECORDED:
            oracle.found(4, group_id, f"{outcome.outcome}: revoked {outcome.revoked}, no receipt")
        return
    if sorted(receipt.revoked) != sorted(outcome.revoked):
        oracle.found(
            4,
            group_id,
            f"{outcome.outcome}: reported revoked {sorted(outcome.revoked)}, the receipt of "
            f"{receipt.backup_id} says {sorted(receipt.revoked)}",
        )


def _record_agrees(
    oracle: ChangeOracle, outcome: GroupOutcome, records: Sequence[Mapping[str, Any]]
) -> None:
    group_id = outcome.plan.group_id
    mine = [
        r
        for r in records
        if (r["group_id"], r["outcome"], r["backup_id"])
        == (group_id, outcome.outcome.value, outcome.backup_id)
    ]
    if len(mine) != 1:
        oracle.found(4, group_id, f"{len(mine)} audit records of outcome {outcome.outcome}")
        return
    record = mine[0]
    expected = {
        "revoked_rule_ids": sorted(outcome.revoked),
        "changed_rule_ids": sorted(outcome.changed),
        "not_revoked_rule_ids": sorted(outcome.already_gone),
        "backup_id": outcome.backup_id,
        "backup_version": outcome.backup_version,
        "backup_sha256": outcome.backup_sha256,
    }
    for key, value in expected.items():
        said = sorted(record[key]) if isinstance(value, list) else record[key]
        if said != value:
            oracle.found(4, group_id, f"audit record's {key} is {said}, the report's {value}")
    if outcome.outcome is Outcome.CHANGED and not record["changed_rule_ids"]:
        oracle.found(4, group_id, "changed_since_read, and the audit record names no changed rule")


def _changes_accounted(
    oracle: ChangeOracle,
    outcome: GroupOutcome,
    planned_since: tuple[RemediationPlan, int],
    done: Pass,
) -> None:
    """A planned rule changed (after the plan's read, before the first revoke) is in the
    outcome, or the outcome says the group was not remediated as planned."""
    plan, since = planned_since
    group_id = plan.group_id
    first = oracle.first_revoke.get((done.phase, group_id))
    planned = {r.rule_id: r for r in plan.revoked_rules}
    before = first[0] if first is not None else None
    touched = {
        act.rule_id
        for seq, act in done.acts
        if act.group_id == group_id and act.kind in RULE_CHANGES and act.rule_id in planned
        if since < seq and (before is None or seq < before)
    }
    if first is not None:
        # Changed and changed back before the revoke is no change: compare with the pre-image.
        at_revoke = first[1]
        pre = {i: rule_content(planned[i]) for i in touched}
        touched = {i for i in touched if at_revoke.get(i) != pre[i]}
    if not touched or outcome.outcome in SAYS_CHANGED:
        return
    # A rule reported revoked is accounted for too: changed and changed back, it was removed
    # as judged, which (1) checked at its revoke.
    said = {*outcome.changed, *outcome.already_gone, *outcome.revoked}
    unlisted = sorted(touched - said)
    if unlisted:
        oracle.found(
            4,
            group_id,
            f"{outcome.outcome}: planned rules changed before the revoke and not "
            f"reported: {unlisted}",
        )
