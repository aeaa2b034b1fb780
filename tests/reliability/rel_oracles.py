"""The campaign's invariants, each returning what it found wrong (an empty list when it holds).

They judge the estate by plain boto3 reads (`live_estate.read_state`) and the order of calls by
what the fault proxy saw reach the server, never by what the product says it did.
"""

from __future__ import annotations

from collections.abc import Sequence

from live_estate import State

from sgcompliance.app.ports import BackupStore
from sgcompliance.core.plan import TAG_CHECKS, TAG_STATUS
from sgcompliance.local.fault_schedule import Delivered

FLAGGED = "flagged"
REVOKES = frozenset({"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"})


def kept_rules(original: State, expected: State, now: State) -> list[str]:
    """Every rule the fault-free run keeps (it did not violate) is still present."""
    problems = []
    for key, group in original.items():
        missing = (group.lines & expected[key].lines) - now[key].lines
        problems.extend(f"{key}: compliant rule lost: {line}" for line in sorted(missing))
    return problems


def revoked_rules_backed_up(original: State, now: State, store: BackupStore) -> list[str]:
    """Every rule id that is gone is listed by some stored backup."""
    gone = {rule for key in original for rule in original[key].rule_ids - now[key].rule_ids}
    backed_up: set[str] = set()
    for backup_id in store.list():
        plan = store.get(backup_id).plan
        backed_up.update(plan.revoke_ingress, plan.revoke_egress)
    return [f"rule {rule} revoked but in no backup" for rule in sorted(gone - backed_up)]


def same_outcome(expected: State, now: State) -> list[str]:
    """Rules and outcome tags equal the fault-free run's (backup ids naturally differ)."""
    problems = []
    for key, group in expected.items():
        if now[key].lines != group.lines:
            problems.append(f"{key}: rules differ from the fault-free run")
        for tag in (TAG_STATUS, TAG_CHECKS):
            if now[key].tags.get(tag) != group.tags.get(tag):
                problems.append(f"{key}: tag {tag} differs from the fault-free run")
    return problems


def restored(original: State, expected: State, now: State) -> list[str]:
    """Rollback gave back exactly the original rules, and the original tags of every group a
    remediation revoked from (a group only flagged has no backup: its flags stay)."""
    problems = []
    for key, group in original.items():
        if now[key].lines != group.lines:
            problems.append(f"{key}: rules not restored exactly")
        flagged = expected[key].tags.get(TAG_STATUS) == FLAGGED
        if not flagged and dict(now[key].tags) != dict(group.tags):
            problems.append(f"{key}: tags not restored exactly")
    return problems


def backup_before_revoke(delivered: Sequence[Delivered], store: BackupStore) -> list[str]:
    """Each revoke the server carried out came after a stored backup that lists its rules."""
    stored: list[tuple[int, str]] = [
        (d.done, d.call.path.rsplit("/", 1)[-1].removesuffix(".json"))
        for d in delivered
        if d.call.service == "s3" and d.call.operation.startswith("PUT ") and d.status == 200
        if d.call.path.endswith(".json")
    ]
    covered: dict[str, set[str]] = {}
    problems = []
    for revoke in (d for d in delivered if d.call.operation in REVOKES and d.status == 200):
        group = revoke.call.params.get("GroupId", "")
        ids = {v for k, v in revoke.call.params.items() if k.startswith("SecurityGroupRuleId.")}
        before: set[str] = set()
        for done, backup_id in stored:
            if done < revoke.sent and backup_id.startswith(group + "."):
                before |= covered.setdefault(backup_id, _listed(store, backup_id))
        if not ids or not ids <= before:
            problems.append(f"{group}: revoke of {sorted(ids - before)} before any backup")
    return problems


def _listed(store: BackupStore, backup_id: str) -> set[str]:
    plan = store.get(backup_id).plan
    return {*plan.revoke_ingress, *plan.revoke_egress}
