"""`sgc scan` of infrastructure code before it deploys: `--terraform-plan` (the JSON of
`terraform show -json PLANFILE`, with `--source-dir` for the file and line of each block) and
`--cloudformation` (a template, with `--parameters KEY=VALUE`). The same policy, checks and
exemptions judge it as judge the running accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from sgcompliance.adapters.source_files import (
    TerraformFiles,
    installed_modules,
    relative_to_root,
    repository_root,
)
from sgcompliance.engine.policy import Policy
from sgcompliance.entrypoints.cli.aws_options import ScanInput
from sgcompliance.entrypoints.cli.console import ExitCode, Terminal, reported_errors
from sgcompliance.entrypoints.cli.option_groups import OptionGroup
from sgcompliance.entrypoints.cli.report_output import write_report
from sgcompliance.errors import SgcError
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_documents import STDIN, read_plan_file
from sgcompliance.sources.code_estate import CodeEstate
from sgcompliance.sources.code_locations import BlockIndex, locate_plan
from sgcompliance.sources.code_scan import CodeScanResult, scan_code
from sgcompliance.sources.terraform_plan import read_plan

CODE = "Infrastructure code (judged before it deploys)"

TerraformPlan = Annotated[
    str | None,
    typer.Option(
        "--terraform-plan",
        metavar="FILE",
        help="Judge a Terraform plan: the JSON of `terraform show -json PLANFILE` (- for stdin).",
        rich_help_panel=CODE,
    ),
]
SourceDir = Annotated[
    Path | None,
    typer.Option(
        "--source-dir",
        metavar="DIR",
        file_okay=False,
        help="The plan's root module directory: findings name the file and line of each block.",
        rich_help_panel=CODE,
    ),
]


class CodeUsageError(SgcError):
    """Options for infrastructure code that do not go together."""

    code = "SGC120"
    hint = "see `sgc scan --help`: give one input (--input, --terraform-plan or --cloudformation)"


@dataclass(frozen=True, slots=True)
class CodeInput(OptionGroup):
    """Infrastructure code to judge instead of a snapshot or AWS."""

    terraform_plan: TerraformPlan = None
    source_dir: SourceDir = None

    def given(self) -> bool:
        return self.terraform_plan is not None

    def asked(self) -> bool:
        """Whether any of these options was given (then the scan is of code, or refused)."""
        return self.given() or self.source_dir is not None

    def check(self, input_ref: str | None) -> None:
        if self.source_dir is not None and self.terraform_plan is None:
            raise CodeUsageError("--source-dir needs --terraform-plan")
        if input_ref is not None and self.given():
            raise CodeUsageError("--input cannot be combined with --terraform-plan")

    def estate(self) -> CodeEstate:
        ref = self.terraform_plan
        if ref is None:
            raise CodeUsageError("no infrastructure code given")
        reading = read_plan(read_plan_file(ref), "<stdin>" if ref == STDIN else ref)
        if self.source_dir is None:
            return reading.estate
        root = repository_root(self.source_dir)
        files = TerraformFiles(root)
        module_dir = relative_to_root(self.source_dir, root)
        return locate_plan(
            reading, BlockIndex(files.read), installed_modules(self.source_dir), module_dir
        )


def judge_code(code: CodeInput, policy: Policy, day: date) -> CodeScanResult:
    """The scan of the code given on the command line."""
    return scan_code(policy, code.estate(), today=day)


def code_scan(
    code: CodeInput,
    source: ScanInput,
    report_format: str,
    output: Path | None,
    terminal: Terminal,
    started: datetime,
) -> NoReturn:
    """`sgc scan` of infrastructure code: the report, and the exit code of any scan (0
    compliant, 1 violations, 2 bad input or usage)."""
    with reported_errors():
        code.check(source.input_ref)
        result = judge_code(code, load_policy(source.policy_ref), source.day())
        write_report(result, report_format, output, terminal, started=started)
    raise typer.Exit(ExitCode.VIOLATIONS if result.violations else ExitCode.COMPLIANT)
