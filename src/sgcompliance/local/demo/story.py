"""The demo story behind `sgc local demo` and `make demo`.

On a machine with no AWS account, no credentials and no network it starts the local AWS, seeds
the demo organization (3 member accounts x 2 regions), scans it, remediates it with
`remove_non_compliant_rules`, shows that the targeted rules are gone, rolls every backup of the
run back and shows that the original findings are back. Then the event-driven pipeline: the hub
and the member forwarding are deployed, a developer opens SSH to the world, the pipeline
catches and remediates it (timeline, alert, metrics, audit record), one `sgc rollback`
undoes that, and the developer's attempt to exempt the group with a tag is caught too. Every
step runs the real `sgc` commands or the real Lambda handler and checks what they did; the
story fails (and `sgc local demo` exits 1) when a check fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sgcompliance.errors import ConfigError
from sgcompliance.local.demo.context import DemoContext, DemoOptions, DemoWiring
from sgcompliance.local.demo.pipeline import careless_change, deploy_hub
from sgcompliance.local.demo.pipeline_outcome import catch_and_remediate, roll_back_change
from sgcompliance.local.demo.rollback import rollback_every_backup
from sgcompliance.local.demo.runner import Echo, Step, StoryReport, run_story
from sgcompliance.local.demo.self_exemption import self_exemption
from sgcompliance.local.demo.steps import remediate, scan, seed, start_local_aws
from sgcompliance.local.demo.verification import (
    rescan_after_remediation,
    rescan_after_rollback,
    stop_local_aws,
)

TITLE = (
    "sgcompliance demo: scan, remediate and roll back a local AWS Organization, "
    "then catch a careless change live"
)
DEFAULT_WORK_DIR = Path(".sgc") / "demo"

DEMO_STEPS: tuple[Step[DemoContext], ...] = (
    Step("Start the local AWS", start_local_aws),
    Step("Seed the demo organization", seed),
    Step("Scan every account and region", scan),
    Step("Remediate: remove_non_compliant_rules (the diff)", remediate),
    Step("Rescan: the rules the remediation targeted are gone", rescan_after_remediation),
    Step("Roll back every backup of the run", rollback_every_backup),
    Step("Rescan: the original findings are back", rescan_after_rollback),
    Step("Deploy the event pipeline: the hub account and the member forwarding", deploy_hub),
    Step("A careless change: SSH open to the world (IPv4 and IPv6)", careless_change),
    Step("The pipeline catches it: EventBridge -> SQS -> handler -> revoke", catch_and_remediate),
    Step("One command rolls it back", roll_back_change),
    Step(
        "A self-granted exemption: the developer tags the group, the pipeline judges it",
        self_exemption,
    ),
    Step("Stop the local AWS", stop_local_aws, always=True),
)


def new_run_dir(work_dir: Path = DEFAULT_WORK_DIR) -> Path:
    """A fresh directory per run, so that a run never reads another run's backups."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run_dir = work_dir / f"run-{stamp}"
    try:
        run_dir.mkdir(parents=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {run_dir}: {exc.strerror or exc}", hint="pass a writable --work-dir"
        ) from exc
    return run_dir


def run_demo(options: DemoOptions, wiring: DemoWiring, echo: Echo) -> StoryReport:
    """Tell the story; the report says, step by step, what was checked and how long it took."""
    return run_story(TITLE, DEMO_STEPS, DemoContext(options, wiring, echo), echo)
