"""`sgc local`: start, stop and seed the local AWS (a moto server on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException  # typer's own (vendored) click

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.adapters.aws.session import check_endpoint_url
from sgcompliance.entrypoints.bootstrap import Target, local_clients, rollback_wiring
from sgcompliance.entrypoints.cli.console import (
    ExitCode,
    report_usage_error,
    reported_errors,
    show_error,
)
from sgcompliance.entrypoints.cli.local_pipeline import deploy, run_worker
from sgcompliance.entrypoints.handler import handler
from sgcompliance.errors import ConfigError, SgcError
from sgcompliance.local.demo.context import (
    CommandRun,
    DemoOptions,
    DemoWiring,
    SgcCommand,
)
from sgcompliance.local.demo.story import new_run_dir, run_demo
from sgcompliance.local.pipeline.flow import PipelineState
from sgcompliance.local.seed.organization import DemoOrg, seed_demo_org
from sgcompliance.local.server import moto_server
from sgcompliance.local.server import state as server_state
from sgcompliance.local.server.moto_server import START_TIMEOUT, Ownership
from sgcompliance.local.server.state import StateFile
from sgcompliance.remediation.rollback import GatewayFor, RollbackService

local_app = typer.Typer(
    name="local",
    help="The local AWS: a moto server on 127.0.0.1 with a seeded demo organization.",
    no_args_is_help=True,
)

StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state",
        help="State file of the running server "
        f"(default: ${server_state.STATE_ENV} or .sgc/local.json)",
        dir_okay=False,
    ),
]


@local_app.command()
def up(
    state: StateOption = None,
    port: Annotated[int | None, typer.Option(help="Port to use (default: a free one)")] = None,
    seed: Annotated[bool, typer.Option(help="Also seed the demo organization")] = False,
    pipeline: Annotated[
        bool,
        typer.Option(
            help="Also deploy the event pipeline (hub account and member forwarding) for the "
            "seeded demo organization; implies --seed on a server not seeded yet"
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server")] = START_TIMEOUT,
) -> None:
    """Start the local AWS unless it is already running, and print its endpoint."""
    store = _state(state)
    with reported_errors():
        before = server_state.inspect(store)
        if before.stale:
            typer.echo(f"note: {before.why_stale()}; starting a new one")
        info, started = server_state.up(store, port=port, timeout=timeout)
        verb = "started" if started else "already running"
        typer.echo(f"local AWS {verb} at {info.endpoint} (pid {info.pid}, log {info.log_path})")
        if seed or (pipeline and not _seeded(info.endpoint, store)):
            _seed(info.endpoint, store, reset=False, as_json=False)
        if pipeline:
            _deploy(info.endpoint, store)
    typer.echo(f"export AWS_ENDPOINT_URL={info.endpoint}")


@local_app.command(name="pipeline")
def pipeline_command(state: StateOption = None) -> None:
    """Deploy the event pipeline into the running, seeded local AWS: the hub account's bucket,
    key, parameters, topic, bus, rule and queues, and each member account's forwarding rule."""
    store = _state(state)
    with reported_errors():
        _deploy(_running_endpoint(store), store)


@local_app.command()
def worker(
    state: StateOption = None,
    seconds: Annotated[
        float, typer.Option(help="How long to poll the hub's events queue (Ctrl-C stops)")
    ] = 60.0,
) -> None:
    """Run the handler on every event that reaches the hub's events queue, as Lambda would."""
    store = _state(state)
    with reported_errors():
        handled = run_worker(_running_endpoint(store), store, seconds)
    typer.echo(f"worker: handled {len(handled)} events")
    raise typer.Exit(ExitCode.COMPLIANT if all(h.ok for h in handled) else ExitCode.PARTIAL)


def _seeded(endpoint: str, store: StateFile) -> bool:

    return PipelineState(store.path).seeded(endpoint)


def _deploy(endpoint: str, store: StateFile) -> None:
    # Imported here: boto3 is loaded only by the commands that talk to the server.

    deploy(endpoint, store)


@local_app.command()
def down(state: StateOption = None) -> None:
    """Stop the local AWS started by `sgc local up`."""
    store = _state(state)
    with reported_errors():
        recorded = server_state.inspect(store)
        info = server_state.down_as(recorded, store)
    if info is not None:
        typer.echo(f"stopped the local AWS at {info.endpoint} (pid {info.pid})")
    elif recorded.info is None:
        typer.echo("no local AWS was running")
    elif recorded.ownership is Ownership.NOT_OURS:
        typer.echo(
            f"did not stop pid {recorded.info.pid}: it is not the local AWS sgc started"
            f"{recorded.runs}; removed the record in {store.path}"
        )
    else:
        typer.echo(f"{recorded.why_stale()}; removed the record")


@local_app.command()
def status(state: StateOption = None) -> None:
    """Say whether the local AWS is running (exit code 1 when it is not)."""
    store = _state(state)
    with reported_errors():
        recorded = server_state.inspect(store)
        info = server_state.running_as(recorded, store)
    if info is None:
        if recorded.stale:
            typer.echo(
                f"local AWS: not running: {recorded.why_stale()}; removed the record "
                "(start one with `sgc local up`)"
            )
        else:
            typer.echo("local AWS: not running (start it with `sgc local up`)")
        raise typer.Exit(1)
    typer.echo(f"local AWS: running at {info.endpoint} (pid {info.pid}, since {info.started_at})")
    typer.echo(f"export AWS_ENDPOINT_URL={info.endpoint}")


