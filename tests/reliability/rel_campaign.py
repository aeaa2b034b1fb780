"""One randomized fault schedule: remediate and roll back an estate through the fault proxy.

Per schedule (seed): build the estate; remediate with faults on; check; re-run with faults off
(a new process); check, and compare with the fault-free run; roll back every backup with faults
on; roll back again with faults off; the estate must be exactly the original again. Whatever a
fault stops is reported as the failed run it would be (an `SgcError` out of the command).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rel_oracles import (
    backup_before_revoke,
    kept_rules,
    restored,
    revoked_rules_backed_up,
    same_outcome,
)
from rel_wiring import backup_store, create_bucket, proxied_runtime

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.engine.policy import Policy
from sgcompliance.errors import AwsApiError, SgcError
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.remediator import RemediationSettings
from sgcompliance.remediation.rollback import RollbackService
from support.faults.proxy import FaultProxy
from support.faults.schedule import NO_FAULTS, FaultKind, FaultSchedule
from support.live_estate import MEMBERS, Estate, State, build_estate, estate_policy, read_state
from support.live_runs import remediate

MODES = (Mode.REMOVE, Mode.EMERGENCY)
ACCOUNTS = MEMBERS[:1]
FAULT_RATE = 0.03
MAX_BURST = 4  # with 3 attempts per call, a burst of 3 or 4 reaches the product
ROLLBACK_SALT = 1_000_003


@dataclass(slots=True)
class ScheduleOutcome:
    seed: int
    mode: Mode
    violations: list[str] = field(default_factory=list)
    # "phase: operation aws-code" -> how many runs a fault stopped that way
    stopped_by: Counter[str] = field(default_factory=Counter)
    revoked: int = 0
    restored: int = 0
    injected: Counter[FaultKind] = field(default_factory=Counter)

    def check(self, phase: str, problems: list[str]) -> None:
        self.violations.extend(f"seed {self.seed} {phase}: {p}" for p in problems)


def schedule_for(seed: int) -> FaultSchedule:
    return FaultSchedule(seed=seed, rate=FAULT_RATE, max_burst=MAX_BURST)


@dataclass(slots=True)
class Campaign:
    """The session's server (`fresh` empties it) and the proxy in front of it."""

    fresh: Callable[[], str]
    proxy: FaultProxy
    _expected: dict[Mode, State] = field(default_factory=dict)
    _audit: Runtime | None = None

    def estate(self) -> tuple[Estate, Policy]:
        self.proxy.clear()
        estate = build_estate(self.fresh(), accounts=ACCOUNTS)
        create_bucket(self.audit(estate))
        return estate, estate_policy(estate)

    def audit(self, estate: Estate) -> Runtime:
        """The oracle's own runtime: straight to the server, never faulted nor recorded."""
        if self._audit is None:
            self._audit = proxied_runtime(estate, estate.endpoint, purpose="audit")
        return self._audit

    def expected(self, mode: Mode) -> State:
        """The estate after a fault-free run of `mode` through the same proxy (built once)."""
        if mode not in self._expected:
            estate, policy = self.estate()
            self.remediate(estate, policy, mode)
            self._expected[mode] = read_state(estate)
        return self._expected[mode]

    def remediate(self, estate: Estate, policy: Policy, mode: Mode) -> None:
        runtime = proxied_runtime(estate, self.proxy.endpoint, purpose="remediate")
        settings = RemediationSettings(mode)
        remediate(estate, policy, settings, backup_store(runtime), runtime=runtime)

    def roll_back(self, estate: Estate) -> tuple[int, bool]:
        """(rules restored, every rollback verified), newest backup first per group, as an
        operator rolling back everything would: every backup whose receipt says rules were
        revoked under it (one without a receipt revoked nothing)."""
        runtime = proxied_runtime(estate, self.proxy.endpoint, purpose="rollback")
        store = backup_store(runtime)
        service = RollbackService(store)
        count, verified = 0, True
        used = [b for b in store.list() if (r := store.receipt(b)) is not None and r.revoked]
        for backup_id in sorted(used, reverse=True):
            outcome = service.rollback(backup_id, runtime.gateway, dry_run=False)
            count += outcome.restored
            verified = verified and outcome.verified
        return count, verified

    def run(self, seed: int) -> ScheduleOutcome:
        mode = MODES[seed % len(MODES)]
        expected = self.expected(mode)
        estate, policy = self.estate()
        original = read_state(estate)
        out = ScheduleOutcome(seed, mode)
        remediated = self._remediation(out, estate, policy, (original, expected))
        final = self._rollback(out, estate, (original, expected))
        out.check("call order", backup_before_revoke(self.proxy.delivered, self._store(estate)))
        out.injected = Counter(self.proxy.injected)
        # Counted on the server's state, not on what the runs said they did.
        for key, group in original.items():
            gone = group.lines - remediated[key].lines
            out.revoked += len(gone)
            out.restored += len(gone & final[key].lines)
        return out

    def _remediation(
        self, out: ScheduleOutcome, estate: Estate, policy: Policy, states: tuple[State, State]
    ) -> State:
        """Remediate with faults, check; again without, check and compare: the end state."""
        expected = states[1]
        self.proxy.follow(schedule_for(out.seed))
        self._faulty(out, "remediate", lambda: self.remediate(estate, policy, out.mode))
        self.proxy.follow(NO_FAULTS)
        self._check_remediated(out, "after the faulty run", states, estate)
        self.remediate(estate, policy, out.mode)
        remediated = self._check_remediated(out, "after the clean re-run", states, estate)
        out.check("after the clean re-run", same_outcome(expected, remediated))
        return remediated

    def _rollback(self, out: ScheduleOutcome, estate: Estate, states: tuple[State, State]) -> State:
        """Roll everything back with faults, then without: the state it ends in."""
        self.proxy.follow(schedule_for(out.seed + ROLLBACK_SALT))
        self._faulty(out, "rollback", lambda: self.roll_back(estate))
        self.proxy.follow(NO_FAULTS)
        if not self.roll_back(estate)[1]:
            out.check("clean rollback", ["a rollback did not verify"])
        final = read_state(estate)
        out.check("after the clean rollback", restored(*states, final))
        return final

    def _store(self, estate: Estate) -> BackupStore:
        return backup_store(self.audit(estate))

    def _faulty(self, out: ScheduleOutcome, phase: str, step: Callable[[], object]) -> None:
        """A command run under faults: an SgcError is its failing exit, anything else a bug."""
        try:
            step()
        except SgcError as exc:
            out.stopped_by[f"{phase}: {stop_reason(exc)}"] += 1

    def _check_remediated(
        self, out: ScheduleOutcome, phase: str, states: tuple[State, State], estate: Estate
    ) -> State:
        original, expected = states
        now = read_state(estate)
        out.check(phase, kept_rules(original, expected, now))
        out.check(phase, revoked_rules_backed_up(original, now, self._store(estate)))
        return now


def stop_reason(exc: SgcError) -> str:
    """What stopped a run: the AWS operation and error code, when AWS said no."""
    cause = exc.__cause__ if isinstance(exc.__cause__, AwsApiError) else exc
    if isinstance(cause, AwsApiError):
        return f"{cause.operation} {cause.aws_code}"
    return type(exc).__name__
