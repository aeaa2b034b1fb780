"""The pipeline for one `sgc remediate` or `sgc rollback`: the Lambda's services, built from
options instead of SSM, so that the command runs the same judge -> backup -> apply -> verify ->
record -> alert path as the handler, and leaves the same audit records, metrics and alerts.

Everything a run writes to is checked before its first change (`preflight`): the report's
directory, the backup store (versioned, for S3), the audit sink and the metrics file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sgcompliance.adapters.aws.estate import BackupTarget, MemberAccess, Runtime
from sgcompliance.adapters.aws.s3_audit import S3AuditSink
from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.aws.sns import SnsNotifier, topic_region
from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.adapters.local_audit import LocalAuditSink
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.policy import Policy, Severity
from sgcompliance.errors import ConfigError, SgcError
from sgcompliance.events.services import Pipeline, Services, WorkQueue
from sgcompliance.records.audit_log import AuditSink, LogAuditSink
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.ports import BackupStore

DEFAULT_AUDIT_PREFIX = "audit/"


@dataclass(frozen=True, slots=True)
class RecordTarget:
    """Where a CLI run leaves its audit records, metrics and alert."""

    audit_bucket: str | None = None
    audit_prefix: str = DEFAULT_AUDIT_PREFIX
    audit_dir: Path | None = None
    metrics_file: Path | None = None
    sns_topic_arn: str | None = None

    def audit_directory(self, backups: BackupTarget) -> Path | None:
        """`--audit-dir`, else `audit/` beside `--backup-dir`; None when records go to S3."""
        if self.audit_dir is not None or self.audit_bucket or backups.bucket:
            return self.audit_dir
        if backups.directory is None:
            return None
        return backups.directory.parent / "audit"


@dataclass(frozen=True, slots=True)
class RunChoices:
    mode: Mode
    dry_run: bool
    max_revokes: int | None
    lockdown_severity: Severity


class FixedConfig:
    """The `ConfigSource` of a CLI run: one configuration, one mode for every account."""

    def __init__(self, config: RuntimeConfig) -> None:
        self.config = config

    def get(self) -> RuntimeConfig:
        return self.config

    def mode_for_account(self, account_id: str) -> Mode:  # noqa: ARG002 - the port's shape
        return self.config.mode


class CliAdapters:
    """The `Adapters` of a CLI run: what the options named, through the run's `Runtime`."""

    def __init__(self, runtime: Runtime, backups: BackupStore, sinks: Sequence[AuditSink]) -> None:
        self.runtime = runtime
        self._backups = backups
        self._sinks = list(sinks)
        self._members = MemberAccess(runtime)

    def backups(self, config: RuntimeConfig) -> BackupStore:  # noqa: ARG002
        return self._backups

    def audit_sinks(self, config: RuntimeConfig) -> list[AuditSink]:  # noqa: ARG002
        return list(self._sinks)

    def notifier(self, topic_arn: str) -> SnsNotifier:
        credentials = self.runtime.clients.credentials(self.runtime.caller_account)
        client = self.runtime.factory.client("sns", topic_region(topic_arn), credentials)
        return SnsNotifier(client, topic_arn)

    def members(self, config: RuntimeConfig) -> MemberAccess:  # noqa: ARG002
        return self._members

    def estate(self) -> CliAdapters:
        return self

    def organization_accounts(self) -> tuple[str, ...]:
        return self.runtime.accounts

    def enabled_regions(self) -> tuple[str, ...]:
        return self.runtime.regions

    def work_queue(self) -> WorkQueue:
        raise ConfigError("a CLI run has no work queue")

    def fallback_topic(self) -> str | None:
        return None


@dataclass(slots=True)
class CliPipeline:
    pipeline: Pipeline
    services: Services
    metrics_out: TextIO | None

    def flush_metrics(self) -> None:
        """The run's EMF lines, to `--metrics-file` (nothing is written without one)."""
        if self.metrics_out is not None:
            self.pipeline.metrics.flush()


