"""The input campaign of issue #13: every kind of document and input sgcompliance reads is
given bad inputs of every class (`support.hostile_inputs`), each run twice under the watchdog
(`support.bounded_run`): once plain, timed, and once under tracemalloc, for its peak memory.

An input ends in one of:
- accepted: the reader took it (a policy, snapshots, an event, a backup);
- a clean error: an SgcError with a code, a hint and a one-line message of at most 400
  characters; for what the Lambda is invoked with, a rejection with its reason code (never
  PARSER_FAULT, which means a reader raised and the last-resort guard caught it);
- a failure: a traceback (any other exception), a hang (over 1 s), over memory (over 200 MB),
  or an unclear message. The campaign asserts that there are none.

`Tally` counts by kind of input and by class of bad input, keeps the time of every input and
the peak memory, and a few messages of each class (what the user sees).
"""

from __future__ import annotations

import json
import logging
import random
import re
import statistics
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.local_backups import BACKUP_LIMITS, RECEIPT_LIMITS, LocalBackupStore
from sgcompliance.config.manager import ConfigManager, PolicySource
from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.policy import Severity
from sgcompliance.entrypoints.cli.live import read_input
from sgcompliance.errors import PolicyError, SgcError
from sgcompliance.events.classify import (
    BadRecord,
    RejectCode,
    Rejected,
    SqsBatch,
    classify,
    record_payload,
)
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.backup import BackupRecord, to_document
from sgcompliance.remediation.plan import Action, Mode, PlannedFinding, RemediationPlan
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState, receipt_to_document
from sgcompliance.sources.documents import POLICY_LIMITS, SNAPSHOT_LIMITS, Limits
from support import estate
from support.bounded_run import (
    HARD_BYTES,
    HARD_SECONDS,
    HARD_WALL_SECONDS,
    MEMORY_BOUND,
    TIME_BOUND,
    Measured,
    bounded,
)
from support.hostile_inputs import (
    OVERSIZE,
    Payload,
    Shaped,
    Sparse,
    document_inputs,
    value_inputs,
)
from support.object_bodies import BodyS3
from support.pipeline_world import GROUP, MEMBER, REGION, World, fixture

MAX_MESSAGE = 400
ACCEPTED, CLEAN, FAILED = "accepted", "clean error", "failed"
TODAY = date(2026, 11, 27)
BACKUP_ID = f"{GROUP}.20261127T101533000000Z.1a2b3c4d"
EXAMPLES = 3

# --- seeds: one valid document of each kind ----------------------------------------------------

POLICY_SEEDS: list[Any] = [
    {"version": "1", "id": "fuzz", "extends": "builtin:strict"},
    {
        "version": "1",
        "id": "acme-baseline",
        "description": "Acme's baseline",
        "extends": ["builtin:strict"],
        "settings": {"trusted_accounts": ["222222222222"]},
        "overrides": {"EC2.18": {"allowed": [{"protocols": ["tcp"], "ports": 443}]}},
        "checks": [
            {
                "id": "ACME-NO-TELNET",
                "type": "restricted_ports",
                "title": "No telnet",
                "severity": "medium",
                "ports": [{"protocols": ["tcp"], "ports": 23}],
                "sources": ["10.0.0.0/8"],
            }
        ],
        "exemptions": [
            {
                "id": "bastion-ssh",
                "owner": "netops@example.com",
                "reason": "The bastion takes SSH behind MFA",
                "ticket": "SEC-123",
                "expires": "2026-12-31",
                "match": {"group_ids": ["sg-0000000000000b001"], "checks": ["EC2.13"]},
            }
        ],
    },
]


def snapshot_seeds() -> list[Any]:
    rules = (
        estate.rule("sgr-1", "0.0.0.0/0", ports=22, tags={"Owner": "ops"}),
        estate.rule("sgr-2", "::/0", ports=(80, 443)),
        estate.rule("sgr-3", "pl-0abc", protocol="-1", ports=None, egress=True),
        estate.rule("sgr-4", "222222222222/sg-0peer", ports=5432),
    )
    snap = estate.snapshot(
        estate.group(*rules, group_id="sg-0a1", tags={"Env": "prod"}, vpc_id="vpc-1"),
        prefix_lists={"pl-0abc": ("10.0.0.0/8",)},
    )
    permissions = {
        "account_id": "111111111111",
        "region": "eu-west-1",
        "SecurityGroups": [
            {
                "GroupId": "sg-1",
                "GroupName": "web",
                "IpPermissions": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 80,
                        "ToPort": 80,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
                        "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "222222222222"}],
                    }
                ],
            }
        ],
    }
    return [estate.document(snap), [estate.document(snap), permissions]]


