"""`sgc scan` (live), `sgc snapshot`, `sgc remediate`, `sgc rollback` and `sgc backups list`
against the demo organization in the moto server, run in-process as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from sgcompliance.entrypoints.cli import remediate as remediate_cli
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.seed.organization import DemoOrg
from sgcompliance.remediation.plan import TAG_STATUS, Mode
from support.live_estate import BUCKET, ORG_REGION, Estate, estate_of, lines_of, read_state
from support.live_faults import SessionObserver
from support.live_runs import write_calls

pytestmark = pytest.mark.integration

runner = CliRunner()
REGION = ORG_REGION
BASTION_PRIVATE = "in tcp 22..22 10.0.0.0/8 'ops access'"
BASTION_WORLD = "in tcp 22..22 0.0.0.0/0 'ops access'"


def sgc(*args: str) -> Result:
    # Wide enough that no table cell (backup ids, reasons) is cut.
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


def target(org: DemoOrg, regions: tuple[str, ...] | None = None) -> list[str]:
    return [
        "--endpoint-url", org.endpoint,
        "--accounts", ",".join(org.account_ids),
        "--regions", ",".join(regions or org.regions),
        "--external-id", str(org.role.external_id),
    ]  # fmt: skip


def policy_file(org: DemoOrg, path: Path) -> Path:
    """builtin:strict, the organization's accounts trusted, the tagged bastion exempt."""
    key, value = org.exemption_tag
    document = {
        "version": "1",
        "id": "cli-live",
        "extends": "builtin:strict",
        "settings": {"trusted_accounts": list(org.account_ids)},
        "exemptions": [
            {
                "id": "approved-bastion",
                "owner": "platform-team",
                "reason": "bastion behind MFA",
                "match": {"tags": {key: value}},
            }
        ],
    }
    path.write_text(json.dumps(document))
    return path


