"""The filters of `sgc scan` and `sgc remediate`: which checks, severities and groups to judge.

Named as Prowler names them (`--checks`, `--excluded-checks`, `--severity`); what they mean is
`engine/selection.py`'s, applied there once for every command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.markup import escape

from sgcompliance.engine.policy import Policy
from sgcompliance.engine.selection import Selection
from sgcompliance.entrypoints.cli.console import Terminal
from sgcompliance.entrypoints.cli.option_groups import OptionGroup

FILTERS = "Filters"

Checks = Annotated[
    list[str] | None,
    typer.Option(
        "--checks", metavar="CHECK_ID", rich_help_panel=FILTERS,
        help="Judge only these checks (repeat or comma-separate; `sgc checks list`).",
    ),
]  # fmt: skip
ExcludedChecks = Annotated[
    list[str] | None,
    typer.Option(
        "--excluded-checks", metavar="CHECK_ID", rich_help_panel=FILTERS,
        help="Judge every check but these (repeat or comma-separate).",
    ),
]  # fmt: skip
Severities = Annotated[
    list[str] | None,
    typer.Option(
        "--severity", metavar="SEVERITY", rich_help_panel=FILTERS,
        help="Only findings of these severities: info, low, medium, high, critical "
        "(repeat or comma-separate).",
    ),
]  # fmt: skip
AttachedOnly = Annotated[
    bool,
    typer.Option(
        "--attached-only", rich_help_panel=FILTERS,
        help="Judge only groups attached to a network interface (a group whose attachment "
        "could not be read is judged).",
    ),
]  # fmt: skip
SkipAwsManaged = Annotated[
    bool,
    typer.Option(
        "--skip-aws-managed", rich_help_panel=FILTERS,
        help="Skip groups that AWS services create and manage (ELB, EKS, EMR, RDS, Directory "
        "Service; docs/cli.md says exactly which).",
    ),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScanFilters(OptionGroup):
    """What a scan or a remediation judges, narrowed from everything the policy checks."""

    checks: Checks = None
    excluded_checks: ExcludedChecks = None
    severity: Severities = None
    attached_only: AttachedOnly = False
    skip_aws_managed: SkipAwsManaged = False

    def selection(self, policy: Policy) -> Selection:
        """The selection, every check id checked against `policy` (InputError, exit 2)."""
        return Selection.of(
            policy,
            checks=self.checks or (),
            excluded_checks=self.excluded_checks or (),
            severities=self.severity or (),
            attached_only=self.attached_only,
            skip_aws_managed=self.skip_aws_managed,
        )


def show_selection(terminal: Terminal, selection: Selection) -> None:
    """Say what is left out, before anything is read: a narrowed scan must not pass for a full
    one."""
    if selection.narrows:
        terminal.stderr().print(f"Filters: {escape(selection.describe())}")