def backup_seed() -> Any:
    rules = tuple(
        estate.rule(f"sgr-{i}", "0.0.0.0/0", ports=22 + i, group_id=GROUP) for i in range(3)
    )
    finding = PlannedFinding("f-1", "EC2.13", Severity.HIGH, "sgr-0", "ssh open")
    plan = RemediationPlan(
        "plan-000000000001", Mode.REMOVE, Action.REVOKE, MEMBER, REGION, GROUP, "web",
        rules, (finding,), revoke_ingress=("sgr-0",),
    )  # fmt: skip
    return to_document(BackupRecord(BACKUP_ID, "2026-11-27T10:15:33+00:00", plan))


def receipt_seed() -> Any:
    receipt = BackupReceipt(
        BACKUP_ID, MEMBER, REGION, GROUP, "2026-11-27T10:15:34+00:00", "0" * 64, "v1",
        "plan-000000000001", ReceiptState.APPLIED, ("sgr-0",), ("sgr-1",),
    )  # fmt: skip
    return receipt_to_document(receipt)


EVENT_FIXTURES = [
    "authorize_ingress", "authorize_egress", "authorize_ingress_by_name", "create_security_group",
    "modify_security_group_rules", "revoke_ingress", "scheduled_sweep", "sqs_sg_change",
    "sqs_work_items", "update_descriptions_ingress", "own_role_authorize_ingress",
]  # fmt: skip
OPERATOR_FIXTURES = ["operator_remediate", "operator_rollback"]

# --- results -----------------------------------------------------------------------------------


