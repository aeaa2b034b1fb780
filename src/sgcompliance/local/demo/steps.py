"""The demo's steps up to the remediation: start the local AWS, seed it, scan, remediate.

Each step prints what it does and returns the checks that say whether it did it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sgcompliance.local.demo.context import DemoContext
from sgcompliance.local.demo.findings import SEVERITIES, ScanReport
from sgcompliance.local.demo.runner import Check, Echo
from sgcompliance.local.seed.groups import EXEMPTION_ID, GROUPS
from sgcompliance.local.seed.organization import DemoOrg, seed_demo_org
from sgcompliance.local.server import moto_server
from sgcompliance.local.server.moto_server import LocalServerError
from sgcompliance.remediation.plan import RemediationPlan

EXIT_VIOLATIONS = 1
EXEMPTION_DAYS = 90
# What SSH from anywhere breaks in builtin:strict: all the exemption accepts.
BASTION_CHECKS = ("CIS-5.2", "EC2.13", "EC2.18", "EC2.19")


def start_local_aws(ctx: DemoContext) -> list[Check]:
    ctx.echo(f"  this run's policy, reports, backups and logs go to {ctx.run_dir}")
    given = ctx.options.endpoint_url
    if given is None:
        ctx.server = moto_server.start(ctx.run_dir / "moto.log", timeout=ctx.options.start_timeout)
        ctx.endpoint = ctx.server.endpoint
        info = ctx.server.info
        ctx.echo(f"  started a moto server at {ctx.endpoint} (pid {info.pid}, log {info.log_path})")
        ctx.echo("  no AWS account or credentials are needed: every call goes to this server")
    else:
        ctx.endpoint = given.rstrip("/")
        if not moto_server.answers(ctx.endpoint):
            raise LocalServerError(
                f"nothing answers at {ctx.endpoint}", hint="start it with `sgc local up`"
            )
        ctx.echo(f"  using the local AWS at {ctx.endpoint}; it stays running afterwards")
        if ctx.options.reset:
            moto_server.reset(ctx.endpoint)
            ctx.echo("  emptied it first (--reset)")
    return [Check(moto_server.answers(ctx.endpoint), f"the local AWS answers at {ctx.endpoint}")]


def seed(ctx: DemoContext) -> list[Check]:
    factory = ctx.wiring.clients(ctx.endpoint)
    org = seed_demo_org(factory, regions=ctx.options.regions)
    ctx.org = org
    ctx.echo(f"  AWS Organization, management account {org.management_account}")
    for account_id, name in org.accounts:
        groups = sum(len(s.groups) for s in org.scopes if s.account_id == account_id)
        ctx.echo(f"    member {name:<22} {account_id}  {groups} security groups")
    ctx.echo(f"  regions {', '.join(org.regions)}")
    role = org.role
    ctx.echo(f"  member role {role.role_name}, assumed with ExternalId {role.external_id}")
    expected = len(org.accounts) * len(org.regions)
    text = f"{len(org.accounts)} member accounts x {len(org.regions)} regions seeded"
    return [Check(len(org.scopes) == expected and expected > 0, text)]


def demo_policy(org: DemoOrg, today: datetime) -> dict[str, Any]:
    """builtin:strict, trusting the organization's own accounts, with one owned exemption."""
    expires = (today + timedelta(days=EXEMPTION_DAYS)).date().isoformat()
    # The approved bastions by id: a pointer on any other group is outside the exemption.
    approved = {spec.name for spec in GROUPS if org.exemption_tag in spec.tags}
    bastions = [g.group_id for s in org.scopes for g in s.groups if g.name in approved]
    return {
        "version": "1",
        "id": "demo-organization",
        "description": "The demo organization's policy: builtin:strict, its own accounts "
        "trusted, and the approved bastion exempted: its sgc-exemption tag points to EX-DEMO-001.",
        "extends": "builtin:strict",
        "settings": {"trusted_accounts": [org.management_account, *org.account_ids]},
        "exemptions": [
            {
                "id": EXEMPTION_ID,
                "owner": "platform-team@example.com",
                "reason": "Approved bastion: SSH from anywhere until the move to Session Manager.",
                "ticket": "SEC-2001",
                "expires": expires,
                # A tag points here; the policy bounds what the exemption covers.
                "match": {
                    "tagged": True,
                    "checks": list(BASTION_CHECKS),
                    "accounts": list(org.account_ids),
                    "group_ids": bastions,
                },
            }
        ],
    }


