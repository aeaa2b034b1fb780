"""Alerts: the JSON body, SNS subject rules, filter attributes, and the 256 KiB limit."""

from __future__ import annotations

import pytest
from audit_samples import (
    ACTOR,
    BACKUP_ID,
    DECIDED_AT,
    decided,
    findings,
    revoked_record,
    trigger,
)

from sgcompliance.engine.policy import Severity
from sgcompliance.records.alert import (
    MIN_ALERT_BYTES,
    SNS_MAX_BYTES,
    event_alert,
    subject_line,
    sweep_alert,
    worth_alerting,
)
from sgcompliance.records.audit import AuditAction, audit_record
from sgcompliance.records.sns_message import SUBJECT_MAX, attribute_value
from sgcompliance.records.undo import rollback_command, rollback_options

URI = "s3://sgc-audit/audit/2026/11/27/abc.json"


def is_valid_subject(subject: str) -> bool:
    return 0 < len(subject) <= SUBJECT_MAX and all(" " <= c <= "~" for c in subject)


# --- body -----------------------------------------------------------------------------------


def test_the_body_says_who_changed_what_which_checks_fired_and_what_was_done() -> None:
    # GIVEN a revoke decided after alice opened SSH to the world
    record = revoked_record()
    # WHEN alerted
    body = event_alert([record], audit_uris={record.record_id: URI}).body()
    # THEN the JSON body tells the story
    assert body["event"]["actor"] == ACTOR
    assert body["event"]["name"] == "AuthorizeSecurityGroupIngress"
    group = body["groups"][0]
    assert group["group_id"] == "sg-0abc"
    assert group["checks"] == ["cis-5.2-ssh-world"]
    assert (group["action"], group["outcome"]) == ("revoke", "applied")
    assert group["revoked_rule_ids"] == ["sgr-00000000000000000"]


def test_the_body_gives_the_backup_and_the_rollback_command() -> None:
    group = event_alert([revoked_record()]).body()["groups"][0]
    assert group["backup_id"] == BACKUP_ID
    assert group["rollback"] == f"sgc rollback {BACKUP_ID}"


def test_the_body_points_to_the_audit_record() -> None:
    record = revoked_record()
    body = event_alert([record], audit_uris={record.record_id: URI}).body()
    assert body["groups"][0]["audit"] == {"record_id": record.record_id, "uri": URI}


def test_an_unknown_audit_location_still_gives_the_record_id() -> None:
    record = revoked_record()
    assert event_alert([record]).body()["groups"][0]["audit"]["uri"] is None


def test_a_small_alert_is_complete_and_says_nothing_about_truncation() -> None:
    body = event_alert([revoked_record(found=findings(10))]).body()
    assert len(body["groups"][0]["findings"]) == 10
    assert "truncated" not in body


def test_rollback_options_are_appended_and_the_backup_id_is_quoted() -> None:
    assert (
        rollback_command("sg-1.x", "--backup-bucket b") == "sgc rollback sg-1.x --backup-bucket b"
    )
    assert rollback_command("sg-1; rm -rf /") == "sgc rollback 'sg-1; rm -rf /'"
    assert rollback_command(None) is None


# --- size limit -----------------------------------------------------------------------------


def test_a_huge_finding_list_is_truncated_within_the_sns_limit() -> None:
    # GIVEN 2000 findings (the audit record's own maximum): far more than 256 KiB of JSON
    record = revoked_record(found=findings(2000))
    # WHEN alerted
    alert = event_alert([record], audit_uris={record.record_id: URI})
    body = alert.body()
    shown = len(body["groups"][0]["findings"])
    # THEN it fits, says how many findings it left out, and points to the full record
    assert alert.size_bytes <= SNS_MAX_BYTES
    assert 0 < shown < 2000
    assert body["truncated"] == 2000 - shown
    assert body["groups"][0]["audit"]["uri"] == URI


def test_truncation_counts_findings_the_audit_record_already_left_out() -> None:
    record = revoked_record(found=findings(2005))  # the record keeps 2000
    body = event_alert([record]).body()
    assert body["truncated"] == 2005 - len(body["groups"][0]["findings"])


def test_the_most_severe_findings_are_the_ones_kept() -> None:
    # GIVEN many low findings listed before a few critical ones
    found = findings(1500, Severity.LOW) + findings(5, Severity.CRITICAL)
    alert = event_alert([revoked_record(found=found)], max_bytes=MIN_ALERT_BYTES)
    kept = alert.body()["groups"][0]["findings"]
    # THEN every critical finding survived the cut
    assert sum(f["severity"] == "critical" for f in kept) == 5
    assert alert.size_bytes <= MIN_ALERT_BYTES


def test_a_smaller_topic_limit_is_honoured() -> None:
    alert = event_alert([revoked_record(found=findings(2000))], max_bytes=40_000)
    assert alert.size_bytes <= 40_000


def test_a_budget_too_small_for_any_alert_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        event_alert([revoked_record()], max_bytes=1_000)


def test_a_huge_hostile_actor_still_fits() -> None:
    # GIVEN an actor of 100 000 non-ASCII characters (clipped by the record, escaped in JSON)
    record = audit_record(
        trigger(actor="\u00e9" * 100_000), decided_at=DECIDED_AT,
        action=AuditAction.REVOKE, group_id="sg-1", findings=findings(2000),
    )  # fmt: skip
    alert = event_alert([record], max_bytes=MIN_ALERT_BYTES)
    assert alert.size_bytes <= MIN_ALERT_BYTES
    assert alert.body()["event"]["actor"].startswith("\u00e9")


# --- subject --------------------------------------------------------------------------------


def test_the_subject_names_severity_action_group_and_place() -> None:
    subject = event_alert([revoked_record()]).subject
    assert subject == "sgcompliance CRITICAL: revoked 1 rule of sg-0abc in 111111111111 eu-west-1"


