"""docs/checks.md, generated from the catalog: `python -m sgcompliance.policy.catalog_doc`.

A test compares the file with this output, so the page cannot drift from the packs.
"""

from __future__ import annotations

import re

from sgcompliance.engine.policy import Remediation
from sgcompliance.policy.catalog import CatalogEntry, Reference, catalog
from sgcompliance.policy.catalog_example import example_findings, example_lines

DOC_PATH = "docs/checks.md"
REGENERATE = "make docs-checks"

AUTOMATIC: dict[Remediation, str] = {
    Remediation.REMOVE: (
        "`sgc remediate --mode remove_non_compliant_rules` backs the group up and revokes "
        "the offending rules; `flag_only` tags the group only."
    ),
    Remediation.FLAG: (
        "flag only: `sgc remediate` tags the group (`sgc:status`, `sgc:violations`); the rule "
        "stays until it is fixed by hand."
    ),
    Remediation.LOCKDOWN: (
        "`sgc remediate --mode emergency_remediation` backs the group up and revokes every "
        "rule of the group."
    ),
}


def automatic_remediation(entry: CatalogEntry) -> str:
    return AUTOMATIC[entry.check.remediation]


def reference_markdown(reference: Reference) -> str:
    if reference.url:
        return f"{reference.standard} [{reference.control}]({reference.url})"
    return str(reference)


def anchor(check_id: str) -> str:
    """The anchor GitHub gives a `## CHECK-ID` heading."""
    return re.sub(r"[^a-z0-9 _-]", "", check_id.lower()).replace(" ", "-")


def checks_markdown() -> str:
    entries = list(catalog().values())
    out = [
        "# Checks",
        "",
        f"<!-- Generated from src/sgcompliance/policy/catalog.json and the built-in packs by "
        f"`{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every check of the built-in policy packs: what it means, how severe it is, the "
        "standard controls it maps to, and how to fix a finding by hand. On the command line: "
        "`sgc checks list` and `sgc checks show CHECK_ID`.",
        "",
        "| Check | Severity | Title | Packs |",
        "|---|---|---|---|",
        *(
            f"| [{e.id}](#{anchor(e.id)}) | {e.check.severity.value} | {_cell(e.check.title)} "
            f"| {', '.join(e.packs)} |"
            for e in entries
        ),
    ]
    for entry in entries:
        out += ["", *entry_markdown(entry)]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def entry_markdown(entry: CatalogEntry) -> list[str]:
    check = entry.check
    return [
        f"## {entry.id}",
        "",
        f"**{check.title}**",
        "",
        f"Severity: **{check.severity.value}** · Type: `{check.type.value}` · "
        f"Packs: {', '.join(entry.packs)}",
        "",
        entry.meaning,
        "",
        "References:",
        "",
        *(f"- {reference_markdown(r)}" for r in entry.references),
        "",
        f"Automatic remediation: {automatic_remediation(entry)}",
        "",
        "Fix it in the AWS console:",
        "",
        *(f"{n}. {step}" for n, step in enumerate(entry.console_steps, start=1)),
        "",
        "Fix it with the AWS CLI (replace the upper-case placeholders):",
        "",
        "```sh",
        *entry.cli_steps,
        "```",
        "",
        "Example finding:",
        "",
        "```text",
        *(line for f in example_findings(entry)[:1] for line in example_lines(f)),
        "```",
    ]


if __name__ == "__main__":
    print(checks_markdown(), end="")
