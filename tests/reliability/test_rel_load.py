"""Load: a sweep of a large estate with 1 % of its calls failing (every fault kind) completes,
reports every account-region's outcome and keeps its memory bounded (the peak is reported).

`SGC_REL_LOAD_GROUPS` sets the estate's size (`make reliability`: 10,000 groups).
"""

from __future__ import annotations

import pytest
from rel_load import ACCOUNTS, REGIONS, open_groups, seed_estate, sweep
from rel_tally import Tally, sized
from rel_wiring import create_bucket, proxied_runtime

from support.faults.proxy import FaultProxy
from support.faults.schedule import FaultSchedule

pytestmark = pytest.mark.integration

GROUPS = sized("SGC_REL_LOAD_GROUPS", 300)
LOAD_SEED = 7
# Longer than the sweep's read timeout: an injected stall is still a timeout.
LOAD_STALL = 25.0


def test_a_sweep_of_a_large_estate_with_one_percent_faults_reports_every_account_region(
    endpoint: str, fault_proxy: FaultProxy, tally: Tally
) -> None:
    # GIVEN GROUPS groups over 5 accounts x 2 regions, 1 % of them open to the world
    estate = seed_estate(endpoint, GROUPS)
    create_bucket(proxied_runtime(estate, endpoint, purpose="it"))
    fault_proxy.clear(FaultSchedule(seed=LOAD_SEED, period=100))  # 1 % of the calls
    fault_proxy.stall = LOAD_STALL
    # WHEN the whole fleet is swept with 1 % of the calls failing
    try:
        done = sweep(estate, fault_proxy.endpoint)
    finally:
        fault_proxy.stall, injected = 1.5, sum(fault_proxy.injected.values())
        fault_proxy.clear()
    tally.counts["load: groups swept"] += done.groups
    tally.counts["load: account-regions reported"] += len(done.reports)
    tally.counts["load: account-regions ok"] += sum(r.ok for r in done.reports)
    tally.counts["load: faults injected"] += injected
    tally.counts["load: rules revoked"] += done.revoked
    tally.load_peak_mib = max(tally.load_peak_mib or 0.0, done.peak_mib)
    tally.notes.extend(
        f"load {r.scope}: {'ok' if r.ok else 'FAILED ' + r.error} groups={r.groups} "
        f"violating={r.violations} revoked={r.revoked}"
        for r in done.reports
    )
    # THEN every account-region reports its outcome, every group was read and judged,
    # and every open group was closed
    assert [r.scope for r in done.reports] == [f"{a}/{r}" for a in ACCOUNTS for r in REGIONS]
    assert all(r.ok for r in done.reports), [r.error for r in done.reports if not r.ok]
    assert done.groups == GROUPS + len(done.reports)  # each region's default group too
    assert done.revoked == open_groups(GROUPS)
    assert done.failed_groups == 0
    assert injected > 0