class ParserFaultError(Exception):
    """A reader of Lambda input raised and the last-resort guard caught it (PARSER_FAULT)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """What the Lambda answers input it does not act on: the reason code and message."""

    code: str
    message: str


@dataclass
class Tally:
    """What one campaign (or several, merged) saw."""

    inputs: int = 0
    clean: int = 0
    accepted: int = 0
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    over_memory: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)
    # Overlong messages written outside problems.py (`KNOWN_UNCLEAR`): counted, printed, not
    # failed on.
    known: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    wall_max: float = 0.0
    peak_bytes: int = 0
    # kind -> shape -> {"inputs", "clean", "accepted", "examples": [message, ...]}
    shapes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # kind -> [inputs, clean, accepted, failures, [seconds...], peak]
    kinds: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def failures(self) -> int:
        return len(self.tracebacks) + len(self.hangs) + len(self.over_memory) + len(self.unclear)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs, "clean": self.clean, "accepted": self.accepted,
            "tracebacks": self.tracebacks, "hangs": self.hangs, "over_memory": self.over_memory,
            "unclear": self.unclear, "known": self.known, "seconds": self.seconds,
            "wall_max": self.wall_max, "peak_bytes": self.peak_bytes,
            "shapes": self.shapes, "kinds": self.kinds,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        return cls(**data)

    def merge(self, other: Tally) -> None:
        self.inputs += other.inputs
        self.clean += other.clean
        self.accepted += other.accepted
        self.tracebacks += other.tracebacks
        self.hangs += other.hangs
        self.over_memory += other.over_memory
        self.unclear += other.unclear
        self.known += other.known
        self.seconds += other.seconds
        self.wall_max = max(self.wall_max, other.wall_max)
        self.peak_bytes = max(self.peak_bytes, other.peak_bytes)
        for kind, shapes in other.shapes.items():
            mine = self.shapes.setdefault(kind, {})
            for shape, counts in shapes.items():
                row = mine.setdefault(
                    shape, {"inputs": 0, "clean": 0, "accepted": 0, "examples": []}
                )
                for key in ("inputs", "clean", "accepted"):
                    row[key] += counts[key]
                row["examples"] = _unique(row["examples"] + counts["examples"])[:EXAMPLES]
        for kind, (n, clean, accepted, failed, seconds, peak) in other.kinds.items():
            row = self.kinds.setdefault(kind, [0, 0, 0, 0, [], 0])
            row[0] += n
            row[1] += clean
            row[2] += accepted
            row[3] += failed
            row[4] += seconds
            row[5] = max(row[5], peak)

    def count(
        self,
        kind: str,
        shape: str,
        outcome: str,
        timed: Measured,
        traced: Measured,
        failed: bool,
    ) -> None:
        seconds, peak = timed.seconds, traced.peak_bytes
        self.inputs += 1
        self.seconds.append(seconds)
        self.wall_max = max(self.wall_max, timed.wall_seconds)
        self.peak_bytes = max(self.peak_bytes, peak)
        row = self.shapes.setdefault(kind, {}).setdefault(
            shape, {"inputs": 0, "clean": 0, "accepted": 0, "examples": []}
        )
        row["inputs"] += 1
        totals = self.kinds.setdefault(kind, [0, 0, 0, 0, [], 0])
        totals[0] += 1
        totals[4].append(seconds)
        totals[5] = max(totals[5], peak)
        if outcome == CLEAN:
            self.clean += 1
            row["clean"] += 1
            totals[1] += 1
        elif outcome == ACCEPTED:
            self.accepted += 1
            row["accepted"] += 1
            totals[2] += 1
        if failed:
            totals[3] += 1

    def table(self, wall_seconds: float | None = None) -> list[str]:
        """The printed figures: by kind of input, then the totals."""
        head = (
            f"{'kind of input':<28}{'inputs':>9}{'clean':>9}{'accepted':>9}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'max ms':>9}{'peak MB':>9}{'failed':>8}"
        )
        lines = [head]
        for kind, (n, clean, accepted, failed, seconds, peak) in sorted(self.kinds.items()):
            lines.append(
                f"{kind:<28}{n:>9,}{clean:>9,}{accepted:>9,}" + _times(seconds, peak, failed)
            )
        lines.append(
            f"{'total':<28}{self.inputs:>9,}{self.clean:>9,}{self.accepted:>9,}"
            + _times(self.seconds, self.peak_bytes, self.failures)
        )
        p50, p99, most = _percentiles(self.seconds)
        lines += [
            "",
            f"inputs: {self.inputs:,}  clean errors: {self.clean:,}  accepted: {self.accepted:,}",
            f"time per input (CPU): p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.1f} ms, max "
            f"{most * 1000:.0f} ms (bound {TIME_BOUND * 1000:.0f} ms); wall time max "
            f"{self.wall_max * 1000:.0f} ms",
            f"peak memory of one input: max {self.peak_bytes / 1e6:.1f} MB "
            f"(bound {MEMORY_BOUND / 1e6:.0f} MB)",
            f"tracebacks: {len(self.tracebacks)}  hangs: {len(self.hangs)}  over memory: "
            f"{len(self.over_memory)}  unclear messages: {len(self.unclear)}",
            f"known, to be fixed outside these readers: {len(self.known)}"
            + (f" ({KNOWN_UNCLEAR})" if self.known else ""),
        ]
        if wall_seconds is not None:
            lines.append(f"wall time: {wall_seconds:.1f} s")
        for name, found in (
            ("traceback", self.tracebacks), ("hang", self.hangs),
            ("over memory", self.over_memory), ("unclear", self.unclear), ("known", self.known),
        ):  # fmt: skip
            lines += [f"{name}: {item}" for item in found[:10]]
        return lines


def _times(seconds: list[float], peak: int, failed: int) -> str:
    p50, p99, most = _percentiles(seconds)
    return f"{p50 * 1000:>9.2f}{p99 * 1000:>9.1f}{most * 1000:>9.0f}{peak / 1e6:>9.1f}{failed:>8,}"


def _percentiles(seconds: list[float]) -> tuple[float, float, float]:
    if not seconds:
        return 0.0, 0.0, 0.0
    if len(seconds) == 1:
        return seconds[0], seconds[0], seconds[0]
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49], cuts[98], max(seconds)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- the kinds of input ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of input: how its bad inputs are made and how it is read."""

    name: str
    inputs: Callable[[random.Random], Iterator[Shaped]]
    read: Callable[[Payload], object]


class _TextObject:
    """The S3 policy object (the `PolicySource` port), holding whatever text was put there."""

    def __init__(self, text: str) -> None:
        self.text = text

    def source(self, bucket: str, key: str) -> PolicySource:
        del bucket, key
        return self

    def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:
        del if_none_match
        return self.text, '"etag"'


