"""Command-line options shared by the commands: the AWS target, backups, report and terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sgcompliance.entrypoints.bootstrap import BackupTarget, Target
from sgcompliance.entrypoints.report_output import check_format, format_help
from sgcompliance.report.formats import format_names

AWS = "AWS target"
BACKUP = "Backups"
OUTPUT = "Report and terminal"

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
        help="Regions (repeat or comma-separate) (default: the account's enabled regions).",
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
    int, typer.Option(min=1, help="Account-regions read at once.", rich_help_panel=AWS)
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


def make_target(
    *,
    profile: str | None,
    endpoint_url: str | None,
    regions: list[str] | None,
    accounts: list[str] | None,
    accounts_file: Path | None,
    organization: bool,
    role_name: str | None,
    external_id: str | None,
    max_attempts: int,
    purpose: str,
) -> Target:
    return Target(
        profile=profile,
        endpoint_url=endpoint_url,
        regions=tuple(regions or ()),
        accounts=tuple(accounts or ()),
        accounts_file=accounts_file,
        organization=organization,
        role_name=role_name,
        external_id=external_id,
        max_attempts=max_attempts,
        purpose=purpose,
    )


def make_backup_target(
    directory: Path | None,
    bucket: str | None,
    prefix: str,
    kms_key_id: str | None,
    allow_unversioned: bool,
) -> BackupTarget:
    return BackupTarget(directory, bucket, prefix, kms_key_id, allow_unversioned)


# --- the report and the terminal: every command that writes a report -------------------------

ReportFormat = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="|".join(format_names()),
        help=format_help(),
        callback=check_format,
        rich_help_panel=OUTPUT,
    ),
]
ReportOutput = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        help="Write the report here (atomically); the terminal gets a one-line summary.",
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
