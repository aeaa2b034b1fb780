"""Races the concurrent-change campaign found (tests/reliability/test_rel_concurrent_change.py):
a lockdown whose cause is fixed between the re-read and the revoke, and a planned rule that
goes between the re-read and the new judgement's own read."""

from __future__ import annotations

import pytest
from test_remediator import group, policy, remediator, rule
from test_remediator_races import OFFICE, remediate

from sgcompliance.engine.model import Direction
from sgcompliance.remediation.plan import Mode, RemediationPlan
from sgcompliance.remediation.remediator import Outcome, SecurityGroupRemediator
from sgcompliance.testing import FakeGateway, MemoryBackups


@pytest.fixture
def read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The group is read again after its pointer, as for a plan whose rules do not stand alone
    (a world rule does, and is revoked without that read): these races are about that read."""

    def never(self: SecurityGroupRemediator, plan: RemediationPlan) -> bool:
        return False

    monkeypatch.setattr(SecurityGroupRemediator, "_stands_alone", never)


def test_a_lockdown_whose_cause_is_fixed_just_before_the_revoke_removes_nothing_else() -> None:
    # GIVEN a group locked down for SSH open to the world, with a private rule and an egress
    # rule that go only because of it; the SSH rule is fixed in place after the re-read
    egress = rule("sgr-out", 443, "0.0.0.0/0", Direction.EGRESS)
    gw = FakeGateway(
        [group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 443, "10.0.0.0/8"), egress)]
    )
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-ssh", peer=OFFICE))
    backups = MemoryBackups()
    # WHEN remediating in emergency mode
    (outcome,) = remediate(gw, remediator(policy(), Mode.EMERGENCY, backups))
    # THEN no rule is removed: the reason for the lockdown went before its revoke
    assert sorted(r.rule_id for r in gw.groups["sg-1"].rules) == ["sgr-ok", "sgr-out", "sgr-ssh"]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    assert outcome.outcome is Outcome.CHANGED  # type: ignore[attr-defined]
    # AND the receipt says every planned rule was left alone
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert receipt.revoked == ()
    assert sorted(receipt.not_revoked) == ["sgr-ok", "sgr-out", "sgr-ssh"]


def test_a_lockdown_whose_cause_is_still_there_removes_the_cause_first_then_the_rest() -> None:
    # GIVEN a group locked down for SSH open to the world, with a private rule
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"), rule("sgr-ok", 443, "10.0.0.0/8"))])
    # WHEN remediating in emergency mode
    (outcome,) = remediate(gw, remediator(policy(), Mode.EMERGENCY, MemoryBackups()))
    # THEN the SSH rule went in a call of its own, before the rule it took with it
    revokes = [w for w in gw.writes if w.startswith("revoke")]
    assert revokes == ["revoke sg-1 ingress ['sgr-ssh']", "revoke sg-1 ingress ['sgr-ok']"]
    assert sorted(outcome.revoked) == ["sgr-ok", "sgr-ssh"]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("read_again")
def test_a_planned_rule_gone_before_the_new_judgement_is_reported_as_changed() -> None:
    # GIVEN two world SSH rules; a rule is added before the re-read (so the group is judged
    # again), and one planned rule is deleted before that new judgement reads the group
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 22, "::/0"))])
    gw.before("rules", lambda: gw.add_rule("sg-1", rule("sgr-c", 443, "10.0.0.0/8")))
    # (the fake reads the group to write tags: the pointer tag's read comes first)
    gw.before("describe", lambda: None)
    gw.before("describe", lambda: gw.delete_rule("sg-1", "sgr-a"))
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, MemoryBackups()))
    # THEN the rule still planned is revoked, and the one that went is named as changed
    assert outcome.outcome is Outcome.APPLIED  # type: ignore[attr-defined]
    assert outcome.revoked == ["sgr-b"]  # type: ignore[attr-defined]
    assert outcome.changed == ["sgr-a"]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("read_again")
def test_after_a_refused_revoke_a_rule_added_back_under_a_new_id_is_not_claimed() -> None:
    # GIVEN an endpoint that refuses a revoke naming content the group no longer holds; SSH
    # open to the world is fixed in place just before the revoke, and someone adds the world
    # rule back (a new id) before the rule-by-rule retry reads the group
    gw = FakeGateway([group(rule("sgr-ssh", 22, "0.0.0.0/0"))], fail_unknown=True)
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-ssh", peer=OFFICE))
    gw.before("rules", lambda: None)  # the re-read after the backup
    gw.before("rules", lambda: gw.add_rule("sg-1", rule("sgr-back", 22, "0.0.0.0/0")))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN the judged rule is not reported revoked (it is still there, fixed), and the rule
    # added back, which no plan judged, is left to the next run
    assert sorted(r.rule_id for r in gw.groups["sg-1"].rules) == ["sgr-back", "sgr-ssh"]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert receipt.revoked == ()


def test_after_a_refused_revoke_a_rule_fixed_before_its_retry_is_not_revoked_by_id() -> None:
    # GIVEN an endpoint that refuses a revoke naming content the group no longer holds; one
    # world SSH rule is fixed in place before the revoke (so the call is refused), the other
    # just before its own retry (after the group was read again)
    gw = FakeGateway(
        [group(rule("sgr-a", 22, "0.0.0.0/0"), rule("sgr-b", 22, "::/0"))], fail_unknown=True
    )
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-a", peer=OFFICE))
    gw.before("revoke", lambda: gw.modify_rule("sg-1", "sgr-b", from_port=8443, to_port=8443))
    backups = MemoryBackups()
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, backups))
    # THEN neither fixed rule is removed (not by content, and not by id either): only a group
    # reference is refused while it is there, any other refused rule changed or went
    assert sorted(r.rule_id for r in gw.groups["sg-1"].rules) == ["sgr-a", "sgr-b"]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    receipt = backups.receipt(str(outcome.backup_id))  # type: ignore[attr-defined]
    assert receipt is not None
    assert receipt.revoked == ()


@pytest.mark.usefixtures("read_again")
def test_a_planned_rule_fixed_before_a_new_judgement_that_finds_the_group_compliant_is_named() -> (
    None
):
    # GIVEN SSH open to the world; a rule is added before the re-read (so the group is judged
    # again), and the SSH rule is fixed in place before that new judgement reads the group
    gw = FakeGateway([group(rule("sgr-a", 22, "0.0.0.0/0"))])
    gw.before("rules", lambda: gw.add_rule("sg-1", rule("sgr-c", 443, "10.0.0.0/8")))
    gw.before("describe", lambda: None)  # the pointer tag's read
    gw.before("describe", lambda: gw.modify_rule("sg-1", "sgr-a", peer=OFFICE))
    # WHEN remediating
    (outcome,) = remediate(gw, remediator(policy(), Mode.REMOVE, MemoryBackups()))
    # THEN nothing is revoked, and the outcome names the planned rule that changed
    assert outcome.outcome is Outcome.CHANGED  # type: ignore[attr-defined]
    assert outcome.revoked == []  # type: ignore[attr-defined]
    assert outcome.changed == ["sgr-a"]  # type: ignore[attr-defined]
