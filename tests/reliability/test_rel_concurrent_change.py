"""Remediation and rollback while a second actor changes the estate and the backup store
between every two of the product's calls (see rel_change_campaign for the steps, rel_adversary
for what the adversary does, rel_change_oracles and rel_change_agree for the invariants).

`SGC_REL_CHANGE_SCHEDULES` sets how many schedules run (`make reliability` runs the full
campaign); each is one test, its seed in the test id.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rel_change_campaign import Schedule
from rel_change_tally import add_schedule
from rel_tally import Tally, sized

pytestmark = pytest.mark.integration

# 4 in `make test`: seeds 0-3 draw both modes, both stores and a receipt-forging adversary.
SCHEDULES = sized("SGC_REL_CHANGE_SCHEDULES", 4)
SEED_BASE = sized("SGC_REL_SEED_BASE", 0)


@pytest.mark.parametrize("seed", range(SEED_BASE, SEED_BASE + SCHEDULES), ids="seed-{}".format)
def test_no_invariant_breaks_while_another_actor_changes_the_estate_and_the_store(
    endpoint: str, tmp_path: Path, tally: Tally, seed: int
) -> None:
    # GIVEN an estate, and an adversary that acts between the product's calls on a seeded
    # schedule (rules changed in place, deleted, re-added, added; a group deleted; sgc tags
    # rewritten; backups overwritten and forged)
    # WHEN it is remediated twice and every receipt written is rolled back
    outcome = Schedule(seed, endpoint, tmp_path).run()
    add_schedule(tally, outcome)
    # THEN no rule was revoked unless judged in its current content under a verified backup,
    # rollback authorized only what sgc removed, and report, receipts, audit and AWS agree
    assert [str(v) for v in outcome.violations] == []
    # AND the adversary and the product both did something (else nothing was tested)
    assert sum(outcome.acts.values()) > 0
    assert outcome.revoked > 0
