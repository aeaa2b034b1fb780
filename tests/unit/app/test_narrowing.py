"""Narrowing instead of removing: a world-open rule is replaced by rules from the check's
allowed ranges that lie inside its peer; authorized first, then the wide rule revoked by
content, with backup, receipt and a rollback that restores exactly the original."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from rich.console import Console

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    AllowedPeers,
    AuthorizedPorts,
    Check,
    CheckType,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
    WidePublicCidr,
)
from sgcompliance.engine.rule_codec import rule_identity
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.entrypoints.cli.fleet_view import rollback_view
from sgcompliance.entrypoints.cli.report_output import planned_report, run_report
from sgcompliance.errors import AccessDeniedError, AwsApiError, NotFoundError
from sgcompliance.policy.loader import validate_document
from sgcompliance.remediation.backup import from_document, to_document
from sgcompliance.remediation.plan import TAG_STATUS, Mode
from sgcompliance.remediation.remediator import (
    Outcome,
    RemediationSettings,
    SecurityGroupRemediator,
)
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.report.formats import Presentation
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.records import remediation_entry_record
from sgcompliance.report.remediation_table import remediation_table
from sgcompliance.report.remediation_view import RemediationReport
from sgcompliance.testing import FakeGateway, MemoryBackups

ACCOUNT, REGION = "111111111111", "eu-west-1"
NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
CDN = AllowedPeers(cidrs=("13.32.0.0/15", "2600:9000::/28"), prefix_lists=("pl-cdn",))
HTTPS = PortSpec(frozenset({"tcp"}), (443, 443))


def rule(rule_id: str, port: int, peer: str, description: str = "web") -> Rule:
    kind = (
        PeerKind.PREFIX_LIST
        if peer.startswith("pl-")
        else PeerKind.IPV6
        if ":" in peer
        else PeerKind.IPV4
    )
    return Rule(
        rule_id, "sg-1", Direction.INGRESS, "tcp", port, port, Peer(kind, peer), description
    )


def _policy(allowed: AllowedPeers = CDN) -> Policy:
    web = AuthorizedPorts((HTTPS,), Sources(public=True, allowed=allowed))
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    return Policy(
        "p", "1",
        (
            Check("WEB", "web", CheckType.AUTHORIZED_PORTS, Severity.HIGH, Remediation.NARROW, web),
            Check("SSH", "ssh", CheckType.RESTRICTED_PORTS, Severity.HIGH, Remediation.REMOVE, ssh),
            Check("WIDE", "wide", CheckType.WIDE_PUBLIC_CIDR, Severity.LOW, Remediation.FLAG,
                  WidePublicCidr(16, 48)),
        ),
    )  # fmt: skip


class World:
    def __init__(
        self,
        *rules: Rule,
        lists: dict[str, tuple[str, ...]] | None = None,
        allowed: AllowedPeers = CDN,
        gateway: FakeGateway | None = None,
    ) -> None:
        self.log: list[str] = []
        self.gw = gateway or FakeGateway(
            [SecurityGroup("sg-1", "web", ACCOUNT, REGION, rules)], self.log
        )
        self.lists = lists if lists is not None else {"pl-cdn": ("13.32.0.0/16",)}
        self.backups = MemoryBackups(self.log)
        scanner = ComplianceScanner(_policy(allowed), today=lambda: date(2026, 12, 5))
        self.rem = SecurityGroupRemediator(
            scanner, self.backups, lambda: NOW, RemediationSettings(mode=Mode.REMOVE)
        )

    def snapshot(self) -> RegionSnapshot:
        return RegionSnapshot(ACCOUNT, REGION, tuple(self.gw.groups.values()), self.lists)

    def run(self) -> Any:
        snapshot = self.snapshot()
        return self.rem.run(self.rem.scanner.scan([snapshot]), lambda a, r: self.gw, [snapshot])

    def peers(self) -> list[str]:
        return sorted(f"{r.from_port} {r.peer.value}" for r in self.gw.groups["sg-1"].rules)


def test_a_world_rule_is_replaced_by_the_allowed_ranges_inside_it() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"), rule("sgr-v6", 8080, "::/0"))
    done = world.run()
    (outcome,) = done.outcomes
    assert outcome.outcome is Outcome.APPLIED
    # Each family's world rule gets the allowed ranges of its own family; the prefix list
    # (IPv4 entries) stands in for the IPv4 world rule only.
    assert world.peers() == ["8080 13.32.0.0/15", "8080 2600:9000::/28", "8080 pl-cdn"]
    assert {r.description for r in world.gw.groups["sg-1"].rules} == {"web"}
    assert world.gw.groups["sg-1"].tags[TAG_STATUS] == "remediated"
    # Authorized before anything was revoked, after the backup.
    writes = [e.split()[0] for e in world.log if e.split()[0] in ("backup", "authorize", "revoke")]
    assert writes == ["backup", "authorize", "revoke"]
    receipt = world.backups.receipt(outcome.backup_id)
    assert receipt is not None
    assert sorted(receipt.revoked) == ["sgr-v4", "sgr-v6"]
    assert len(receipt.authorized) == 3


def test_the_backup_document_carries_the_narrowing_and_reads_back() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"))
    world.run()
    (backup_id,) = world.backups.list("sg-1")
    record = world.backups.get(backup_id)
    again = from_document(to_document(record))
    assert again.plan.narrowing == record.plan.narrowing
    assert [n.replaces for n in record.plan.narrowing] == [("sgr-v4",), ("sgr-v4",)]


def test_rollback_restores_exactly_the_original_and_removes_the_narrowed_rules() -> None:
    original = (rule("sgr-v4", 8080, "0.0.0.0/0"), rule("sgr-ok", 443, "0.0.0.0/0"))
    world = World(*original)
    world.run()
    service = RollbackService(world.backups)
    outcome = service.rollback(service.latest("sg-1"), lambda a, r: world.gw, dry_run=False)
    assert outcome.verified
    assert len(outcome.removed_rules) == 2
    assert {rule_identity(r) for r in world.gw.groups["sg-1"].rules} == {
        rule_identity(r) for r in original
    }
    assert not any(k.startswith("sgc:") for k in world.gw.groups["sg-1"].tags)


def test_a_second_run_changes_nothing() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"))
    world.run()
    writes = list(world.gw.writes)
    world.run()
    assert world.gw.writes == writes


def test_a_flag_check_finding_the_same_rule_does_not_stop_the_narrowing() -> None:
    # GIVEN a /8 on tcp 8080: found by WEB (narrow) and by WIDE (flag only)
    world = World(rule("sgr-wide", 8080, "13.0.0.0/8"))
    world.run()
    # THEN it is narrowed to the allowed range inside it (and the prefix list's entries)
    assert world.peers() == ["8080 13.32.0.0/15", "8080 pl-cdn"]


def test_a_rule_also_found_by_a_remove_check_is_revoked_without_replacement() -> None:
    world = World(rule("sgr-ssh", 22, "0.0.0.0/0"))
    world.run()
    assert world.peers() == []


def test_a_rule_nothing_allowed_lies_inside_is_flagged_not_narrowed() -> None:
    # GIVEN allowed ranges outside the rule's peer, and a prefix list the region cannot resolve
    allowed = AllowedPeers(cidrs=("13.32.0.0/15",), prefix_lists=("pl-gone",))
    world = World(rule("sgr-part", 8080, "52.0.0.0/8"), lists={}, allowed=allowed)
    (outcome,) = world.run().outcomes
    assert world.peers() == ["8080 52.0.0.0/8"]
    assert world.gw.groups["sg-1"].tags[TAG_STATUS] == "flagged"
    assert "nothing can replace it" in outcome.plan.note


class Refusing(FakeGateway):
    """Refuses authorizations (as at the rule limit) or revokes (as on an access denial)."""

    def __init__(self, groups: Sequence[SecurityGroup], log: list[str], fail: str) -> None:
        super().__init__(groups, log)
        self.fail = fail

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        if self.fail == "authorize":
            raise AwsApiError("limit", aws_code="RulesPerSecurityGroupLimitExceeded")
        super().authorize(group_id, direction, rules)

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> Any:
        if self.fail == "revoke":
            raise AccessDeniedError("ec2:RevokeSecurityGroupIngress denied")
        return super().revoke(group_id, direction, rules)


class AnswerLost(FakeGateway):
    """Authorizes, then fails once as the SDK does when the answer was lost and its retry found
    the rules there: a duplicate, after one lost answer (or after none: the rules were someone
    else's, found there at the first attempt or at one after throttling)."""

    def __init__(self, groups: Sequence[SecurityGroup], log: list[str], lost: int) -> None:
        super().__init__(groups, log)
        self.lost = lost
        self.pending = True

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        super().authorize(group_id, direction, rules)
        if self.pending:
            self.pending = False
            raise AwsApiError(
                "the rules exist", aws_code="InvalidPermission.Duplicate", lost_answers=self.lost
            )


def test_replacements_whose_authorize_answer_was_lost_are_this_runs_and_rolled_back() -> None:
    # GIVEN a world-open rule to narrow, and an authorize whose answer is lost: the SDK's retry
    # finds the replacements there
    original = rule("sgr-v4", 8080, "0.0.0.0/0")
    log: list[str] = []
    world = World(
        gateway=AnswerLost([SecurityGroup("sg-1", "web", ACCOUNT, REGION, (original,))], log, 1)
    )
    # WHEN the run narrows it
    (outcome,) = world.run().outcomes
    # THEN the replacements are recorded as this run's, in the outcome and in the receipt
    assert outcome.outcome is Outcome.APPLIED
    assert world.peers() == ["8080 13.32.0.0/15", "8080 pl-cdn"]
    receipt = world.backups.receipt(outcome.backup_id or "")
    assert receipt is not None
    assert len(receipt.authorized) == 2
    # AND the rollback takes them away again: exactly the original
    service = RollbackService(world.backups)
    service.rollback(service.latest("sg-1"), lambda a, r: world.gw, dry_run=False)
    assert world.peers() == ["8080 0.0.0.0/0"]


def test_replacements_someone_else_added_first_are_not_this_runs() -> None:
    # GIVEN the replacements are already in the group when the run authorizes them (a duplicate
    # at the first attempt): they are someone's, not the tool's
    original = rule("sgr-v4", 8080, "0.0.0.0/0")
    log: list[str] = []
    world = World(
        gateway=AnswerLost([SecurityGroup("sg-1", "web", ACCOUNT, REGION, (original,))], log, 0)
    )
    (outcome,) = world.run().outcomes
    receipt = world.backups.receipt(outcome.backup_id or "")
    assert receipt is not None
    assert receipt.authorized == ()


def refusing(fail: str, *rules: Rule) -> World:
    log: list[str] = []
    gw = Refusing([SecurityGroup("sg-1", "web", ACCOUNT, REGION, rules)], log, fail)
    world = World(gateway=gw)
    world.log = log
    return world


def test_a_replacement_that_cannot_be_authorized_keeps_the_wide_rule() -> None:
    world = refusing("authorize", rule("sgr-v4", 8080, "0.0.0.0/0"))
    (outcome,) = world.run().outcomes
    assert outcome.outcome is Outcome.FAILED
    assert "not narrowed, kept: sgr-v4" in (outcome.error or "")
    assert "limit of rules" in (outcome.error or "")
    assert world.peers() == ["8080 0.0.0.0/0"]
    assert outcome.revoked == []
    # The group is not left "in progress": it is flagged by the next run, as it was judged.
    assert world.gw.groups["sg-1"].tags.get(TAG_STATUS) != "remediating"


def test_a_revoke_that_fails_after_the_authorize_is_reported_and_recorded() -> None:
    world = refusing("revoke", rule("sgr-v4", 8080, "0.0.0.0/0"))
    (outcome,) = world.run().outcomes
    # THEN the result says what happened: the narrowed rules are there, the wide rule too
    assert outcome.outcome is Outcome.FAILED
    assert "authorized 2 narrowed rule(s)" in (outcome.error or "")
    assert world.peers() == ["8080 0.0.0.0/0", "8080 13.32.0.0/15", "8080 pl-cdn"]
    receipt = world.backups.receipt(outcome.backup_id or "")
    assert receipt is not None
    assert (len(receipt.authorized), receipt.revoked) == (2, ())
    # WHEN the revoke works again  THEN a new run revokes the wide rule and adds nothing
    assert isinstance(world.gw, Refusing)
    world.gw.fail = ""
    (second,) = world.run().outcomes
    assert second.outcome is Outcome.APPLIED
    assert world.peers() == ["8080 13.32.0.0/15", "8080 pl-cdn"]
    # AND rolling back both (newest first) gives back exactly the original
    service = RollbackService(world.backups)
    for backup_id in reversed(world.backups.list("sg-1")):
        service.rollback(backup_id, lambda a, r: world.gw, dry_run=False)
    assert world.peers() == ["8080 0.0.0.0/0"]


def test_a_wide_rule_changed_before_its_revoke_takes_its_replacements_back() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"))
    # GIVEN someone narrows the rule themselves between the authorize and the revoke
    world.gw.before(
        "revoke",
        lambda: world.gw.modify_rule("sg-1", "sgr-v4", peer=Peer(PeerKind.IPV4, "10.0.0.0/8")),
    )
    (outcome,) = world.run().outcomes
    # THEN nothing of this tool's stays: the replacements went with the reason for them
    assert world.peers() == ["8080 10.0.0.0/8"]
    assert outcome.revoked == []
    receipt = world.backups.receipt(outcome.backup_id or "")
    assert receipt is not None
    assert receipt.authorized == ()


class RevokeAnswerLost(FakeGateway):
    """Revokes, then fails once as the SDK does when the revoke's answer was lost and its retry
    named content the group no longer held (`ec2.revoke_matching`)."""

    def __init__(self, groups: Sequence[SecurityGroup], log: list[str]) -> None:
        super().__init__(groups, log)
        self.armed = False

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> Any:
        done = super().revoke(group_id, direction, rules)
        if self.armed:
            self.armed = False
            raise NotFoundError("unknown content", aws_code="InvalidPermission.NotFound",
                                lost_answers=1)  # fmt: skip
        return done


def test_a_rollback_whose_revoke_of_the_narrowed_rules_lost_its_answer_is_not_a_failure() -> None:
    # GIVEN a narrowed world rule, and a rollback whose revoke of the narrowed rules removes
    # them and then fails as the SDK's retry after a lost answer does
    original = rule("sgr-v4", 8080, "0.0.0.0/0")
    gw = RevokeAnswerLost([SecurityGroup("sg-1", "web", ACCOUNT, REGION, (original,))], [])
    world = World(gateway=gw)
    world.run()
    gw.armed = True
    # WHEN it is rolled back
    service = RollbackService(world.backups)
    outcome = service.rollback(service.latest("sg-1"), lambda a, r: world.gw, dry_run=False)
    # THEN it is restored, and the narrowed rules are reported as the rollback's removals
    assert outcome.status == "restored"
    assert world.peers() == ["8080 0.0.0.0/0"]
    assert sorted(r.peer.value for r in outcome.removed_rules) == ["13.32.0.0/15", "pl-cdn"]


@pytest.mark.parametrize(
    "endpoint", [{"fail_unknown": True}, {"in_order": True}, {}], ids=["whole", "in-order", "aws"]
)
def test_a_narrowed_rule_someone_removed_does_not_keep_the_others_in_place(
    endpoint: dict[str, bool],
) -> None:
    # GIVEN a narrowed world rule, and one of the narrowed rules removed by hand after the
    # rollback read the group, before its revokes; on an endpoint that fails a revoke naming
    # content the group does not hold as a whole, one that fails it part way (moto), or AWS
    original = rule("sgr-v4", 8080, "0.0.0.0/0")
    gw = FakeGateway([SecurityGroup("sg-1", "web", ACCOUNT, REGION, (original,))], [],
                     **endpoint)  # fmt: skip
    world = World(gateway=gw)
    world.run()
    (by_hand,) = [r for r in gw.groups["sg-1"].rules if r.peer.value == "pl-cdn"]
    gw.before("revoke", lambda: gw.delete_rule("sg-1", by_hand.rule_id))
    # WHEN it is rolled back
    service = RollbackService(world.backups)
    backup_id = service.latest("sg-1")
    outcome = service.rollback(backup_id, lambda a, r: world.gw, dry_run=False)
    # THEN exactly the original is back; the rollback claims only the rule it removed, and
    # says the other was gone
    assert outcome.status == "restored"
    assert world.peers() == ["8080 0.0.0.0/0"]
    assert sorted(r.peer.value for r in outcome.removed_rules) == ["13.32.0.0/15"]
    assert [r.peer.value for r in outcome.gone_rules] == ["pl-cdn"]
    console = Console(file=io.StringIO(), width=200)
    console.print(rollback_view(outcome))
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "gone before its removal" in shown
    assert "NOT removed" not in shown


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ({"remediation": "narrow"}, "missing required key 'allowed_peers'"),
        ({"remediation": "narrow", "allowed_peers": []}, "at least 1"),
    ],
)
def test_narrow_needs_allowed_peers(check: dict[str, Any], words: str) -> None:
    chk = {"id": "W", "type": "authorized_ports_only", "severity": "high", **check}
    problems = validate_document({"version": "1", "id": "p", "checks": [chk]}, "t")
    assert any(words in m for _, m, _ in problems), problems


