"""`sgc scan` of infrastructure code before it deploys: `--terraform-plan` (the JSON of
`terraform show -json PLANFILE`, with `--source-dir` for the file and line of each block) and
`--cloudformation` (a template, with `--parameters KEY=VALUE`). The same policy, checks and
exemptions judge it as judge the running accounts."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from sgcompliance.entrypoints.cli.diff import read_previous
from sgcompliance.entrypoints.cli.filters import ScanFilters, show_selection
from sgcompliance.entrypoints.cli.option_groups import OptionGroup
from sgcompliance.entrypoints.cli.report_output import write_report
from sgcompliance.errors import SgcError
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.cloudformation import load_template
from sgcompliance.sources.code_documents import STDIN, read_plan_file
from sgcompliance.sources.code_estate import CodeEstate, SourceLocation
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

CloudFormation = Annotated[
    Path | None,
    typer.Option(
        "--cloudformation",
        metavar="TEMPLATE",
        dir_okay=False,
        help="Judge a CloudFormation template (JSON, or YAML with the short-form intrinsics).",
        rich_help_panel=CODE,
    ),
]
Parameters = Annotated[
    list[str] | None,
    typer.Option(
        "--parameters",
        metavar="KEY=VALUE",
        help="A template parameter's value (repeat for each); others take their Default.",
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
    cloudformation: CloudFormation = None
    parameters: Parameters = None

    def given(self) -> bool:
        return self.terraform_plan is not None or self.cloudformation is not None

    def asked(self) -> bool:
        """Whether any of these options was given (then the scan is of code, or refused)."""
        return self.given() or self.source_dir is not None or bool(self.parameters)

    def check(self, input_ref: str | None) -> None:
        if self.terraform_plan is not None and self.cloudformation is not None:
            raise CodeUsageError(
                "--terraform-plan and --cloudformation are two scans: run one each"
            )
        if self.source_dir is not None and self.terraform_plan is None:
            raise CodeUsageError(
                "--source-dir needs --terraform-plan (a template's lines come from the template)"
            )
        if self.parameters and self.cloudformation is None:
            raise CodeUsageError("--parameters needs --cloudformation")
        if input_ref is not None and self.given():
            raise CodeUsageError(
                "--input cannot be combined with --terraform-plan or --cloudformation"
            )

    def template_parameters(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for item in self.parameters or ():
            key, sign, value = item.partition("=")
            if not sign or not key:
                raise CodeUsageError(f"--parameters {item!r} is not KEY=VALUE")
            if key in values:
                raise CodeUsageError(f"--parameters names {key!r} twice")
            values[key] = value
        return values

    def estate(self) -> CodeEstate:
        if self.cloudformation is not None:
            template = self.cloudformation
            estate = load_template(template, self.template_parameters())
            return in_repository(estate, repository_root(template.parent))
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


def in_repository(estate: CodeEstate, root: Path) -> CodeEstate:
    """The estate with its locations' files relative to the repository's root."""

    def moved(location: SourceLocation | None) -> SourceLocation | None:
        if location is None:
            return None
        return replace(location, file=relative_to_root(Path(location.file), root))

    return replace(
        estate,
        locations={key: replace(at, file=relative_to_root(Path(at.file), root))
                   for key, at in estate.locations.items()},
        unresolved=tuple(replace(u, location=moved(u.location)) for u in estate.unresolved),
    )  # fmt: skip


def judge_code(
    code: CodeInput, policy: Policy, day: date, filters: ScanFilters | None = None
) -> CodeScanResult:
    """The scan of the code given on the command line, narrowed by the scan's filters."""
    selection = (filters or ScanFilters()).selection(policy)
    estate = code.estate()
    (snapshot,) = selection.snapshots([estate.snapshot])
    scanned = scan_code(selection.policy(policy), replace(estate, snapshot=snapshot), today=day)
    kept = tuple(f for f in scanned.findings if selection.wants_finding(f))
    return scanned if len(kept) == len(scanned.findings) else replace(scanned, findings=kept)


def code_scan(
    code: CodeInput,
    source: ScanInput,
    report_format: str,
    output: Path | None,
    terminal: Terminal,
    started: datetime,
    filters: ScanFilters | None = None,
    previous: Path | None = None,
) -> NoReturn:
    """`sgc scan` of infrastructure code: the report, and the exit code of any scan (0
    compliant, 1 violations, 2 bad input or usage)."""
    with reported_errors():
        code.check(source.input_ref)
        last = read_previous(previous) if previous is not None else None
        policy = load_policy(source.policy_ref)
        if filters is not None:
            show_selection(terminal, filters.selection(policy))
        result = judge_code(code, policy, source.day(), filters)
        write_report(result, report_format, output, terminal, started=started, previous=last)
    raise typer.Exit(ExitCode.VIOLATIONS if result.violations else ExitCode.COMPLIANT)
