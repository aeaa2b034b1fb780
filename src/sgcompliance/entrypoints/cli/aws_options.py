"""Command-line options shared by the commands: what to judge, the AWS target, backups, report
and terminal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from sgcompliance.adapters.aws import accounts as account_source
from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.clock import utc_today
from sgcompliance.entrypoints.bootstrap import Target
from sgcompliance.entrypoints.cli.console import BadChoice, HintedBadParameter
from sgcompliance.entrypoints.cli.option_groups import OptionGroup
from sgcompliance.entrypoints.cli.pipeline import DEFAULT_AUDIT_PREFIX, RecordTarget
from sgcompliance.entrypoints.cli.report_output import format_help
from sgcompliance.errors import ConfigError
from sgcompliance.policy.loader import DEFAULT_POLICY
from sgcompliance.report.formats import format_names

AWS = "AWS target"
BACKUP = "Backups"
OUTPUT = "Report and terminal"

InputRef = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        metavar="FILE",
        help="Snapshot file (JSON or YAML), or - for stdin. Without it, scan AWS live.",
    ),
]
PolicyRef = Annotated[
    str,
    typer.Option(
        "--policy", "-p", metavar="POLICY", help="Policy to judge by: a file, or builtin:NAME."
    ),
]
Today = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="Date that exemption expiry is judged against (default: today, UTC).",
    ),
]


@dataclass(frozen=True, slots=True)
class ScanInput(OptionGroup):
    """What a scan judges (a snapshot file, or AWS live when none), by which policy and day."""

    input_ref: InputRef = None
    policy_ref: PolicyRef = DEFAULT_POLICY
    today: Today = None

    def day(self) -> date:
        return self.today.date() if self.today is not None else utc_today()


# --- the AWS target: every live command ------------------------------------------------------

Profile = Annotated[
    str | None, typer.Option(help="AWS profile for the base credentials.", rich_help_panel=AWS)
]
EndpointUrl = Annotated[
    str | None,
    typer.Option(
        help="Send every AWS call here, e.g. the local AWS of `sgc local up` "
        "(default: $AWS_ENDPOINT_URL).",
        rich_help_panel=AWS,
    ),
]
Regions = Annotated[
    list[str] | None,
    typer.Option(
        metavar="REGION",
        help="Regions (repeat or comma-separate) (default: $AWS_REGION or $AWS_DEFAULT_REGION, "
        "else the account's enabled regions).",
        rich_help_panel=AWS,
    ),
]
Region = Annotated[
    list[str] | None,
    typer.Option(
        "--region", metavar="REGION", help="A region, as the AWS CLI takes it (repeatable).",
        rich_help_panel=AWS,
    ),
]  # fmt: skip
AllRegions = Annotated[
    bool,
    typer.Option(
        "--all-regions",
        help="Every region enabled for the account, whatever $AWS_REGION says.",
        rich_help_panel=AWS,
    ),
]
Accounts = Annotated[
    list[str] | None,
    typer.Option(
        help="Member account ids (repeat or comma-separate) (default: the caller's account).",
        rich_help_panel=AWS,
    ),
]
AccountsFile = Annotated[
    Path | None,
    typer.Option(help="File of account ids, one per line.", dir_okay=False, rich_help_panel=AWS),
]
Organization = Annotated[
    bool,
    typer.Option(
        "--organization", help="Every ACTIVE account of the AWS Organization.", rich_help_panel=AWS
    ),
]
Ous = Annotated[
    list[str] | None,
    typer.Option(
        "--ou", metavar="OU_ID", rich_help_panel=AWS,
        help="With --organization: only accounts under this OU, at any depth (repeatable; "
        "an account under any of them).",
    ),
]  # fmt: skip
AccountTags = Annotated[
    list[str] | None,
    typer.Option(
        "--account-tag", metavar="KEY=VALUE", rich_help_panel=AWS,
        help="With --organization: only accounts tagged KEY=VALUE (repeatable; every one "
        "must match).",
    ),
]  # fmt: skip
RoleName = Annotated[
    str | None,
    typer.Option(
        help="Role assumed in member accounts (default: sgcompliance-member).", rich_help_panel=AWS
    ),
]
ExternalId = Annotated[
    str | None,
    typer.Option(
        envvar="SGC_EXTERNAL_ID",
        help="ExternalId for AssumeRole (env: SGC_EXTERNAL_ID).",
        rich_help_panel=AWS,
    ),
]
MaxAttempts = Annotated[
    int, typer.Option(min=1, help="Attempts per AWS call (adaptive retries).", rich_help_panel=AWS)
]
MaxWorkers = Annotated[
    int,
    typer.Option(
        min=1,
        help="Account-regions read (and, for remediate, changed) at once.",
        rich_help_panel=AWS,
    ),
]
Stats = Annotated[
    bool,
    typer.Option("--stats", help="Print AWS API calls made, by operation.", rich_help_panel=AWS),
]
BackupDir = Annotated[
    Path | None,
    typer.Option(
        help="Store backups in this local directory.", file_okay=False, rich_help_panel=BACKUP
    ),
]
BackupBucket = Annotated[
    str | None,
    typer.Option(
        envvar="SGC_BACKUP_BUCKET",
        help="Store backups in this versioned S3 bucket.",
        rich_help_panel=BACKUP,
    ),
]
BackupPrefix = Annotated[
    str, typer.Option(help="Key prefix in the bucket.", rich_help_panel=BACKUP)
]
KmsKey = Annotated[
    str | None,
    typer.Option(
        envvar="SGC_KMS_KEY_ID",
        help="KMS key for SSE-KMS on backup objects.",
        rich_help_panel=BACKUP,
    ),
]
AllowUnversioned = Annotated[
    bool,
    typer.Option(
        "--allow-unversioned-backups",
        help="Accept a bucket without versioning (not recommended).",
        rich_help_panel=BACKUP,
    ),
]


@dataclass(frozen=True, slots=True)
class AwsTarget(OptionGroup):
    """The accounts and regions a live command acts on, and how it reaches them."""

    profile: Profile = None
    endpoint_url: EndpointUrl = None
    region: Region = None
    regions: Regions = None
    all_regions: AllRegions = False
    accounts: Accounts = None
    accounts_file: AccountsFile = None
    organization: Organization = False
    ous: Ous = None
    account_tags: AccountTags = None
    role_name: RoleName = None
    external_id: ExternalId = None
    max_attempts: MaxAttempts = 10

    def target(self, purpose: str, environ: Mapping[str, str] | None = None) -> Target:
        """The target; without --region/--regions, the region of the environment as the AWS
        CLI reads it, unless --all-regions asks for every enabled one."""
        if (self.ous or self.account_tags) and not self.organization:
            raise ConfigError(
                "--ou and --account-tag narrow the accounts of --organization",
                hint="add --organization (or list accounts with --accounts)",
            )
        # Checked before any AWS call: a typo is a usage error, not a failed account-region.
        regions = account_source.parse_regions(
            (*(self.region or ()), *(self.regions or ())), option="--region"
        )
        if regions and self.all_regions:
            raise ConfigError(
                "--all-regions and --region/--regions ask for different regions",
                hint="give one of them",
            )
        if not regions and not self.all_regions:
            regions = default_regions(os.environ if environ is None else environ)
        return Target(
            profile=self.profile, endpoint_url=self.endpoint_url,
            regions=regions, accounts=tuple(self.accounts or ()),
            accounts_file=self.accounts_file, organization=self.organization,
            ous=account_source.parse_ou_ids(self.ous or ()),
            account_tags=account_source.parse_account_tags(self.account_tags or ()),
            role_name=self.role_name, external_id=self.external_id,
            max_attempts=self.max_attempts, purpose=purpose,
        )  # fmt: skip


def default_regions(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The AWS CLI's region: $AWS_REGION, else $AWS_DEFAULT_REGION; none when neither is set."""
    region = (environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "").strip()
    return (region,) if region else ()


