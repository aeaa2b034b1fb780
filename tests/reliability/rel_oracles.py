"""The campaign's invariants, each returning what it found wrong (an empty list when it holds).

They judge the estate by plain boto3 reads (`live_estate.read_state`) and the order of calls by
what the fault proxy saw reach the server, never by what the product says it did.
"""

from __future__ import annotations

from collections.abc import Sequence

from sgcompliance.engine.rule_codec import aws_protocol
from sgcompliance.remediation.plan import TAG_CHECKS, TAG_STATUS
from sgcompliance.remediation.ports import BackupStore
from support.faults.schedule import Delivered
from support.live_estate import State

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
    """Each revoke the server carried out came after a stored backup that lists its rules: by
    id for a revoke by id, by content (protocol, ports, peer) for a revoke by content."""
    stored: list[tuple[int, str]] = [
        (d.done, d.call.path.rsplit("/", 1)[-1].removesuffix(".json"))
        for d in delivered
        if d.call.service == "s3" and d.call.operation.startswith("PUT ") and d.status == 200
        if d.call.path.endswith(".json") and "/receipts/" not in d.call.path
    ]
    covered: dict[str, set[str]] = {}
    problems = []
    for revoke in (d for d in delivered if d.call.operation in REVOKES and d.status == 200):
        group = revoke.call.params.get("GroupId", "")
        ids = {v for k, v in revoke.call.params.items() if k.startswith("SecurityGroupRuleId.")}
        ids |= permission_contents(revoke.call.params)
        before: set[str] = set()
        for done, backup_id in stored:
            if done < revoke.sent and backup_id.startswith(group + "."):
                before |= covered.setdefault(backup_id, _listed(store, backup_id))
        if not ids or not ids <= before:
            problems.append(f"{group}: revoke of {sorted(ids - before)} before any backup")
    return problems


# Where a query-string `IpPermissions.N` names its one peer.
_PEER_PARAMS = (
    "IpRanges.1.CidrIp",
    "Ipv6Ranges.1.CidrIpv6",
    "PrefixListIds.1.PrefixListId",
    "Groups.1.GroupId",
)


def permission_contents(params: dict[str, str]) -> set[str]:
    """`protocol ports peer` of each `IpPermissions.N` of a revoke by content."""
    numbers = {k.split(".")[1] for k in params if k.startswith("IpPermissions.")}
    found = set()
    for n in numbers:
        head = f"IpPermissions.{n}."
        peer = next((params[head + p] for p in _PEER_PARAMS if head + p in params), "?")
        found.add(_content(params[head + "IpProtocol"], params.get(head + "FromPort"),
                           params.get(head + "ToPort"), peer))  # fmt: skip
    return found


def _content(protocol: str, low: object, high: object, peer: str) -> str:
    ports = "" if protocol == "-1" else f"{low}..{high}"
    return f"{protocol} {ports} {peer}"


def _listed(store: BackupStore, backup_id: str) -> set[str]:
    """The ids a backup's plan revokes, and the content of each of those rules."""
    plan = store.get(backup_id).plan
    return {*plan.revoke_ingress, *plan.revoke_egress} | {
        _content(aws_protocol(r.protocol), r.from_port, r.to_port, r.peer.value)
        for r in plan.revoked_rules
    }
