"""Faults in the middle of a remediation, against the moto server: the process dying right after
a backup, a pointer tag, a revoke or the verification; AccessDenied in one member account; a
backup store that refuses writes. Nothing may be lost and a re-run must converge."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.fleet import read_fleet
from sgcompliance.engine.policy import Policy
from sgcompliance.entrypoints.bootstrap import build_runtime
from sgcompliance.errors import BackupError
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_CHECKS, TAG_STATUS, Mode
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.remediator import Outcome, RemediationSettings
from support.live_estate import (
    MEMBERS,
    PAIR,
    REGIONS,
    SPECS,
    Estate,
    FreshServer,
    GroupKey,
    State,
    build_estate,
    estate_policy,
    lines_of,
    read_state,
)
from support.live_faults import (
    AccessDenial,
    Crash,
    CrashingBackupStore,
    CrashingGateway,
    SessionObserver,
    Tripwire,
)
from support.live_runs import GatewayWrap, remediate, roll_back_everything, write_calls

pytestmark = pytest.mark.integration

# (mode, method, n): the process dies right after the n-th call of `method` took effect.
CRASHES = [
    (Mode.REMOVE, "put", 1),  # backup stored; no pointer tag, nothing revoked
    (Mode.REMOVE, "put", 5),
    (Mode.REMOVE, "set_tags", 1),  # backup and pointer tag; nothing revoked
    (Mode.REMOVE, "rules", 1),  # read again after the pointer tag; nothing revoked
    (Mode.REMOVE, "revoke", 3),  # revoked; no verification, no receipt, no outcome tags
    (Mode.REMOVE, "rules", 4),  # revoked and verified; no receipt, no outcome tags
    (Mode.REMOVE, "put_receipt", 2),  # revoked, verified, recorded; no outcome tags
    (Mode.EMERGENCY, "revoke", 1),  # ingress revoked, egress not yet: half a lockdown
    (Mode.EMERGENCY, "revoke", 6),
    (Mode.EMERGENCY, "put", 2),
]
CRASH_IDS = [f"{mode.value}-after-{method}-{n}" for mode, method, n in CRASHES]

# One account keeps these runs short; multi-account faults are the AccessDenied tests below.
SOLO = MEMBERS[:1]
_fault_free: dict[tuple[Mode, tuple[str, ...]], State] = {}


def fault_free(
    server_use: FreshServer, tmp_path: Path, mode: Mode, accounts: tuple[str, ...] = SOLO
) -> State:
    """The estate's state after an uninterrupted run of `mode` (built once per mode)."""
    if (mode, accounts) not in _fault_free:
        estate = build_estate(server_use.fresh(), accounts=accounts)
        store = LocalBackupStore(tmp_path / "fault-free")
        remediate(estate, estate_policy(estate), RemediationSettings(mode), store)
        _fault_free[mode, accounts] = read_state(estate)
    return _fault_free[mode, accounts]


def crash_then_rerun(
    estate: Estate, policy: Policy, store: LocalBackupStore, crash: tuple[Mode, str, int]
) -> None:
    """A run that dies at the crash point, then a new process's run with the real gateway and
    store (nothing of the dead run's wiring is reused)."""
    mode, method, after = crash
    settings = RemediationSettings(mode)
    tripwire = Tripwire(method, after)
    dying_store: BackupStore = store
    wrap: GatewayWrap | None = None
    if method in ("put", "put_receipt"):
        dying_store = CrashingBackupStore(store, tripwire)
    else:
        wrap = lambda g: CrashingGateway(g, tripwire)  # noqa: E731
    with pytest.raises(Crash):
        remediate(estate, policy, settings, dying_store, wrap=wrap)
    remediate(estate, policy, settings, store, runtime=build_runtime(estate.target()))


def outcome_tags(state: State) -> dict[GroupKey, tuple[str | None, str | None]]:
    return {key: (g.tags.get(TAG_STATUS), g.tags.get(TAG_CHECKS)) for key, g in state.items()}


@pytest.mark.parametrize("crash", CRASHES, ids=CRASH_IDS)
def test_a_rerun_after_a_crash_ends_exactly_where_an_uninterrupted_run_ends(
    server_use: FreshServer, tmp_path: Path, crash: tuple[Mode, str, int]
) -> None:
    # GIVEN what an uninterrupted run of the mode leaves
    expected = fault_free(server_use, tmp_path, crash[0])
    estate = build_estate(server_use.fresh(), accounts=SOLO)
    # WHEN a run dies at the crash point and is run again
    crash_then_rerun(estate, estate_policy(estate), LocalBackupStore(tmp_path / "backups"), crash)
    # THEN the rules and the outcome tags are those of the uninterrupted run
    final = read_state(estate)
    assert lines_of(final) == lines_of(expected)
    assert outcome_tags(final) == outcome_tags(expected)


