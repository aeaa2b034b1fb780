"""A revoke the SDK sent again, against the moto server through the fault proxy: whether a
planned rule found gone counts as this run's depends on why the call was sent again.

After a lost answer (the first attempt removed the rule, its answer never came back) the rule is
this run's: its receipt names it and a rollback restores it. After throttling (the first attempt
was refused, so it removed nothing) a rule gone meanwhile went by someone else's hand: the run
does not claim it, and a rollback leaves it deleted.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rel_wiring import backup_store, create_bucket, proxied_runtime

from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.receipt import BackupReceipt
from sgcompliance.remediation.remediator import RemediationSettings
from support.faults.proxy import FaultProxy
from support.faults.schedule import NO_FAULTS, Call, FaultKind, FaultSchedule
from support.live_estate import (
    MEMBERS,
    Estate,
    build_estate,
    estate_policy,
    lines_of,
    read_state,
)
from support.live_runs import remediate, roll_back_everything

pytestmark = pytest.mark.integration

ACCOUNT = MEMBERS[0]
# One planned rule, alone in its group's ingress: "-1 0.0.0.0/0".
GROUP = "all-open"
OPEN_LINE = "in -1 -1..-1 0.0.0.0/0 'anything'"


def the_open_rule(estate: Estate) -> tuple[str, str]:
    """(group id, rule id) of the planned rule."""
    region = estate.regions[0]
    group_id = estate.group_ids[ACCOUNT, region, GROUP]
    return group_id, estate.rule_id(GROUP, ACCOUNT, region, OPEN_LINE)


def remediate_with_first_revoke(
    estate: Estate, proxy: FaultProxy, kind: FaultKind, meanwhile: Callable[[], None]
) -> BackupReceipt:
    """Remediate through the proxy, whose answer to the group's first revoke is `kind`
    (`meanwhile` runs as that attempt reaches the proxy), then roll back every backup; the
    group's receipt."""
    runtime = proxied_runtime(estate, proxy.endpoint, purpose="remediate")
    create_bucket(runtime)
    store = backup_store(runtime)
    group_id, _ = the_open_rule(estate)

    def first_revoke(call: Call) -> bool:
        hit = call.operation == "RevokeSecurityGroupIngress" and call.params.get("GroupId")
        if hit != group_id or proxy.injected:
            return False
        meanwhile()
        return True

    proxy.follow(FaultSchedule(seed=0, rate=1.0, kinds=(kind,), eligible=first_revoke))
    done = remediate(
        estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store, runtime=runtime
    )
    proxy.follow(NO_FAULTS)
    assert proxy.injected[kind] == 1
    outcome = next(o for o in done.run.outcomes if o.plan.group_id == group_id)
    receipt = store.receipt(outcome.backup_id or "")
    assert receipt is not None
    assert list(receipt.revoked) == outcome.revoked
    roll_back_everything(estate, store)
    return receipt


@pytest.fixture
def estate(endpoint: str) -> Estate:
    return build_estate(endpoint, accounts=MEMBERS[:1])


def test_a_rule_its_owner_deleted_while_the_revoke_was_throttled_is_not_this_runs(
    estate: Estate, fault_proxy: FaultProxy
) -> None:
    # GIVEN an estate, and an owner who deletes the planned rule while the revoke is throttled
    original = read_state(estate)
    group_id, rule_id = the_open_rule(estate)

    def owner_deletes() -> None:
        estate.ec2(ACCOUNT, estate.regions[0]).revoke_security_group_ingress(
            GroupId=group_id, SecurityGroupRuleIds=[rule_id]
        )

    # WHEN it is remediated (the SDK sends the throttled revoke again) and rolled back
    receipt = remediate_with_first_revoke(estate, fault_proxy, FaultKind.THROTTLE, owner_deletes)
    # THEN the run does not count the rule as revoked by it
    assert rule_id not in receipt.revoked
    assert rule_id in receipt.not_revoked
    # AND the rollback does not restore it: the owner's deletion stands, the rest is back
    expected = lines_of(original)
    key = (ACCOUNT, estate.regions[0], GROUP)
    expected[key] = expected[key] - {OPEN_LINE}
    assert lines_of(read_state(estate)) == expected


def test_a_rule_the_first_attempt_removed_before_its_answer_was_lost_is_this_runs(
    estate: Estate, fault_proxy: FaultProxy
) -> None:
    # GIVEN an estate whose revoke's first attempt takes effect but its answer never comes back
    original = read_state(estate)
    _, rule_id = the_open_rule(estate)
    # WHEN it is remediated (the SDK sends the revoke again, refused as unknown) and rolled back
    receipt = remediate_with_first_revoke(estate, fault_proxy, FaultKind.TIMEOUT, lambda: None)
    # THEN the run counts the rule as revoked by it, and the rollback restores it
    assert receipt.revoked == (rule_id,)
    assert lines_of(read_state(estate)) == lines_of(original)