def test_narrow_is_refused_on_checks_that_do_not_judge_ranges() -> None:
    chk = {"id": "D", "type": "description_required", "severity": "low", "remediation": "narrow"}
    problems = validate_document({"version": "1", "id": "p", "checks": [chk]}, "t")
    assert [p for p, _, _ in problems] == ["$.checks[0].remediation"]


def _rendered(report: RemediationReport) -> str:
    console = Console(width=160, color_system=None, record=True, file=io.StringIO())
    console.print(remediation_table(report))
    return console.export_text()


def test_the_reports_show_the_narrowed_rules_planned_then_added() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"))
    settings = RemediationSettings(mode=Mode.REMOVE)
    # A dry run's plan shows the replacements it would add beside the rule it would remove
    plans, _ = world.rem.plan(world.rem.scanner.scan([world.snapshot()]), [world.snapshot()])
    (planned,) = planned_report(plans, "", settings).entries
    assert sorted(r.peer.value for r in planned.added_rules) == ["13.32.0.0/15", "pl-cdn"]
    # Once applied, the table, the JSON record and the HTML page all show them added
    report = run_report(world.run(), settings)
    (entry,) = report.entries
    assert sorted(r.peer.value for r in entry.added_rules) == ["13.32.0.0/15", "pl-cdn"]
    text = _rendered(report)
    assert "Rules (- removed, + added)" in text
    assert "- sgr-v4 tcp 8080 from 0.0.0.0/0" in text
    assert "+ (new) tcp 8080 from 13.32.0.0/15" in text
    record = remediation_entry_record(entry)
    assert sorted(r["peer"] for r in record["added_rules"]) == ["13.32.0.0/15", "pl-cdn"]
    page = HtmlWriter().render(
        world.rem.scanner.scan([world.snapshot()]), Presentation(False, 120, True), report
    )
    assert page.count('<tr class="diff added"') == 2
    assert '<span data-count="added">2</span> added' in page