@contextmanager
def cli_pipeline(
    runtime: Runtime,
    policy: Policy,
    choices: RunChoices,
    backups: tuple[BackupTarget, BackupStore],
    records: RecordTarget,
) -> Iterator[CliPipeline]:
    """The pipeline, with its metrics file open for the run (and flushed at its end)."""
    target, store = backups
    config = RuntimeConfig(
        mode=choices.mode,
        dry_run=choices.dry_run,
        accounts=runtime.accounts,
        regions=runtime.requested_regions,
        role_name="",
        policy=policy,
        policy_ref=policy.id,
        sns_topic_arn=records.sns_topic_arn,
        max_revokes=choices.max_revokes,
        lockdown_severity=choices.lockdown_severity,
        audit_bucket=records.audit_bucket,
        audit_prefix=records.audit_prefix,
        backup_bucket=target.bucket,
        backup_prefix=target.prefix,
        backup_kms_key_id=target.kms_key_id,
        backup_dir=None if target.directory is None else str(target.directory),
        max_event_age=None,
    )
    sinks = audit_sinks(runtime, target, records)
    out = None if records.metrics_file is None else _open_metrics(records.metrics_file)
    try:
        metrics = MetricsManager(EmfMetricsSink(out))
        pipeline = Pipeline(
            FixedConfig(config),
            CliAdapters(runtime, store, sinks),
            metrics,
            audit_log=LogAuditSink(),
        )
        cli = CliPipeline(pipeline, pipeline.services(), out)
        yield cli
        cli.flush_metrics()
    finally:
        if out is not None:
            out.close()


def audit_sinks(runtime: Runtime, target: BackupTarget, records: RecordTarget) -> list[AuditSink]:
    bucket = records.audit_bucket or (None if records.audit_dir else target.bucket)
    if bucket:
        # Beside the backups (the hub's layout, one bucket) unless --audit-bucket names another.
        credentials = runtime.clients.credentials(runtime.caller_account)
        s3 = runtime.factory.client("s3", None, credentials)
        key = target.kms_key_id if bucket == target.bucket else None
        return [S3AuditSink(s3, bucket, prefix=records.audit_prefix, kms_key_id=key)]
    directory = records.audit_directory(target)
    return [] if directory is None else [LocalAuditSink(directory)]


def preflight(services: Services, output: Path | None, *, writes: bool) -> None:
    """Everything the run will write to, checked before its first change: SgcError naming the
    first that is not usable. `writes`: the run may revoke (then backups must be ready)."""
    if output is not None:
        _writable_directory(output.parent, f"the report's directory {output.parent}", make=False)
    if writes and isinstance(services.backups, S3BackupStore):
        services.backups.check()
    if writes and services.config.backup_dir is not None:
        _writable_directory(Path(services.config.backup_dir), "the backup directory")
    for sink in services.audit.sinks:
        if isinstance(sink, LocalAuditSink):
            _writable_directory(sink.directory, f"the audit directory {sink.directory}")
        elif isinstance(sink, S3AuditSink):
            sink.check()


def _writable_directory(directory: Path, what: str, *, make: bool = True) -> None:
    try:
        if make:
            directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".sgc-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SgcError(
            f"{what} is not writable: {exc.strerror or exc}",
            hint="choose a directory that exists and is writable",
        ) from exc


def _open_metrics(path: Path) -> TextIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("a", encoding="utf-8")
    except OSError as exc:
        raise SgcError(
            f"metrics file {path} cannot be opened: {exc.strerror or exc}",
            hint="pass --metrics-file with a writable path",
        ) from exc


def trail_where(services: Services) -> str:
    """Where the run's audit records went, for a person."""
    places = [
        str(s.directory) if isinstance(s, LocalAuditSink) else f"s3://{s.bucket}/{s.prefix}"
        for s in services.audit.sinks
        if isinstance(s, LocalAuditSink | S3AuditSink)
    ]
    return ", ".join(places) or "the log"
