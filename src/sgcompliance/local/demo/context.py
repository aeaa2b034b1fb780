"""What the demo's steps share: options, the wiring they are given, and what earlier steps made.

The steps run the real `sgc` commands, with the arguments printed so that a reader can type
them. The entry point hands the demo its wiring (`DemoWiring`): how a command is run, the
clients of the local AWS, the rollback use case and the Lambda handler, all built by the one
composition root, so this package neither imports the entry points nor builds an adapter.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.local.demo.findings import ScanReport, read_report
from sgcompliance.local.demo.runner import Echo
from sgcompliance.local.pipeline.cloudtrail_emitter import CloudTrailEmitter, EmittedEvent
from sgcompliance.local.pipeline.flow import InboxAlert, LocalPipeline
from sgcompliance.local.pipeline.worker import Handled, Handler
from sgcompliance.local.seed.groups import DEMO_REGIONS
from sgcompliance.local.seed.organization import DemoOrg
from sgcompliance.local.server.moto_server import START_TIMEOUT, LocalServer
from sgcompliance.remediation.backup import BackupRecord
from sgcompliance.remediation.rollback import GatewayFor, RollbackService


@dataclass(frozen=True, slots=True)
class CommandRun:
    exit_code: int
    output: str = ""  # what the command printed, when it ran quietly


class SgcCommand(Protocol):
    def __call__(self, args: Sequence[str], *, quiet: bool = False) -> CommandRun:
        """Run `sgc ARGS`; quietly means capture the output instead of printing it."""
        ...


class RollbackWiring(Protocol):
    def __call__(
        self, endpoint: str, org: DemoOrg, backup_dir: Path
    ) -> tuple[RollbackService, GatewayFor]:
        """The rollback use case over `backup_dir`, and the gateways into `org`'s accounts,
        wired as `sgc rollback` wires them."""
        ...


@dataclass(frozen=True, slots=True)
class DemoWiring:
    """What the entry point builds for the demo (see the module documentation)."""

    sgc: SgcCommand
    clients: Callable[[str], ClientFactory]  # the local AWS at an endpoint
    rollback: RollbackWiring
    handler: Handler  # the Lambda handler, which the local worker calls


@dataclass(slots=True)
class LiveRun:
    """What the event-driven steps made and saw."""

    factory: ClientFactory
    pipeline: LocalPipeline
    handler: Handler  # what the local worker calls, as Lambda would
    account_id: str = ""
    region: str = ""
    group_id: str = ""
    ec2: Any = None
    rule_ids: tuple[str, ...] = ()
    change: EmittedEvent | None = None
    # Records the developer's calls (`ec2`) as CloudTrail would, onto the member's bus.
    emitter: CloudTrailEmitter | None = None
    handled: list[Handled] = field(default_factory=list)
    record: dict[str, Any] | None = None
    alert: InboxAlert | None = None

    def rules(self) -> list[dict[str, Any]]:
        """The changed group's rules now (DescribeSecurityGroupRules, as the developer)."""
        with translating("DescribeSecurityGroupRules", scope=self.group_id):
            found = self.ec2.describe_security_group_rules(
                Filters=[{"Name": "group-id", "Values": [self.group_id]}]
            )
        rules: list[dict[str, Any]] = found.get("SecurityGroupRules", [])
        return rules


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """`run_dir` receives the policy, the reports, the backups and the server log."""

    run_dir: Path
    # A local AWS the user started: the demo seeds it and leaves it running.
    endpoint_url: str | None = None
    reset: bool = False
    regions: tuple[str, ...] = DEMO_REGIONS
    start_timeout: float = START_TIMEOUT


@dataclass(slots=True)
class DemoContext:
    options: DemoOptions
    wiring: DemoWiring
    echo: Echo
    endpoint: str = ""
    # The server the demo started itself (None when it uses one the user started).
    server: LocalServer | None = None
    org: DemoOrg | None = None
    policy_path: Path | None = None
    reports: dict[str, ScanReport] = field(default_factory=dict)
    # The event-driven part of the story (local/demo/pipeline.py).
    live: LiveRun | None = None

    @property
    def run_dir(self) -> Path:
        return self.options.run_dir

    @property
    def backup_dir(self) -> Path:
        return self.run_dir / "backups"

    def demo_org(self) -> DemoOrg:
        if self.org is None:
            raise RuntimeError("the demo organization is not seeded yet")
        return self.org

    def aws_args(self) -> list[str]:
        """Where and how every command reaches the demo organization."""
        org = self.demo_org()
        return [
            "--endpoint-url", self.endpoint, "--organization",
            "--regions", ",".join(org.regions),
            "--role-name", org.role.role_name,
            "--external-id", org.role.external_id or "",
        ]  # fmt: skip

    def run(self, args: Sequence[str], *, quiet: bool = False, show: bool = True) -> CommandRun:
        if show:
            self.echo(f"  $ sgc {shlex.join(args)}")
        return self.wiring.sgc(args, quiet=quiet)

    def scan(self, label: str, *, quiet: bool) -> tuple[CommandRun, ScanReport]:
        """`sgc scan` of the whole organization into `scan-LABEL.json`, read back."""
        path = self.run_dir / f"scan-{label}.json"
        policy = str(self.policy_path)
        args = ["scan", *self.aws_args(), "--policy", policy, "--format", "json", "-o", str(path)]
        done = self.run(args, quiet=quiet)
        report = read_report(path)
        self.reports[label] = report
        return done, report

    def backups(self) -> list[BackupRecord]:
        """The backups this run's remediation wrote, oldest first."""
        store = LocalBackupStore(self.backup_dir)
        return [store.get(backup_id) for backup_id in store.list()]

    def revoked_rule_ids(self) -> set[str]:
        return {rule.rule_id for r in self.backups() for rule in r.plan.revoked_rules}

    def show_output(self, done: CommandRun) -> None:
        """A quiet command that failed: print what it said."""
        for line in done.output.rstrip().splitlines():
            self.echo(f"    | {line}")
