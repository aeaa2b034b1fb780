"""`sgc remediate` prints its run id and `sgc rollback --run RUN_ID` undoes the whole run, from
a versioned bucket, in the requests the design promises: one listing for the run, then per
backup what a rollback of it alone reads; the groups of an account-region verified by one read
and untagged by one call, each group on its own when a shared call fails. Against the moto
server, in-process."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from typer.testing import CliRunner, Result

from sgcompliance.adapters.aws import session as session_module
from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import SecurityGroup
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.seed.organization import DemoOrg
from sgcompliance.records.audit import AuditRecord
from sgcompliance.remediation.backup import group_of
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import RemediationSettings
from sgcompliance.remediation.rollback import GatewayFor, RollbackService
from sgcompliance.remediation.rollback_bulk import BackupResult, BulkRollback, Request, Status
from support.faults.proxy import error_document
from support.faults.schedule import FaultKind
from support.live_estate import (
    BUCKET,
    Estate,
    State,
    build_estate,
    estate_of,
    estate_policy,
    lines_of,
    read_state,
)
from support.live_runs import remediate

pytestmark = pytest.mark.integration

runner = CliRunner()


def sgc(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})


def calls(stats: str) -> dict[str, int]:
    """The `--stats` table's rows: operation -> calls."""
    return {op: int(n) for op, n in re.findall(r"(\w+:\w+)\W+(\d+)", stats)}


def test_one_command_undoes_a_whole_run_from_a_bucket(org: DemoOrg, bucket: Any) -> None:
    # GIVEN a remediation of the organization, backed up in a versioned bucket
    assert bucket is not None
    before = read_state(estate_of(org))
    reach = ["--endpoint-url", org.endpoint, "--external-id", str(org.role.external_id)]
    where = ["--accounts", ",".join(org.account_ids), "--regions", ",".join(org.regions)]
    store = ["--backup-bucket", BUCKET]
    done = sgc("remediate", "--mode", "remove_non_compliant_rules", "--yes", *store, *reach, *where)
    assert done.exit_code == 0, done.output
    # THEN it ends with its run id and the command that undoes all of it
    run_id = re.search(r"Run id: (\S+)", done.stdout)
    assert run_id is not None
    assert f"sgc rollback --run {run_id[1]} --backup-bucket {BUCKET}" in done.stdout
    assert read_state(estate_of(org)) != before
    # AND the backup list shows the run's backups with their run
    listed = sgc("backups", "list", "--run", run_id[1], *store, "--endpoint-url", org.endpoint)
    assert listed.exit_code == 0, listed.output
    # WHEN that command runs, with --stats
    undo = sgc("rollback", "--run", run_id[1], *store, *reach, "--stats")
    # THEN every backup of the run is restored and verified, one line each, and the estate's
    # rules and tags are as they were (new rule ids aside)
    assert undo.exit_code == 0, undo.output
    restored = re.findall(r"^restored\s+(\S+)", undo.stdout, re.MULTILINE)
    assert restored
    assert len({b.rsplit("r", 1)[1] for b in restored}) == 1  # one run tag
    assert listed.stdout.count(run_id[1]) == len(restored)
    estate = estate_of(org)
    after = read_state(estate)
    assert {k: g.lines for k, g in after.items()} == {k: g.lines for k, g in before.items()}
    # (flagged groups keep their flags: flagging backs up and revokes nothing)
    groups = {b.split(".", 1)[0] for b in restored}
    undone = [k for k, group_id in estate.group_ids.items() if group_id in groups]
    assert len(undone) == len(restored)
    assert {k: after[k].tags for k in undone} == {k: before[k].tags for k in undone}
    # AND the store was listed once for the run; each backup cost what a rollback of it alone
    # does (its receipt's versions, the receipt, the pinned backup, the audit record); each
    # member account's role was assumed once
    n, made = len(restored), calls(undo.stderr)
    assert made["s3:ListObjectsV2"] == 1
    assert (made["s3:ListObjectVersions"], made["s3:GetObject"], made["s3:PutObject"]) == (
        n,
        2 * n,
        n,
    )
    assert made.get("sts:AssumeRole", 0) <= len(org.account_ids)


def test_a_run_with_no_backup_in_the_store_is_refused(endpoint: str, tmp_path: Any) -> None:
    store = ["--backup-dir", str(tmp_path)]
    result = sgc("rollback", "--run", "cli-0123456789abcdef", *store, "--endpoint-url", endpoint)
    assert result.exit_code == 2
    assert "no backup of run 'cli-0123456789abcdef'" in result.stderr
    assert "sgc backups list" in result.stderr


# Rolling back many backups at once, in phases per account-region (`rollback_batch`): over the
# integration estate (two accounts, one region), through the product's wiring, counting calls.