def test_a_narrowing_whose_revoke_failed_reports_no_rule_added() -> None:
    """The replacements stand, but the run failed: the error says what was authorized, and the
    diff does not claim the narrowing happened."""
    world = refusing("revoke", rule("sgr-v4", 8080, "0.0.0.0/0"))
    (entry,) = run_report(world.run(), RemediationSettings(mode=Mode.REMOVE)).entries
    assert entry.outcome == "failed"
    assert entry.added_rules == ()
    assert "authorized 2 narrowed rule(s)" in (entry.error or "")
    assert "+ (new)" not in _rendered(RemediationReport(Mode.REMOVE, False, (entry,)))


def test_the_rollback_table_names_the_narrowed_rules_it_removes() -> None:
    world = World(rule("sgr-v4", 8080, "0.0.0.0/0"))
    world.run()
    service = RollbackService(world.backups)
    backup_id = service.latest("sg-1")

    def shown(dry_run: bool) -> str:
        outcome = service.rollback(backup_id, lambda a, r: world.gw, dry_run=dry_run)
        console = Console(width=200, color_system=None, record=True, file=io.StringIO())
        console.print(rollback_view(outcome))
        return console.export_text()

    planned = shown(dry_run=True)
    assert planned.count("narrowed by the remediation: would remove") == 2
    done = shown(dry_run=False)
    assert done.count("removed (narrowed by the remediation)") == 2
    assert "13.32.0.0/15" in done
    assert "pl-cdn" in done
