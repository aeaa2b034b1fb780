"""One concurrent-change schedule: remediate an estate twice and roll back everything, while the
adversary (`rel_adversary`) changes the estate and the backup store between the product's calls.

Per schedule (seed): the mode (`remove_non_compliant_rules` or `emergency_remediation`), the
store (the versioned S3 bucket, or a directory in a third of the schedules), the adversary's
rate, and whether it may forge receipts are drawn from the seed. Each remediation pass is the
path `sgc remediate --yes` runs (read, judge, carry out, audit records to S3, deferred outcome
tags), with the ports watched (`rel_watch`); the second pass finds whatever the first and the
adversary left (in-progress tags included). Then every receipt the product wrote is rolled back,
each group's `--latest` first. The oracles judge as it happens (`rel_change_oracles`) and after
each pass (`rel_change_agree`).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import boto3
from rel_adversary import ORDINARY, Act, Adversary, Kind
from rel_change_agree import Pass, check_pass
from rel_change_oracles import ChangeOracle, Violation
from rel_tamper import DirFiles, S3Files, StoreFiles
from rel_watch import ADVERSARY, Journal, Watch, WatchedGateway, WatchedMembers, WatchedStore
from rel_wiring import BUCKET, create_bucket, proxied_runtime

from sgcompliance.adapters.aws.estate import BackupTarget
from sgcompliance.engine.fleet import read_fleet
from sgcompliance.engine.policy import Policy, Severity
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.entrypoints.cli.pipeline import RecordTarget, RunChoices, cli_pipeline
from sgcompliance.errors import BackupError, SgcError
from sgcompliance.events.enforcement import Enforcement, carry_out, finish, judge, record_all
from sgcompliance.records.audit import Trigger
from sgcompliance.remediation.outcome import REVOKED_OUTCOMES, GroupOutcome, Outcome
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.rollback import RollbackService
from support.live_estate import MEMBERS, Estate, build_estate, estate_policy

T = TypeVar("T")
MODES = (Mode.REMOVE, Mode.EMERGENCY)
RATES = (0.1, 0.2, 0.3)  # the adversary's chance to act before each port call
DIRECTORY_SHARE = 1 / 3  # schedules on a backup directory (no versions) instead of S3
STORE_WRITER_SHARE = 1 / 4  # schedules in which the adversary may also forge receipts
PASSES = 2
AUDIT_PREFIX = "audit/"


@dataclass(slots=True)
class ChangeOutcome:
    seed: int
    mode: Mode
    store: str  # "s3" or "directory"
    store_writer: bool
    violations: list[Violation] = field(default_factory=list)
    acts: Counter[Kind] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    # The product's port calls during the remediation passes, by method.
    calls: Counter[str] = field(default_factory=Counter)
    api_calls: int = 0
    groups_remediated: int = 0
    revoked: int = 0
    restored: int = 0
    rollbacks: Counter[str] = field(default_factory=Counter)  # "carried out", "refused", ...
    forged_breaks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Schedule:
    seed: int
    endpoint: str
    workdir: Path
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def run(self) -> ChangeOutcome:
        mode = self.rng.choice(MODES)
        local = self.rng.random() < DIRECTORY_SHARE
        store_writer = self.rng.random() < STORE_WRITER_SHARE
        out = ChangeOutcome(self.seed, mode, "directory" if local else "s3", store_writer)
        estate = build_estate(self.endpoint, accounts=MEMBERS[:1])
        policy = estate_policy(estate)
        create_bucket(proxied_runtime(estate, self.endpoint, purpose="setup"))
        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")
        files: StoreFiles = DirFiles(self.workdir / "backups") if local else S3Files(s3, BUCKET)
        target = (
            BackupTarget(directory=self.workdir / "backups")
            if local
            else BackupTarget(bucket=BUCKET)
        )
        journal = Journal()
        acts: list[tuple[int, Act]] = []

        def log(act: Act) -> None:
            entry = journal.add(ADVERSARY, act.kind.value, act.group_id, act.detail)
            acts.append((entry.seq, act))

        kinds = ORDINARY | ({Kind.RECEIPT} if out.store_writer else set())
        adversary = Adversary(
            random.Random(f"adversary-{self.seed}"), estate, files,
            rate=self.rng.choice(RATES), kinds=frozenset(kinds), log=log,
        )  # fmt: skip
        adversary.remember()
        oracle = ChangeOracle(
            estate, files, ComplianceScanner(policy), journal, adversary.forged, versioned=not local
        )
        oracle.mode = mode
        watch = Watch(journal, adversary, oracle)
        run = Run(estate, policy, target, watch, s3)
        for n in range(1, PASSES + 1):
            journal.phase = f"pass {n}"
            before = len(acts)
            done = run.remediate(mode, f"change-{self.seed}-{n}")
            check_pass(oracle, replace(done, acts=acts[before:]))
            _count_pass(out, done.outcomes)
            out.api_calls += run.api_calls
        out.calls = journal.calls("pass")
        journal.phase = "rollback"
        run.roll_back(oracle, out)
        out.violations = list(oracle.violations)
        out.acts = Counter(act.kind for _, act in acts)
        out.revoked = oracle.revoked_rules
        out.forged_breaks = list(oracle.forged_breaks)
        return out


@dataclass(slots=True)
class Run:
    """The product's runs over the estate: each a new process (clients, pipeline, store)."""

    estate: Estate
    policy: Policy
    target: BackupTarget
    watch: Watch
    s3: Any
    api_calls: int = 0

    def remediate(self, mode: Mode, run_id: str) -> Pass:
        """One `sgc remediate --yes` pass: read, judge, carry out, record, outcome tags."""
        runtime = proxied_runtime(self.estate, self.estate.endpoint, purpose="remediate")
        store = WatchedStore(runtime.backups(self.target), self.watch)
        choices = RunChoices(mode, False, None, Severity.CRITICAL)
        records = RecordTarget(audit_bucket=BUCKET, audit_prefix=AUDIT_PREFIX)
        with cli_pipeline(runtime, self.policy, choices, (self.target, store), records) as cli:
            services = replace(
                cli.services, members=WatchedMembers(cli.services.members, self.watch)
            )
            reads = read_fleet(runtime.scopes, runtime.read, max_workers=1)
            snapshots = [r.snapshot for r in reads if r.snapshot is not None]
            how = Enforcement(mode, dry_run=False, per_event=False, defer_outcome_tags=True)
            judged = judge(cli.pipeline, services, snapshots, how)
            account, region = self.estate.accounts[0], self.estate.regions[0]
            trigger = Trigger(run_id, "CliRemediate", account, region)
            enforced = carry_out(cli.pipeline, services, trigger, judged, how)
            record_all(services, enforced.records)
            finish(services, enforced.unfinished)
        assert enforced.run is not None  # carry_out always says what its run did
        self.api_calls = runtime.counter.snapshot().total_calls
        phase = self.watch.journal.phase
        return Pass(
            phase, judged.plans, enforced.run.outcomes, self._records(run_id), self._ids(), ()
        )

    def roll_back(self, oracle: ChangeOracle, out: ChangeOutcome) -> None:
        """Every receipt the product wrote that revoked rules, each group's latest first."""
        runtime = proxied_runtime(self.estate, self.estate.endpoint, purpose="rollback")
        service = RollbackService(WatchedStore(runtime.backups(self.target), self.watch))

        def gateway_for(account: str, region: str) -> WatchedGateway:
            return WatchedGateway(runtime.gateway(account, region), self.watch, (account, region))

        receipts = sorted(
            (r for r in oracle.receipts.values() if r.revoked), key=lambda r: r.created_at
        )
        order: list[str] = []
        for group_id in dict.fromkeys(r.group_id for r in receipts):

            def newest(g: str = group_id) -> str:
                return service.latest(g)

            latest = _attempt(out, newest)
            if latest is not None:
                order.append(latest)
        order += [r.backup_id for r in reversed(receipts) if r.backup_id not in order]
        for backup_id in order:
            oracle.rollback_of = backup_id

            def one(b: str = backup_id) -> int:
                return service.rollback(b, gateway_for, dry_run=False).restored

            restored = _attempt(out, one)
            if restored is not None:
                out.restored += restored
                out.rollbacks["carried out"] += 1
        oracle.rollback_of = None

    def _records(self, run_id: str) -> list[dict[str, Any]]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=AUDIT_PREFIX
        )
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
        docs = [json.loads(self.s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in keys]
        return [d for d in docs if d["event_id"] == run_id]

    def _ids(self) -> dict[str, frozenset[str]]:
        ec2 = self.estate.ec2(self.estate.accounts[0], self.estate.regions[0])
        rows = ec2.describe_security_group_rules()["SecurityGroupRules"]
        ids: dict[str, set[str]] = {}
        for row in rows:
            ids.setdefault(row["GroupId"], set()).add(row["SecurityGroupRuleId"])
        return {g: frozenset(i) for g, i in ids.items()}


def _attempt(out: ChangeOutcome, step: Callable[[], T]) -> T | None:
    """A rollback step: refused (BackupError) or failed (another SgcError) is an answer."""
    try:
        return step()
    except BackupError:
        out.rollbacks["refused"] += 1
    except SgcError as exc:
        out.rollbacks[f"failed: {type(exc).__name__}"] += 1
    return None


# Why an outcome failed, by what its error says (the table counts them apart).
FAILURES = (
    ("could not be verified", "in-progress tags not verified"),
    ("verification failed", "a revoked rule was back before the verification"),
    ("kept changing", "kept changing"),
    ("backup store failed", "the backup store stopped the run"),
    ("receipt", "the backup store stopped the run"),
)


def _count_pass(out: ChangeOutcome, outcomes: Sequence[GroupOutcome]) -> None:
    for outcome in outcomes:
        what = outcome.outcome.value
        if outcome.outcome is Outcome.FAILED:
            error = outcome.error or ""
            why = next((label for text, label in FAILURES if text in error), "other")
            what += f" ({why})"
        out.outcomes[what] += 1
        if outcome.outcome in REVOKED_OUTCOMES and outcome.revoked:
            out.groups_remediated += 1
