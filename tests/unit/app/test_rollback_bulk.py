"""Bulk rollback: every backup of a run (found by the run tag in its id, trusted by the run id
its pinned document records) or several ids, each checked as a rollback of it alone is; a
refused one never stops the others."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.entrypoints.cli.console import ExitCode
from sgcompliance.entrypoints.cli.rollback_bulk import bulk_exit_code
from sgcompliance.records.audit import AuditRecord
from sgcompliance.remediation.backup import (
    canonical_bytes,
    from_document,
    run_tag,
    tagged_with_run,
    to_document,
)
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.remediator import RemediationSettings, SecurityGroupRemediator
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.remediation.rollback_bulk import (
    BackupResult,
    BulkRollback,
    Request,
    Status,
    backups_of_run,
    by_group,
)
from sgcompliance.testing import FakeGateway, MemoryBackups

ACCOUNT, REGION = "111111111111", "eu-west-1"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
RUN, OTHER_RUN = "cli-00000000000000aa", "cli-00000000000000bb"
GROUPS = ("sg-0000000001", "sg-0000000002", "sg-0000000003")
LATER_GROUP = "sg-0000000004"


def ssh_policy() -> Policy:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    check = Check(
        "SSH", "ssh", CheckType.RESTRICTED_PORTS, Severity.CRITICAL, Remediation.REMOVE, ssh
    )
    return Policy("p", "1", (check,), ())


def group(group_id: str) -> SecurityGroup:
    def rule(n: int, port: int, cidr: str) -> Rule:
        rule_id, peer = f"sgr-{group_id[-2:]}{n}", Peer(PeerKind.IPV4, cidr)
        return Rule(rule_id, group_id, Direction.INGRESS, "tcp", port, port, peer, "d")

    rules = (rule(1, 22, "0.0.0.0/0"), rule(2, 443, "10.0.0.0/8"))
    return SecurityGroup(group_id, f"web-{group_id[-1]}", ACCOUNT, REGION, rules)


class World:
    """Four groups; a run remediates the first three, another run the fourth, later."""

    def __init__(self, store: BackupStore | None = None) -> None:
        self.gateway = FakeGateway([group(g) for g in (*GROUPS, LATER_GROUP)])
        self.store: BackupStore = store if store is not None else MemoryBackups()
        self.records: list[AuditRecord] = []
        self.original = {g: self.lines(g) for g in (*GROUPS, LATER_GROUP)}
        self.remediate(GROUPS, RUN, NOW)
        self.remediate((LATER_GROUP,), OTHER_RUN, NOW + timedelta(minutes=1))

    def gateway_for(self, account_id: str, region: str) -> FakeGateway:
        assert (account_id, region) == (ACCOUNT, REGION)
        return self.gateway

    def remediate(self, group_ids: tuple[str, ...], run_id: str, at: datetime) -> None:
        scanner = ComplianceScanner(ssh_policy(), today=lambda: date(2026, 11, 27))
        settings = RemediationSettings(mode=Mode.REMOVE)
        remediator = SecurityGroupRemediator(scanner, self.store, lambda: at, settings)
        groups = tuple(self.gateway.groups[g] for g in group_ids)
        snapshot = RegionSnapshot(ACCOUNT, REGION, groups)
        run = remediator.run(scanner.scan([snapshot]), self.gateway_for, [snapshot], run_id=run_id)
        assert run.ok
        assert run.revoked_count == len(group_ids)

    def lines(self, group_id: str) -> set[str]:
        return {r.describe() for r in self.gateway.groups[group_id].rules}

    def bulk(self, *, max_workers: int = 4) -> BulkRollback:
        service = RollbackService(self.store, record=self.records.append, clock=lambda: NOW)
        return BulkRollback(service, self.gateway_for, max_workers=max_workers)

    def run_ids(self) -> list[str]:
        return backups_of_run(self.store, RUN)


def by_status(results: list[BackupResult]) -> dict[str, Status]:
    return {r.backup_id: r.status for r in results}


def test_a_runs_backups_record_it_and_are_found_by_their_ids_alone() -> None:
    world = World()
    # WHEN the store is listed for the run
    found = world.run_ids()
    # THEN exactly its three backups are found, each recording the run in its document
    assert sorted(world.store.get(b).plan.group_id for b in found) == list(GROUPS)
    assert {world.store.get(b).run_id for b in found} == {RUN}
    assert all(b.endswith(f"r{run_tag(RUN)}") and len(b.split(".")) == 3 for b in found)
    assert len(world.store.list()) == 4
    # AND an id without a tag (a backup written before runs were recorded) is of no run
    assert not tagged_with_run("sg-0000000001.20261127T120000000000Z.0000abcd", RUN)


def test_rolling_back_a_run_restores_its_groups_only_each_audited() -> None:
    world = World()
    # WHEN run RUN is rolled back, several groups at once
    results = list(world.bulk().run(world.run_ids(), Request(dry_run=False, run_id=RUN)))
    # THEN its three groups have their rules back, verified; the later run's group does not
    assert sorted(r.status for r in results) == [Status.RESTORED] * 3
    assert all(world.lines(g) == world.original[g] for g in GROUPS)
    assert world.lines(LATER_GROUP) != world.original[LATER_GROUP]
    # AND each rollback left its own audit record
    assert sorted(r.group_id or "" for r in world.records) == list(GROUPS)
    assert len({r.record_id for r in world.records}) == 3


def test_a_tampered_receipt_among_many_is_refused_and_the_others_are_restored() -> None:
    world = World()
    assert isinstance(world.store, MemoryBackups)
    victim, *others = world.run_ids()
    receipt = world.store.receipt(victim)
    assert receipt is not None
    # GIVEN one receipt rewritten around the tool (it now claims another rule was revoked)
    world.store.receipts_by_id[victim].append(replace(receipt, revoked=("sgr-x",)))
    # WHEN the run is rolled back
    request = Request(dry_run=False, force_unverified=False, run_id=RUN)
    results = list(world.bulk().run([victim, *others], request))
    # THEN that one is refused with the reason, its group untouched, the others restored
    statuses = by_status(results)
    assert statuses == {victim: Status.REFUSED, **dict.fromkeys(others, Status.RESTORED)}
    refused = next(r for r in results if r.status is Status.REFUSED)
    assert "rewritten" in refused.reason
    victim_group = world.store.get(victim).plan.group_id
    assert world.lines(victim_group) != world.original[victim_group]
    assert bulk_exit_code(results) is ExitCode.USAGE
    assert {r.outcome for r in world.records} == {"refused", "restored"}


@pytest.mark.parametrize("force", [False, True])
def test_a_backup_of_another_run_filed_under_the_runs_tag_is_refused_even_forced(
    force: bool,
) -> None:
    world = World()
    assert isinstance(world.store, MemoryBackups)
    # GIVEN the later run's backup copied under a key carrying RUN's tag, with a receipt that
    # matches it: everything verifies except the run its document records
    (later,) = backups_of_run(world.store, OTHER_RUN)
    forged = later.replace(run_tag(OTHER_RUN), run_tag(RUN))
    loaded = world.store.load(later)
    world.store.tamper(forged, replace(loaded.record, backup_id=forged))
    receipt = world.store.receipt(later)
    assert receipt is not None
    forged_loaded = world.store.load(forged)
    world.store.receipts_by_id[forged] = [
        replace(receipt, backup_id=forged, sha256=forged_loaded.sha256, version_id="v1")
    ]
    # WHEN run RUN is rolled back
    assert forged in world.run_ids()
    request = Request(dry_run=False, force_unverified=force, run_id=RUN)
    results = list(world.bulk().run(world.run_ids(), request))
    # THEN the forgery is refused for its run and its group keeps its remediation
    refused = [r for r in results if r.status is Status.REFUSED]
    assert [r.backup_id for r in refused] == [forged]
    assert f"the backup is of run '{OTHER_RUN}'" in refused[0].reason
    assert world.lines(LATER_GROUP) != world.original[LATER_GROUP]
    assert sum(r.status is Status.RESTORED for r in results) == 3


def test_several_ids_repeated_or_of_one_group_are_restored_once_each_newest_first() -> None:
    world = World()
    first = world.run_ids()[0]
    group_id = world.store.get(first).plan.group_id
    # GIVEN the group remediated again by a later run after its rules came back
    list(world.bulk().run([first], Request(dry_run=False)))
    world.remediate((group_id,), "cli-00000000000000cc", NOW + timedelta(minutes=5))
    second = world.store.list(group_id)[-1]
    # WHEN both backups are named, one twice, and rolled back
    world.records.clear()
    results = list(world.bulk().run([first, second, first], Request(dry_run=False)))
    # THEN each is rolled back once, the newer first; the rules are as they were
    assert [r.backup_id for r in results] == [second, first]
    assert [r.backup_id for r in world.records] == [second, first]
    assert world.lines(group_id) == world.original[group_id]
    assert by_group([first, second, first, "sg-9.x.y"]) == [(second, first), ("sg-9.x.y",)]


def test_a_dry_run_of_a_run_changes_nothing_and_says_what_it_would_restore() -> None:
    world = World()
    before = {g: world.lines(g) for g in GROUPS}
    results = list(world.bulk().run(world.run_ids(), Request(dry_run=True, run_id=RUN)))
    assert {r.status for r in results} == {Status.DRY_RUN}
    assert all(r.outcome is not None and len(r.outcome.plan.authorize) == 1 for r in results)
    assert {g: world.lines(g) for g in GROUPS} == before


def test_a_run_id_with_path_characters_names_keys_by_its_digest_only(tmp_path: Path) -> None:
    # GIVEN an event id as anyone may write one, backed up into a directory
    run_id = "../../receipts/x y\\z"
    store = LocalBackupStore(tmp_path / "backups")
    world = World(store)
    fifth = "sg-0000000005"
    world.gateway.groups[fifth] = group(fifth)
    world.remediate((fifth,), run_id, NOW + timedelta(minutes=9))
    # THEN its backup lies in its group's directory under a hex tag, and is found by the run
    (found,) = backups_of_run(store, run_id)
    assert (tmp_path / "backups" / fifth / f"{found}.json").is_file()
    assert not tagged_with_run(found, RUN)
    assert store.get(found).run_id == run_id
    results = list(world.bulk().run([found], Request(dry_run=False, run_id=run_id)))
    assert [r.status for r in results] == [Status.RESTORED]


def test_a_backup_without_a_run_reads_as_before_and_a_run_id_is_covered_by_the_digest() -> None:
    world = World()
    record = world.store.get(world.run_ids()[0])
    # GIVEN the document of a backup written before runs were recorded
    old = replace(record, run_id=None)
    assert "run_id" not in to_document(old)
    assert from_document(json.loads(canonical_bytes(old))).run_id is None
    # THEN a run id changes the digest the receipt pins
    assert canonical_bytes(record) != canonical_bytes(old)
    with pytest.raises(Exception, match="run_id"):
        from_document({**to_document(record), "run_id": 7})


def test_the_exit_code_is_that_of_the_most_pressing_status() -> None:
    def results(*statuses: Status) -> list[BackupResult]:
        return [BackupResult(f"sg-1.{i}.x", s) for i, s in enumerate(statuses)]

    assert bulk_exit_code(results(Status.RESTORED, Status.DRY_RUN)) is ExitCode.COMPLIANT
    assert bulk_exit_code(results(Status.RESTORED, Status.PARTIAL)) is ExitCode.PARTIALLY_RESTORED
    assert bulk_exit_code(results(Status.PARTIAL, Status.UNVERIFIED)) is ExitCode.PARTIAL
    assert bulk_exit_code(results(Status.PARTIAL, Status.FAILED)) is ExitCode.PARTIAL
    assert bulk_exit_code(results(Status.UNVERIFIED, Status.REFUSED)) is ExitCode.USAGE


class Described:
    """The world's gateway, counting the describes the rollback asks for (the fake's own log
    also holds those it makes inside its writes)."""

    def __init__(self, inner: FakeGateway) -> None:
        self.inner = inner
        self.described: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def describe_group(self, group_id: str) -> SecurityGroup:
        self.described.append(group_id)
        return self.inner.describe_group(group_id)


def test_one_region_read_replaces_each_restores_first_describe_and_a_change_since_is_seen() -> None:
    world = World()
    first, *_ = world.run_ids()
    raced = world.store.get(first).plan.group_id
    ssh = next(r for r in group(raced).rules if r.from_port == 22)
    # GIVEN one group's open rule put back by someone, seen so by the region read, and removed
    # again right after it
    world.gateway.add_rule(raced, ssh)
    reads: list[tuple[str, str]] = []

    def read_groups(account_id: str, region: str) -> tuple[SecurityGroup, ...]:
        reads.append((account_id, region))
        seen = tuple(world.gateway.groups.values())
        world.gateway.delete_rule(raced, ssh.rule_id)
        return seen

    counting = Described(world.gateway)
    service = RollbackService(world.store, record=world.records.append, clock=lambda: NOW)
    bulk = BulkRollback(service, lambda a, r: counting, max_workers=2, read_groups=read_groups)  # type: ignore[arg-type, return-value]
    # WHEN the run is rolled back
    world.gateway.log.clear()
    results = by_status(list(bulk.run(world.run_ids(), Request(dry_run=False, run_id=RUN))))
    # THEN the region was read once, no group was described alone, and the groups were
    # verified after their restores by one read of them all
    assert reads == [(ACCOUNT, REGION)]
    assert counting.described == []
    (read_after,) = [e for e in world.gateway.log if e.startswith("groups_of")]
    assert sorted(read_after.split(" ", 1)[1].split(",")) == sorted(GROUPS)
    # AND the group whose rule went after the read is not claimed as restored: the describe
    # after its restore misses the rule the read had shown (exit code 3), the others are back
    assert results == dict.fromkeys(results, Status.RESTORED) | {first: Status.UNVERIFIED}
    assert all(world.lines(g) == world.original[g] for g in GROUPS if g != raced)


def test_a_backup_filed_under_another_group_never_takes_its_tag_decision_from_another() -> None:
    world = World()
    assert isinstance(world.store, MemoryBackups)
    # GIVEN a run's backup copied, with a matching receipt, under another group's id: two
    # backups of one group that the rollback takes for two groups
    original = world.run_ids()[0]
    group_id = world.store.get(original).plan.group_id
    other = next(g for g in GROUPS if g != group_id)
    forged = original.replace(group_id, other)
    world.store.tamper(forged, replace(world.store.load(original).record, backup_id=forged))
    receipt = world.store.receipt(original)
    assert receipt is not None
    world.store.receipts_by_id[forged] = [
        replace(receipt, backup_id=forged, sha256=world.store.load(forged).sha256, version_id="v1")
    ]
    # WHEN both are rolled back, forced past the id that names another group
    request = Request(dry_run=False, force_unverified=True)
    results = list(world.bulk().run([original, forged], request))
    # THEN the tags each result says were removed are gone from the group
    tags = world.gateway.groups[group_id].tags
    said = [r.outcome.removed_tags for r in results if r.outcome is not None]
    assert any(said)
    assert all(key not in tags for removed in said for key in removed)


def test_an_unexpected_error_in_one_restore_fails_it_alone_audited() -> None:
    world = World()
    broken = GROUPS[1]
    authorize = world.gateway.authorize

    def failing(group_id: str, direction: Direction, rules: tuple[Rule, ...]) -> None:
        if group_id == broken:
            raise RuntimeError("a defect")
        authorize(group_id, direction, rules)

    # GIVEN an error no step expects, in the authorize of one group of the run
    world.gateway.authorize = failing  # type: ignore[method-assign,assignment]
    # WHEN the run is rolled back
    results = list(world.bulk().run(world.run_ids(), Request(dry_run=False, run_id=RUN)))
    # THEN that restore fails, naming the error; the others are restored and verified
    failed = [r for r in results if r.status is Status.FAILED]
    assert [world.store.get(r.backup_id).plan.group_id for r in failed] == [broken]
    assert "RuntimeError: a defect" in failed[0].reason
    assert sorted(r.status for r in results) == [Status.FAILED, Status.RESTORED, Status.RESTORED]
    assert all(world.lines(g) == world.original[g] for g in GROUPS if g != broken)
    # AND every backup of the run has its audit record, the failed one's saying why
    assert sorted(r.group_id or "" for r in world.records) == list(GROUPS)
    (record,) = [r for r in world.records if r.group_id == broken]
    assert record.outcome == "failed"


def test_an_unexpected_error_untagging_one_group_fails_it_alone_with_what_it_restored() -> None:
    world = World()
    odd = GROUPS[2]
    # GIVEN one group of the run with another set of tool tags than the others (it is untagged
    # on its own, after the others' shared call), and an error no step expects in that call
    gw = world.gateway
    gw.groups[odd] = replace(
        gw.groups[odd], tags={k: v for k, v in gw.groups[odd].tags.items() if k != "sgc:violations"}
    )

    def failing(group_id: str, keys: Sequence[str]) -> None:
        raise RuntimeError("a defect")

    gw.remove_tags = failing  # type: ignore[method-assign]
    # WHEN the run is rolled back
    results = list(world.bulk().run(world.run_ids(), Request(dry_run=False, run_id=RUN)))
    # THEN the others are restored and reported so; that group alone failed
    status = {world.store.get(r.backup_id).plan.group_id: r.status for r in results}
    assert status == {GROUPS[0]: Status.RESTORED, GROUPS[1]: Status.RESTORED, odd: Status.FAILED}
    assert all(world.lines(g) == world.original[g] for g in GROUPS)
    # AND its audit record names the rules it put back before it stopped
    (record,) = [r for r in world.records if r.group_id == odd]
    assert record.outcome == "failed"
    assert record.rollback is not None
    assert len(record.rollback.restored_rule_ids) == 1
