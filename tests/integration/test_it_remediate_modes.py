"""Remediation of a multi-account estate on the moto server, in every mode, through the product's
wiring (bootstrap runtime, AssumeRole per member account, the EC2 gateway, a backup store)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.remediation.plan import TAG_STATUS, Action, Mode
from sgcompliance.remediation.remediator import Outcome, RemediationSettings
from support.live_estate import (
    MEMBERS,
    PAIR,
    REGIONS,
    VIOLATING,
    Estate,
    State,
    build_estate,
    estate_policy,
    lines_of,
    read_state,
)
from support.live_runs import remediate, write_calls

pytestmark = pytest.mark.integration

# What each mode removes from each group of the estate (per account-region); others keep all.
REMOVED_BY_REMOVE = {
    "ssh-mixed": {"in tcp 22..22 0.0.0.0/0 'ops vpn'"},
    "rdp-dual": {"in tcp 3389..3389 0.0.0.0/0 'rdp'", "in tcp 3389..3389 ::/0 'rdp'"},
    "web-vendor": {"in tcp 22..22 0.0.0.0/0"},
    "all-open": {"in -1 -1..-1 0.0.0.0/0 'anything'"},
    "pl-admin": {"in tcp 22..22 pl:world-admins"},
    "odd-protocols": {"in tcp 22..22 0.0.0.0/0"},
    "exempt-rule": {"in tcp 22..22 ::/0"},
}
# Every group with a critical finding (world-open SSH or RDP) loses every rule, egress too.
LOCKED_DOWN = {"ssh-mixed", "rdp-dual", "web-vendor", "all-open", "pl-admin", "odd-protocols"}


@pytest.fixture
def estate(endpoint: str) -> Estate:
    return build_estate(endpoint)


@pytest.fixture
def store(tmp_path: Path) -> LocalBackupStore:
    return LocalBackupStore(tmp_path / "backups")


def removed(before: State, after: State) -> dict[str, set[str]]:
    """Group name -> rules gone, over every account-region; fails if any group gained a rule."""
    out: dict[str, set[str]] = {}
    for key, group in before.items():
        assert after[key].lines <= group.lines, f"{key} gained rules"
        gone = set(group.lines - after[key].lines)
        if gone:
            out.setdefault(key[2], set()).update(gone)
    return out


def statuses(state: State) -> dict[str, set[str]]:
    """Group name -> its sgc:status values over every account-region (absent: not listed)."""
    out: dict[str, set[str]] = {}
    for (_, _, name), group in state.items():
        if TAG_STATUS in group.tags:
            out.setdefault(name, set()).add(group.tags[TAG_STATUS])
    return out


def test_flag_only_tags_every_violating_group_of_every_account_and_revokes_nothing(
    estate: Estate, store: LocalBackupStore
) -> None:
    # GIVEN the estate in two member accounts
    before = read_state(estate)
    # WHEN remediating in flag_only mode
    done = remediate(estate, estate_policy(estate), RemediationSettings(Mode.FLAG_ONLY), store)
    # THEN every violating group of every account is flagged, no rule is revoked, no backup made
    after = read_state(estate)
    assert lines_of(after) == lines_of(before)
    assert statuses(after) == {name: {"flagged"} for name in VIOLATING}
    # AND the groups of an account-region flagged for the same checks share one CreateTags
    tag_sets = {
        (o.plan.account_id, o.plan.region, frozenset(f.check_id for f in o.plan.findings))
        for o in done.run.outcomes
    }
    assert len(done.run.outcomes) == len(VIOLATING) * len(PAIR) > len(tag_sets)
    assert write_calls(done.runtime.counter.snapshot().calls) == {"ec2:CreateTags": len(tag_sets)}
    assert store.list() == []


def test_each_member_account_is_reached_through_one_assume_role(
    estate: Estate, store: LocalBackupStore
) -> None:
    done = remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    assert done.runtime.counter.count("sts:AssumeRole") == len(PAIR)
    assert {o.plan.account_id for o in done.run.outcomes} == set(PAIR)


def test_remove_revokes_exactly_the_offending_rules_in_every_account(
    estate: Estate, store: LocalBackupStore
) -> None:
    before = read_state(estate)
    done = remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    after = read_state(estate)
    assert removed(before, after) == REMOVED_BY_REMOVE
    assert all(o.outcome is Outcome.APPLIED and o.verified for o in done.run.outcomes)


def test_remove_marks_revoked_groups_remediated_and_only_flags_the_rest(
    estate: Estate, store: LocalBackupStore
) -> None:
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    expected = {name: {"remediated"} for name in REMOVED_BY_REMOVE} | {"default": {"flagged"}}
    assert statuses(read_state(estate)) == expected


def test_a_permission_with_a_private_range_and_the_world_keeps_the_private_range(
    estate: Estate, store: LocalBackupStore
) -> None:
    # GIVEN one SSH permission listing 10.0.0.0/8 and 0.0.0.0/0 in every member account
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    # THEN the permission is still there, with 10.0.0.0/8 and its description only
    for account in estate.accounts:
        group_id = estate.group_ids[account, "eu-west-1", "ssh-mixed"]
        group = estate.ec2(account, "eu-west-1").describe_security_groups(GroupIds=[group_id])
        (permission,) = group["SecurityGroups"][0]["IpPermissions"]
        assert (permission["FromPort"], permission["ToPort"]) == (22, 22)
        assert permission["IpRanges"] == [{"CidrIp": "10.0.0.0/8", "Description": "ops vpn"}]
        assert permission.get("Ipv6Ranges", []) == []


def test_emergency_locks_down_every_group_with_a_critical_finding(
    estate: Estate, store: LocalBackupStore
) -> None:
    before = read_state(estate)
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.EMERGENCY), store)
    after = read_state(estate)
    for key, group in after.items():
        if key[2] in LOCKED_DOWN:
            assert group.lines == frozenset(), key
            assert group.tags[TAG_STATUS] == "locked-down"
        elif key[2] != "exempt-rule":  # see the next test
            assert group.lines == before[key].lines, key


def test_emergency_lockdown_revokes_everything_but_an_exempt_rule(
    estate: Estate, store: LocalBackupStore
) -> None:
    # GIVEN a group with a critical violation and a rule exempted by id
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.EMERGENCY), store)
    # THEN the lockdown removed every rule, egress included, except the exempt one
    after = read_state(estate)
    for account in estate.accounts:
        group = after[account, "eu-west-1", "exempt-rule"]
        assert group.lines == {"in tcp 3389..3389 0.0.0.0/0 'vendor rdp'"}
        assert group.tags[TAG_STATUS] == "locked-down"


@pytest.mark.parametrize("mode", list(Mode))
def test_an_exempt_group_is_never_touched(
    estate: Estate, store: LocalBackupStore, mode: Mode
) -> None:
    before = read_state(estate)
    done = remediate(estate, estate_policy(estate), RemediationSettings(mode), store)
    after = read_state(estate)
    exempt = [key for key in before if key[2] == "exempt-bastion"]
    assert all(after[key] == before[key] for key in exempt)
    assert "exempt-bastion" not in {o.plan.group_name for o in done.run.outcomes}


@pytest.mark.parametrize("mode", [Mode.FLAG_ONLY, Mode.REMOVE])
def test_an_exempt_rule_is_never_revoked(
    estate: Estate, store: LocalBackupStore, mode: Mode
) -> None:
    remediate(estate, estate_policy(estate), RemediationSettings(mode), store)
    after = read_state(estate)
    for account in estate.accounts:
        rules = after[account, "eu-west-1", "exempt-rule"].lines
        assert "in tcp 3389..3389 0.0.0.0/0 'vendor rdp'" in rules


@pytest.mark.parametrize("mode", list(Mode))
def test_a_dry_run_writes_nothing(estate: Estate, store: LocalBackupStore, mode: Mode) -> None:
    # GIVEN the estate WHEN remediating as a dry run
    before = read_state(estate)
    settings = RemediationSettings(mode, dry_run=True)
    done = remediate(estate, estate_policy(estate), settings, store)
    # THEN every violating group has a plan, but no write call was made and no backup stored
    assert {o.outcome for o in done.run.outcomes} == {Outcome.DRY_RUN}
    assert len(done.run.outcomes) == len(VIOLATING) * len(PAIR)
    assert write_calls(done.runtime.counter.snapshot().calls) == {}
    assert read_state(estate) == before
    assert store.list() == []


def test_the_blast_radius_limit_flags_instead_of_revoking(
    estate: Estate, store: LocalBackupStore
) -> None:
    # GIVEN a limit of 2 revokes, far below what the estate needs
    before = read_state(estate)
    settings = RemediationSettings(Mode.REMOVE, max_revokes=2)
    done = remediate(estate, estate_policy(estate), settings, store)
    # THEN nothing is revoked, every violating group is flagged and the run says why
    after = read_state(estate)
    calls = write_calls(done.runtime.counter.snapshot().calls)
    assert "blast-radius limit" in done.run.blast_radius_note
    assert {p.action for p in done.run.plans} == {Action.FLAG}
    assert lines_of(after) == lines_of(before)
    assert set(calls) == {"ec2:CreateTags"}
    assert statuses(after) == {name: {"flagged"} for name in VIOLATING}
    assert store.list() == []


@pytest.mark.parametrize("mode", list(Mode))
def test_a_second_run_right_after_the_first_makes_no_write_call(
    estate: Estate, store: LocalBackupStore, mode: Mode
) -> None:
    policy = estate_policy(estate)
    remediate(estate, policy, RemediationSettings(mode), store)
    backups = store.list()
    second = remediate(estate, policy, RemediationSettings(mode), store)
    assert write_calls(second.runtime.counter.snapshot().calls) == {}
    assert {o.outcome for o in second.run.outcomes} <= {Outcome.UNCHANGED}
    assert store.list() == backups


def test_a_second_run_with_the_s3_store_makes_no_write_call(endpoint: str) -> None:
    # GIVEN the estate and a versioned bucket in the account the tool runs in
    estate = build_estate(endpoint)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="sgc-backups")
    s3.put_bucket_versioning(Bucket="sgc-backups", VersioningConfiguration={"Status": "Enabled"})
    policy, settings = estate_policy(estate), RemediationSettings(Mode.REMOVE)
    runtime = estate.runtime()
    store = runtime.backups(BackupTarget(bucket="sgc-backups"))
    # WHEN remediating twice
    first = remediate(estate, policy, settings, store, runtime=runtime)
    stored = first.runtime.counter.count("s3:PutObject")
    second = remediate(estate, policy, settings, store, runtime=runtime)
    # THEN the first run stored one backup and its receipt per revoked group and one manifest
    # of their backups per account-region, the second wrote nothing at all
    scopes = len(estate.accounts) * len(estate.regions)
    assert stored == len(REMOVED_BY_REMOVE) * scopes * 2 + scopes
    assert write_calls(second.runtime.counter.snapshot().calls) == {}


def test_every_account_region_is_remediated_through_its_member_role(
    endpoint: str, store: LocalBackupStore
) -> None:
    # GIVEN the estate in three accounts x two regions
    estate = build_estate(endpoint, accounts=MEMBERS, regions=REGIONS)
    before = read_state(estate)
    # WHEN remediating every account-region at once
    done = remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    # THEN every account-region lost exactly the offending rules
    after = read_state(estate)
    scopes = {(o.plan.account_id, o.plan.region) for o in done.run.outcomes}
    assert scopes == {(a, r) for a in MEMBERS for r in REGIONS}
    assert removed(before, after) == REMOVED_BY_REMOVE
    assert done.runtime.counter.count("sts:AssumeRole") == len(MEMBERS)
