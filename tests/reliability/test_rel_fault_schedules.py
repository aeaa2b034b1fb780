"""Randomized fault schedules against remediation and rollback (see rel_campaign for the steps).

`SGC_REL_SCHEDULES` sets how many (`make reliability` runs the full campaign); each schedule is
one test, its seed in the test id, so a failure is replayed with `-k seed-N`.
"""

from __future__ import annotations

import pytest
from rel_campaign import Campaign
from rel_tally import Tally, sized

pytestmark = pytest.mark.integration

SCHEDULES = sized("SGC_REL_SCHEDULES", 5)
SEED_BASE = sized("SGC_REL_SEED_BASE", 0)


@pytest.mark.parametrize("seed", range(SEED_BASE, SEED_BASE + SCHEDULES), ids="seed-{}".format)
def test_every_invariant_holds_under_a_random_fault_schedule_and_after_a_clean_rerun(
    campaign: Campaign, tally: Tally, seed: int
) -> None:
    # GIVEN an estate, and a seeded schedule of throttling, 500, 503, resets and timeouts
    # WHEN it is remediated and rolled back with faults on, then again with faults off
    outcome = campaign.run(seed)
    tally.schedules += 1
    tally.stopped_by.update(outcome.stopped_by)
    tally.add_faults(outcome.injected)
    tally.revoked += outcome.revoked
    tally.restored += outcome.restored
    tally.violations.extend(outcome.violations)
    # THEN nothing compliant was lost, nothing revoked without a backup, the end state is the
    # fault-free one and rollback gave back the original exactly
    assert outcome.violations == []
    assert outcome.revoked > 0
    assert outcome.restored > 0