@dataclass(frozen=True, slots=True)
class BackupLocation(OptionGroup):
    """Where backups are kept: a local directory, or a prefix in an S3 bucket."""

    backup_dir: BackupDir = None
    backup_bucket: BackupBucket = None
    backup_prefix: BackupPrefix = "backups/"

    def target(self, kms_key_id: str | None, allow_unversioned: bool) -> BackupTarget:
        return BackupTarget(
            self.backup_dir, self.backup_bucket, self.backup_prefix, kms_key_id, allow_unversioned
        )


RECORDS = "Audit records, metrics and alerts"
AuditBucket = Annotated[
    str | None,
    typer.Option(
        envvar="SGC_AUDIT_BUCKET",
        help="Write an audit record per decision to this S3 bucket "
        "(default: the backup bucket, or audit/ beside --backup-dir).",
        rich_help_panel=RECORDS,
    ),
]
AuditPrefix = Annotated[
    str, typer.Option(help="Key prefix of the audit records.", rich_help_panel=RECORDS)
]
AuditDir = Annotated[
    Path | None,
    typer.Option(
        help="Write the audit records to this local directory.",
        file_okay=False,
        rich_help_panel=RECORDS,
    ),
]
MetricsFile = Annotated[
    Path | None,
    typer.Option(
        help="Append the run's CloudWatch metrics here, as EMF lines.",
        dir_okay=False,
        rich_help_panel=RECORDS,
    ),
]
SnsTopic = Annotated[
    str | None,
    typer.Option(
        envvar="SGC_SNS_TOPIC_ARN",
        help="Publish the run's alert to this SNS topic.",
        rich_help_panel=RECORDS,
    ),
]


