"""What remediating a group came to: the values a run reports, audits and alerts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sgcompliance.engine.policy import Severity
from sgcompliance.errors import BackupError
from sgcompliance.remediation.plan import Mode, RemediationPlan

STATUS_IN_PROGRESS = "remediating"
# What outcome_tags says once rules were revoked.
STATUS_DONE = frozenset({"remediated", "locked-down"})
STATUS_FLAGGED = "flagged"
STATUS_COMPLIANT = "compliant"
# An in-progress status whose backup could not be verified: reported once, then left as this.
STATUS_UNVERIFIED = "interrupted-unverified"


class Outcome(StrEnum):
    DRY_RUN = "dry_run"
    APPLIED = "applied"
    # Revoked and verified, but the outcome tags (or the receipt) could not be written: the
    # backup id, the removed rules and the rollback command still stand.
    APPLIED_TAGGING_FAILED = "applied_tagging_failed"
    APPLIED_UNRECORDED = "applied_unrecorded"
    UNCHANGED = "unchanged"  # already in the desired state: no write made
    # The group's rules changed between the read and the revoke: re-judged from a new read,
    # and nothing was left to revoke (see `changed`).
    CHANGED = "changed_since_read"
    GROUP_GONE = "group_gone"
    FAILED = "failed"


# Outcomes in which rules were revoked and verified.
REVOKED_OUTCOMES = frozenset(
    {Outcome.APPLIED, Outcome.APPLIED_TAGGING_FAILED, Outcome.APPLIED_UNRECORDED}
)


@dataclass(frozen=True, slots=True)
class RemediationSettings:
    mode: Mode = Mode.FLAG_ONLY
    dry_run: bool = False
    max_revokes: int | None = None
    lockdown_severity: Severity = Severity.CRITICAL
    # Leave the outcome tags to the caller (`write_outcome_tags`), to be written once it has
    # recorded and alerted: until then the group stays "in progress", so a process that dies
    # first leaves the next run a plan to finish and an alert to send, not a finished group.
    defer_outcome_tags: bool = False
    # Account x regions remediated at once (each one's groups in phases, one after another).
    max_workers: int = 8
    # A change event's run: whatever changes after its read comes as an event of its own and is
    # judged then, so a lone group whose revokes stand alone is revoked with no read first
    # (`SecurityGroupRemediator._stands_alone`). A sweep or an operator's run has no such
    # event behind it to rely on, and reads the group again.
    changes_come_as_events: bool = False


@dataclass(slots=True)
class GroupOutcome:
    plan: RemediationPlan
    outcome: Outcome
    backup_id: str | None = None
    revoked: list[str] = field(default_factory=list)
    # Planned rules this tool did not remove: gone or changed before its call reached them.
    already_gone: list[str] = field(default_factory=list)
    verified: bool = False
    error: str | None = None
    # Finished (or closed) from the backup of an earlier run that stopped part way.
    resumed: bool = False
    # Outcome tags still to be written (settings.defer_outcome_tags).
    pending_tags: dict[str, str] | None = None
    # Rule ids whose content changed (or that went away) between the read and the revoke:
    # the group was judged again from a new read before anything was revoked.
    changed: list[str] = field(default_factory=list)
    backup_sha256: str | None = None
    backup_version: str | None = None

    @property
    def revoked_any(self) -> bool:
        return self.outcome in REVOKED_OUTCOMES and bool(self.revoked)


@dataclass(slots=True)
class RemediationRun:
    plans: list[RemediationPlan]
    outcomes: list[GroupOutcome]
    blast_radius_note: str = ""
    # (account, region, group id) of flagged groups found compliant, whose flags were cleared.
    cleared: list[tuple[str, str, str]] = field(default_factory=list)
    # The backup store failed: no group from the failing one on was changed.
    stopped_by: BackupError | None = None

    @property
    def revoked_count(self) -> int:
        return sum(len(o.revoked) for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """Every change made as planned and fully recorded on the group."""
        return self.stopped_by is None and all(
            o.outcome not in (Outcome.FAILED, *REVOKED_OUTCOMES - {Outcome.APPLIED})
            for o in self.outcomes
        )
