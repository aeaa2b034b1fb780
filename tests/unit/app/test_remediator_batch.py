"""The remediation of many groups of one account-region in phases (`batch_revoke`): the calls it
makes per account-region, and what one group changing, being re-tagged or failing in the middle
of a batch does to it and to the others."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from test_remediator import ACCOUNT, REGION, group, pointed, policy, remediator, rule

from sgcompliance.engine.model import Peer, PeerKind, RegionSnapshot, SecurityGroup
from sgcompliance.errors import AccessDeniedError, BackupError
from sgcompliance.remediation.backup import BackupRecord, StoredBackup
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Mode
from sgcompliance.remediation.receipt import ReceiptState
from sgcompliance.remediation.remediator import Outcome, RemediationRun
from sgcompliance.testing import FakeGateway, MemoryBackups

OFFICE = Peer(PeerKind.IPV4, "10.20.0.0/16")
GROUPS = [f"sg-{n}" for n in range(1, 6)]


def estate(region: str = REGION) -> list[SecurityGroup]:
    """Five groups, each with SSH open to the world and one compliant rule."""
    return [
        replace(
            group(
                replace(rule(f"sgr-ssh{g}", 22, "0.0.0.0/0"), group_id=g),
                replace(rule(f"sgr-ok{g}", 22, "10.0.0.0/8"), group_id=g),
                group_id=g,
            ),
            region=region,
        )
        for g in GROUPS
    ]


def remediate(
    gateways: dict[str, FakeGateway], backups: MemoryBackups, **settings: object
) -> RemediationRun:
    rem = remediator(policy(), Mode.REMOVE, backups, **settings)
    snapshots = [
        RegionSnapshot(ACCOUNT, region, tuple(gw.groups.values()))
        for region, gw in gateways.items()
    ]
    return rem.run(rem.scanner.scan(snapshots), lambda a, r: gateways[r], snapshots)


def entries(gw: FakeGateway) -> list[str]:
    """The fake's calls, less the describe its own tag writes make."""
    return [e for e in gw.log if not e.startswith("describe ")]


def calls(gw: FakeGateway) -> Counter[str]:
    return Counter(entry.split()[0] for entry in entries(gw))


def world_open(gw: FakeGateway) -> list[str]:
    return sorted(
        r.rule_id for g in gw.groups.values() for r in g.rules if str(r.peer) == "0.0.0.0/0"
    )


def test_a_batch_reads_twice_and_tags_once_per_identical_outcome_per_account_region() -> None:
    # GIVEN two account-regions of five groups, each group with one rule to revoke
    gateways = {REGION: FakeGateway(estate()), "us-east-1": FakeGateway(estate("us-east-1"))}
    backups = MemoryBackups()
    # WHEN remediating
    run = remediate(gateways, backups)
    # THEN every group is remediated and verified
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED] * 10
    assert all(o.verified for o in run.outcomes)
    # AND each account-region took one revoke per group and direction, one pointer tag per
    # group, one read of every group's rules before the revokes and one after, one read of
    # their tags and one outcome tag call for the five identical outcomes
    for gw in gateways.values():
        assert world_open(gw) == []
        assert calls(gw) == Counter(
            {"tag": 5, "rules_of": 2, "revoke": 5, "tags_of": 1, "tag_many": 1}
        )
        for g in gw.groups.values():
            assert g.tags[TAG_STATUS] == "remediated"
            # each group's pointer still names its own backup
            assert pointed(g.tags).startswith(g.group_id + ".")
            receipt = backups.receipt(pointed(g.tags))
            assert receipt is not None
            assert receipt.revoked == (f"sgr-ssh{g.group_id}",)


def test_every_backup_is_stored_before_the_first_pointer_and_every_pointer_before_a_revoke() -> (
    None
):
    shared: list[str] = []
    gw = FakeGateway(estate(), shared)
    remediate({REGION: gw}, MemoryBackups(shared))
    log = [e for e in shared if not e.startswith("describe ")]
    first_tag = next(i for i, e in enumerate(log) if e.startswith("tag "))
    first_revoke = next(i for i, e in enumerate(log) if e.startswith("revoke"))
    assert list(log[:first_tag]) == [f"backup {g}" for g in GROUPS]
    assert all(e.startswith("tag ") for e in log[first_tag : first_tag + 5])
    assert log[first_tag + 5].startswith("rules_of")
    assert first_revoke == first_tag + 6


def test_one_group_is_remediated_with_the_one_group_calls_of_the_event_path() -> None:
    gw = FakeGateway(estate()[:1])
    remediate({REGION: gw}, MemoryBackups())
    assert [e.split()[0] for e in entries(gw)] == ["tag", "rules", "revoke", "rules", "tag"]


def test_a_group_changed_between_the_batch_read_and_its_revoke_keeps_its_fixed_rule() -> None:
    # GIVEN the third group's rule is fixed in place just before its revoke call
    gw = FakeGateway(estate())
    gw.before("revoke", lambda: None)
    gw.before("revoke", lambda: None)
    gw.before("revoke", lambda: gw.modify_rule("sg-3", "sgr-sshsg-3", peer=OFFICE))
    backups = MemoryBackups()
    run = remediate({REGION: gw}, backups)
    # THEN the fixed rule stays, that group says it changed, and the others are remediated
    outcomes = {o.plan.group_id: o for o in run.outcomes}
    assert outcomes["sg-3"].outcome is Outcome.CHANGED
    assert outcomes["sg-3"].revoked == []
    assert [r.peer for r in gw.groups["sg-3"].rules if r.rule_id == "sgr-sshsg-3"] == [OFFICE]
    assert {g: o.outcome for g, o in outcomes.items() if g != "sg-3"} == dict.fromkeys(
        ["sg-1", "sg-2", "sg-4", "sg-5"], Outcome.APPLIED
    )
    # AND its pointer and status are taken back; its receipt says nothing was revoked
    assert TAG_STATUS not in gw.groups["sg-3"].tags
    assert TAG_BACKUP not in gw.groups["sg-3"].tags
    (receipt,) = [r[0] for r in backups.receipts_by_id.values() if r[0].group_id == "sg-3"]
    assert receipt.state is ReceiptState.NOTHING