def test_a_dry_run_subject_says_what_would_happen() -> None:
    record = audit_record(
        trigger(), decided_at=DECIDED_AT, action=AuditAction.REVOKE, group_id="sg-0abc",
        findings=findings(1), outcome="dry_run", dry_run=True,
    )  # fmt: skip
    assert "would revoke rules of sg-0abc" in event_alert([record]).subject


def test_a_hostile_group_id_cannot_break_the_subject() -> None:
    # GIVEN a group id with a line break, a control character, non-ASCII text and great length
    record = revoked_record(group_id="sg-1\r\nBcc: x@example.com\x07 \u00fcber " + "z" * 500)
    subject = event_alert([record]).subject
    # THEN the subject is one printable ASCII line within the SNS limit, marked as cut
    assert is_valid_subject(subject)
    assert subject.endswith("...")


def test_subject_line_never_returns_an_empty_subject() -> None:
    assert is_valid_subject(subject_line("\n\t\u2028"))


def test_a_failed_remediation_is_labelled_in_the_subject() -> None:
    record = decided(AuditAction.ERROR, reason="AccessDenied")
    assert event_alert([record]).subject.startswith("sgcompliance ERROR: could not remediate")


# --- attributes -----------------------------------------------------------------------------


def test_the_attributes_carry_severity_account_mode_and_kind() -> None:
    record = revoked_record(found=findings(2, Severity.MEDIUM) + findings(1, Severity.HIGH))
    assert event_alert([record]).attributes == {
        "severity": "high",
        "account": "111111111111",
        "mode": "remove_non_compliant_rules",
        "kind": "event",
    }


def test_missing_attribute_values_become_none_never_empty() -> None:
    attributes = event_alert([decided(AuditAction.ERROR, mode=None)]).attributes
    assert attributes["severity"] == "none"
    assert attributes["mode"] == "none"


def test_attribute_values_are_printable_ascii() -> None:
    assert attribute_value("111\n<b>\u00e9</b>") == "111 <b> </b>"


# --- which decisions alert ------------------------------------------------------------------


def test_compliant_ignored_and_out_of_scope_decisions_do_not_alert() -> None:
    quiet = [decided(a) for a in (AuditAction.NONE, AuditAction.IGNORED, AuditAction.OUT_OF_SCOPE)]
    assert not worth_alerting(quiet)


def test_an_error_alerts() -> None:
    assert worth_alerting([decided(AuditAction.NONE), decided(AuditAction.ERROR)])


def test_an_event_alert_needs_a_record() -> None:
    with pytest.raises(ValueError, match="at least one"):
        event_alert([])


# --- sweeps ---------------------------------------------------------------------------------


def test_a_sweep_alert_summarises_per_account_region() -> None:
    # GIVEN decisions in two account-regions, one of them compliant
    records = [
        revoked_record(),
        decided(AuditAction.FLAG, group_id="sg-2", account_id="222222222222",
                found=findings(3, Severity.MEDIUM)),
        decided(AuditAction.NONE, group_id="sg-3", account_id="333333333333"),
    ]  # fmt: skip
    # WHEN the sweep is alerted
    alert = sweep_alert("sweep-1", records)
    body = alert.body()
    # THEN only the account-regions with something to say are listed, with their totals
    assert [(s["account_id"], s["region"]) for s in body["scopes"]] == [
        ("111111111111", "eu-west-1"),
        ("222222222222", "eu-west-1"),
    ]
    assert body["totals"]["violations"] == 4
    assert body["totals"]["rules_revoked"] == 1
    assert body["scopes"][0]["groups"][0]["rollback"] == f"sgc rollback {BACKUP_ID}"
    assert alert.attributes["account"] == "mixed"
    assert alert.attributes["kind"] == "sweep"


def test_a_huge_sweep_is_truncated_by_account_region_within_the_limit() -> None:
    # GIVEN 3000 account-regions with a violation each
    records = [
        decided(AuditAction.FLAG, account_id=f"{n:012d}", found=findings(1)) for n in range(3000)
    ]
    alert = sweep_alert("sweep-2", records)
    body = alert.body()
    assert alert.size_bytes <= SNS_MAX_BYTES
    assert body["truncated"] == 3000 - len(body["scopes"])
    assert body["totals"]["violations"] == 3000


def test_a_sweep_lists_a_bounded_number_of_groups_per_account_region() -> None:
    records = [decided(AuditAction.FLAG, group_id=f"sg-{n}", found=findings(1)) for n in range(150)]
    scope = sweep_alert("sweep-3", records).body()["scopes"][0]
    assert len(scope["groups"]) == 100
    assert scope["groups_truncated"] == 50
    assert scope["violations"] == 150


def test_an_event_touching_several_groups_counts_them_in_the_subject() -> None:
    records = [
        revoked_record(group_id="sg-1"),
        decided(AuditAction.FLAG, group_id="sg-2", found=findings(1, Severity.LOW)),
    ]
    alert = event_alert(records)
    assert "2 groups (1 flag, 1 revoke)" in alert.subject
    assert [g["group_id"] for g in alert.body()["groups"]] == ["sg-1", "sg-2"]


def test_the_rollback_options_name_where_the_backups_are_kept() -> None:
    # GIVEN each kind of backup store  WHEN the options are built  THEN `sgc rollback` finds it
    assert rollback_options("/tmp/my backups", None) == "--backup-dir '/tmp/my backups'"
    assert rollback_options(None, "bkt") == "--backup-bucket bkt"
    assert rollback_options(None, "bkt", "sg/") == "--backup-bucket bkt --backup-prefix sg/"
    assert rollback_options(None, None) == ""
