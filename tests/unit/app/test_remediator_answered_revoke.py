"""One group's revoke without the reads around it: the pointer, the revoke by content and AWS's
answer to it, when every rule revoked stands alone; the reads again where it does not, or where
the answer does not account for every rule. Each test puts another actor between two steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from test_remediator import ACCOUNT, REGION, group, policy, remediator, rule

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.errors import BackupError
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Mode
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState
from sgcompliance.remediation.remediator import GroupOutcome, Outcome, SecurityGroupRemediator
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.testing import FakeGateway, MemoryBackups

OFFICE = Peer(PeerKind.IPV4, "10.20.0.0/16")


def remediate(gw: FakeGateway, rem: SecurityGroupRemediator) -> GroupOutcome:
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    (outcome,) = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot]).outcomes
    return outcome


def event_remediator(pol: Policy, mode: Mode, backups: MemoryBackups) -> SecurityGroupRemediator:
    """A change event's remediator: what changes after its read comes as an event of its own."""
    return remediator(pol, mode, backups, changes_come_as_events=True)


def steps(gw: FakeGateway) -> list[str]:
    """The fake's calls by kind, less the describes its own tag writes make."""
    return [e.split()[0] for e in gw.log if not e.startswith("describe ")]


def peers(gw: FakeGateway) -> list[str]:
    return sorted(str(r.peer) for r in gw.groups["sg-1"].rules)


def test_a_world_rule_is_revoked_between_its_pointer_and_its_outcome_tags_without_a_read() -> None:
    # GIVEN SSH open to the world beside a private rule
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 22, "10.0.0.0/8"))])
    backups = MemoryBackups()
    # WHEN remediating the one group
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    # THEN the calls are the pointer, the revoke and the outcome tags, and the answer verified it
    assert steps(gw) == ["tag", "revoke", "tag"]
    assert (outcome.outcome, outcome.revoked, outcome.verified) == (
        Outcome.APPLIED, ["sgr-ssh"], True,
    )  # fmt: skip
    assert peers(gw) == ["10.0.0.0/8"]
    # AND the backup was stored before the pointer, and the receipt says what went
    assert outcome.backup_id in backups.records
    receipt = backups.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert (receipt.state, receipt.revoked) == (ReceiptState.APPLIED, ("sgr-ssh",))


def test_a_sweep_reads_the_group_again_and_revokes_a_rule_changed_to_other_open_content() -> None:
    # GIVEN a sweep's lone violating group (no event follows a change the sweep races with)
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 22, "10.0.0.0/8"))])
    # AND its owner turns the world SSH rule into world PostgreSQL before the pointer is written
    gw.before("tag", lambda: gw.modify_rule("sg-1", "sgr-ssh", from_port=5432, to_port=5432))
    backups = MemoryBackups()
    # WHEN the sweep remediates it
    outcome = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN it read the rules again, judged the new content and revoked that
    assert steps(gw)[:2] == ["tag", "rules"]
    assert outcome.outcome is Outcome.APPLIED
    assert peers(gw) == ["10.0.0.0/8"]


def test_a_world_rule_deleted_before_the_revoke_is_reported_and_the_pointer_taken_back() -> None:
    # GIVEN the owner deletes the world rule just after the pointer is written
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 22, "10.0.0.0/8"))])
    gw.before("revoke", lambda: gw.delete_rule("sg-1", "sgr-ssh"))
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    # THEN nothing was revoked, the outcome says the rule changed or went, the receipt too
    assert (outcome.outcome, outcome.revoked, outcome.changed) == (
        Outcome.CHANGED, [], ["sgr-ssh"],
    )  # fmt: skip
    receipt = backups.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert (receipt.state, receipt.not_revoked) == (ReceiptState.NOTHING, ("sgr-ssh",))
    # AND the private rule is untouched and no pointer or status is left behind
    assert peers(gw) == ["10.0.0.0/8"]
    assert not {TAG_BACKUP, TAG_STATUS} & set(gw.groups["sg-1"].tags)


