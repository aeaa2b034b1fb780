"""The concurrent-change campaign's figures: added to the session's tally (so that xdist workers'
figures add up like the rest of the campaign's) and printed as a table of their own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from rel_adversary import Kind
from rel_change_oracles import INVARIANTS

if TYPE_CHECKING:
    from rel_change_campaign import ChangeOutcome

PREFIX = ""
PER_GROUP = (
    "describe_group", "rules", "revoke", "revoke_ids", "set_tags", "remove_tags", "put",
    "put_receipt",
)  # fmt: skip


class Counts(Protocol):
    counts: Counter[str]
    violations: list[str]


def add_schedule(tally: Counts, out: ChangeOutcome) -> None:
    add = tally.counts
    add[PREFIX + "schedules"] += 1
    add[PREFIX + "schedules with a store writer"] += out.store_writer
    add[PREFIX + "schedules on a directory store"] += out.store == "directory"
    add[PREFIX + "schedules in emergency_remediation"] += out.mode.value == "emergency_remediation"
    for kind, n in out.acts.items():
        add[f"{PREFIX}act: {kind.value}"] += n
    add[PREFIX + "rules revoked"] += out.revoked
    add[PREFIX + "rules restored"] += out.restored
    for what, n in out.rollbacks.items():
        add[f"{PREFIX}rollback: {what}"] += n
    for what, n in out.outcomes.items():
        add[f"{PREFIX}outcome: {what}"] += n
    for number in INVARIANTS:
        add[f"{PREFIX}violations: {number}"] += sum(v.invariant == number for v in out.violations)
    add[PREFIX + "forged breaks"] += len(out.forged_breaks)
    add[PREFIX + "groups remediated"] += out.groups_remediated
    add[PREFIX + "api calls"] += out.api_calls
    for method, n in out.calls.items():
        add[f"{PREFIX}call: {method}"] += n
    tally.violations.extend(f"seed {out.seed}: {v}" for v in out.violations)


def change_rows(counts: Mapping[str, int]) -> list[tuple[str, str]]:
    """The campaign's table rows (none when it did not run)."""
    got = {k.removeprefix(PREFIX): n for k, n in counts.items() if k.startswith(PREFIX)}
    if not got.get("schedules"):
        return []
    groups = got.get("groups remediated", 0)

    def per_group(n: int) -> str:
        return f"{n / groups:.2f}" if groups else "-"

    schedules = (
        f"{got['schedules']} ({got.get('schedules with a store writer', 0)} with a store "
        f"writer, {got.get('schedules on a directory store', 0)} on a directory store, "
        f"{got.get('schedules in emergency_remediation', 0)} in emergency_remediation)"
    )
    rows = [("schedules run", schedules)]
    for kind in Kind:
        who = "store writer" if kind is Kind.RECEIPT else "adversary"
        rows.append((f"{who}: {kind.value}", str(got.get(f"act: {kind.value}", 0))))
    rows += [
        ("rules revoked", str(got.get("rules revoked", 0))),
        ("rules restored", str(got.get("rules restored", 0))),
        *_prefixed(got, "rollback: ", "rollbacks "),
        *_prefixed(got, "outcome: ", "outcome "),
    ]
    for number, name in INVARIANTS.items():
        rows.append((f"violations {name}", str(got.get(f"violations: {number}", 0))))
    rows += [
        (
            "forged receipts that opened what sgc never removed (not in (2))",
            str(got.get("forged breaks", 0)),
        ),
        ("groups remediated", str(groups)),
        *(
            (f"per remediated group: {m} calls", per_group(got.get(f"call: {m}", 0)))
            for m in PER_GROUP
        ),
        ("per remediated group: AWS API calls", per_group(got.get("api calls", 0))),
    ]
    return rows


def _prefixed(got: Mapping[str, int], prefix: str, label: str) -> list[tuple[str, str]]:
    return [
        (label + key.removeprefix(prefix), str(n))
        for key, n in sorted(got.items())
        if key.startswith(prefix)
    ]
