"""The concurrent-change campaign's oracles for the write path, judged at the moment of each
call: the group is read with plain boto3 right before and right after every revoke the product
sends, so what the call removed is known exactly (the adversary acts only between calls).

(1) Every rule a revoke removed had the content of a planned pre-image rule of a backup the
    product stored for that group, and judging the group as it was just before the call (the
    policy, the pass's mode) still plans that rule's removal. A plan's revokes take one call
    per direction, and a lockdown's egress rules are judged with its ingress rules: so the
    group is judged as it is, plus what the earlier calls of the same plan removed.
(2) A rollback authorizes only contents the product was seen removing from that group.
(3) Before each revoke, the pointer tag the product last wrote on the group names a backup it
    stored, whose canonical digest is the pointer's sha256.
(4) is judged after each pass (`rel_change_agree`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rel_rows import Content, Row, content, describe, rule_content
from rel_tamper import StoreFiles, backup_name, digest
from rel_watch import Entry, Journal

from sgcompliance.adapters.aws.ec2 import read_group, referenced_prefix_lists, resolve_prefix_lists
from sgcompliance.engine.model import Rule
from sgcompliance.engine.policy import Severity
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import NotFoundError
from sgcompliance.remediation.backup import BackupRecord, StoredBackup
from sgcompliance.remediation.plan import TAG_BACKUP, Mode, RemediationPlan, plan_group
from sgcompliance.remediation.receipt import BackupReceipt
from sgcompliance.sources.snapshot import read_snapshot
from support.live_estate import Estate

INVARIANTS = {
    1: "(1) revoked only as judged, in its current content",
    2: "(2) rollback authorizes only what sgc removed there",
    3: "(3) no revoke without a backup whose digest verifies",
    4: "(4) report, receipt, audit record and AWS agree",
}


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: int
    text: str
    interleaving: tuple[str, ...] = ()

    def __str__(self) -> str:
        steps = "".join(f"\n      {step}" for step in self.interleaving)
        return f"{INVARIANTS[self.invariant]}: {self.text}{steps}"


@dataclass(frozen=True, slots=True)
class Stored:
    """A backup as the oracle read it right after the product stored it."""

    group_id: str
    version: str | None
    sha256: str
    planned: frozenset[Content]  # contents of the pre-image rules its plan revokes


@dataclass(frozen=True, slots=True)
class BeforeRevoke:
    where: tuple[str, str]
    group_id: str
    rows: Sequence[Row]
    planned_now: frozenset[str]
    entry: Entry

    @property
    def key(self) -> tuple[str, str]:
        return (self.entry.phase, self.group_id)


@dataclass(slots=True)
class ChangeOracle:
    estate: Estate
    files: StoreFiles
    scanner: ComplianceScanner
    journal: Journal
    forged: set[str]  # backup ids whose receipt the adversary wrote (shared with it)
    # S3 keeps every version: a pinned one can be read back long after. A directory keeps
    # only the last write, which the adversary may have made.
    versioned: bool
    mode: Mode = Mode.REMOVE
    rollback_of: str | None = None
    violations: list[Violation] = field(default_factory=list)
    # Contents the product removed, per group (what a rollback may put back).
    removed: dict[str, set[Content]] = field(default_factory=dict)
    revoked_rules: int = 0
    # Authorizations of contents sgc never removed there, through a forged receipt.
    forged_breaks: list[str] = field(default_factory=list)
    pointers: dict[str, str] = field(default_factory=dict)
    backups: dict[str, Stored] = field(default_factory=dict)
    receipts: dict[str, BackupReceipt] = field(default_factory=dict)
    # (phase, group) -> the group's rules by id just before the first revoke of that phase.
    first_revoke: dict[tuple[str, str], tuple[int, dict[str, Content]]] = field(
        default_factory=dict
    )
    # (phase, group) -> the journal seq and plan of the first backup stored in that phase.
    first_put: dict[tuple[str, str], tuple[int, RemediationPlan]] = field(default_factory=dict)
    # (phase, group) -> rows the revokes of the group's current plan removed so far.
    plan_removed: dict[tuple[str, str], list[Row]] = field(default_factory=dict)

    def found(self, invariant: int, group_id: str, text: str, entry: Entry | None = None) -> None:
        steps = self.journal.before(group_id, None if entry is None else entry.seq)
        name = next((k[2] for k, v in self.estate.group_ids.items() if v == group_id), "?")
        self.violations.append(Violation(invariant, f"{group_id} ({name}): {text}", tuple(steps)))

    # -- the observer's hooks (rel_watch.Observer) -------------------------------------------

    def stored(self, record: BackupRecord, stored: StoredBackup) -> None:
        blob = self.files.read(backup_name(stored.backup_id), stored.version_id)
        group_id = record.plan.group_id
        if blob is None or digest(blob.doc) != stored.sha256:
            self.found(3, group_id, f"backup {stored.backup_id} is not stored as its digest says")
            return
        doc = blob.doc
        planned = {*doc["plan"]["revoke_ingress"], *doc["plan"]["revoke_egress"]}
        contents = frozenset(
            content(r) for r in doc["pre_image"] if r["SecurityGroupRuleId"] in planned
        )
        self.backups[stored.backup_id] = Stored(
            group_id, stored.version_id, stored.sha256, contents
        )
        key = (self.journal.phase, group_id)
        self.plan_removed.pop(key, None)  # a new plan
        # Called from inside the put's journaled call: the last entry is that put.
        self.first_put.setdefault(key, (self.journal.entries[-1].seq, record.plan))

    def receipted(self, receipt: BackupReceipt) -> None:
        self.receipts[receipt.backup_id] = receipt

    def tagged(self, group_id: str, tags: Mapping[str, str]) -> None:
        if TAG_BACKUP in tags:
            self.pointers[group_id] = tags[TAG_BACKUP]

    def revoking(self, where: tuple[str, str], group_id: str, entry: Entry) -> BeforeRevoke:
        self._pointer_verifies(group_id, entry)
        earlier = self.plan_removed.setdefault((entry.phase, group_id), [])
        rows, planned_now = self._judged(where, group_id, earlier)
        key = (entry.phase, group_id)
        if key not in self.first_revoke:
            by_id = {str(r["SecurityGroupRuleId"]): content(r) for r in rows}
            self.first_revoke[key] = (entry.seq, by_id)
        return BeforeRevoke(where, group_id, rows, planned_now, entry)

    def revoked(self, token: BeforeRevoke) -> None:
        group_id = token.group_id
        after = {str(r["SecurityGroupRuleId"]) for r in self.estate.rows(group_id)}
        gone = [r for r in token.rows if str(r["SecurityGroupRuleId"]) not in after]
        planned = frozenset().union(
            *(b.planned for b in self.backups.values() if b.group_id == group_id)
        )
        self.plan_removed.setdefault((token.entry.phase, group_id), []).extend(gone)
        for row in gone:
            self.revoked_rules += 1
            self.removed.setdefault(group_id, set()).add(content(row))
            if content(row) not in planned:
                self.found(
                    1,
                    group_id,
                    f"removed {describe(row)}: no stored backup planned it",
                    token.entry,
                )
            if str(row["SecurityGroupRuleId"]) not in token.planned_now:
                self.found(
                    1,
                    group_id,
                    f"removed {describe(row)}: not violating as it was at the call "
                    f"(judged then: {sorted(token.planned_now)}; the plan's earlier removals: "
                    f"{[describe(r) for r in self.plan_removed.get(token.key, [])]})",
                    token.entry,
                )

    def authorizing(self, group_id: str, rules: Sequence[Rule], entry: Entry) -> None:
        removed = self.removed.get(group_id, set())
        for rule in rules:
            if rule_content(rule) in removed:
                continue
            text = f"authorized {rule.rule_id} {rule_content(rule)}, which sgc never removed there"
            if self.rollback_of in self.forged:
                # Someone who can write a backup and its receipt chooses what a rollback of
                # them opens: no check of the store's own documents can tell. Counted apart.
                self.forged_breaks.append(
                    f"{group_id}: {text} (receipt of {self.rollback_of} forged)"
                )
            else:
                self.found(2, group_id, f"{text} (rollback of {self.rollback_of})", entry)

    # -- helpers ------------------------------------------------------------------------------

    def _judged(
        self, where: tuple[str, str], group_id: str, earlier: Sequence[Row]
    ) -> tuple[list[Row], frozenset[str]]:
        """The group's rules now, and the rule ids judging it now (with the rules the plan's
        earlier calls removed) would revoke."""
        try:
            doc = read_group(self.estate.ec2(*where), *where, group_id)
        except NotFoundError:
            return [], frozenset()
        rows = list(doc["SecurityGroupRules"])
        doc["SecurityGroupRules"] = rows + [dict(r) for r in earlier]
        lists = set(referenced_prefix_lists(earlier)) - set(doc["ManagedPrefixLists"])
        doc["ManagedPrefixLists"].update(resolve_prefix_lists(self.estate.ec2(*where), lists))
        snapshot = read_snapshot(doc, source=f"oracle/{group_id}")
        result = self.scanner.scan([snapshot])
        plan = plan_group(
            snapshot.groups[0], result.findings, self.mode, lockdown_severity=Severity.CRITICAL
        )
        ids = () if plan is None else (*plan.revoke_ingress, *plan.revoke_egress)
        return rows, frozenset(ids)

    def _pointer_verifies(self, group_id: str, entry: Entry) -> None:
        value = self.pointers.get(group_id)
        if value is None:
            self.found(3, group_id, "revoke, and sgc never wrote a pointer tag on it", entry)
            return
        backup_id, fields = _pointer(value)
        stored = self.backups.get(backup_id)
        if stored is None or stored.group_id != group_id:
            self.found(3, group_id, f"pointer {value!r} names no backup sgc stored for it", entry)
            return
        if fields.get("sha256") != stored.sha256 or fields.get("v") != stored.version:
            self.found(3, group_id, f"pointer {value!r} is not the stored backup's", entry)
            return
        if self.versioned:
            blob = self.files.read(backup_name(backup_id), stored.version)
            if blob is None or digest(blob.doc) != stored.sha256:
                self.found(3, group_id, f"backup {backup_id} no longer verifies", entry)


def _pointer(value: str) -> tuple[str, dict[str, Any]]:
    """`ID sha256=HEX [v=VERSION]`, read independently of the product's parser."""
    first, *rest = value.split() or [""]
    return first, dict(part.split("=", 1) for part in rest if "=" in part)
