"""The remediation of many groups of one account-region in phases (`batch_revoke`): the calls it
makes per account-region, and what one group changing, being re-tagged or failing in the middle
of a batch does to it and to the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import pytest
from test_remediator import ACCOUNT, REGION, group, pointed, policy, remediator, rule

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.errors import AccessDeniedError, BackupError, NotFoundError
from sgcompliance.remediation.backup import BackupRecord, StoredBackup, parse_pointer
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.manifest import BackupManifest, ManifestReader, is_manifest_id
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Mode
from sgcompliance.remediation.receipt import ReceiptState
from sgcompliance.remediation.remediator import Outcome, RemediationRun
from sgcompliance.remediation.rollback import RollbackService
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


def own_backup(backups: MemoryBackups, g: SecurityGroup) -> str:
    """The backup the group's pointer leads to (through the batch's manifest, if it names one)."""
    pointer = parse_pointer(g.tags[TAG_BACKUP])
    assert pointer is not None
    return ManifestReader(backups).resolve(pointer, (g.account_id, g.region, g.group_id)).backup_id


def world_open(gw: FakeGateway) -> list[str]:
    return sorted(
        r.rule_id for g in gw.groups.values() for r in g.rules if str(r.peer) == "0.0.0.0/0"
    )


def test_a_batch_reads_once_and_tags_once_per_identical_outcome_per_account_region() -> None:
    # GIVEN two account-regions of five groups, each group with one rule to revoke
    gateways = {REGION: FakeGateway(estate()), "us-east-1": FakeGateway(estate("us-east-1"))}
    backups = MemoryBackups()
    # WHEN remediating
    run = remediate(gateways, backups)
    # THEN every group is remediated and verified
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED] * 10
    assert all(o.verified for o in run.outcomes)
    # AND each account-region took one revoke per group and direction, one pointer tag call
    # for every group (the manifest's), one read of every group's rules before the revokes (AWS's
    # answers to the revokes account for every rule: no read after), one read of their tags and
    # one outcome tag call for the five identical outcomes
    for gw in gateways.values():
        assert world_open(gw) == []
        assert calls(gw) == Counter({"rules_of": 1, "revoke": 5, "tags_of": 1, "tag_many": 2})
        for g in gw.groups.values():
            assert g.tags[TAG_STATUS] == "remediated"
            # each group's pointer names its account-region's manifest, which names its backup
            assert is_manifest_id(pointed(g.tags))
            assert own_backup(backups, g).startswith(g.group_id + ".")
            receipt = backups.receipt(own_backup(backups, g))
            assert receipt is not None
            assert receipt.revoked == (f"sgr-ssh{g.group_id}",)


class Unaccounted(FakeGateway):
    """Answers the revokes of `groups` as an answer that names unknown permissions and lists no
    ids does: it removed what it could, and says so without telling which rules those were."""

    def __init__(self, groups: Sequence[SecurityGroup], unaccounted: set[str]) -> None:
        super().__init__(groups)
        self.unaccounted = unaccounted

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        done = super().revoke(group_id, direction, rules)
        if group_id in self.unaccounted:
            return RevokeResult(done.unknown, None, accounted=False)
        return done


def test_only_the_groups_whose_answers_do_not_account_for_every_rule_are_read_to_verify() -> None:
    # GIVEN five groups, two of whose revoke answers do not account for every rule
    gw = Unaccounted(estate(), {"sg-2", "sg-4"})
    # AND someone adds one of sg-4's revoked rules back right after its revoke
    ssh = next(r for r in gw.groups["sg-4"].rules if r.rule_id == "sgr-sshsg-4")
    gw.before("revoke", lambda: None)  # sg-1
    gw.before("revoke", lambda: None)  # sg-2
    gw.before("revoke", lambda: None)  # sg-3
    gw.before("revoke", lambda: None)  # sg-4
    gw.before("revoke", lambda: gw.add_rule("sg-4", ssh))  # before sg-5: after sg-4's revoke
    # WHEN remediating
    run = remediate({REGION: gw}, MemoryBackups())
    # THEN one read after the revokes verifies those two groups, and only them
    reads = [e for e in entries(gw) if e.startswith("rules_of")]
    assert reads[1:] == ["rules_of sg-2,sg-4"]
    # AND the read's verdict stands: sg-4's rule is there again, so it is not verified
    verified = {o.plan.group_id: o.verified for o in run.outcomes}
    assert verified == {"sg-1": True, "sg-2": True, "sg-3": True, "sg-4": False, "sg-5": True}


def test_every_backup_is_stored_before_the_first_pointer_and_every_pointer_before_a_revoke() -> (
    None
):
    shared: list[str] = []
    gw = FakeGateway(estate(), shared)
    remediate({REGION: gw}, MemoryBackups(shared))
    log = [e for e in shared if not e.startswith("describe ")]
    first_tag = next(i for i, e in enumerate(log) if e.startswith("tag"))
    first_revoke = next(i for i, e in enumerate(log) if e.startswith("revoke"))
    # the backups, then the manifest naming them, then one pointer call for every group
    assert list(log[: first_tag - 1]) == [f"backup {g}" for g in GROUPS]
    assert log[first_tag - 1] == f"manifest {ACCOUNT}/{REGION}"
    assert log[first_tag].split()[1] == ",".join(GROUPS)
    assert log[first_tag].startswith("tag_many ")
    assert log[first_tag + 1].startswith("rules_of")
    assert first_revoke == first_tag + 2


def test_one_group_is_remediated_with_the_one_group_calls_of_the_event_path() -> None:
    gw = FakeGateway(estate()[:1])
    remediate({REGION: gw}, MemoryBackups(), changes_come_as_events=True)
    # (a world rule stands alone, and AWS's answer to the revoke says what it removed: no read)
    assert [e.split()[0] for e in entries(gw)] == ["tag", "revoke", "tag"]


def test_a_sweeps_one_group_is_read_again_before_its_revoke() -> None:
    # (no event of its own follows a change made between the sweep's read and its revoke)
    gw = FakeGateway(estate()[:1])
    remediate({REGION: gw}, MemoryBackups())
    assert [e.split()[0] for e in entries(gw)] == ["tag", "rules", "revoke", "tag"]


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
    # THEN every group is remediated; the fourth is tagged alone, with its own backup's pointer
    assert all(o.outcome is Outcome.APPLIED for o in run.outcomes)
    assert pointed(gw.groups["sg-4"].tags) == run.outcomes[3].backup_id
    pointers, outcome_tags = [e for e in entries(gw) if e.startswith("tag_many")]
    assert "sg-4" in pointers.split()[1].split(",")
    assert "sg-4" not in outcome_tags.split()[1].split(",")
    assert calls(gw)["tag"] == 1


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
        receipt = backups.receipt(own_backup(backups, gw.groups[g]))
        assert receipt is not None
        assert receipt.revoked == (f"sgr-ssh{g}",)
    # AND the failed group is left in progress, under its stored backup, for the next run
    assert gw.groups["sg-2"].tags[TAG_STATUS] == "remediating"
    assert own_backup(backups, gw.groups["sg-2"]) in backups.records


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
    assert calls(gw)["tag_many"] == 1  # the pointers
    assert "tags_of" not in calls(gw)


class LostAnswer(FakeGateway):
    """Answers the first revoke of `group_id` as an SDK whose first attempt timed out after
    the endpoint acted: the rules are gone, and the retried call is refused as unknown."""

    def __init__(self, groups: list[SecurityGroup], group_id: str, **options: bool) -> None:
        super().__init__(groups, **options)
        self.lost = group_id

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        result = super().revoke(group_id, direction, rules)
        if group_id != self.lost:
            return result
        self.lost = ""
        raise NotFoundError("InvalidPermission.NotFound (after 2 attempts)", lost_answers=1)


@pytest.mark.parametrize("fail_unknown", [False, True], ids=["aws", "moto"])
def test_a_revoke_whose_answer_was_lost_is_receipted_as_this_runs_revoke(
    fail_unknown: bool,
) -> None:
    # GIVEN a revoke whose first attempt removed the rule and whose answer was lost
    gw = LostAnswer(estate(), "sg-3", fail_unknown=fail_unknown)
    backups = MemoryBackups()
    # WHEN remediating
    run = remediate({REGION: gw}, backups)
    # THEN the rule counts as revoked by this run: the outcome, the receipt and the tags say so,
    # so that a rollback restores it
    outcome = next(o for o in run.outcomes if o.plan.group_id == "sg-3")
    assert outcome.outcome is Outcome.APPLIED
    assert outcome.revoked == ["sgr-sshsg-3"]
    receipt = backups.receipt(own_backup(backups, gw.groups["sg-3"]))
    assert receipt is not None
    assert receipt.revoked == ("sgr-sshsg-3",)
    assert gw.groups["sg-3"].tags[TAG_STATUS] == "remediated"
    RollbackService(backups).rollback(outcome.backup_id or "", lambda a, r: gw, dry_run=False)
    assert [r.rule_id for r in gw.groups["sg-3"].rules if str(r.peer) == "0.0.0.0/0"] != []


def test_a_group_a_batch_left_in_progress_is_finished_from_its_manifest_by_the_next_run() -> None:
    # GIVEN a batch whose revoke failed for the second group: it is left pointing at the
    # manifest, in progress, its rule still open
    gw = FakeGateway(estate())
    gw.before("revoke", lambda: None)

    def deny() -> None:
        raise AccessDeniedError("not authorized", operation="RevokeSecurityGroupIngress")

    gw.before("revoke", deny)
    backups = MemoryBackups()
    remediate({REGION: gw}, backups)
    assert is_manifest_id(pointed(gw.groups["sg-2"].tags))
    backup_id = own_backup(backups, gw.groups["sg-2"])
    # WHEN the next run comes
    second = remediate({REGION: gw}, backups)
    # THEN it finishes that remediation under the backup the manifest names for the group
    (resumed,) = [o for o in second.outcomes if o.plan.group_id == "sg-2"]
    assert resumed.resumed
    assert resumed.outcome is Outcome.APPLIED
    assert resumed.backup_id == backup_id
    assert world_open(gw) == []
    receipt = backups.receipt(backup_id)
    assert receipt is not None
    assert receipt.revoked == ("sgr-sshsg-2",)


def test_a_manifest_pointer_copied_onto_a_group_it_does_not_name_revokes_nothing() -> None:
    # GIVEN a batch of four groups, and someone copying their manifest pointer and the
    # in-progress status onto the fifth, whose SSH rule is exempt from nothing
    groups = estate()
    gw = FakeGateway(groups[:4])
    backups = MemoryBackups()
    remediate({REGION: gw}, backups)
    forged = {TAG_BACKUP: gw.groups["sg-1"].tags[TAG_BACKUP], TAG_STATUS: "remediating"}
    fifth = replace(groups[4], tags=forged)
    other = FakeGateway([fifth])
    rem = remediator(policy(), Mode.FLAG_ONLY, backups)
    snapshot = RegionSnapshot(ACCOUNT, REGION, (fifth,))
    # WHEN a run finds it in progress
    run = rem.run(rem.scanner.scan([snapshot]), lambda a, r: other, [snapshot])
    # THEN the pointer leads nowhere: reported, marked unverified, nothing revoked
    assert next(o.outcome for o in run.outcomes if o.plan.group_id == "sg-5") is Outcome.FAILED
    assert other.groups["sg-5"].tags[TAG_STATUS] != "remediating"
    assert len(other.groups["sg-5"].rules) == 2
    assert not any(e.startswith("revoke") for e in other.log)


def test_a_rollback_of_a_batch_backup_removes_the_tags_of_the_group_its_manifest_names() -> None:
    gw = FakeGateway(estate())
    backups = MemoryBackups()
    run = remediate({REGION: gw}, backups)
    target = run.outcomes[1]
    assert is_manifest_id(pointed(gw.groups["sg-2"].tags))
    outcome = RollbackService(backups).rollback(
        target.backup_id or "", lambda a, r: gw, dry_run=False
    )
    assert outcome.verified
    assert not any(k.startswith("sgc:") for k in gw.groups["sg-2"].tags)
    # the other groups keep their pointer to the manifest, and their tags
    assert all(gw.groups[g].tags[TAG_STATUS] == "remediated" for g in GROUPS if g != "sg-2")


class NoManifests(MemoryBackups):
    """A store that keeps backups and receipts, and refuses manifests."""

    def put_manifest(self, manifest: BackupManifest) -> StoredBackup:
        raise BackupError(f"manifests unavailable: {manifest.manifest_id} not stored")


def test_without_a_manifest_each_group_is_pointed_at_its_own_backup() -> None:
    gw = FakeGateway(estate())
    backups = NoManifests()
    run = remediate({REGION: gw}, backups)
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED] * 5
    assert calls(gw) == Counter({"tag": 5, "rules_of": 1, "revoke": 5, "tags_of": 1, "tag_many": 1})
    for o in run.outcomes:
        assert pointed(gw.groups[o.plan.group_id].tags) == o.backup_id


def test_a_failing_pointer_call_for_many_groups_points_each_at_its_own_backup() -> None:
    gw = FakeGateway(estate())

    def throttle() -> None:
        raise AccessDeniedError("throttled", operation="CreateTags")

    gw.before("tag", throttle)  # the first tag call: the pointers of every group
    run = remediate({REGION: gw}, MemoryBackups())
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED] * 5
    assert calls(gw)["tag"] == 5
    for o in run.outcomes:
        assert pointed(gw.groups[o.plan.group_id].tags) == o.backup_id


def flag(gw: FakeGateway, backups: MemoryBackups | None = None) -> RemediationRun:
    rem = remediator(policy(), Mode.FLAG_ONLY, backups or MemoryBackups())
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    return rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])


def test_groups_flagged_with_the_same_checks_are_tagged_in_one_call() -> None:
    # GIVEN five groups with the same violation, in flag_only
    gw = FakeGateway(estate())
    # WHEN a run flags them
    run = flag(gw)
    # THEN one call tags all five, each reported flagged, each holding the flag tags
    assert calls(gw)["tag_many"] == 1
    assert calls(gw)["tag"] == 0
    assert {o.outcome for o in run.outcomes} == {Outcome.APPLIED}
    assert {g.tags[TAG_STATUS] for g in gw.groups.values()} == {"flagged"}
    # AND a second run writes nothing
    gw.log.clear()
    flag(gw)
    assert not [e for e in entries(gw) if e.startswith(("tag", "remove"))]


def test_a_group_gone_before_the_shared_flag_call_is_reported_and_the_others_flagged() -> None:
    # GIVEN five groups to flag, one of which is deleted before the tags are written
    gw = FakeGateway(estate())
    gw.before("tag", lambda: gw.groups.pop("sg-3"))
    # WHEN a run flags them
    run = flag(gw)
    # THEN the shared call failed whole; one by one, four are flagged and one is gone
    by_group = {o.plan.group_id: o.outcome for o in run.outcomes}
    assert by_group.pop("sg-3") is Outcome.GROUP_GONE
    assert set(by_group.values()) == {Outcome.APPLIED}
    assert {g.tags[TAG_STATUS] for g in gw.groups.values()} == {"flagged"}
    assert calls(gw)["tag"] == 4


class ManifestsUnreadable(MemoryBackups):
    """A store that cannot read its manifests back for now (throttled, say)."""

    def load_manifest(self, manifest_id: str, version_id: str | None = None) -> object:
        raise BackupError(f"cannot read {manifest_id} (version {version_id}) now")


def test_a_flag_keeps_a_manifest_pointer_it_cannot_resolve_for_now() -> None:
    # GIVEN groups a batch remediated under one manifest, and a new world rule on one of them
    gw = FakeGateway(estate())
    backups = MemoryBackups()
    remediate({REGION: gw}, backups)
    pointer = gw.groups["sg-1"].tags[TAG_BACKUP]
    assert is_manifest_id(pointed(gw.groups["sg-1"].tags))
    gw.add_rule("sg-1", replace(rule("sgr-db", 5432, "0.0.0.0/0"), group_id="sg-1"))
    # WHEN a flag_only run flags it while the store cannot read the manifest back
    unreadable = ManifestsUnreadable()
    unreadable.__dict__.update(backups.__dict__)
    run = flag(gw, unreadable)
    # THEN the group is flagged and still points at the manifest that holds its backup
    assert {o.outcome for o in run.outcomes if o.plan.group_id == "sg-1"} == {Outcome.APPLIED}
    assert gw.groups["sg-1"].tags[TAG_BACKUP] == pointer
    assert gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"