def test_a_rule_added_before_the_revoke_is_left_to_its_own_event() -> None:
    # GIVEN someone adds an IPv6 world SSH rule between the read and the revoke
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    gw.before("revoke", lambda: gw.add_rule("sg-1", rule("sgr-late", 22, "::/0")))
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    # THEN only the rule judged is revoked and recorded; the new one waits for its event
    assert outcome.revoked == ["sgr-ssh"]
    assert peers(gw) == ["::/0"]
    receipt = backups.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert receipt.revoked == ("sgr-ssh",)


def test_a_rule_deleted_and_added_again_under_a_new_id_is_verified_by_a_read() -> None:
    # GIVEN the world rule is deleted and the same content added again (a new id) before the
    # revoke: AWS's answer then names an id the plan does not
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])

    def recreate() -> None:
        gw.delete_rule("sg-1", "sgr-ssh")
        gw.add_rule("sg-1", rule("sgr-again", 22, "0.0.0.0/0"))

    gw.before("revoke", recreate)
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    # THEN the group is read after the revoke to verify by content, and it verifies
    assert steps(gw) == ["tag", "revoke", "rules", "tag"]
    assert (outcome.outcome, outcome.verified) == (Outcome.APPLIED, True)
    assert peers(gw) == []
    # AND a rollback puts back that content once
    RollbackService(backups).rollback(str(outcome.backup_id), lambda a, r: gw, dry_run=False)
    assert peers(gw) == ["0.0.0.0/0"]


class Contradicting(FakeGateway):
    """An endpoint that answers a revoke as done, listing no rule, and removes nothing."""

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        self.log.append(f"revoke {group_id} {direction} {len(rules)} rule(s)")
        return RevokeResult((), ())


def test_an_answer_that_does_not_list_the_rules_it_removed_is_checked_and_fails() -> None:
    # GIVEN an answer that says nothing of the rule it was asked to revoke
    gw = Contradicting([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, MemoryBackups()))
    # THEN the read after it finds the rule and the outcome says verification failed
    assert steps(gw) == ["tag", "revoke", "rules"]
    assert outcome.outcome is Outcome.FAILED
    assert "verification failed" in str(outcome.error)


class Unaccounted(FakeGateway):
    """An endpoint whose answer lists no ids and names unknown permissions: which rules they
    stand for is matched, not told."""

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        done = super().revoke(group_id, direction, rules)
        return replace(done, revoked_ids=None, accounted=False)


def test_an_answer_that_does_not_account_for_every_rule_is_checked_by_a_read() -> None:
    # GIVEN two world rules, one fixed in place before the revoke, on such an endpoint
    gw = Unaccounted([group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 22, "::/0"))])
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-a", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    # THEN the read after the revoke confirms it, and the fixed rule is kept and reported
    assert steps(gw) == ["tag", "revoke", "rules", "tag"]
    assert (outcome.revoked, outcome.already_gone, outcome.verified) == (
        ["sgr-b"], ["sgr-a"], True,
    )  # fmt: skip
    assert peers(gw) == ["10.20.0.0/16"]
    receipt = backups.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert (receipt.state, receipt.revoked, receipt.not_revoked) == (
        ReceiptState.PARTIAL, ("sgr-b",), ("sgr-a",),
    )  # fmt: skip


def test_a_moto_like_endpoint_that_lists_no_ids_is_believed_when_it_names_nothing_unknown() -> None:
    # GIVEN an endpoint that removes matching rules and fails on any other (moto), listing no ids
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))], in_order=True)
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.REMOVE, MemoryBackups()))
    # THEN its answer verified the revoke
    assert steps(gw) == ["tag", "revoke", "tag"]
    assert (outcome.outcome, outcome.verified, peers(gw)) == (Outcome.APPLIED, True, [])