@dataclass(frozen=True, slots=True)
class AuditLocation(OptionGroup):
    """Where a command that changes groups leaves its audit records."""

    audit_bucket: AuditBucket = None
    audit_prefix: AuditPrefix = DEFAULT_AUDIT_PREFIX
    audit_dir: AuditDir = None

    def target(
        self, metrics_file: Path | None = None, sns_topic: str | None = None
    ) -> RecordTarget:
        return RecordTarget(
            self.audit_bucket, self.audit_prefix, self.audit_dir, metrics_file, sns_topic
        )


# --- the report and the terminal: every command that writes a report -------------------------


def known_format(value: str) -> str:
    """Typer callback: a format the registry knows (listed, never hard-coded)."""
    if value not in format_names():
        raise BadChoice(value, format_names())
    return value


ReportFormat = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=format_help(),
        callback=known_format,
        rich_help_panel=OUTPUT,
    ),
]


def not_a_format(value: Path | None) -> Path | None:
    """Typer callback: `--output json` is a report format given to the wrong option (the AWS
    CLI's `--output json` chooses the format), never a file named `json` written silently."""
    if value is not None and value.parent == Path(".") and value.name in format_names():
        raise HintedBadParameter(
            f"{value.name!r} is a report format, not a file",
            hint=f"use --format {value.name} (and --output FILE to write the report to a file)",
        )
    return value


ReportOutput = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        help="Write the report here (atomically); the terminal gets a one-line summary.",
        callback=not_a_format,
        rich_help_panel=OUTPUT,
    ),
]
Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="On a terminal, the whole report (every finding), not only the summary.",
        rich_help_panel=OUTPUT,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress, no per-account-region table, no summary line; errors still show.",
        rich_help_panel=OUTPUT,
    ),
]
NoColor = Annotated[
    bool,
    typer.Option(
        "--no-color",
        help="No colour anywhere (also when NO_COLOR is set).",
        rich_help_panel=OUTPUT,
    ),
]