def write_policy(ctx: DemoContext) -> Path:
    org = ctx.demo_org()
    path = ctx.run_dir / "policy.json"
    document = demo_policy(org, datetime.now(UTC))
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    key, value = org.exemption_tag
    ctx.echo(f"  policy {path}: builtin:strict, the organization's accounts trusted,")
    ctx.echo(
        f"    groups tagged {key}={value} exempted until {document['exemptions'][0]['expires']}"
    )
    ctx.policy_path = path
    return path


def scan(ctx: DemoContext) -> list[Check]:
    write_policy(ctx)
    done, report = ctx.scan("before", quiet=False)
    show_report(report, ctx.echo)
    exempted = {f.group_name for f in report.exempted}
    # The groups the demo data tags for the policy's one exemption.
    expected = {g.name for g in GROUPS if ctx.demo_org().exemption_tag in g.tags}
    return [
        Check(done.exit_code == EXIT_VIOLATIONS, f"exit code {done.exit_code}: violations found"),
        Check(bool(report.revocable()), f"{len(report.revocable())} violations ask for removal"),
        Check(
            exempted == expected,
            f"{len(report.exempted)} findings exempted, all of group(s) {', '.join(exempted)}",
        ),
    ]


def show_report(report: ScanReport, echo: Echo) -> None:
    counts = report.by_severity()
    by_severity = ", ".join(f"{s} {counts[s]}" for s in SEVERITIES if counts[s])
    echo(f"  {len(report.violations)} violations ({by_severity}), {len(report.exempted)} exempted")
    echo(f"    {'check':<20}{'severity':<10}{'remediation':<13}{'violations':>10}")
    for check_id, severity, remediation, count in report.by_check():
        echo(f"    {check_id:<20}{severity:<10}{remediation:<13}{count:>10}")


def remediate(ctx: DemoContext) -> list[Check]:
    before = ctx.reports["before"]
    args = ["remediate", "--mode", "remove_non_compliant_rules", "--yes"]
    args += ["--policy", str(ctx.policy_path), "--backup-dir", str(ctx.backup_dir)]
    done = ctx.run([*args, *ctx.aws_args()], quiet=True)
    log = ctx.run_dir / "remediate.txt"
    log.write_text(done.output, encoding="utf-8")
    ctx.echo(f"  (the command's own plan and outcome tables: {log})")
    if done.exit_code != 0:
        ctx.show_output(done)
    revoked = show_diff(ctx)
    wanted = {f.rule_id for f in before.revocable()}
    exempted_only = {f.rule_id for f in before.exempted} - {f.rule_id for f in before.violations}
    flagged = before.flag_only_groups()
    ctx.echo(
        f"  {len(flagged)} groups whose violations are all of `flag` checks: tagged, not changed"
    )
    return [
        Check(
            done.exit_code == 0, f"exit code {done.exit_code}: every change applied and verified"
        ),
        Check(
            revoked == wanted,
            f"the {len(revoked)} rules revoked are exactly the rules with a violation "
            "of a remove check in step 3",
        ),
        Check(not revoked & exempted_only, "no rule whose findings are all exempted was touched"),
    ]


def show_diff(ctx: DemoContext) -> set[str]:
    """Every revoked rule, from the backups written before the revokes; returns their ids."""
    records = sorted(
        ctx.backups(), key=lambda r: (r.plan.account_id, r.plan.region, r.plan.group_name)
    )
    # Only the checks that made the remediator revoke, not the flag-only ones on the same rule.
    revoking = {f.finding_id for f in ctx.reports["before"].revocable()}
    rows = [
        (f"{r.plan.account_id}/{r.plan.region}", r.plan.group_name, rule.describe(),
         " ".join(_checks_behind(r.plan, rule.rule_id, revoking)))
        for r in records
        for rule in r.plan.revoked_rules
    ]  # fmt: skip
    width = max((len(row[2]) for row in rows), default=0) + 2
    ctx.echo(f"    {'account/region':<26}{'group':<23}{'revoked rule':<{width}}because of")
    for where, group, rule_text, checks in rows:
        ctx.echo(f"  - {where:<26}{group:<23}{rule_text:<{width}}{checks}")
    kept = sum(len(r.plan.pre_image) - r.plan.revoke_count for r in records)
    ctx.echo(f"  {len(rows)} rules revoked in {len(records)} groups; {kept} other rules of")
    ctx.echo(f"  those groups kept; one backup per group in {ctx.backup_dir}")
    return {rule.rule_id for r in records for rule in r.plan.revoked_rules}


def _checks_behind(plan: RemediationPlan, rule_id: str, revoking: set[str]) -> list[str]:
    return sorted(
        {f.check_id for f in plan.findings if f.rule_id == rule_id and f.finding_id in revoking}
    )
