"""What a remediation run did, as the report writers see it.

Report writers depend on the core only; the command line turns the remediator's outcomes into
these values, so a format can show the before/after diff, the backups and the rollback commands
without knowing how remediation is carried out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgcompliance.engine.model import Rule
from sgcompliance.records.undo import rollback_command
from sgcompliance.remediation.plan import Mode, RemediationPlan

# Outcomes after which the group holds what the run meant it to (its outcome tags or receipt
# aside): a failed or re-judged group reports its error instead.
APPLIED_OUTCOMES = frozenset({"applied", "applied_tagging_failed", "applied_unrecorded"})


@dataclass(frozen=True, slots=True)
class RemediationEntry:
    """One group's plan and what became of it."""

    plan: RemediationPlan
    # One of: dry_run, applied, applied_tagging_failed, applied_unrecorded, changed_since_read,
    # unchanged, group_gone, failed.
    outcome: str
    backup_id: str | None = None
    revoked: tuple[str, ...] = ()
    error: str | None = None
    # Where the backup is (`--backup-dir DIR` or `--backup-bucket NAME`); empty for the default.
    rollback_options: str = ""
    # Rules that changed in place or went between the read and the revoke (judged again).
    changed: tuple[str, ...] = ()

    @property
    def removed_rules(self) -> tuple[Rule, ...]:
        """The rules taken out (planned ones on a dry run): the "before minus after" of the diff."""
        if self.outcome == "dry_run":
            ids = {*self.plan.revoke_ingress, *self.plan.revoke_egress}
        else:
            ids = set(self.revoked)
        return tuple(r for r in self.plan.pre_image if r.rule_id in ids)

    @property
    def added_rules(self) -> tuple[Rule, ...]:
        """The narrower rules put in place of removed ones (`remediation: narrow`): planned on a
        dry run; once applied, those whose wide rules this run revoked, since a replacement is
        authorized and verified before its wide rules are revoked."""
        if self.outcome == "dry_run":
            return tuple(n.rule for n in self.plan.narrowing)
        if self.outcome not in APPLIED_OUTCOMES:
            return ()
        revoked = set(self.revoked)
        return tuple(n.rule for n in self.plan.narrowing if revoked.issuperset(n.replaces))

    @property
    def kept_rules(self) -> tuple[Rule, ...]:
        removed = {r.rule_id for r in self.removed_rules}
        return tuple(r for r in self.plan.pre_image if r.rule_id not in removed)

    @property
    def rollback_command(self) -> str | None:
        """`sgc rollback ID`, with the options that name where the backup is stored."""
        return rollback_command(self.backup_id, self.rollback_options)


@dataclass(frozen=True, slots=True)
class RemediationReport:
    mode: Mode
    dry_run: bool
    entries: tuple[RemediationEntry, ...]
    # Set when the run refused to revoke because too many rules would go (the blast-radius guard).
    blast_radius_note: str = ""