def findings(report: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(report.read_text())["findings"]
    return found


@pytest.fixture
def observer(monkeypatch: pytest.MonkeyPatch) -> SessionObserver:
    """Counts every AWS call of the commands run in this test (and can deny some)."""
    return SessionObserver().install(monkeypatch)


@pytest.fixture
def policy(org: DemoOrg, tmp_path: Path) -> Path:
    return policy_file(org, tmp_path / "policy.json")


# --- scanning: read-only, on the shared demo organization (3 accounts x 2 regions) -------------


def test_a_live_scan_judges_every_account_region_of_the_organization(
    demo_org: DemoOrg, tmp_path: Path
) -> None:
    # WHEN the organization's accounts are discovered and scanned live
    report = tmp_path / "report.json"
    args = [
        "--endpoint-url",
        demo_org.endpoint,
        "--organization",
        "--regions",
        "us-east-1,eu-west-1",
    ]
    result = sgc("scan", *args, "--external-id", "sgc-local-demo", "-f", "json", "-o", str(report))
    # THEN it exits 1 (violations) with findings in every member account x region
    assert result.exit_code == 1, result.output
    seen = {(f["account_id"], f["region"]) for f in findings(report)}
    members = {(a, r) for a in demo_org.account_ids for r in demo_org.regions}
    assert members <= seen
    scopes = json.loads(report.read_text())["summary"]["scopes"]
    assert len(scopes) == 4 * 2  # the management account too


def test_a_snapshot_scanned_offline_gives_the_findings_of_the_live_scan(
    demo_org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN a snapshot of the organization written by `sgc snapshot`
    snapshot = tmp_path / "estate.json"
    written = sgc("snapshot", "-o", str(snapshot), *target(demo_org))
    assert written.exit_code == 0, written.output
    # WHEN it is scanned offline, and the organization is scanned live
    offline, live = tmp_path / "offline.json", tmp_path / "live.json"
    day = ("-f", "json", "--today", "2026-01-01")
    replayed = sgc("scan", "--input", str(snapshot), *day, "-o", str(offline))
    scanned = sgc("scan", *target(demo_org), *day, "-o", str(live))
    # THEN both find violations, and the same ones
    assert (replayed.exit_code, scanned.exit_code) == (1, 1)
    assert findings(offline) == findings(live)
    assert len(findings(live)) > 100


def test_a_scan_reports_an_account_whose_role_cannot_be_assumed_and_exits_3(
    demo_org: DemoOrg, tmp_path: Path, observer: SessionObserver
) -> None:
    # GIVEN a member account that refuses AssumeRole
    denied = demo_org.account_id("demo-dev")
    observer.denial.unassumable.add(denied)
    report = tmp_path / "report.json"
    # WHEN the organization is scanned
    result = sgc("scan", *target(demo_org), "-f", "json", "-o", str(report))
    # THEN the exit code is 3, that account is named with its reason, the others are judged
    assert result.exit_code == 3, result.output
    failed_rows = [line for line in result.stderr.splitlines() if denied in line]
    assert len(failed_rows) == 2
    assert all("FAILED" in row and "AccessDenied" in row for row in failed_rows)
    accounts = {f["account_id"] for f in findings(report)}
    assert accounts == set(demo_org.account_ids) - {denied}


@pytest.mark.parametrize("mode", list(Mode))
def test_a_dry_run_remediate_writes_nothing(
    demo_org: DemoOrg, tmp_path: Path, observer: SessionObserver, mode: Mode
) -> None:
    before = read_state(estate_of(demo_org))
    backups = tmp_path / "backups"
    result = sgc(
        "remediate",
        "--mode",
        mode.value,
        "--dry-run",
        "--backup-dir",
        str(backups),
        *target(demo_org),
    )
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was changed." in result.stdout
    assert write_calls(observer.counter.snapshot().calls) == {}
    assert read_state(estate_of(demo_org)) == before
    assert not backups.exists()


# --- remediation and rollback: each test seeds its own organization --------------------------


# What each mode leaves of bastion-ssh (one SSH permission: 10.0.0.0/8 and 0.0.0.0/0).
BASTION_AFTER = {
    Mode.FLAG_ONLY: ("flagged", {BASTION_PRIVATE, BASTION_WORLD}),
    Mode.REMOVE: ("remediated", {BASTION_PRIVATE}),
    Mode.EMERGENCY: ("locked-down", set()),
}


@pytest.mark.parametrize("mode", list(Mode))
def test_remediate_applies_the_mode_in_every_account_and_spares_the_exempt_bastion(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path, mode: Mode
) -> None:
    # GIVEN the organization, whose tagged bastion the policy exempts
    before = read_state(estate)
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    # WHEN remediating through the command line
    result = sgc("remediate", "--mode", mode.value, "--yes", *args)
    # THEN bastion-ssh is flagged / loses the world peer only / is locked down, in every account
    assert result.exit_code == 0, result.output
    after = read_state(estate)
    status, ingress = BASTION_AFTER[mode]
    bastions = [group for key, group in after.items() if key[2] == "bastion-ssh"]
    assert len(bastions) == len(org.account_ids)
    assert all(g.tags[TAG_STATUS] == status for g in bastions)
    assert all({r for r in g.lines if r.startswith("in ")} == ingress for g in bastions)
    # AND the exempt bastion is exactly as it was
    exempt = [key for key in before if key[2] == "bastion-exempt"]
    assert all(after[key] == before[key] for key in exempt)


def test_a_second_cli_remediate_right_after_the_first_makes_no_write_call(
    org: DemoOrg, policy: Path, tmp_path: Path, observer: SessionObserver
) -> None:
    args = ["--mode", "remove_non_compliant_rules", "--yes", "--policy", str(policy)]
    args += ["--backup-dir", str(tmp_path / "b"), *target(org)]
    assert sgc("remediate", *args).exit_code == 0
    assert write_calls(observer.counter.snapshot().calls)  # the observer sees the command's calls
    observer.counter.reset()
    second = sgc("remediate", *args)
    assert second.exit_code == 0, second.output
    assert write_calls(observer.counter.snapshot().calls) == {}


def remediated(org: DemoOrg, policy: Path, backups: Path) -> None:
    args = ["--policy", str(policy), "--backup-dir", str(backups), *target(org)]
    result = sgc("remediate", "--mode", "emergency_remediation", "--yes", *args)
    assert result.exit_code == 0, result.output


def test_rollback_of_a_backup_id_restores_the_group_exactly(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    # GIVEN a locked-down bastion and its backup
    before = read_state(estate)
    remediated(org, policy, tmp_path / "b")
    key = (org.account_ids[0], REGION, "bastion-ssh")
    (backup_id,) = [p.stem for p in (tmp_path / "b" / estate.group_ids[key]).glob("*.json")]
    # WHEN rolling back that backup
    result = sgc(
        "rollback", backup_id, "--backup-dir", str(tmp_path / "b"),
        "--endpoint-url", org.endpoint, "--external-id", "sgc-local-demo",
    )  # fmt: skip
    # THEN its rules and tags are the original ones again
    assert result.exit_code == 0, result.output
    assert read_state(estate)[key].lines == before[key].lines
    assert read_state(estate)[key].tags == before[key].tags


def test_every_cli_rollback_leaves_an_audit_record_beside_the_backups(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    # GIVEN a locked-down bastion and its backup
    remediated(org, policy, tmp_path / "b")
    key = (org.account_ids[0], REGION, "bastion-ssh")
    group_id = estate.group_ids[key]
    # WHEN it is rolled back, and then a made-up backup id is asked for
    common = ["--backup-dir", str(tmp_path / "b"), "--endpoint-url", org.endpoint]
    done = sgc(
        "rollback", "--group", group_id, "--latest", *common, "--external-id", "sgc-local-demo"
    )
    refused = sgc("rollback", f"{group_id}.20990101T000000000000Z.deadbeef", *common)
    # THEN both are in the audit trail: the restore, and the refusal with its reason
    assert (done.exit_code, refused.exit_code) == (0, 2), done.output + refused.output
    records = [json.loads(p.read_text()) for p in (tmp_path / "audit").rglob("*.json")]
    rollbacks = [r for r in records if r["action"] == "rollback"]
    assert sorted(r["outcome"] for r in rollbacks) == ["refused", "restored"]
    restored = next(r for r in rollbacks if r["outcome"] == "restored")
    assert restored["group_id"] == group_id
    assert restored["rollback"]["restored_rule_ids"]


def test_rollback_of_a_groups_latest_backup_restores_it(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    before = read_state(estate)
    remediated(org, policy, tmp_path / "b")
    key = (org.account_ids[1], REGION, "bastion-ssh")
    group_id = estate.group_ids[key]
    result = sgc(
        "rollback", "--group", group_id, "--latest", "--backup-dir", str(tmp_path / "b"),
        "--endpoint-url", org.endpoint, "--external-id", "sgc-local-demo",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_state(estate)[key].lines == before[key].lines


def test_backups_list_shows_every_backup_with_its_group(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    remediated(org, policy, tmp_path / "b")
    # (a group's backups are under its id; the batches' manifests under manifests/)
    stored = sorted(p.stem for p in (tmp_path / "b").glob("sg-*/*.json"))
    result = sgc(
        "backups", "list", "--backup-dir", str(tmp_path / "b"), "--endpoint-url", org.endpoint
    )
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "sg-" in line]
    assert len(stored) > 3
    assert [next(i for i in stored if i in row) for row in rows] == stored
    assert all("emergency_remediation" in row for row in rows)


def test_backups_in_a_versioned_bucket_are_listed_and_rolled_back_from_there(
    estate: Estate, org: DemoOrg, policy: Path, bucket: Any
) -> None:
    # GIVEN a remediation that kept its backups in a versioned bucket
    before = read_state(estate)
    args = ["--policy", str(policy), "--backup-bucket", BUCKET, *target(org)]
    result = sgc("remediate", "--mode", "remove_non_compliant_rules", "--yes", *args)
    assert result.exit_code == 0, result.output
    stored = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    keys = [k for k in stored if k.startswith("backups/sg-")]
    key = (org.account_ids[0], REGION, "bastion-ssh")
    group_id = estate.group_ids[key]
    assert any(k.startswith(f"backups/{group_id}/") for k in keys)
    # WHEN listing them and rolling back the bastion from the bucket
    listed = sgc("backups", "list", "--backup-bucket", BUCKET, "--endpoint-url", org.endpoint)
    rolled = sgc(
        "rollback", "--group", group_id, "--latest", "--backup-bucket", BUCKET,
        "--endpoint-url", org.endpoint, "--external-id", "sgc-local-demo",
    )  # fmt: skip
    # THEN every stored backup is listed and the bastion's rules are the original ones
    assert listed.exit_code == 0, listed.output
    assert all(k.rsplit("/", 1)[1].removesuffix(".json") in listed.stdout for k in keys)
    assert rolled.exit_code == 0, rolled.output
    assert read_state(estate)[key].lines == before[key].lines


def test_an_unversioned_bucket_is_refused_with_exit_code_2_and_nothing_revoked(
    estate: Estate, org: DemoOrg, policy: Path, observer: SessionObserver
) -> None:
    # GIVEN a bucket without versioning
    s3 = boto3.client("s3", endpoint_url=org.endpoint, region_name=REGION)
    s3.create_bucket(Bucket="no-versions")
    before = read_state(estate)
    # WHEN remediating with it as the backup store
    args = ["--policy", str(policy), "--backup-bucket", "no-versions", *target(org)]
    result = sgc("remediate", "--mode", "remove_non_compliant_rules", "--yes", *args)
    # THEN the command refuses with exit code 2, and no rule was revoked, no backup written
    assert result.exit_code == 2, result.output
    assert "versioning" in result.stderr
    calls = observer.counter.snapshot().calls
    assert not any(op.startswith("ec2:Revoke") or op == "s3:PutObject" for op in calls)
    assert lines_of(read_state(estate)) == lines_of(before)
    assert "Contents" not in s3.list_objects_v2(Bucket="no-versions")


def test_remediate_exits_3_when_one_account_cannot_be_assumed_and_fixes_the_others(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path, observer: SessionObserver
) -> None:
    denied = org.account_id("demo-prod")
    observer.denial.unassumable.add(denied)
    before = read_state(estate)
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    result = sgc("remediate", "--mode", "remove_non_compliant_rules", "--yes", *args)
    assert result.exit_code == 3, result.output
    after = read_state(estate)
    assert all(after[k] == before[k] for k in before if k[0] == denied)
    fixed = {k[0] for k in before if after[k].lines != before[k].lines}
    assert fixed == set(org.account_ids) - {denied}


# --- the write path: changes under the command, destinations, records ----------------------

OFFICE = "10.20.0.0/16"


def world_ssh_rule(estate: Estate, account: str) -> tuple[str, str]:
    """(group id, rule id) of the bastion's SSH rule open to the world."""
    group_id = estate.group_ids[account, REGION, "bastion-ssh"]
    return group_id, estate.rule_id("bastion-ssh", account, REGION, BASTION_WORLD)


def test_a_rule_fixed_in_place_while_the_operator_reads_the_plan_is_not_revoked(
    estate: Estate,
    org: DemoOrg,
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a developer who fixes the world SSH rule in place (same rule id) to the office
    # range while the operator is looking at the plan
    account = org.account_ids[0]
    group_id, rule_id = world_ssh_rule(estate, account)
    ec2 = estate.ec2(account, REGION)

    def confirm_after_a_fix(*args: object, **kwargs: object) -> bool:
        fixed = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": OFFICE}
        ec2.modify_security_group_rules(
            GroupId=group_id,
            SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": fixed}],
        )
        return True

    monkeypatch.setattr(remediate_cli.typer, "confirm", confirm_after_a_fix)
    report = tmp_path / "report.json"
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    # WHEN the operator says yes
    result = sgc(
        "remediate", "--mode", "remove_non_compliant_rules", *args, "-f", "json", "-o", str(report)
    )
    # THEN the office rule is still there, under its id, and the report says why
    assert result.exit_code == 0, result.output
    rows = {r["SecurityGroupRuleId"]: r for r in estate.rows(group_id)}
    assert rows[rule_id].get("CidrIpv4") == OFFICE
    entries = json.loads(report.read_text())["remediation"]["entries"]
    entry = next(e for e in entries if e["group_id"] == group_id)
    assert entry["outcome"] == "changed_since_read"
    assert entry["removed_rules"] == []


def test_an_unwritable_report_path_stops_the_run_before_any_change(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    # GIVEN a report path whose directory does not exist
    before = read_state(estate)
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    # WHEN remediating with --yes
    result = sgc(
        "remediate", "--mode", "remove_non_compliant_rules", "--yes", *args,
        "-f", "json", "-o", str(tmp_path / "nodir" / "x.json"),
    )  # fmt: skip
    # THEN it exits 2 naming the directory, and nothing was changed
    assert result.exit_code == 2, result.output
    assert "nodir" in result.output
    assert read_state(estate) == before


def test_a_cli_remediation_leaves_audit_records_and_metrics(
    estate: Estate, org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    # GIVEN backups in a local directory and a metrics file
    metrics = tmp_path / "metrics.emf"
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    # WHEN remediating
    result = sgc(
        "remediate", "--mode", "remove_non_compliant_rules", "--yes", *args,
        "--metrics-file", str(metrics),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # THEN one audit record per group changed lies beside the backups, with the backup's digest
    records = [json.loads(p.read_text()) for p in (tmp_path / "audit").rglob("*.json")]
    revokes = [r for r in records if r["action"] == "revoke" and r["outcome"] == "applied"]
    assert revokes
    assert all(r["backup_id"] and len(r["backup_sha256"]) == 64 for r in revokes)
    assert all(r["event_name"] == "CliRemediate" for r in revokes)
    # AND the metrics file holds the revokes as CloudWatch EMF
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    values = [line.get("RulesRevoked", []) for line in lines]
    revoked = sum(sum(v) if isinstance(v, list) else v for v in values)
    assert revoked == sum(len(r["revoked_rule_ids"]) for r in revokes)


def test_a_cli_remediation_publishes_the_alert_the_function_would(
    org: DemoOrg, policy: Path, tmp_path: Path
) -> None:
    # GIVEN an SNS topic in the account the tool runs in, with a raw SQS inbox
    sns = boto3.client("sns", endpoint_url=org.endpoint, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=org.endpoint, region_name=REGION)
    topic_arn = sns.create_topic(Name="sgc-cli-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="sgc-cli-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )  # fmt: skip
    args = ["--policy", str(policy), "--backup-dir", str(tmp_path / "b"), *target(org)]
    # WHEN remediating with --sns-topic
    result = sgc(
        "remediate", "--mode", "remove_non_compliant_rules", "--yes", *args,
        "--sns-topic", topic_arn,
    )  # fmt: skip
    # THEN one alert for the run arrived, naming the revokes and how to undo them
    assert result.exit_code == 0, result.output
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["totals"]["rules_revoked"] > 0
    groups = [g for scope in body["scopes"] for g in scope["groups"]]
    assert any(g.get("rollback") for g in groups)