@pytest.mark.parametrize("crash", CRASHES[1:6], ids=CRASH_IDS[1:6])
def test_nothing_revoked_across_a_crash_is_lost(
    endpoint: str, tmp_path: Path, crash: tuple[Mode, str, int]
) -> None:
    # GIVEN an estate remediated by a run that died and a re-run
    estate = build_estate(endpoint, accounts=SOLO)
    store = LocalBackupStore(tmp_path / "backups")
    original = read_state(estate)
    crash_then_rerun(estate, estate_policy(estate), store, crash)
    final = read_state(estate)
    # THEN every revoked rule is in a stored backup
    revoked = {rule for key in original for rule in original[key].rule_ids - final[key].rule_ids}
    backed_up = {
        rule
        for backup_id in store.list()
        for rule in (
            *store.get(backup_id).plan.revoke_ingress,
            *store.get(backup_id).plan.revoke_egress,
        )
    }
    assert revoked
    assert revoked <= backed_up
    # AND rolling back every backup restores the original rules
    roll_back_everything(estate, store)
    assert lines_of(read_state(estate)) == lines_of(original)


def test_a_run_after_recovering_from_a_crash_makes_no_write_call(
    endpoint: str, tmp_path: Path
) -> None:
    estate = build_estate(endpoint, accounts=SOLO)
    store, policy = LocalBackupStore(tmp_path / "backups"), estate_policy(estate)
    crash_then_rerun(estate, policy, store, (Mode.EMERGENCY, "revoke", 1))
    third = remediate(estate, policy, RemediationSettings(Mode.EMERGENCY), store)
    assert write_calls(third.runtime.counter.snapshot().calls) == {}


def test_a_crash_between_the_two_directions_is_finished_from_the_recorded_plan(
    endpoint: str, tmp_path: Path
) -> None:
    # GIVEN a lockdown that died after its first revoke call (its most severe rules go
    # first), before the rest of its ingress and its egress; every group of its account-region
    # batch was pointed at its stored backup before that call
    estate = build_estate(endpoint, accounts=SOLO)
    store = LocalBackupStore(tmp_path / "backups")
    policy, settings = estate_policy(estate), RemediationSettings(Mode.EMERGENCY)
    original = read_state(estate)
    with pytest.raises(Crash):
        remediate(
            estate,
            policy,
            settings,
            store,
            wrap=lambda g: CrashingGateway(g, Tripwire("revoke", 1)),
        )
    crashed = read_state(estate)
    pointed = {k for k, g in crashed.items() if g.tags.get(TAG_STATUS) == "remediating"}
    half = {k for k in pointed if crashed[k].rule_ids != original[k].rule_ids}
    assert len(half) == 1
    assert all(crashed[k].rule_ids == original[k].rule_ids for k in set(crashed) - half)
    # WHEN the run is repeated
    rerun = remediate(estate, policy, settings, store)
    # THEN every pointed group's recorded plan is finished under its first backup
    for other in pointed:
        done = next(o for o in rerun.run.outcomes if estate.key_of(o.plan.group_id) == other)
        assert done.resumed
        assert done.verified
        assert done.backup_id == store.list(done.plan.group_id)[0]
    # AND the half-done one revoked every planned rule the dead run had not, its egress
    # among them
    (key,) = half
    outcome = next(o for o in rerun.run.outcomes if estate.key_of(o.plan.group_id) == key)
    (backup_id,) = store.list(outcome.plan.group_id)
    recorded = store.get(backup_id).plan
    planned = [*recorded.revoke_ingress, *recorded.revoke_egress]
    assert outcome.backup_id == backup_id
    assert sorted(outcome.revoked) == sorted(i for i in planned if i in crashed[key].rule_ids)
    assert set(recorded.revoke_egress) <= set(outcome.revoked)
    assert outcome.verified
    left = read_state(estate)[key]
    assert not {*recorded.revoke_ingress, *recorded.revoke_egress} & left.rule_ids
    assert left.tags[TAG_STATUS] == "locked-down"


