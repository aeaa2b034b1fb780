"""One group, two decisions in one run: each keeps an audit record of its own (found by the
concurrent-change campaign, tests/reliability/test_rel_concurrent_change.py)."""

from __future__ import annotations

from sgcompliance.remediation.outcome import STATUS_IN_PROGRESS
from sgcompliance.remediation.plan import TAG_STATUS
from support.pipeline_world import GROUP, SSH_V4, SSH_V6, event_for, rule, world

LATER_EVENT = "3f1c8a52-0d7e-4b6a-9d21-6c0e5b7a4f10"


def test_an_earlier_remediation_closed_and_a_new_revoke_are_both_recorded() -> None:
    # GIVEN a group remediated by a run that died before its outcome tags (it still says
    # "remediating", and its receipt is stored), and SSH opened to the world again since
    w = world()
    w.app.handle(event_for())
    w.gateway.set_tags(GROUP, {TAG_STATUS: STATUS_IN_PROGRESS})
    w.gateway.add_rule(GROUP, rule("sgr-0a0a0a0a0a0a0a0a0", 22, "0.0.0.0/0"))
    # WHEN another change to the group arrives
    w.app.handle(event_for(eventID=LATER_EVENT))
    # THEN closing the earlier remediation and the new revoke each have a record, under ids
    # of their own (a sink keeps only the first write of an id)
    records = [r for r in w.audit if r.event_id == LATER_EVENT]
    revoked = sorted(r.revoked_rule_ids for r in records)
    assert revoked == [(SSH_V4, SSH_V6), ("sgr-0a0a0a0a0a0a0a0a0",)]
    assert len({r.record_id for r in records}) == 2