@local_app.command()
def seed(
    state: StateOption = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Seed this endpoint (default: the running local AWS)")
    ] = None,
    reset: Annotated[bool, typer.Option(help="Forget everything in the server first")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was seeded as JSON")] = False,
) -> None:
    """Seed the demo organization: 3 member accounts x 2 regions of realistic groups."""
    store = _state(state)
    with reported_errors():
        if endpoint_url is not None:
            check_endpoint_url(endpoint_url)
        endpoint = endpoint_url or _running_endpoint(store)
        _seed(endpoint, store, reset=reset, as_json=as_json)


def _seed(endpoint: str, store: StateFile, *, reset: bool, as_json: bool) -> None:

    if reset:
        moto_server.reset(endpoint)
    org = seed_demo_org(local_clients(endpoint))
    document = org.to_json()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.with_name("demo.json").write_text(json.dumps(document, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    typer.echo(f"seeded the demo organization into {endpoint}")
    typer.echo(f"  management account  {org.management_account}")
    for account_id, name in org.accounts:
        counts = ", ".join(
            f"{s.region}: {len(s.groups)} groups" for s in org.scopes if s.account_id == account_id
        )
        typer.echo(f"  {name:<22}{account_id}  {counts}")
    typer.echo(f"  member role         {org.role.role_name} (ExternalId {org.role.external_id})")
    typer.echo(f"  accounts            {','.join(org.account_ids)}")
    typer.echo(f"  regions             {','.join(org.regions)}")


@local_app.command()
def demo(
    ctx: typer.Context,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            help="Use this local AWS (from `sgc local up`, not yet seeded) and leave it running "
            "(default: start one for the demo and stop it at the end)"
        ),
    ] = None,
    reset: Annotated[
        bool, typer.Option(help="With --endpoint-url: forget everything in it first")
    ] = False,
    work_dir: Annotated[
        Path, typer.Option(help="Each run writes its files to a new directory under this one")
    ] = Path(".sgc") / "demo",
) -> None:
    """Scan, remediate and roll back the demo organization, checking every step (exit 1 if
    a check fails). Needs no AWS account, credentials or network."""

    with reported_errors():
        if reset and endpoint_url is None:
            raise ConfigError("--reset empties a server given with --endpoint-url; none was given")
        if endpoint_url is not None:
            # Before the run directory: a mistyped URL leaves nothing behind.
            check_endpoint_url(endpoint_url)
        options = DemoOptions(new_run_dir(work_dir), endpoint_url=endpoint_url, reset=reset)
        sgc = command_runner(ctx.find_root().command)
        report = run_demo(options, demo_wiring(sgc), typer.echo)
    raise typer.Exit(ExitCode.COMPLIANT if report.ok else ExitCode.VIOLATIONS)


def demo_wiring(sgc: SgcCommand) -> DemoWiring:
    """The demo's wiring: `sgc` runs its commands; the rest comes from the composition root."""
    return DemoWiring(sgc=sgc, clients=local_clients, rollback=_demo_rollback, handler=handler)


def _demo_rollback(
    endpoint: str, org: DemoOrg, backup_dir: Path
) -> tuple[RollbackService, GatewayFor]:
    target = Target(
        endpoint_url=endpoint,
        role_name=org.role.role_name,
        external_id=org.role.external_id,
        purpose="rollback",
    )
    service, runtime = rollback_wiring(target, BackupTarget(directory=backup_dir))
    return service, runtime.gateway


def command_runner(root: Any) -> SgcCommand:
    """Runs `sgc ARGS` through `root` (the root click command, which typer vendors) in this
    process, exactly as typed on the command line."""

    def run(args: Sequence[str], *, quiet: bool = False) -> CommandRun:
        if not quiet:
            return CommandRun(_invoke(root, args))
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            code = _invoke(root, args)
        return CommandRun(code, captured.getvalue())

    return run


def _invoke(root: Any, args: Sequence[str]) -> int:
    try:
        code = root.main(list(args), prog_name="sgc", standalone_mode=False)
    except ClickException as exc:  # a usage error, as the command line reports it
        return report_usage_error(exc, root, args)
    except SgcError as exc:
        show_error(exc)
        return int(ExitCode.USAGE)
    return int(code or 0)


def _running_endpoint(store: StateFile) -> str:
    recorded = server_state.inspect(store)
    info = server_state.running_as(recorded, store)
    if info is not None:
        return info.endpoint
    env = os.environ.get("AWS_ENDPOINT_URL")
    if env:
        return env
    why = f" ({recorded.why_stale()}; removed the record)" if recorded.stale else ""
    raise ConfigError(
        f"no local AWS is running{why}",
        hint="start one with `sgc local up` or pass --endpoint-url",
    )


def _state(path: Path | None) -> StateFile:
    return StateFile(path) if path is not None else StateFile.default()