def coverage_policy() -> Policy:
    """SSH from the whole IPv4 world, alone or with rules that together cover it."""
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    check = Check("SSH", "ssh", CheckType.RESTRICTED_PORTS, Severity.HIGH, Remediation.REMOVE, ssh)
    return Policy("p", "1", (check,), ())


def test_a_rule_revoked_because_of_another_is_read_again_first_and_judged_again() -> None:
    # GIVEN SSH from 0.0.0.0/1 and 128.0.0.0/1, which together cover the world; one half is
    # fixed in place after the pointer, before the read again
    gw = FakeGateway([group(rule("sgr-lo", 22, "0.0.0.0/1"), rule("sgr-hi", 22, "128.0.0.0/1"))])
    gw.before("rules", lambda: gw.modify_rule("sg-1", "sgr-lo", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(coverage_policy(), Mode.REMOVE, backups))
    # THEN the group was read again before any revoke, and judged again: the other half no
    # longer covers the world by itself, so nothing is revoked
    assert steps(gw)[:2] == ["tag", "rules"]
    assert "revoke" not in steps(gw)
    assert outcome.outcome is Outcome.CHANGED
    assert peers(gw) == ["10.20.0.0/16", "128.0.0.0/1"]
    assert not {TAG_BACKUP, TAG_STATUS} & set(gw.groups["sg-1"].tags)


def test_a_lockdown_is_read_again_before_its_revokes() -> None:
    # GIVEN emergency mode locking down a group with world SSH and a private rule
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 443, "10.0.0.0/8"))])
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(), Mode.EMERGENCY, MemoryBackups()))
    # THEN the rules are read again between the pointer and the revokes
    assert steps(gw)[:2] == ["tag", "rules"]
    assert (outcome.outcome, peers(gw)) == (Outcome.APPLIED, [])


class ReceiptRefused(MemoryBackups):
    """A store that refuses receipts while `refusing` (the run stops before its receipt)."""

    refusing = True

    def put_receipt(self, receipt: BackupReceipt) -> None:
        if self.refusing:
            raise BackupError("store unavailable")
        super().put_receipt(receipt)


def test_a_revoke_whose_receipt_was_not_stored_is_finished_by_the_next_run() -> None:
    # GIVEN a run whose receipt the store refused after the revoke: the group keeps its
    # pointer and the in-progress status
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    backups = ReceiptRefused()
    first = remediate(gw, event_remediator(policy(), Mode.REMOVE, backups))
    assert first.outcome is Outcome.APPLIED_UNRECORDED
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediating"
    # WHEN the next run reads the group, the store accepting receipts again
    backups.refusing = False
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    rem = event_remediator(policy(), Mode.REMOVE, backups)
    rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])
    # THEN it finishes from the pointer: the receipt lists the rule the first run removed,
    # and the group is marked remediated
    receipt = backups.receipt(str(first.backup_id))
    assert receipt is not None
    assert receipt.revoked == ("sgr-ssh",)
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"


def test_a_rule_added_again_with_a_tag_an_exemption_names_is_read_and_spared() -> None:
    # GIVEN a policy exempting rules tagged approved=yes, and the world rule deleted and added
    # again under a new id with that tag before the revoke
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])

    def recreate() -> None:
        gw.delete_rule("sg-1", "sgr-ssh")
        approved = replace(rule("sgr-again", 22, "0.0.0.0/0"), tags=(("approved", "yes"),))
        gw.add_rule("sg-1", approved)

    gw.before("rules", recreate)
    exempt = Exemption("EX", "ops", "approved", rule_tags=(("approved", "yes"),))
    backups = MemoryBackups()
    # WHEN remediating
    outcome = remediate(gw, event_remediator(policy(exempt), Mode.REMOVE, backups))
    # THEN the group was read again before any revoke, and the exempt rule stays
    assert "revoke" not in steps(gw)
    assert outcome.outcome is Outcome.CHANGED
    assert peers(gw) == ["0.0.0.0/0"]
