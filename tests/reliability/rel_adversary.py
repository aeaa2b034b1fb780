"""The second actor: someone changing the estate and the backup store while sgc works on it.

Before each port call the product makes (`rel_watch`), the adversary may, with a seeded
probability, do one thing with plain boto3: change a rule in place (`ModifySecurityGroupRules`
keeps its id), delete one, add one back, add a violating one, delete a whole group, rewrite the
group's `sgc:*` tags, or tamper with the backup store. Mostly it picks the group the product is
about to touch, where a change hurts most. What it did is returned, in order, for the oracles.

Forged receipts are what only someone who may write `receipts/` can do, which the hub's bucket
policy keeps to sgc itself and the bucket admins: they are done only when `kinds` asks for them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rel_rows import Row, admin_exposure, cidr, content, describe, open_to_world, permission
from rel_tamper import StoreFiles, Tamper, backup_names, id_of, pointer_to

from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS
from support.estate import perm
from support.live_estate import VENDOR, Estate


class Kind(StrEnum):
    FIX = "fix a rule in place"
    OPEN = "open a rule in place"
    DELETE_RULE = "delete a rule"
    READD = "re-add a deleted rule"
    ADD = "add a violating rule"
    DELETE_GROUP = "delete a group"
    TAGS = "rewrite the sgc tags"
    OVERWRITE = "overwrite a backup"
    FOREIGN = "forge a backup of another group"
    RECEIPT = "forge a receipt"


ORDINARY = frozenset(Kind) - {Kind.RECEIPT}
WEIGHTS = {
    Kind.FIX: 4, Kind.OPEN: 2, Kind.DELETE_RULE: 2, Kind.READD: 2, Kind.ADD: 2,
    Kind.DELETE_GROUP: 1, Kind.TAGS: 3, Kind.OVERWRITE: 1, Kind.FOREIGN: 1, Kind.RECEIPT: 2,
}  # fmt: skip
# How often the adversary picks the group of the call it acts before (else any group).
FOCUS = 0.75
STATUSES = ("remediating", "remediated", "compliant", "flagged")


@dataclass(frozen=True, slots=True)
class Act:
    kind: Kind
    group_id: str
    rule_id: str = ""  # the rule changed in place or deleted
    detail: str = ""


@dataclass(slots=True)
class Adversary:
    rng: random.Random
    estate: Estate
    files: StoreFiles
    rate: float
    kinds: frozenset[Kind]
    log: Callable[[Act], None]
    acts: list[Act] = field(default_factory=list)
    # Backup ids whose receipt it wrote: a rollback of one restores what the forger chose.
    forged: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    # Every rule each group was seen with, to add back.
    seen: dict[str, dict[tuple[Any, ...], Row]] = field(default_factory=dict)

    @property
    def ec2(self) -> Any:
        return self.estate.ec2(self.estate.accounts[0], self.estate.regions[0])

    def live(self) -> list[str]:
        return sorted(set(self.estate.group_ids.values()) - self.gone)

    def remember(self) -> None:
        """What every group holds now: rules it may later add back."""
        for group_id in self.live():
            self._rows(group_id)

    def turn(self, group_id: str) -> None:
        """Maybe act, before the product's next call on `group_id`."""
        if self.rng.random() >= self.rate:
            return
        live = self.live()
        focus = group_id in live and self.rng.random() < FOCUS
        target = group_id if focus else self.rng.choice(live)
        # A weighted random order (Efraimidis-Spirakis): the first kind that applies acts.
        order = sorted(self.kinds, key=lambda k: self.rng.random() ** (1 / WEIGHTS[k]))
        for kind in reversed(order):
            act = ACTIONS[kind](self, target)
            if act is not None:
                self.acts.append(act)
                self.log(act)
                return

    # -- rules ------------------------------------------------------------------------------

    def _rows(self, group_id: str) -> list[Row]:
        rows: list[Row] = list(self.estate.rows(group_id))
        known = self.seen.setdefault(group_id, {})
        for row in rows:
            known.setdefault(content(row), row)
        return rows

    def _ingress(self, group_id: str) -> list[Row]:
        return [r for r in self._rows(group_id) if not r.get("IsEgress")]

    def fix(self, group_id: str) -> Act | None:
        rows = [r for r in self._ingress(group_id) if open_to_world(r)]
        if not rows:
            return None
        row = self.rng.choice(rows)
        if row.get("CidrIpv4"):
            new = {**_shape(row), "CidrIpv4": f"10.{self.rng.randrange(1, 250)}.0.0/16"}
        else:
            # moto keeps an IPv6 rule's CIDR on a modify: it is moved to a harmless port.
            new = {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "CidrIpv6": cidr(row)}
        return self._modify(Kind.FIX, group_id, row, new)

    def open(self, group_id: str) -> Act | None:
        rows = [r for r in self._ingress(group_id) if cidr(r) and not admin_exposure(r)]
        if not rows:
            return None
        row = self.rng.choice(rows)
        port = self.rng.choice((22, 3389))
        family = "CidrIpv4" if row.get("CidrIpv4") else "CidrIpv6"
        world = "0.0.0.0/0" if family == "CidrIpv4" else "::/0"
        new = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, family: world}
        return self._modify(Kind.OPEN, group_id, row, new)

    def _modify(self, kind: Kind, group_id: str, row: Row, new: dict[str, Any]) -> Act | None:
        after = {**row, **new}
        if content(after) in {content(r) for r in self._rows(group_id)}:
            return None  # AWS refuses a duplicate: someone would pick another range
        if row.get("Description"):
            new["Description"] = row["Description"]
        rule_id = str(row["SecurityGroupRuleId"])
        self.ec2.modify_security_group_rules(
            GroupId=group_id,
            SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": new}],
        )
        return Act(kind, group_id, rule_id, f"{describe(row)} -> {describe(after)}")

    def delete_rule(self, group_id: str) -> Act | None:
        rows = self._ingress(group_id)
        if not rows:
            return None
        row = self.rng.choice(rows)
        rule_id = str(row["SecurityGroupRuleId"])
        self.ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=[rule_id])
        return Act(Kind.DELETE_RULE, group_id, rule_id, describe(row))

    def readd(self, group_id: str) -> Act | None:
        present = {content(r) for r in self._rows(group_id)}
        missing = [r for k, r in self.seen.get(group_id, {}).items() if k not in present]
        missing = [r for r in missing if not r.get("IsEgress") and self._peer_alive(r)]
        if not missing:
            return None
        row = self.rng.choice(missing)
        self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission(row)])
        return Act(Kind.READD, group_id, detail=describe(row))

    def _peer_alive(self, row: Row) -> bool:
        ref = row.get("ReferencedGroupInfo") or {}
        return ref.get("GroupId") not in self.gone

    def add(self, group_id: str) -> Act | None:
        """Admin ports open to the world, or (a third of the time) a described reference to
        the vendor's group in its untrusted account, which moto never matches by content."""
        port = self.rng.choice((22, 3389))
        peer = self.rng.choice(("0.0.0.0/0", "::/0"))
        vendor = self.estate.group_ids.get(
            (self.estate.accounts[0], self.estate.regions[0], "vendor-stand-in")
        )
        if vendor is not None and vendor not in self.gone and self.rng.random() < 1 / 3:
            port, peer = 5432, f"ref:{vendor}@{VENDOR}"
        new = perm("tcp", (port, port), peer, description="adversary")
        present = {content(r) for r in self._rows(group_id)}
        if content(_row(new)) in present:
            return None
        self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[new])
        return Act(Kind.ADD, group_id, detail=f"in tcp {port} {peer}")

    def delete_group(self, group_id: str) -> Act | None:
        """Once per schedule, and only a group nothing references (AWS refuses the others)."""
        if self.gone or self.estate.key_of(group_id)[2] == "default":
            return None
        rows = self.ec2.describe_security_group_rules()["SecurityGroupRules"]
        if any((r.get("ReferencedGroupInfo") or {}).get("GroupId") == group_id for r in rows):
            return None
        self.ec2.delete_security_group(GroupId=group_id)
        self.gone.add(group_id)
        return Act(Kind.DELETE_GROUP, group_id, detail=self.estate.key_of(group_id)[2])

    # -- tags -------------------------------------------------------------------------------

    def tags(self, group_id: str) -> Act | None:
        """Point the group at another group's backup, at a bare id, at garbage, or at one of
        its own older backups, saying a remediation is in progress; or only change the status."""
        names = backup_names(self.files)
        own = [n for n in names if n.startswith(group_id + "/")]
        other = [n for n in names if not n.startswith(group_id + "/")]
        choices: list[tuple[str, str]] = [("status", self.rng.choice(STATUSES))]
        choices.append(("garbage", self.rng.choice(("../../etc/passwd", "not-a-backup", "."))))
        if other:
            choices.append(("other group's backup", pointer_to(self.files, self.rng.choice(other))))
        if own:
            choices.append(("own older backup", pointer_to(self.files, self.rng.choice(own))))
        if names:
            choices.append(("bare id", id_of(self.rng.choice(names))))
        what, value = self.rng.choice(choices)
        tags = {TAG_STATUS: value} if what == "status" else {TAG_STATUS: "remediating"}
        if what != "status":
            tags[TAG_BACKUP] = value
        self.ec2.create_tags(
            Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
        return Act(Kind.TAGS, group_id, detail=f"{what}: {tags}")

    # -- the backup store (rel_tamper) ------------------------------------------------------

    @property
    def tamper(self) -> Tamper:
        return Tamper(self.files, self.rng)

    def overwrite(self, group_id: str) -> Act | None:
        done = self.tamper.overwrite(group_id)
        return None if done is None else Act(Kind.OVERWRITE, group_id, detail=done)

    def foreign(self, group_id: str) -> Act | None:
        done = self.tamper.foreign(group_id)
        return None if done is None else Act(Kind.FOREIGN, group_id, detail=done)

    def receipt(self, group_id: str) -> Act | None:
        done = self.tamper.receipt(self.estate.accounts[0], group_id)
        if done is None:
            return None
        how, backup_id = done
        self.forged.add(backup_id)
        return Act(Kind.RECEIPT, group_id, detail=f"{how}: {backup_id}")


def _shape(row: Row) -> dict[str, Any]:
    return {k: row[k] for k in ("IpProtocol", "FromPort", "ToPort")}


def _row(permission: Mapping[str, Any]) -> dict[str, Any]:
    """The one rule row an IpPermission of one peer makes."""
    row = {k: permission[k] for k in ("IpProtocol", "FromPort", "ToPort")}
    for key, field_name in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
        for entry in permission.get(key, []):
            row["CidrIpv4" if field_name == "CidrIp" else "CidrIpv6"] = entry[field_name]
    for pair in permission.get("UserIdGroupPairs", []):
        row["ReferencedGroupInfo"] = {"GroupId": pair["GroupId"], "UserId": pair.get("UserId")}
    return row


ACTIONS: Mapping[Kind, Callable[[Adversary, str], Act | None]] = {
    Kind.FIX: Adversary.fix,
    Kind.OPEN: Adversary.open,
    Kind.DELETE_RULE: Adversary.delete_rule,
    Kind.READD: Adversary.readd,
    Kind.ADD: Adversary.add,
    Kind.DELETE_GROUP: Adversary.delete_group,
    Kind.TAGS: Adversary.tags,
    Kind.OVERWRITE: Adversary.overwrite,
    Kind.FOREIGN: Adversary.foreign,
    Kind.RECEIPT: Adversary.receipt,
}
