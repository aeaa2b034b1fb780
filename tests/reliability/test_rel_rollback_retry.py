"""A rollback whose authorize took effect but whose answer was lost: the client retries, AWS
answers InvalidPermission.Duplicate, and the rollback must still complete (it used to stop)."""

from __future__ import annotations

import pytest
from rel_wiring import backup_store, create_bucket, proxied_runtime

from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import RemediationSettings
from sgcompliance.remediation.rollback import RollbackService
from support.faults.proxy import FaultProxy
from support.faults.schedule import Call, FaultKind, FaultSchedule
from support.live_estate import MEMBERS, build_estate, estate_policy, lines_of, read_state
from support.live_runs import remediate

pytestmark = pytest.mark.integration


def test_a_rollback_whose_first_authorize_answer_was_lost_still_restores_every_rule(
    endpoint: str, fault_proxy: FaultProxy
) -> None:
    # GIVEN a remediated estate
    estate = build_estate(endpoint, accounts=MEMBERS[:1])
    original = read_state(estate)
    runtime = proxied_runtime(estate, fault_proxy.endpoint, purpose="remediate")
    create_bucket(runtime)
    store = backup_store(runtime)
    remediate(
        estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store, runtime=runtime
    )

    # AND the rollback's first AuthorizeSecurityGroupIngress stalls after taking effect
    # (only that one: its retry and the later calls go through)
    def first_authorize(call: Call) -> bool:
        return call.operation == "AuthorizeSecurityGroupIngress" and not fault_proxy.injected

    fault_proxy.follow(
        FaultSchedule(seed=1, rate=1.0, kinds=(FaultKind.TIMEOUT,), eligible=first_authorize)
    )
    rollback = proxied_runtime(estate, fault_proxy.endpoint, purpose="rollback")
    service = RollbackService(backup_store(rollback))
    # WHEN every backup is rolled back
    outcomes = [
        service.rollback(b, rollback.gateway, dry_run=False) for b in service.backups.list()
    ]
    # THEN the lost answer happened, and every rollback completed and verified
    assert fault_proxy.injected[FaultKind.TIMEOUT] == 1
    assert all(o.verified for o in outcomes)
    assert lines_of(read_state(estate)) == lines_of(original)
