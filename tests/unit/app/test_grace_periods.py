"""Grace periods (mark for later): a violation of a check with `grace_days` is flagged with the
day after which it is remediated, and the first run after that day remediates it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

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
from sgcompliance.policy.governance import policy_warnings
from sgcompliance.policy.loader import parse_policy
from sgcompliance.records.audit import Trigger
from sgcompliance.remediation.audit_records import outcome_audit_record
from sgcompliance.remediation.plan import TAG_CHECKS, TAG_DEADLINE, TAG_STATUS, Mode
from sgcompliance.remediation.remediator import (
    Outcome,
    RemediationSettings,
    SecurityGroupRemediator,
)
from sgcompliance.testing import FakeGateway, MemoryBackups

ACCOUNT, REGION = "111111111111", "eu-west-1"
FIRST_SEEN = date(2026, 12, 3)
INGRESS = Direction.INGRESS


def rule(rule_id: str, port: int, cidr: str = "0.0.0.0/0") -> Rule:
    return Rule(rule_id, "sg-1", INGRESS, "tcp", port, port, Peer(PeerKind.IPV4, cidr), "d")


def _check(check_id: str, port: int, grace: int, severity: Severity = Severity.HIGH) -> Check:
    spec = RestrictedPorts((PortSpec(frozenset({"tcp"}), (port, port)),), Sources())
    return Check(
        check_id, check_id, CheckType.RESTRICTED_PORTS, severity, Remediation.REMOVE, spec,
        grace_days=grace,
    )  # fmt: skip


POLICY = Policy("p", "1", (_check("SSH", 22, 7), _check("DB", 5432, 0), _check("WEB", 8080, 30)))


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


def setup(
    *rules: Rule, mode: Mode = Mode.REMOVE
) -> tuple[FakeGateway, SecurityGroupRemediator, Clock]:
    clock = Clock(FIRST_SEEN)
    scanner = ComplianceScanner(POLICY, today=lambda: clock.day)
    rem = SecurityGroupRemediator(scanner, MemoryBackups(), clock, RemediationSettings(mode=mode))
    gw = FakeGateway([SecurityGroup("sg-1", "web", ACCOUNT, REGION, rules)])
    return gw, rem, clock


def run_on(day: date, gw: FakeGateway, rem: SecurityGroupRemediator, clock: Clock) -> Any:
    clock.day = day
    snapshot = RegionSnapshot(ACCOUNT, REGION, tuple(gw.groups.values()))
    return rem.run(rem.scanner.scan([snapshot]), lambda a, r: gw, [snapshot])


def rule_ids(gw: FakeGateway) -> list[str]:
    return [r.rule_id for r in gw.groups["sg-1"].rules]


def test_a_violation_first_seen_is_flagged_with_the_day_after_which_it_is_remediated() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22))
    done = run_on(FIRST_SEEN, gw, rem, clock)
    tags = gw.groups["sg-1"].tags
    assert rule_ids(gw) == ["sgr-ssh"]
    assert (tags[TAG_STATUS], tags[TAG_CHECKS], tags[TAG_DEADLINE]) == (
        "flagged",
        "SSH",
        "2026-12-10",
    )
    # The plan's note, which the audit record (and so the alert) carries, says when.
    (outcome,) = done.outcomes
    trigger = Trigger("sweep-1", "Sweep", ACCOUNT, REGION)
    record = outcome_audit_record(trigger, outcome, decided_at=clock())
    assert "remediated by the first run after 2026-12-10" in record.reason


def test_runs_within_the_grace_period_change_nothing_and_the_first_run_after_it_revokes() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22), rule("sgr-ok", 22, "10.0.0.0/8"))
    run_on(FIRST_SEEN, gw, rem, clock)
    writes = list(gw.writes)
    run_on(date(2026, 12, 10), gw, rem, clock)  # the last day of the grace period
    assert gw.writes == writes
    done = run_on(date(2026, 12, 11), gw, rem, clock)
    assert [o.outcome for o in done.outcomes] == [Outcome.APPLIED]
    assert rule_ids(gw) == ["sgr-ok"]
    tags = gw.groups["sg-1"].tags
    # Nothing waits any more: the deadline is emptied, so a later violation starts its own.
    assert (tags[TAG_STATUS], tags[TAG_DEADLINE]) == ("remediated", "")


def test_a_rule_also_found_by_a_check_without_grace_is_revoked_at_once() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22), rule("sgr-db", 5432))
    run_on(FIRST_SEEN, gw, rem, clock)
    assert rule_ids(gw) == ["sgr-ssh"]
    assert gw.groups["sg-1"].tags[TAG_DEADLINE] == "2026-12-10"


def test_the_group_takes_the_shortest_grace_of_its_violations_and_later_ones_share_it() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22), rule("sgr-web", 8080))
    run_on(FIRST_SEEN, gw, rem, clock)
    assert gw.groups["sg-1"].tags[TAG_DEADLINE] == "2026-12-10"
    run_on(date(2026, 12, 11), gw, rem, clock)
    assert rule_ids(gw) == []


@pytest.mark.parametrize("forged", ["9999-12-31", "2027-01-04", "never", "2026-02-30", "x" * 300])
def test_a_deadline_the_policy_could_not_have_written_ends_the_grace_at_once(forged: str) -> None:
    # GIVEN a flagged group whose deadline someone moved past what 30 days of grace allow
    gw, rem, clock = setup(rule("sgr-ssh", 22), rule("sgr-web", 8080))
    run_on(FIRST_SEEN, gw, rem, clock)
    group = gw.groups["sg-1"]
    gw.groups["sg-1"] = replace(group, tags={**group.tags, TAG_DEADLINE: forged})
    # WHEN the next run judges it  THEN the grace is over: revoked now, and the note says why
    done = run_on(date(2026, 12, 4), gw, rem, clock)
    assert rule_ids(gw) == []
    (outcome,) = done.outcomes
    assert "not written by sgcompliance under this policy" in outcome.plan.note
    assert len(outcome.plan.note) < 300
    assert gw.groups["sg-1"].tags[TAG_DEADLINE] == ""


def test_a_deadline_within_the_policy_grace_is_kept() -> None:
    # The longest grace of the group's violations (30 days) bounds what is believed.
    gw, rem, clock = setup(rule("sgr-web", 8080))
    run_on(FIRST_SEEN, gw, rem, clock)
    assert gw.groups["sg-1"].tags[TAG_DEADLINE] == "2027-01-02"
    run_on(date(2027, 1, 2), gw, rem, clock)
    assert rule_ids(gw) == ["sgr-web"]


def test_flag_only_writes_no_deadline_and_emergency_waits_for_it() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22), mode=Mode.FLAG_ONLY)
    run_on(FIRST_SEEN, gw, rem, clock)
    assert TAG_DEADLINE not in gw.groups["sg-1"].tags
    gw, rem, clock = setup(
        rule("sgr-ssh", 22), rule("sgr-ok", 443, "10.0.0.0/8"), mode=Mode.EMERGENCY
    )
    run_on(FIRST_SEEN, gw, rem, clock)
    assert rule_ids(gw) == ["sgr-ssh", "sgr-ok"]
    run_on(FIRST_SEEN + timedelta(days=8), gw, rem, clock)
    assert rule_ids(gw) == ["sgr-ok"]


def test_a_group_fixed_within_its_grace_loses_the_deadline() -> None:
    gw, rem, clock = setup(rule("sgr-ssh", 22))
    run_on(FIRST_SEEN, gw, rem, clock)
    gw.delete_rule("sg-1", "sgr-ssh")
    run_on(date(2026, 12, 5), gw, rem, clock)
    tags = gw.groups["sg-1"].tags
    assert tags[TAG_STATUS] == "compliant"
    assert TAG_DEADLINE not in tags


def _doc(**keys: Any) -> dict[str, Any]:
    ssh = {"protocols": ["tcp"], "ports": 22}
    chk = {"id": "SSH", "type": "restricted_ports", "severity": "high", "ports": [ssh], **keys}
    return {"version": "1", "id": "p", "checks": [chk]}


def test_policy_documents_carry_grace_days() -> None:
    graced = parse_policy(_doc(grace_days=7, remediation="remove"), "t")
    assert graced.checks[0].grace_days == 7
    assert parse_policy(_doc(grace_days=0), "t").digest == parse_policy(_doc(), "t").digest
    with pytest.raises(Exception, match="grace_days"):
        parse_policy(_doc(grace_days=400), "t")
    warned = policy_warnings(parse_policy(_doc(grace_days=7), "t"))
    assert warned == [
        "check 'SSH' has grace_days 7 but remediation flag: only revokes wait for a grace "
        "period (give it remediation remove, or drop grace_days)"
    ]
