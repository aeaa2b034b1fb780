"""SecurityGroupRemediator against an in-memory EC2: order, precision, modes, safety."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    DescriptionRequired,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import BackupError
from sgcompliance.remediation.backup import parse_pointer
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Action, Mode
from sgcompliance.remediation.remediator import (
    STATUS_IN_PROGRESS,
    Outcome,
    RemediationSettings,
    SecurityGroupRemediator,
    write_outcome_tags,
)
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.testing import FakeGateway, MemoryBackups

ACCOUNT, REGION = "111111111111", "eu-west-1"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def rule(rule_id: str, port: int, cidr: str, direction: Direction = Direction.INGRESS) -> Rule:
    kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
    return Rule(rule_id, "sg-1", direction, "tcp", port, port, Peer(kind, cidr), "d")


def group(*rules: Rule, group_id: str = "sg-1") -> SecurityGroup:
    return SecurityGroup(group_id, "web", ACCOUNT, REGION, rules)


def policy(*exemptions: Exemption) -> Policy:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    db = RestrictedPorts((PortSpec(frozenset({"tcp"}), (5432, 5432)),), Sources())
    checks = (
        Check("SSH", "ssh", CheckType.RESTRICTED_PORTS, Severity.CRITICAL, Remediation.REMOVE, ssh),
        Check("DB", "db", CheckType.RESTRICTED_PORTS, Severity.HIGH, Remediation.REMOVE, db),
        Check(
            "DESC", "desc", CheckType.DESCRIPTION_REQUIRED, Severity.LOW, Remediation.FLAG,
            DescriptionRequired(),
        ),
    )  # fmt: skip
    return Policy("p", "1", checks, exemptions)


def remediator(
    pol: Policy, mode: Mode, backups: MemoryBackups, **kwargs: object
) -> SecurityGroupRemediator:
    settings = RemediationSettings(mode=mode, **kwargs)  # type: ignore[arg-type]
    scanner = ComplianceScanner(pol, today=lambda: date(2026, 11, 27))
    return SecurityGroupRemediator(scanner, backups, lambda: NOW, settings)


def pointed(tags: Mapping[str, str]) -> str:
    pointer = parse_pointer(tags[TAG_BACKUP])
    assert pointer is not None
    return pointer.backup_id


def run(gw: FakeGateway, rem: SecurityGroupRemediator) -> list[Outcome]:
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    result = rem.scanner.scan([snapshot])
    return [o.outcome for o in rem.run(result, lambda a, r: gw, [snapshot]).outcomes]


def test_remove_backs_up_before_the_first_revoke_and_keeps_the_private_peer() -> None:
    # GIVEN a permission with 10.0.0.0/8 and 0.0.0.0/0 on tcp 22 (two rules in normal form)
    log: list[str] = []
    gw = FakeGateway(
        [group(rule("sgr-private", 22, "10.0.0.0/8"), rule("sgr-world", 22, "0.0.0.0/0"))], log
    )
    backups = MemoryBackups(log)
    # WHEN remediating in remove mode
    outcomes = run(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN only the world rule is revoked, after the backup was stored
    assert outcomes == [Outcome.APPLIED]
    assert [r.rule_id for r in gw.groups["sg-1"].rules] == ["sgr-private"]
    assert log.index("backup sg-1") < next(i for i, e in enumerate(log) if e.startswith("revoke"))
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"
    assert pointed(gw.groups["sg-1"].tags) in backups.records


def test_flag_only_writes_tags_and_never_revokes() -> None:
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"))])
    run(gw, remediator(policy(), Mode.FLAG_ONLY, MemoryBackups()))
    assert [w.split()[0] for w in gw.writes] == ["tag"]
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "flagged"
    assert len(gw.groups["sg-1"].rules) == 1


def test_a_second_run_makes_no_write_call() -> None:
    for mode in Mode:
        gw = FakeGateway([group(rule("sgr-world", 22, "::/0"), rule("sgr-ok", 443, "10.0.0.0/8"))])
        rem = remediator(policy(), mode, MemoryBackups())
        run(gw, rem)
        before = list(gw.writes)
        run(gw, rem)
        assert gw.writes == before, mode


def test_emergency_locks_down_every_rule_of_a_group_with_a_critical_finding() -> None:
    egress = rule("sgr-out", 443, "0.0.0.0/0", Direction.EGRESS)
    gw = FakeGateway(
        [group(rule("sgr-world", 22, "0.0.0.0/0"), rule("sgr-ok", 443, "10.0.0.0/8"), egress)]
    )
    run(gw, remediator(policy(), Mode.EMERGENCY, MemoryBackups()))
    assert gw.groups["sg-1"].rules == ()
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "locked-down"


def test_emergency_treats_findings_below_the_lockdown_severity_as_remove() -> None:
    gw = FakeGateway([group(rule("sgr-db", 5432, "0.0.0.0/0"), rule("sgr-ok", 443, "10.0.0.0/8"))])
    run(gw, remediator(policy(), Mode.EMERGENCY, MemoryBackups()))
    assert [r.rule_id for r in gw.groups["sg-1"].rules] == ["sgr-ok"]


def test_blast_radius_limit_revokes_nothing_and_flags_everything() -> None:
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 5432, "::/0"))])
    rem = remediator(policy(), Mode.REMOVE, MemoryBackups(), max_revokes=1)
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    outcome = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw)
    assert "blast-radius limit" in outcome.blast_radius_note
    assert all(p.action is Action.FLAG for p in outcome.plans)
    assert len(gw.groups["sg-1"].rules) == 2
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "flagged"


def test_a_failed_backup_stops_every_revoke_and_says_so() -> None:
    # GIVEN two groups with world-open SSH and a backup store that refuses every write
    gw = FakeGateway(
        [
            group(rule("sgr-a", 22, "0.0.0.0/0")),
            group(replace(rule("sgr-b", 22, "0.0.0.0/0"), group_id="sg-2"), group_id="sg-2"),
        ]
    )
    rem = remediator(policy(), Mode.REMOVE, MemoryBackups(fail=True))
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    # WHEN remediating
    done = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])
    # THEN nothing was written, the run says why it stopped, and each group is reported failed
    assert gw.writes == []
    assert isinstance(done.stopped_by, BackupError)
    assert [o.outcome for o in done.outcomes] == [Outcome.FAILED, Outcome.FAILED]
    assert "not attempted" in str(done.outcomes[1].error)
    assert not done.ok


def test_a_rule_deleted_between_plan_and_apply_does_not_fail_the_group() -> None:
    # GIVEN two violating rules, one deleted by someone else after the plan was made
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 22, "::/0"))])
    backups = MemoryBackups()
    rem = remediator(policy(), Mode.REMOVE, backups)
    result = rem.scanner.scan([RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))])
    plans, _ = rem.plan(result)
    gw.delete_rule("sg-1", "sgr-a")
    # WHEN the plan is applied
    outcome = rem.apply(plans[0], gw)
    # THEN the group is judged again and the rule still there is revoked under a new backup
    assert outcome.outcome is Outcome.APPLIED
    assert outcome.verified
    assert outcome.changed == ["sgr-a"]
    assert outcome.revoked == ["sgr-b"]
    assert gw.groups["sg-1"].rules == ()
    # AND the receipt of that backup claims only the rule this run removed
    receipt = backups.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert receipt.revoked == ("sgr-b",)


def test_exempted_rules_are_never_touched() -> None:
    exemption = Exemption("bastion", "netops", "jump host", rule_ids=frozenset({"sgr-world"}))
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"))])
    run(gw, remediator(policy(exemption), Mode.EMERGENCY, MemoryBackups()))
    assert gw.writes == []


def test_dry_run_writes_nothing() -> None:
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"))])
    outcomes = run(gw, remediator(policy(), Mode.REMOVE, MemoryBackups(), dry_run=True))
    assert outcomes == [Outcome.DRY_RUN]
    assert gw.writes == []


def test_rollback_restores_the_exact_rule_set_and_removes_the_tags() -> None:
    original = (
        rule("sgr-a", 22, "0.0.0.0/0"),
        rule("sgr-b", 22, "::/0"),
        rule("sgr-c", 443, "10.0.0.0/8"),
        rule("sgr-d", 0, "0.0.0.0/0", Direction.EGRESS),
    )
    gw = FakeGateway([group(*original)])
    backups = MemoryBackups()
    run(gw, remediator(policy(), Mode.EMERGENCY, backups))
    (backup_id,) = backups.list("sg-1")
    outcome = RollbackService(backups).rollback(backup_id, lambda a, r: gw, dry_run=False)
    assert outcome.verified
    assert outcome.restored == 4
    assert {rule_identity(r) for r in gw.groups["sg-1"].rules} == {
        rule_identity(r) for r in original
    }
    assert not any(k.startswith("sgc:") for k in gw.groups["sg-1"].tags)


def test_rollback_twice_skips_rules_that_already_exist() -> None:
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"))])
    backups = MemoryBackups()
    run(gw, remediator(policy(), Mode.REMOVE, backups))
    service = RollbackService(backups)
    backup_id = service.latest("sg-1")
    service.rollback(backup_id, lambda a, r: gw, dry_run=False)
    second = service.rollback(backup_id, lambda a, r: gw, dry_run=False)
    assert second.restored == 0
    assert len(second.plan.skipped) == 1
    assert len(gw.groups["sg-1"].rules) == 1


def test_rollback_dry_run_writes_nothing() -> None:
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"))])
    backups = MemoryBackups()
    run(gw, remediator(policy(), Mode.REMOVE, backups))
    writes = list(gw.writes)
    outcome = RollbackService(backups).rollback(backups.list()[0], lambda a, r: gw, dry_run=True)
    assert len(outcome.plan.authorize) == 1
    assert gw.writes == writes


def test_emergency_lockdown_keeps_a_rule_whose_findings_are_all_exempted() -> None:
    # GIVEN a critical violation and, in the same group, a rule exempted by its id
    exemption = Exemption("jump", "netops", "jump host", rule_ids=frozenset({"sgr-exempt"}))
    gw = FakeGateway(
        [
            group(
                rule("sgr-world", 22, "::/0"),
                rule("sgr-exempt", 22, "0.0.0.0/0"),
                rule("sgr-ok", 443, "10.0.0.0/8"),
            )
        ]
    )
    # WHEN locking the group down
    run(gw, remediator(policy(exemption), Mode.EMERGENCY, MemoryBackups()))
    # THEN every rule goes except the exempted one
    assert [r.rule_id for r in gw.groups["sg-1"].rules] == ["sgr-exempt"]
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "locked-down"


def test_a_rerun_keeps_the_remediated_status_when_only_flagged_violations_remain() -> None:
    # GIVEN a world-open rule and a rule without a description (a flag-only check)
    undescribed = Rule(
        "sgr-nodesc", "sg-1", Direction.INGRESS, "tcp", 443, 443, Peer(PeerKind.IPV4, "10.0.0.0/8")
    )
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"), undescribed)])
    rem = remediator(policy(), Mode.REMOVE, MemoryBackups())
    # WHEN remediating twice
    run(gw, rem)
    writes = list(gw.writes)
    run(gw, rem)
    # THEN the second run writes nothing and the group still says it was remediated
    assert gw.writes == writes
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"


class CrashAfterFirstRevoke(FakeGateway):
    """The process dies right after its first revoke call."""

    crashed = False

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        result = super().revoke(group_id, direction, rules)
        if not self.crashed:
            self.crashed = True
            raise KeyboardInterrupt
        return result


def test_a_lockdown_interrupted_between_directions_is_finished_by_the_next_run() -> None:
    # GIVEN a lockdown that stopped after revoking ingress, before egress
    egress = rule("sgr-out", 443, "0.0.0.0/0", Direction.EGRESS)
    gw = CrashAfterFirstRevoke([group(rule("sgr-world", 22, "0.0.0.0/0"), egress)])
    backups = MemoryBackups()
    rem = remediator(policy(), Mode.EMERGENCY, backups)
    with pytest.raises(KeyboardInterrupt):
        run(gw, rem)
    assert [r.rule_id for r in gw.groups["sg-1"].rules] == ["sgr-out"]
    # WHEN the next run finds no critical violation left
    run(gw, rem)
    # THEN it finishes the recorded plan from the backup: the group is empty and tagged
    assert gw.groups["sg-1"].rules == ()
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "locked-down"
    assert len(backups.records) == 1


def test_deferred_outcome_tags_leave_the_group_in_progress_until_written() -> None:
    # GIVEN a world-open SSH rule and a remediator that leaves the outcome tags to its caller
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"))], [])
    rem = remediator(policy(), Mode.REMOVE, MemoryBackups(), defer_outcome_tags=True)
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    # WHEN it remediates
    (outcome,) = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot]).outcomes
    # THEN the rule is gone but the group still says "in progress", with the tags pending
    assert outcome.outcome is Outcome.APPLIED
    assert gw.groups["sg-1"].tags[TAG_STATUS] == STATUS_IN_PROGRESS
    assert outcome.pending_tags is not None
    # AND writing them ends the in-progress state
    write_outcome_tags(outcome, gw)
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"
    assert outcome.pending_tags is None


def test_a_remediation_finished_from_its_backup_says_it_was_resumed() -> None:
    # GIVEN a run that stopped after its revoke, leaving the group in progress
    backups = MemoryBackups()
    gw = FakeGateway([group(rule("sgr-world", 22, "0.0.0.0/0"))], [])
    first = remediator(policy(), Mode.REMOVE, backups, defer_outcome_tags=True)
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    first.run(first.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])
    # WHEN the next run sees the group (compliant now, still in progress)
    again = remediator(policy(), Mode.REMOVE, backups, defer_outcome_tags=True)
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    (outcome,) = again.run(again.scanner.scan([snapshot]), lambda a, r: gw, [snapshot]).outcomes
    # THEN it finishes the recorded plan and marks the outcome as resumed
    assert (outcome.outcome, outcome.resumed) == (Outcome.APPLIED, True)
    assert outcome.backup_id == pointed(gw.groups["sg-1"].tags)