def test_a_group_changed_before_the_batch_read_is_judged_again_on_its_own() -> None:
    # GIVEN the second group's rule is fixed in place after the pointers, before the read
    gw = FakeGateway(estate())
    gw.before("rules", lambda: gw.modify_rule("sg-2", "sgr-sshsg-2", peer=OFFICE))
    backups = MemoryBackups()
    run = remediate({REGION: gw}, backups)
    outcomes = {o.plan.group_id: o for o in run.outcomes}
    # THEN it is judged again (compliant now): nothing revoked, its fixed rule kept
    assert outcomes["sg-2"].outcome is Outcome.CHANGED
    assert outcomes["sg-2"].changed == ["sgr-sshsg-2"]
    assert len(gw.groups["sg-2"].rules) == 2
    assert TAG_STATUS not in gw.groups["sg-2"].tags
    # AND the others went on
    assert sum(o.outcome is Outcome.APPLIED for o in run.outcomes) == 4
    assert world_open(gw) == []


def test_a_group_whose_pointer_was_overwritten_gets_its_own_pointer_back_alone() -> None:
    # GIVEN someone rewrites the fourth group's sgc:backup after the pointers were written
    gw = FakeGateway(estate())
    gw.before(
        "rules",
        lambda: gw.groups.__setitem__(
            "sg-4", replace(gw.groups["sg-4"], tags={TAG_BACKUP: "sg-4.forged sha256=00"})
        ),
    )
    run = remediate({REGION: gw}, MemoryBackups())
    # THEN every group is remediated; the fourth is tagged alone, with its true pointer
    assert all(o.outcome is Outcome.APPLIED for o in run.outcomes)
    assert pointed(gw.groups["sg-4"].tags) == run.outcomes[3].backup_id
    tag_many = [e for e in entries(gw) if e.startswith("tag_many")]
    assert len(tag_many) == 1
    assert "sg-4" not in tag_many[0].split()[1].split(",")
    assert calls(gw)["tag"] == 6


def test_a_revoke_that_fails_for_one_group_fails_that_group_only() -> None:
    gw = FakeGateway(estate())
    gw.before("revoke", lambda: None)

    def deny() -> None:
        raise AccessDeniedError("not authorized", operation="RevokeSecurityGroupIngress")

    gw.before("revoke", deny)
    backups = MemoryBackups()
    run = remediate({REGION: gw}, backups)
    outcomes = {o.plan.group_id: o for o in run.outcomes}
    assert outcomes["sg-2"].outcome is Outcome.FAILED
    assert "not authorized" in (outcomes["sg-2"].error or "")
    assert world_open(gw) == ["sgr-sshsg-2"]
    assert [o.outcome for g, o in outcomes.items() if g != "sg-2"] == [Outcome.APPLIED] * 4
    # AND every group whose rule went has its backup and receipt
    for g in ("sg-1", "sg-3", "sg-4", "sg-5"):
        receipt = backups.receipt(pointed(gw.groups[g].tags))
        assert receipt is not None
        assert receipt.revoked == (f"sgr-ssh{g}",)
    # AND the failed group is left in progress, under its stored backup, for the next run
    assert gw.groups["sg-2"].tags[TAG_STATUS] == "remediating"
    assert pointed(gw.groups["sg-2"].tags) in backups.records


class FailingThird(MemoryBackups):
    """Refuses the backup of the third group (backups are stored concurrently)."""

    def put(self, record: BackupRecord) -> StoredBackup:
        if record.plan.group_id == "sg-3":
            raise BackupError("store unavailable")
        return super().put(record)


def test_a_backup_store_failing_in_the_middle_revokes_only_what_was_backed_up() -> None:
    gw = FakeGateway(estate())
    backups = FailingThird()
    run = remediate({REGION: gw}, backups)
    assert run.stopped_by is not None
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED] * 2 + [Outcome.FAILED] * 3
    assert "store unavailable" in (run.outcomes[2].error or "")
    assert all("not attempted" in (o.error or "") for o in run.outcomes[3:])
    # nothing of the groups without a backup was revoked or tagged
    assert world_open(gw) == ["sgr-sshsg-3", "sgr-sshsg-4", "sgr-sshsg-5"]
    assert all(not gw.groups[g].tags for g in ("sg-3", "sg-4", "sg-5"))
    # and what was revoked has its backup and receipt
    assert {"sg-1", "sg-2"} <= {rec.plan.group_id for rec in backups.records.values()}
    assert sorted(r[0].group_id for r in backups.receipts_by_id.values()) == ["sg-1", "sg-2"]


def test_deferred_outcome_tags_are_left_to_the_caller_for_every_group_of_a_batch() -> None:
    gw = FakeGateway(estate())
    run = remediate({REGION: gw}, MemoryBackups(), defer_outcome_tags=True)
    assert all(o.pending_tags for o in run.outcomes)
    assert all(g.tags[TAG_STATUS] == "remediating" for g in gw.groups.values())
    assert "tag_many" not in calls(gw)
    assert "tags_of" not in calls(gw)
