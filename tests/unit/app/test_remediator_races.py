"""The write path while the world changes under it: another actor between two steps of the
remediator, tags written by someone who wants a port open, a group near the tag limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from test_remediator import ACCOUNT, NOW, REGION, group, pointed, policy, remediator, rule

from sgcompliance.engine.model import Peer, PeerKind, RegionSnapshot
from sgcompliance.remediation.backup import parse_pointer
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_CHECKS, TAG_STATUS, TAG_TIME, Action, Mode
from sgcompliance.remediation.receipt import ReceiptState
from sgcompliance.remediation.remediator import Outcome, SecurityGroupRemediator
from sgcompliance.testing import FakeGateway, MemoryBackups

OFFICE = Peer(PeerKind.IPV4, "10.20.0.0/16")


def remediate(gw: FakeGateway, rem: SecurityGroupRemediator) -> list[object]:
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    return list(rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot]).outcomes)


def peers(gw: FakeGateway) -> list[str]:
    return sorted(str(r.peer) for r in gw.groups["sg-1"].rules)


def test_a_rule_fixed_in_place_while_the_backup_is_written_is_not_revoked() -> None:
    # GIVEN SSH open to the world, fixed in place (same rule id) to the office range just as
    # the remediator writes its backup pointer
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    gw.before("tag", lambda: gw.modify_rule("sg-1", "sgr-ssh", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the fixed rule stays, and the outcome says the group changed since it was read
    assert peers(gw) == ["10.20.0.0/16"]
    assert outcome.outcome is Outcome.CHANGED  # type: ignore[attr-defined]
    assert outcome.changed == ["sgr-ssh"]  # type: ignore[attr-defined]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    # AND the unused backup's receipt says nothing was revoked under it
    (receipt,) = (r[0] for r in backups.receipts_by_id.values())
    assert (receipt.state, receipt.revoked) == (ReceiptState.NOTHING, ())
    # AND no pointer or in-progress tag is left on the group
    assert TAG_BACKUP not in gw.groups["sg-1"].tags
    assert TAG_STATUS not in gw.groups["sg-1"].tags


def test_a_rule_fixed_in_place_between_the_re_read_and_the_revoke_is_not_revoked() -> None:
    # GIVEN a fix that lands after the re-read, just before the revoke call
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-ssh", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the revoke, by content, matched nothing: the office rule stays
    assert peers(gw) == ["10.20.0.0/16"]
    assert outcome.outcome is Outcome.CHANGED  # type: ignore[attr-defined]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert receipt.revoked == ()
    assert receipt.not_revoked == ("sgr-ssh",)


def test_an_endpoint_that_fails_the_call_on_changed_content_revokes_the_rest_one_by_one() -> None:
    # GIVEN two world rules, one fixed just before the revoke, on an endpoint that fails a
    # call naming content the group does not hold
    gw = FakeGateway(
        [group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 22, "::/0"))], fail_unknown=True
    )
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-a", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the rule still as judged is revoked, the fixed one stays, and each is accounted for
    assert peers(gw) == ["10.20.0.0/16"]
    assert outcome.revoked == ["sgr-b"]  # type: ignore[attr-defined]
    assert outcome.already_gone == ["sgr-a"]  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert (receipt.state, receipt.revoked) == (ReceiptState.PARTIAL, ("sgr-b",))


def test_a_group_whose_tags_leave_no_room_for_the_pointer_is_flagged_not_revoked() -> None:
    # GIVEN a group with 48 tags of its own and SSH open to the world
    crowded = {f"team:{n}": "x" for n in range(48)}
    gw = FakeGateway([replace(group(rule("sgr-ssh", 22, "0.0.0.0/0")), tags=crowded)])
    # WHEN remediating in remove mode
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, MemoryBackups()))
    # THEN nothing is revoked, the plan says why, and the flag uses the room there is
    assert peers(gw) == ["0.0.0.0/0"]
    assert outcome.plan.action is Action.FLAG  # type: ignore[attr-defined]
    assert "limit of 50" in outcome.plan.note  # type: ignore[attr-defined]
    tags = gw.groups["sg-1"].tags
    assert (tags[TAG_STATUS], tags[TAG_CHECKS]) == ("flagged", "SSH")
    assert len(tags) == 50


def test_outcome_tags_that_fail_after_the_revoke_keep_the_backup_and_the_removed_rules() -> None:
    # GIVEN a group with room for exactly the remediator's tags, and someone adding two tags
    # between its pointer tag and its outcome tags
    roomy = {f"team:{n}": "x" for n in range(46)}
    gw = FakeGateway([replace(group(rule("sgr-ssh", 22, "0.0.0.0/0")), tags=roomy)])
    gw.before("revoke", lambda: gw.set_tags("sg-1", {"late:1": "x", "late:2": "x"}))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the revoke stands and is reported as such, with its backup and rule
    assert peers(gw) == []
    assert outcome.outcome is Outcome.APPLIED_TAGGING_FAILED  # type: ignore[attr-defined]
    assert outcome.revoked == ["sgr-ssh"]  # type: ignore[attr-defined]
    assert outcome.backup_id in backups.records  # type: ignore[attr-defined]
    assert "TagLimitExceeded" in str(outcome.error)  # type: ignore[attr-defined]


def test_a_flagged_group_that_became_compliant_is_marked_compliant() -> None:
    # GIVEN a group the remediator flagged, whose owner has since fixed it
    flags = {TAG_STATUS: "flagged", TAG_CHECKS: "SSH", TAG_TIME: "2026-11-01T00:00:00+00:00"}
    gw = FakeGateway([replace(group(rule("sgr-ssh", 22, "10.0.0.0/8")), tags=flags)])
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    rem = remediator(policy(), Mode.FLAG_ONLY, MemoryBackups())
    # WHEN it is judged again
    run = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])
    # THEN its violations tag is gone and its status says compliant, with the time
    tags = gw.groups["sg-1"].tags
    assert TAG_CHECKS not in tags
    assert (tags[TAG_STATUS], tags[TAG_TIME]) == ("compliant", NOW.isoformat())
    assert run.cleared == [(ACCOUNT, REGION, "sg-1")]


def test_in_progress_tags_pointing_at_another_groups_backup_revoke_nothing() -> None:
    # GIVEN a backup of group sg-2 (both groups have a port-5432 rule open to the world), and
    # sg-1's tags set by a member to "remediating" with a pointer to that backup
    backups = MemoryBackups()
    other = FakeGateway([group(rule("sgr-db2", 5432, "0.0.0.0/0"), group_id="sg-2")])
    other.before("rules", lambda: other.delete_rule("sg-2", "sgr-db2"))
    remediate_other = remediator(policy(), Mode.REMOVE, backups)
    snap = RegionSnapshot(ACCOUNT, REGION, tuple(other.groups.values()))
    remediate_other.run(remediate_other.scanner.scan([snap]), lambda a, r: other, [snap])
    (foreign,) = backups.records
    forged = {TAG_STATUS: "remediating", TAG_BACKUP: foreign}
    gw = FakeGateway([replace(group(rule("sgr-web", 443, "0.0.0.0/0")), tags=forged)])
    # WHEN the remediator sees sg-1 (compliant) in remove mode
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN nothing is revoked, the outcome says the tags could not be verified, once
    assert peers(gw) == ["0.0.0.0/0"]
    assert outcome.outcome is Outcome.FAILED  # type: ignore[attr-defined]
    assert "could not be verified" in str(outcome.error)  # type: ignore[attr-defined]
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "interrupted-unverified"
    assert remediate(gw, remediator(policy(), Mode.REMOVE, backups)) == []


def test_in_progress_tags_with_a_bare_backup_id_are_not_acted_on() -> None:
    # GIVEN an interrupted remediation of sg-1 whose pointer a member rewrote without digest
    backups = MemoryBackups()
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-db", 5432, "0.0.0.0/0"))])
    rem = remediator(policy(), Mode.REMOVE, backups, defer_outcome_tags=True)
    remediate(gw, rem)
    pointer = parse_pointer(gw.groups["sg-1"].tags[TAG_BACKUP])
    assert pointer is not None
    gw.groups["sg-1"] = replace(
        gw.groups["sg-1"],
        rules=(rule("sgr-db", 5432, "0.0.0.0/0"),),
        tags={TAG_STATUS: "remediating", TAG_BACKUP: pointer.backup_id},
    )
    backups.receipts_by_id.clear()
    # WHEN the next run meets the group
    outcomes = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the pointer is reported as unverified, and the group is judged on what it holds now
    assert [o.outcome for o in outcomes] == [Outcome.FAILED, Outcome.APPLIED]  # type: ignore[attr-defined]
    assert "carries no digest" in str(outcomes[0].error)  # type: ignore[attr-defined]
    assert outcomes[1].resumed is False  # type: ignore[attr-defined]
    assert pointed(gw.groups["sg-1"].tags) != pointer.backup_id


def test_a_group_reference_an_endpoint_will_not_match_by_content_is_revoked_by_its_id() -> None:
    # GIVEN a lockdown of a group with a reference to another group, on an endpoint (moto)
    # that never matches a group reference by content and stops a revoke at the first miss
    reference = replace(
        rule("sgr-ref", 443, "0.0.0.0/0"), peer=Peer(PeerKind.GROUP, "sg-peer"), description="app"
    )
    gw = FakeGateway(
        [group(rule("sgr-ssh", 22, "0.0.0.0/0"), reference)], in_order=True, refuse_references=True
    )
    backups = MemoryBackups()
    # WHEN locking it down
    (outcome,) = remediate(gw, remediator(policy(), Mode.EMERGENCY, backups))
    # THEN the refused call removed nothing (references go first), and each rule went alone:
    # the reference by its id, as it was read moments before with the content judged
    assert gw.groups["sg-1"].rules == ()
    assert "revoke-ids sg-1 ingress ['sgr-ref']" in gw.writes
    assert sorted(outcome.revoked) == ["sgr-ref", "sgr-ssh"]  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert sorted(receipt.revoked) == ["sgr-ref", "sgr-ssh"]


def test_a_rule_gone_during_a_refused_call_is_not_claimed_and_so_never_restored() -> None:
    # GIVEN three world rules, one deleted by someone else just before the revoke, on an
    # endpoint that removes a call's rules in order and fails at the first it cannot match
    gw = FakeGateway(
        [
            group(
                rule("sgr-a", 22, "0.0.0.0/0"),
                rule("sgr-b", 22, "::/0"),
                rule("sgr-c", 5432, "0.0.0.0/0"),
            )
        ],
        in_order=True,
    )
    gw.before("revoke", lambda: gw.delete_rule("sg-1", "sgr-b"))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN every violating rule is gone, but only what this tool can show it removed is claimed:
    # sgr-a went in the refused call, indistinguishable from a removal by someone else
    assert gw.groups["sg-1"].rules == ()
    assert outcome.revoked == ["sgr-c"]  # type: ignore[attr-defined]
    assert sorted(outcome.already_gone) == ["sgr-a", "sgr-b"]  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert receipt.revoked == ("sgr-c",)


def test_a_second_run_that_finds_the_work_done_leaves_the_first_runs_tags_from_its_receipt() -> (
    None
):
    # GIVEN a plan made from a read, then the same group remediated by another run (a second
    # delivery of the same event) before this plan is applied
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))])
    backups = MemoryBackups()
    early = remediator(policy(), Mode.REMOVE, backups)
    late = SecurityGroupRemediator(
        early.scanner, backups, lambda: NOW + timedelta(seconds=1), early.settings
    )
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    plans, _ = late.plan(late.scanner.scan([snapshot]))
    (first,) = remediate(gw, early)
    # WHEN the late plan is applied: its pointer overwrites the first run's outcome tags, and
    # its read again finds nothing left to revoke
    outcome = late.apply(plans[0], gw)
    # THEN it revokes nothing, and the tags say what the records say: the first run's revoke
    assert outcome.outcome is Outcome.CHANGED
    tags = gw.groups["sg-1"].tags
    assert pointed(tags) == first.backup_id  # type: ignore[attr-defined]
    assert (tags[TAG_STATUS], tags[TAG_CHECKS]) == ("remediated", "SSH")


def test_a_flag_never_carries_a_pointer_to_another_groups_backup() -> None:
    # GIVEN a group whose sgc:backup tag a member pointed at another group's backup
    forged = {TAG_BACKUP: "sg-2.20261101T000000000000Z.deadbeef sha256=00"}
    gw = FakeGateway([replace(group(rule("sgr-ssh", 22, "0.0.0.0/0")), tags=forged)])
    # WHEN it is flagged
    remediate(gw, remediator(policy(), Mode.FLAG_ONLY, MemoryBackups()))
    # THEN the flag is written and the foreign pointer is gone
    tags = gw.groups["sg-1"].tags
    assert tags[TAG_STATUS] == "flagged"
    assert TAG_BACKUP not in tags


def test_a_flagged_group_opened_again_after_its_read_is_not_marked_compliant() -> None:
    # GIVEN a flagged group read as compliant, whose rule is opened to the world right after
    flags = {TAG_STATUS: "flagged", TAG_CHECKS: "SSH"}
    gw = FakeGateway([replace(group(rule("sgr-ssh", 22, "10.0.0.0/8")), tags=flags)])
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    gw.before(
        "rules", lambda: gw.modify_rule("sg-1", "sgr-ssh", peer=Peer(PeerKind.IPV4, "0.0.0.0/0"))
    )
    rem = remediator(policy(), Mode.FLAG_ONLY, MemoryBackups())
    # WHEN the run settles the groups it did not plan for
    run = rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])
    # THEN the flags stay: the group is no longer what was judged compliant
    assert gw.groups["sg-1"].tags == flags
    assert run.cleared == []