def _write(path: Path, payload: Payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(payload, Sparse):
        with path.open("wb") as handle:
            handle.write(payload.head)
            handle.truncate(payload.size)
    elif isinstance(payload, bytes):
        path.write_bytes(payload)
    else:
        path.write_text(payload, "utf-8", errors="surrogatepass")


def _bytes(payload: Payload) -> bytes:
    if isinstance(payload, Sparse):
        return payload.head + b"\0" * (payload.size - len(payload.head))
    if isinstance(payload, bytes):
        return payload
    return str(payload).encode("utf-8", "surrogatepass")


def _text(payload: Payload) -> str:
    return _bytes(payload).decode("utf-8", "replace")


def _alternating(*makers: Callable[[], Iterator[Shaped]]) -> Iterator[Shaped]:
    streams = [maker() for maker in makers]
    while True:
        for stream in streams:
            yield next(stream)


KIND_NAMES = (
    "policy file (JSON)", "policy file (YAML)", "policy object (S3)", "snapshot file (JSON)",
    "snapshot file (YAML)", "Lambda event", "operator request", "backup file",
    "backup object (S3)", "receipt file", "receipt object (S3)",
)  # fmt: skip


def kinds(directory: Path, the_world: World) -> list[Kind]:
    """Every kind of input, read the way the tool reads it."""
    policy = load_policy("builtin:strict")

    def policy_file(suffix: str) -> Callable[[Payload], object]:
        def read(payload: Payload) -> object:
            path = directory / f"policy{suffix}"
            _write(path, payload)
            return load_policy(path)

        return read

    def policy_object(payload: Payload) -> object:
        suffix, text = payload
        environ = {"SGC_POLICY": f"s3://policies/policy{suffix}", "SGC_EXTERNAL_ID": "ext-0"}
        configs = ConfigManager(None, _TextObject(_text(text)).source, environ=environ, local=True)
        return configs.get()

    def snapshot_file(suffix: str) -> Callable[[Payload], object]:
        def read(payload: Payload) -> object:
            path = directory / f"snapshot{suffix}"
            _write(path, payload)
            return evaluate(policy, read_input(str(path)), today=TODAY)  # what `sgc scan` does

        return read

    def backup_file(payload: Payload) -> object:
        _write(directory / "backups" / GROUP / f"{BACKUP_ID}.json", payload)
        return LocalBackupStore(directory / "backups").load(BACKUP_ID)

    def backup_object(payload: Payload) -> object:
        key = f"backups/{GROUP}/{BACKUP_ID}.json"
        return S3BackupStore(BodyS3({key: _bytes(payload)}), "b").load(BACKUP_ID)  # type: ignore[arg-type]

    def receipt_file(payload: Payload) -> object:
        store = LocalBackupStore(directory / "backups")
        _write(directory / "backups" / "receipts" / GROUP / f"{BACKUP_ID}.json", payload)
        store.receipts(GROUP)  # a listing leaves an unreadable receipt out: never raises
        return store.receipt(BACKUP_ID)

    def receipt_object(payload: Payload) -> object:
        key = f"backups/receipts/{GROUP}/{BACKUP_ID}.json"
        store = S3BackupStore(BodyS3({key: _bytes(payload)}), "b")  # type: ignore[arg-type]
        store.receipts(GROUP)
        return store.receipt(BACKUP_ID)

    def lambda_input(payload: Payload) -> object:
        return _invoke(the_world, payload)

    snapshots = snapshot_seeds()
    events = [fixture(name) for name in EVENT_FIXTURES]
    operators = [fixture(name) for name in OPERATOR_FIXTURES]
    event_limits = Limits("event", 6 * 1024 * 1024, 32, 1_000_000)

    def documents(
        seeds: list[Any], fmt: str, limits: Limits
    ) -> Callable[[random.Random], Iterator[Shaped]]:
        return lambda rng: document_inputs(rng, seeds, fmt, limits)

    def tagged(suffix: str, stream: Iterator[Shaped]) -> Iterator[Shaped]:
        return ((shape, (suffix, payload)) for shape, payload in stream)

    def objects(rng: random.Random) -> Iterator[Shaped]:
        return _alternating(
            lambda: tagged(".json", document_inputs(rng, POLICY_SEEDS, "json", POLICY_LIMITS)),
            lambda: tagged(".yaml", document_inputs(rng, POLICY_SEEDS, "yaml", POLICY_LIMITS)),
        )

    def lambda_inputs(rng: random.Random) -> Iterator[Shaped]:
        return _alternating(
            lambda: value_inputs(rng, events),
            lambda: value_inputs(rng, events),
            lambda: _in_sqs(document_inputs(rng, [*events, _work_item()], "json", event_limits)),
        )

    policies, backups, receipts = POLICY_LIMITS, BACKUP_LIMITS, RECEIPT_LIMITS
    return [
        Kind("policy file (JSON)", documents(POLICY_SEEDS, "json", policies), policy_file(".json")),
        Kind("policy file (YAML)", documents(POLICY_SEEDS, "yaml", policies), policy_file(".yaml")),
        Kind("policy object (S3)", objects, policy_object),
        Kind(
            "snapshot file (JSON)",
            documents(snapshots, "json", SNAPSHOT_LIMITS),
            snapshot_file(".json"),
        ),
        Kind(
            "snapshot file (YAML)",
            documents(snapshots, "yaml", SNAPSHOT_LIMITS),
            snapshot_file(".yml"),
        ),
        Kind("Lambda event", lambda_inputs, lambda_input),
        Kind("operator request", lambda rng: value_inputs(rng, operators), lambda_input),
        Kind("backup file", documents([backup_seed()], "json", backups), backup_file),
        Kind("backup object (S3)", documents([backup_seed()], "json", backups), backup_object),
        Kind("receipt file", documents([receipt_seed()], "json", receipts), receipt_file),
        Kind("receipt object (S3)", documents([receipt_seed()], "json", receipts), receipt_object),
    ]


def _work_item() -> dict[str, Any]:
    return {
        "kind": "sgc.work_item", "version": 1, "account_id": MEMBER, "region": REGION,
        "sweep_id": "sweep-20261127T020000Z-4f2a9c1e", "issued_at": "2026-11-27T02:00:01+00:00",
    }  # fmt: skip


def _in_sqs(stream: Iterator[Shaped]) -> Iterator[Shaped]:
    """Each text as the body of an SQS record (with a valid record beside it)."""
    valid = json.dumps(_work_item())
    for shape, payload in stream:
        body = _text(payload) if not isinstance(payload, Sparse) else "x" * (2 * 1024 * 1024)
        records = [
            {"messageId": f"m-{i}", "eventSource": "aws:sqs", "body": text}
            for i, text in enumerate((body, valid))
        ]
        yield f"{shape} (SQS body)" if shape != OVERSIZE else shape, {"Records": records}


def _invoke(the_world: World, event: object) -> object:
    """What the Lambda does with `event`: classify it, read each SQS record, handle it."""
    found = classify(event)
    if isinstance(found, Rejected) and found.reason_code is RejectCode.PARSER_FAULT:
        raise ParserFaultError(found.message)
    refused: Refused | None = None
    if isinstance(found, SqsBatch):
        for record in found.records:
            payload = record_payload(record)
            if isinstance(payload, BadRecord) and payload.reason_code is RejectCode.PARSER_FAULT:
                raise ParserFaultError(payload.message)
            if isinstance(payload, BadRecord) and refused is None:
                # the batch is handled; this record is refused (and not delivered again)
                message = f"record {payload.message_id}: {payload.message}"
                refused = Refused(payload.reason_code.value, message)
    the_world.app.handle(event)
    if isinstance(found, Rejected):
        return Refused(found.reason_code.value, found.message)
    return refused or found


# --- running -----------------------------------------------------------------------------------


def run(kind: Kind, count: int, seed: int, tally: Tally) -> None:
    """`count` inputs of `kind` from `seed`, each run plain (timed) and traced (memory)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # rejected input is logged: not what is measured
    try:
        for index, (shape, payload) in enumerate(inputs(kind, seed, count)):
            _run_one(kind, shape, payload, f"{kind.name}/{seed}/{index}", tally)
    finally:
        logging.disable(previous)


def inputs(kind: Kind, seed: int, count: int) -> Iterator[Shaped]:
    """The inputs of one campaign, the same on every run: `name/seed/index` in a failure
    names one, `list(inputs(kind, seed, index + 1))[-1]` makes it again."""
    return islice(kind.inputs(random.Random(f"{kind.name}/{seed}")), count)


def _run_one(kind: Kind, shape: str, payload: Payload, name: str, tally: Tally) -> None:
    timed = bounded(lambda: kind.read(payload))
    tracemalloc.start()
    try:
        traced = bounded(lambda: kind.read(payload))
    finally:
        tracemalloc.stop()
    where = f"{name} [{shape}]"
    outcome, message, said = _judge(timed)
    failures = len(tally.tracebacks) + len(tally.hangs) + len(tally.over_memory)
    failures += len(tally.unclear)
    if outcome == FAILED:
        tally.tracebacks.append(f"{where}: {message}")
    elif said is not None and (not said.strip() or len(_unrooted(said)) > MAX_MESSAGE):
        unclear = f"{where}: {len(said)} characters: {said[:160]!r}"
        if _known(timed.error):
            tally.known.append(unclear)
        else:
            tally.unclear.append(unclear)
    if timed.over_time:
        tally.hangs.append(f"{where}: {timed.seconds:.2f} s CPU ({timed.wall_seconds:.2f} s wall)")
    if traced.over_memory:
        tally.over_memory.append(f"{where}: {traced.peak_bytes / 1e6:.0f} MB")
    failed = failures < len(tally.tracebacks) + len(tally.hangs) + len(tally.over_memory) + len(
        tally.unclear
    )
    tally.count(kind.name, shape, outcome, timed, traced, failed)
    if message is not None:
        examples = tally.shapes[kind.name][shape]["examples"]
        if len(examples) < EXAMPLES and message not in examples:
            examples.append(message[:300])


def _judge(measured: Measured) -> tuple[str, str | None, str | None]:
    """(outcome, what the user sees, the message alone) of one run."""
    error, value = measured.error, measured.value
    if measured.overrun is not None:
        return FAILED, f"stopped by the watchdog: {_OVERRUNS[measured.overrun]}", None
    if error is None:
        if isinstance(value, Refused):
            return CLEAN, f"rejected ({value.code}): {value.message}", value.message
        return ACCEPTED, None, None
    if isinstance(error, SgcError) and error.code.startswith("SGC") and error.hint:
        return CLEAN, f"{error} (hint: {error.hint}) [{error.code}]", str(error)
    trace = "".join(traceback.format_exception(error)[-3:]).strip().replace("\n", " | ")
    return FAILED, f"{type(error).__name__}: {trace[:600]}", None


_OVERRUNS = {
    "time": f"{HARD_SECONDS:.0f} s of CPU time",
    "wall": f"no answer in {HARD_WALL_SECONDS:.0f} s",
    "memory": f"past {HARD_BYTES / 1e6:.0f} MB",
}


# Failures whose fix lies outside the readers of issue #13 (reported to their owners): policy
# problems written outside problems.py quote the value or key whole, up to the 4 MiB of the
# policy. problems.py bounds its own quotes (`quote`), which these could use.
KNOWN_UNCLEAR = (
    "semantics.py, compose.py and loader.py quote a policy's value or key whole in a problem"
)
# The messages of those problems (the first problem is what a PolicyError says).
_UNBOUNDED = re.compile(
    r"port range '|'.*' is not (?:a port or port range|world, public or a CIDR|a valid CIDR"
    r"|a valid date)|unknown built-in pack '|duplicate (?:check|exemption) id '"
    r"|check id '.*' is (?:reserved|already defined)"
    r"|no check '.*' in (?:the base packs|this policy)"
    r"|key .* is [a-z ]+, not a string$",
    re.DOTALL,
)


def _known(error: BaseException | None) -> bool:
    """Whether an overlong message is a known one: the first problem of a PolicyError (or of
    the PolicyError an S3 policy object's ConfigError came from) written outside problems.py."""
    cause = error.__cause__ if error is not None else None
    policy_error = error if isinstance(error, PolicyError) else cause
    if not isinstance(policy_error, PolicyError) or not policy_error.problems:
        return False
    return _UNBOUNDED.match(policy_error.problems[0][1]) is not None


def _unrooted(message: str) -> str:
    """The message without the test's temporary directory (its length is pytest's doing)."""
    return _TMP.sub("DIR", message)


_TMP = re.compile(r"/tmp/pytest-of-[^/]+/pytest-\d+/(?:popen-gw\d+/)?[^/:]+")