def test_a_backup_store_that_refuses_writes_stops_the_run_before_any_revoke(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a versioned bucket on which PutObject is denied
    observer = SessionObserver(AccessDenial(s3={"PutObject"})).install(monkeypatch)
    estate = build_estate(endpoint)
    runtime = estate.runtime()
    s3 = runtime.factory.client("s3")
    s3.create_bucket(Bucket="sgc-backups")
    s3.put_bucket_versioning(Bucket="sgc-backups", VersioningConfiguration={"Status": "Enabled"})
    before = read_state(estate)
    store = runtime.backups(BackupTarget(bucket="sgc-backups"))
    # WHEN remediating
    done = remediate(
        estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store, runtime=runtime
    ).run
    # THEN the run stopped at the first backup and says why, for every group it planned
    assert isinstance(done.stopped_by, BackupError)
    assert "AccessDenied" in str(done.stopped_by)
    assert len(done.outcomes) == len(done.plans)
    first_revoke = next(i for i, p in enumerate(done.plans) if p.revoke_count)
    # (groups only flagged before it need no backup: the order of plans follows group ids)
    flagged_before = {o.outcome for o in done.outcomes[:first_revoke]}
    assert flagged_before <= {Outcome.APPLIED}
    assert all(not o.plan.revoke_count for o in done.outcomes[:first_revoke])
    assert {o.outcome for o in done.outcomes[first_revoke:]} == {Outcome.FAILED}
    # AND no rule was revoked and no group points to a backup
    calls = observer.counter.snapshot().calls
    after = read_state(estate)
    assert not any(op.startswith("ec2:Revoke") for op in calls)
    assert lines_of(after) == lines_of(before)
    assert not any(TAG_BACKUP in g.tags for g in after.values())
    assert observer.denial.refused == ["s3:PutObject"]


def test_one_account_whose_role_cannot_be_assumed_does_not_stop_the_others(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN three member accounts x two regions, the role of one cannot be assumed
    denied = MEMBERS[1]
    SessionObserver(AccessDenial(unassumable={denied})).install(monkeypatch)
    estate = build_estate(endpoint, accounts=MEMBERS, regions=REGIONS)
    runtime = estate.runtime()
    # WHEN every account-region is read
    results = read_fleet(runtime.scopes, runtime.read)
    # THEN that account's scopes report AccessDenied with its role; the others are read
    failed = {str(r.scope): r for r in results if not r.ok}
    assert set(failed) == {f"{denied}/{region}" for region in REGIONS}
    assert all(r.error_code == "SGC501" for r in failed.values())
    assert all(f"{denied}:role/" in (r.error or "") for r in failed.values())
    assert all("AccessDenied" in (r.error or "") for r in failed.values())
    read = [r for r in results if r.ok and r.snapshot is not None]
    assert len(read) == 4
    assert all(len(r.snapshot.groups) == len(SPECS) + 1 for r in read)  # type: ignore[union-attr]


def test_one_account_without_ec2_read_permission_does_not_stop_the_others(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = MEMBERS[2]
    denial = AccessDenial(ec2={denied: frozenset({"DescribeSecurityGroups"})})
    SessionObserver(denial).install(monkeypatch)
    estate = build_estate(endpoint, accounts=MEMBERS)
    runtime = estate.runtime()
    results = read_fleet(runtime.scopes, runtime.read)
    failed = [r for r in results if not r.ok]
    assert [str(r.scope) for r in failed] == [f"{denied}/eu-west-1"]
    assert "UnauthorizedOperation" in (failed[0].error or "")
    assert sum(r.ok for r in results) == 2


def test_access_denied_on_revoke_in_one_account_fails_only_its_groups_and_a_rerun_converges(
    server_use: FreshServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN one account whose role may not revoke
    expected = fault_free(server_use, tmp_path, Mode.REMOVE, PAIR)
    denied = PAIR[0]
    denial = AccessDenial(ec2={denied: frozenset({"RevokeSecurityGroupIngress"})})
    SessionObserver(denial).install(monkeypatch)
    estate = build_estate(server_use.fresh())
    store = LocalBackupStore(tmp_path / "backups")
    policy, settings = estate_policy(estate), RemediationSettings(Mode.REMOVE)
    # WHEN remediating
    first = remediate(estate, policy, settings, store)
    # THEN only that account's revoking groups fail; the other account is remediated
    failed = {o.plan.account_id for o in first.run.outcomes if o.outcome is Outcome.FAILED}
    assert failed == {denied}
    assert not first.run.ok
    state = read_state(estate)
    assert all(state[k].lines == expected[k].lines for k in state if k[0] != denied)
    # AND once the permission is granted, a re-run converges to the uninterrupted result
    denial.ec2.clear()
    remediate(estate, policy, settings, store)
    assert lines_of(read_state(estate)) == lines_of(expected)