@dataclass(slots=True)
class Throttle:
    """Answers chosen EC2 calls as AWS does when it throttles (503 RequestLimitExceeded), at
    the HTTP boundary of every session built while installed; `active` once the remediation
    that sets the scene is done."""

    active: bool = False
    # group id whose own DescribeSecurityGroups is throttled
    victim: str = ""
    refused: list[str] = field(default_factory=list)

    def answer(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        params = parse_qs(body)
        shared = (
            (operation == "DeleteTags" and "ResourceId.2" in params)
            or (operation == "DescribeSecurityGroupRules" and "Filter.1.Value.2" in params)
            or (operation == "DescribeSecurityGroups" and "Filter.1.Value.2" in params)
        )
        own = operation == "DescribeSecurityGroups" and params.get("GroupId.1") == [self.victim]
        if not self.active or not (shared or own):
            return None
        self.refused.append(operation)
        status, content_type, document = error_document("ec2", FaultKind.THROTTLE)
        headers = HTTPHeaders.from_dict({"Content-Type": content_type})
        return AWSResponse(request.url, status, headers, _Raw(document))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


@pytest.fixture
def throttle(monkeypatch: pytest.MonkeyPatch) -> Throttle:
    throttle = Throttle()
    build = session_module._new_session

    def throttled(settings: Any, environ: Mapping[str, str]) -> Any:
        session = build(settings, environ)
        session.register("before-send.ec2", throttle.answer)
        return session

    monkeypatch.setattr(session_module, "_new_session", throttled)
    return throttle


@dataclass(slots=True)
class RolledBack:
    results: dict[str, BackupResult]
    calls: dict[str, int]
    audited: list[AuditRecord]


def remediated(endpoint: str, tmp_path: Path) -> tuple[Estate, State, LocalBackupStore, list[str]]:
    """The estate built, its state, then remediated into a backup directory; the backups
    under which rules were revoked."""
    estate = build_estate(endpoint)
    before = read_state(estate)
    store = LocalBackupStore(tmp_path / "backups")
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    ids = [b for b in store.list() if (r := store.receipt(b)) is not None and r.revoked]
    return estate, before, store, ids


def as_before(estate: Estate, before: State, backup_ids: Iterable[str]) -> None:
    """The groups of `backup_ids` have the rules and tags they had before the remediation."""
    after = read_state(estate)
    for backup_id in backup_ids:
        key = estate.key_of(group_of(backup_id))
        assert (after[key].lines, after[key].tags) == (before[key].lines, before[key].tags)


def calls_of(done: RolledBack, operation: str) -> int:
    return done.calls.get(operation, 0)


def roll_back(
    estate: Estate,
    store: LocalBackupStore,
    ids: list[str],
    gateway_for: Callable[[Runtime], GatewayFor] = lambda runtime: runtime.gateway,
) -> RolledBack:
    """What `sgc rollback ID ID ...` does (`BulkRollback` over one runtime, the account-regions
    read once, by content), counting the calls."""
    runtime = estate.runtime(purpose="rollback", max_attempts=1)
    audited: list[AuditRecord] = []
    service = RollbackService(store, record=audited.append)
    bulk = BulkRollback(
        service, gateway_for(runtime), max_workers=4,
        read_groups=lambda account, region: runtime.groups_by_content(Scope(account, region)),
    )  # fmt: skip
    runtime.counter.reset()
    results = {r.backup_id: r for r in bulk.run(ids, Request(dry_run=False))}
    return RolledBack(results, runtime.counter.snapshot().calls, audited)


def authorize_calls(results: Iterable[BackupResult]) -> int:
    """One call per group and direction with rules to restore."""
    return sum(
        len({r.direction for r in result.outcome.restored_rules})
        for result in results
        if result.outcome is not None
    )


def test_many_groups_are_verified_by_one_read_and_untagged_by_one_call_per_region(
    endpoint: str, tmp_path: Path
) -> None:
    # GIVEN the estate remediated, several groups in each account-region
    estate, before, store, ids = remediated(endpoint, tmp_path)
    regions = len(estate.accounts) * len(estate.regions)
    assert len(ids) >= 3 * regions
    # WHEN every backup is rolled back at once
    done = roll_back(estate, store, ids)
    # THEN each is restored and verified, audited once, and the estate is as it was
    assert {r.status for r in done.results.values()} == {Status.RESTORED}
    assert sorted(r.backup_id for r in done.audited) == sorted(ids)
    after = read_state(estate)
    assert lines_of(after) == lines_of(before)
    assert {k: g.tags for k, g in after.items() if k[2] != "default"} == {
        k: g.tags for k, g in before.items() if k[2] != "default"
    }
    # AND per account-region: one read before (its groups by content), one after for every
    # group (a group-id filter: their rules by content and their tags), one DeleteTags for
    # them all; one authorize per group and direction
    calls = done.calls
    assert calls["ec2:DescribeSecurityGroups"] == 2 * regions
    assert "ec2:DescribeSecurityGroupRules" not in calls
    assert "ec2:DescribeNetworkInterfaces" not in calls
    assert calls["ec2:DeleteTags"] == regions
    authorized = calls["ec2:AuthorizeSecurityGroupIngress"]
    authorized += calls.get("ec2:AuthorizeSecurityGroupEgress", 0)
    assert authorized == authorize_calls(done.results.values())
    assert "ec2:CreateTags" not in calls


def test_throttled_shared_calls_fall_back_to_each_group_and_verify_nothing_unread(
    endpoint: str, tmp_path: Path, throttle: Throttle
) -> None:
    # GIVEN the estate remediated, and AWS throttling every read or untagging of several groups
    # at once, and every describe of one group
    estate, before, store, ids = remediated(endpoint, tmp_path)
    victim_backup = ids[0]
    victim = store.get(victim_backup).plan.group_id
    throttle.victim, throttle.active = victim, True
    # WHEN every backup is rolled back at once
    done = roll_back(estate, store, ids)
    # THEN the shared calls were tried, once per account-region, and refused
    regions = len(estate.accounts) * len(estate.regions)
    assert sorted(set(throttle.refused)) == ["DeleteTags", "DescribeSecurityGroups"]
    assert throttle.refused.count("DeleteTags") == regions
    # AND every other group was verified by a describe of its own and untagged on its own:
    # restored, its rules and tags as before the remediation
    others = [b for b in ids if b != victim_backup]
    assert {done.results[b].status for b in others} == {Status.RESTORED}
    assert calls_of(done, "ec2:DeleteTags") == len(others) + regions
    as_before(estate, before, others)
    # AND the group whose own read was throttled is not claimed restored: its rules are back,
    # unverified, and it keeps its remediation's tags; its audit record says it failed
    victim_result = done.results[victim_backup]
    assert victim_result.status is Status.FAILED
    assert "throttl" in victim_result.reason.lower()
    key, after = estate.key_of(victim), read_state(estate)
    assert after[key].lines == before[key].lines
    assert after[key].tags != before[key].tags
    assert sorted(r.backup_id for r in done.audited) == sorted(ids)
    assert next(r for r in done.audited if r.backup_id == victim_backup).outcome == "failed"


def test_a_group_deleted_between_its_authorize_and_the_shared_read_fails_alone(
    endpoint: str, tmp_path: Path
) -> None:
    # GIVEN the estate remediated
    estate, before, store, ids = remediated(endpoint, tmp_path)
    doomed = next(b for b in ids if estate.key_of(group_of(b))[2] == "all-open")
    doomed_group = group_of(doomed)
    account, region, _ = estate.key_of(doomed_group)

    class Deleting(Ec2GroupGateway):
        """Someone deletes the group just before the read that verifies the restores."""

        def groups_of(self, group_ids: Sequence[str]) -> dict[str, SecurityGroup]:
            if doomed_group in group_ids:
                estate.ec2(account, region).delete_security_group(GroupId=doomed_group)
            return super().groups_of(group_ids)

    def deleting(runtime: Runtime) -> GatewayFor:
        return lambda a, r: Deleting(runtime.clients.ec2(a, r), a, r)

    # WHEN every backup is rolled back at once
    done = roll_back(estate, store, ids, deleting)
    # THEN that group's rollback failed, saying it is gone, and was audited so
    gone = done.results[doomed]
    assert gone.status is Status.FAILED
    assert "InvalidGroup.NotFound" in gone.reason
    assert next(r for r in done.audited if r.backup_id == doomed).outcome == "failed"
    # AND every other group, of its account-region too, is restored, verified and untagged
    others = [b for b in ids if b != doomed]
    assert {done.results[b].status for b in others} == {Status.RESTORED}
    as_before(estate, before, others)
    assert len(done.audited) == len(ids)


def test_the_read_by_content_holds_what_the_full_read_holds_less_ids_and_attachment(
    endpoint: str, tmp_path: Path
) -> None:
    # GIVEN the estate remediated (pointer tags on its groups, rules of every kind of peer)
    estate, _, _, _ = remediated(endpoint, tmp_path)
    runtime = estate.runtime(purpose="rollback")
    for account in estate.accounts:
        for region in estate.regions:
            scope = Scope(account, region)
            # WHEN an account-region is read by content, and in full
            runtime.counter.reset()
            by_content = {g.group_id: g for g in runtime.groups_by_content(scope)}
            calls = runtime.counter.snapshot().calls
            full = {g.group_id: g for g in runtime.read(scope).groups}
            # THEN with one call, the same groups, names, tags and rules (by what AWS tells
            # apart: `rule_identity`)
            calls.pop("sts:AssumeRole", None)  # the account's first call
            assert calls == {"ec2:DescribeSecurityGroups": 1}
            assert by_content.keys() == full.keys()
            for group_id, group in full.items():
                seen = by_content[group_id]
                assert (seen.name, seen.tags) == (group.name, group.tags)
                assert sorted(map(rule_identity, seen.rules)) == sorted(
                    map(rule_identity, group.rules)
                )
