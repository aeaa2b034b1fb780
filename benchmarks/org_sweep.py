"""The scheduled sweep of a whole organization, on paper: a simulated AWS in virtual time.

    .venv/bin/python benchmarks/org_sweep.py                     # check, then 1,000 x 17 x 100
    .venv/bin/python benchmarks/org_sweep.py --accounts 5000 --concurrency 40 --no-check

What it models is the real sweep (`events/sweep.py`, `events/batch.py`, the Terraform hub's
worker function): the dispatcher lists the accounts (Organizations, 20 per page) and the enabled
regions, and sends one work item per account x region, ten per SendMessageBatch, one call after
the other; the SQS event source hands the worker function batches of up to 5 items, at most
`--concurrency` at once (its reserved concurrency); a worker judges its items one after the
other, each with the calls the code makes (the judged read of `adapters/aws/judged_read.py`:
DescribeSecurityGroups by pages of 1,000 and one GetManagedPrefixListEntries per referenced
list; then, only where a group is flagged, their DescribeSecurityGroupRules rows, by a
`group-id` filter of up to 200 groups per call when that takes fewer calls than the region's
pages, and the network interfaces carrying them (one filtered call for up to 200 groups);
the member's AssumeRole once per container and account; in `flag_only` one audit record
(PutObject) per flagged group and one CreateTags per set of identical flag tags (the groups
flagged for the same checks), one sweep alert per batch). A new container
starts cold and loads the configuration (SSM, the S3 policy object; the hub account is in the
function's ARN).

AWS as modelled:
- EC2 throttles per account, per region and per API with token buckets; the defaults of the
  EC2 documentation's "Request throttling for the Amazon EC2 API" page
  (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): non-mutating
  (Describe*, Get*) bucket 100, refill 20 per second; mutating (CreateTags, Revoke*) bucket 50,
  refill 5 per second. A request finding its bucket empty is a throttle (RequestLimitExceeded)
  and is retried when the next token arrives.
- Latency per request: the `LATENCY` table below, a fixed part plus a part per item returned
  (assumptions, not measurements); CPU per item for parsing and judging (`CPU_PER_RULE`).
- The SQS event source adds up to `--ramp` concurrent invocations per minute (assumption).
- Lambda price: x86, `PRICE_GB_SECOND` per GB-second and `PRICE_PER_REQUEST` per invocation
  (the public list price in us-east-1 at the time of writing); memory 512 MB (the hub module).

Before the organization, `--check` (the default) runs the real sweep on the local AWS (a moto
server) at 2 accounts x 2 regions: the handler dispatches a sweep tick, then is invoked with the
work queue's messages in batches of 5, as Lambda would, and its own API call counter
(`ApiCallCounter`) is compared, operation by operation, with the model's count for the same
estate. The run stops if they differ: the figures below are only as good as that match.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import io
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ORG_ACCOUNTS, ORG_REGIONS, ORG_GROUPS = 1000, 17, 100
GOAL_SECONDS = 600.0
BATCH_SIZE = 5  # the worker's event source mapping (terraform/modules/hub/functions.tf)
SEND_BATCH = 10  # SendMessageBatch
ACCOUNTS_PAGE = 20  # Organizations ListAccounts
PAGE = 1000  # the EC2 Describe page size the reader asks for
FILTER_VALUES = 200  # group ids per filter (adapters/aws/ec2.py)
MEMORY_GB = 0.5
PRICE_GB_SECOND = 0.0000166667
PRICE_PER_REQUEST = 0.0000002
COLD_START = 1.0  # seconds: a new container's first call before its first request
CPU_PER_RULE = 0.0002  # seconds to parse and judge one rule
BUCKETS = {"non-mutating": (100.0, 20.0), "mutating": (50.0, 5.0)}
MUTATING = frozenset({"ec2:CreateTags", "ec2:RevokeSecurityGroupIngress",
                      "ec2:RevokeSecurityGroupEgress", "ec2:DeleteTags"})  # fmt: skip
# seconds: (per request, per item returned)
LATENCY: dict[str, tuple[float, float]] = {
    "ec2:DescribeSecurityGroups": (0.08, 0.0002),
    "ec2:DescribeSecurityGroupRules": (0.08, 0.0001),
    "ec2:DescribeNetworkInterfaces": (0.08, 0.0001),
    "ec2:GetManagedPrefixListEntries": (0.06, 0.0),
    "ec2:CreateTags": (0.12, 0.0),
    "ec2:DescribeRegions": (0.08, 0.0),
    "sts:AssumeRole": (0.12, 0.0),
    "sts:GetCallerIdentity": (0.05, 0.0),
    "s3:PutObject": (0.06, 0.0),
    "s3:GetObject": (0.04, 0.0),
    "ssm:GetParametersByPath": (0.04, 0.0),
    "sns:Publish": (0.03, 0.0),
    "sqs:SendMessageBatch": (0.025, 0.0),
    "organizations:ListAccounts": (0.15, 0.0),
}


@dataclass(frozen=True, slots=True)
class Estate:
    """What every account-region holds (the same in each)."""

    accounts: int
    regions: int
    groups: int  # the default group included
    rules: int
    flagged: int  # groups with a violation (flag_only: one audit record each)
    prefix_lists: int
    interfaces: int
    organization: bool = True  # accounts from Organizations, regions "all"
    # Rules of the flagged groups (their rows are read); by default their share of `rules`.
    flagged_rules: int | None = None
    # Distinct sets of checks among the flagged groups: one CreateTags each (`flag_only`); by
    # default every flagged group its own.
    flag_sets: int | None = None

    @property
    def tag_calls(self) -> int:
        return self.flagged if self.flag_sets is None else min(self.flag_sets, self.flagged)

    @property
    def rules_of_flagged(self) -> int:
        if self.flagged_rules is not None:
            return self.flagged_rules
        return round(self.rules * self.flagged / self.groups) if self.groups else 0


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    items: int = 0

    @property
    def seconds(self) -> float:
        fixed, per_item = LATENCY[self.operation]
        return fixed + per_item * self.items


def pages(items: int) -> list[int]:
    """Items per page of a Describe of `items` items (one empty page for none)."""
    return [min(PAGE, items - start) for start in range(0, items, PAGE)] or [0]


def config_calls() -> list[Call]:
    """A new container's configuration (SSM twice, the policy); its own account comes from the
    invocation's function ARN, not from STS."""
    return [*[Call("ssm:GetParametersByPath")] * 2, Call("s3:GetObject")]


def dispatch_calls(estate: Estate) -> list[Call]:
    items = estate.accounts * estate.regions
    listing: list[Call] = []
    if estate.organization:
        listing += [Call("organizations:ListAccounts")] * math.ceil(estate.accounts / ACCOUNTS_PAGE)
        listing.append(Call("ec2:DescribeRegions"))
    return listing + [Call("sqs:SendMessageBatch")] * math.ceil(items / SEND_BATCH)


def read_calls(estate: Estate) -> list[Call]:
    """One account-region's judged read (`adapters/aws/judged_read.read_judged`)."""
    calls = [
        *(Call("ec2:DescribeSecurityGroups", n) for n in pages(estate.groups)),
        *[Call("ec2:GetManagedPrefixListEntries", 1)] * estate.prefix_lists,
    ]
    if not estate.flagged:
        return calls
    return calls + rule_row_calls(estate) + interface_calls(estate)


def rule_row_calls(estate: Estate) -> list[Call]:
    """The flagged groups' rows: filtered by group id when that takes fewer calls than every
    page of the region (the rules spread evenly over the flagged groups)."""
    flagged, rules = estate.flagged, estate.rules_of_flagged
    chunks = [min(FILTER_VALUES, flagged - start) for start in range(0, flagged, FILTER_VALUES)]
    per_chunk = [round(rules * size / flagged) for size in chunks]
    filtered = [n for chunk in per_chunk for n in pages(chunk)]
    whole = pages(estate.rules)
    chosen = filtered if len(filtered) < len(whole) else whole  # a tie reads the whole region
    return [Call("ec2:DescribeSecurityGroupRules", n) for n in chosen]


def interface_calls(estate: Estate) -> list[Call]:
    """The interfaces carrying a flagged group: one filtered call for up to `FILTER_VALUES`
    groups (its pages), else every interface of the region."""
    # How many interfaces carry a flagged group is not modelled: at most one each.
    items = estate.interfaces
    if estate.flagged <= FILTER_VALUES:
        items = min(items, estate.flagged)
    return [Call("ec2:DescribeNetworkInterfaces", n) for n in pages(items)]


@dataclass
class Bucket:
    capacity: float
    refill: float
    tokens: float
    at: float = 0.0

    def take(self, now: float) -> float:
        """0 when a token was taken at `now`, else the wait until the next token."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.refill)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.refill


@dataclass
class World:
    """The simulated AWS: buckets per account, region and API; every request's time."""

    buckets: dict[tuple[str, str, str], Bucket] = field(default_factory=dict)
    requests: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[str] = field(default_factory=Counter)
    throttles: int = 0

    def call(self, now: float, call: Call, scope: tuple[str, str] | None = None) -> float:
        """The time `call`, sent at `now`, is answered (after retries of throttled tries)."""
        self.counts[call.operation] += 1
        if scope is not None and call.operation.startswith("ec2:"):
            kind = "mutating" if call.operation in MUTATING else "non-mutating"
            key = (*scope, call.operation)
            bucket = self.buckets.get(key)
            if bucket is None:
                capacity, refill = BUCKETS[kind]
                bucket = self.buckets[key] = Bucket(capacity, refill, capacity, now)
            while (wait := bucket.take(now)) > 0:
                self.throttles += 1
                self.requests[scope].append(now)
                now += wait
            self.requests[scope].append(now)
        return now + call.seconds


@dataclass(frozen=True, slots=True)
class Result:
    concurrency: int
    wall: float
    throttles: int
    peak_rate: int  # requests in the busiest second of any one account-region
    gb_seconds: float
    invocations: int
    cost: float
    counts: Counter[str]
    dispatch_counts: Counter[str]


def run_batch(
    world: World,
    estate: Estate,
    batch: list[tuple[str, str]],
    credentials: set[str],
    at: float,
    *,
    cold: bool,
) -> float:
    """One worker invocation (`events/batch.py`): its items one after the other (each read,
    judged, flagged, its records stored), then the sweep alert; the time it ends."""
    if cold:
        at += COLD_START
        for c in config_calls():
            at = world.call(at, c)
    for account, region in batch:
        if account not in credentials:
            credentials.add(account)
            at = world.call(at, Call("sts:AssumeRole"))
        for c in read_calls(estate):
            at = world.call(at, c, (account, region))
        at += CPU_PER_RULE * estate.rules
        for _ in range(estate.tag_calls):
            at = world.call(at, Call("ec2:CreateTags"), (account, region))
        for _ in range(estate.flagged):
            at = world.call(at, Call("s3:PutObject"))
    if estate.flagged:
        at = world.call(at, Call("sns:Publish"))
    return at


def peak_per_second(times: list[float]) -> int:
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def simulate(estate: Estate, concurrency: int, ramp: float = 60.0, warm: bool = False) -> Result:
    """The sweep in virtual time. `warm`: the workers share the dispatcher's container (the
    in-process check), so no cold start and no configuration load of their own."""
    world = World()
    now = COLD_START
    for c in config_calls():
        now = world.call(now, c)
    visible: deque[tuple[float, str, str]] = deque()
    scopes = [(f"{a:012d}", f"region-{r:02d}") for a in range(estate.accounts)
              for r in range(estate.regions)]  # fmt: skip
    sent = 0
    for c in dispatch_calls(estate):
        now = world.call(now, c)
        if c.operation == "sqs:SendMessageBatch":
            visible.extend((now, *s) for s in scopes[sent : sent + SEND_BATCH])
            sent += SEND_BATCH
    dispatch_counts = Counter(world.counts)
    gb_seconds = now * MEMORY_GB
    invocations = 1
    world.counts.clear()
    # Workers as (free at, container number); a container keeps its credentials per account.
    start = visible[0][0] if visible else now
    free: list[tuple[float, int]] = []
    credentials: list[set[str]] = []
    end = now
    while visible:
        first = visible[0][0]
        started = len(credentials)
        # The event source starts 5 pollers and adds `ramp` a minute, up to the concurrency.
        grown = start + max(0.0, (started + 1 - 5) * 60.0 / ramp)
        cold = started < concurrency and (not free or max(first, grown) < free[0][0])
        if cold:
            at, worker = max(first, grown), started
            credentials.append(set())
        else:
            at, worker = heapq.heappop(free)
            at = max(at, first)
        batch = [visible.popleft()]
        while visible and len(batch) < BATCH_SIZE and visible[0][0] <= at:
            batch.append(visible.popleft())
        began = at
        at = run_batch(world, estate, [(a, r) for _, a, r in batch], credentials[worker], at,
                       cold=cold and not warm)  # fmt: skip
        gb_seconds += math.ceil((at - began) * 1000) / 1000 * MEMORY_GB
        invocations += 1
        end = max(end, at)
        heapq.heappush(free, (at, worker))
    peak = max((peak_per_second(t) for t in world.requests.values()), default=0)
    cost = gb_seconds * PRICE_GB_SECOND + invocations * PRICE_PER_REQUEST
    return Result(concurrency, end, world.throttles, peak, gb_seconds, invocations, cost,
                  world.counts, dispatch_counts)  # fmt: skip


def least_concurrency(estate: Estate, ramp: float, limit: float = GOAL_SECONDS) -> Result | None:
    """The smallest reserved concurrency (2 to 1,000) whose sweep ends within `limit` seconds
    without a throttle, by bisection (more workers never make this sweep slower)."""
    low, high = 2, 1000
    best = simulate(estate, high, ramp)
    if best.wall > limit or best.throttles:
        return None
    while low < high:
        middle = (low + high) // 2
        found = simulate(estate, middle, ramp)
        if found.wall <= limit and not found.throttles:
            high, best = middle, found
        else:
            low = middle + 1
    return best


# --- the real sweep at small scale ----------------------------------------------------------

CHECK_POLICY = {
    "version": "1", "id": "sweep-bench", "extends": "builtin:strict",
    "overrides": {"SGC-DESCRIPTION": {"enabled": False}},
}  # fmt: skip
# Kinds of group (index % 10) of benchmarks/live_estate.py that builtin:strict flags: SSH or
# RDP from the world, SSH from a world prefix list (SMTP egress is no check of the pack).
STRICT_FLAGGED = frozenset({0, 1, 2, 4})
# The check sets builtin:strict flags there: SSH from the world (kinds 0, 1 and 4, the last
# through a prefix list), RDP from ::/0 (kind 2), and the default group's.
CHECK_FLAG_SETS = 3
ESTATE_RULES = {0: 3, 1: 3, 2: 3, 3: 3, 4: 2}  # rules per group kind; other kinds: 4


def check_estate(groups: int) -> Estate:
    """The estate `live_estate.build_scope` makes, as the model counts it (the default group
    with its two stock rules included, flagged by the default-group check)."""
    flagged = sum(1 for i in range(groups) if i % 10 in STRICT_FLAGGED) + 1
    rules = sum(ESTATE_RULES.get(i % 10, 4) for i in range(groups)) + 2
    flagged_rules = sum(ESTATE_RULES[i % 10] for i in range(groups) if i % 10 in STRICT_FLAGGED)
    return Estate(2, 2, groups + 1, rules, flagged, 2, 0, organization=False,
                  flagged_rules=flagged_rules + 2, flag_sets=CHECK_FLAG_SETS)  # fmt: skip


def real_sweep(groups: int) -> tuple[Counter[str], Counter[str]]:
    """(dispatcher's calls, workers' calls) of the real handler on the local AWS."""
    from live_estate import FAKE_ENV, build_scope

    os.environ.update(FAKE_ENV)
    from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer
    from sgcompliance.entrypoints import handler as entry
    from sgcompliance.entrypoints.bootstrap import local_clients
    from sgcompliance.local.pipeline.hub import HubSettings, create_hub
    from sgcompliance.local.pipeline.worker import LambdaContext, environment, handler_environment
    from sgcompliance.local.seed.organization import demo_role
    from sgcompliance.local.server.moto_server import start

    with tempfile.TemporaryDirectory(prefix="sgc-org-sweep-") as work:
        server = start(Path(work) / "moto.log")
        try:
            factory = local_clients(server.endpoint)
            org = factory.organizations()
            org.create_organization(FeatureSet="ALL")
            accounts = tuple(
                org.create_account(Email=f"member{i}@example.org", AccountName=f"member{i}")[
                    "CreateAccountStatus"
                ]["AccountId"]
                for i in range(2)
            )
            regions = ("us-east-1", "eu-west-1")
            role = demo_role()
            settings = HubSettings(
                accounts=accounts, regions=regions, external_id=role.external_id or "",
                role_name=role.role_name, mode="flag_only", policy_document=CHECK_POLICY,
            )  # fmt: skip
            hub = create_hub(factory, settings)
            clients = AccountClients(factory, RoleAssumer(factory.sts(), role))
            for account in accounts:
                for region in regions:
                    build_scope(clients.ec2(account, region), groups)
            env = handler_environment(
                server.endpoint, hub.region, hub.parameter_path, "org-sweep", hub.work_queue_url
            )
            tick = {
                "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                "source": "aws.events", "account": hub.account_id, "time": "2026-01-01T00:00:00Z",
                "region": hub.region, "resources": [], "detail": {},
            }  # fmt: skip
            # As Lambda gives it: the function's ARN names the hub account, which the handler
            # takes from there instead of asking STS.
            arn = f"arn:aws:lambda:{hub.region}:{hub.account_id}:function:sgcompliance-worker"
            context = LambdaContext("sweep", time.monotonic() + 300, arn)
            with environment(env), contextlib.redirect_stdout(io.StringIO()):
                entry.handler(tick, context)
                counter = entry.current_wiring().counter
                dispatched = Counter(counter.snapshot().calls)
                counter.reset()
                sqs = factory.client("sqs")
                messages: list[dict[str, Any]] = []
                while found := sqs.receive_message(
                    QueueUrl=hub.work_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300
                ).get("Messages", []):
                    messages.extend(found)
                for start_at in range(0, len(messages), BATCH_SIZE):
                    entry.handler(sqs_event(messages[start_at : start_at + BATCH_SIZE]), context)
                worked = Counter(counter.snapshot().calls)
            entry.use_wiring(None)
            return dispatched, worked
        finally:
            server.stop()


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What Lambda's SQS event source hands the function."""
    return {"Records": [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"}
        for m in messages
    ]}  # fmt: skip


def check(groups: int) -> bool:
    estate = check_estate(groups)
    model = simulate(estate, 1, warm=True)
    expected_dispatch = Counter(c.operation for c in config_calls() + dispatch_calls(estate))
    real_dispatch, real_work = real_sweep(groups)
    print(f"== check: the real sweep on the local AWS, 2 accounts x 2 regions x {groups} groups "
          f"(flag_only), against the model")  # fmt: skip
    ok = True
    for label, real, modelled in (
        ("dispatcher", real_dispatch, expected_dispatch),
        ("workers", real_work, model.counts),
    ):
        for operation in sorted(set(real) | set(modelled)):
            same = real[operation] == modelled[operation]
            ok &= same
            print(f"  {'same' if same else 'DIFFERS':<8} {label:<10} {operation:<36} "
                  f"real {real[operation]:>4}  model {modelled[operation]:>4}")  # fmt: skip
    return ok


def report(estate: Estate, concurrency: int, ramp: float) -> None:
    items = estate.accounts * estate.regions
    print(f"\n== {estate.accounts:,} accounts x {estate.regions} regions x {estate.groups} groups "
          f"({items:,} work items; per account-region {estate.rules} rules, "
          f"{estate.flagged} flagged groups, {estate.prefix_lists} prefix lists, "
          f"{estate.interfaces} network interfaces)")  # fmt: skip
    per_item = Counter(c.operation for c in read_calls(estate))
    print("  calls per work item: " + ", ".join(f"{o} {n}" for o, n in sorted(per_item.items()))
          + f", s3:PutObject {estate.flagged}, ec2:CreateTags {estate.tag_calls}")  # fmt: skip
    for r in (simulate(estate, concurrency, ramp), least_concurrency(estate, ramp)):
        if r is None:
            print(f"  no reserved concurrency up to 1,000 ends within {GOAL_SECONDS:.0f} s")
            continue
        print(f"  reserved concurrency {r.concurrency}: sweep {r.wall:,.0f} s "
              f"({r.wall / 60:.1f} min), {r.throttles} throttles, busiest account-region "
              f"{r.peak_rate} requests in one second, {sum(r.counts.values()):,} requests "
              f"(+{sum(r.dispatch_counts.values()):,} dispatching), {r.invocations:,} "
              f"invocations, {r.gb_seconds:,.0f} GB-s, ${r.cost:.2f}")  # fmt: skip
    found = least_concurrency(estate, ramp)
    goal = (
        f"PASS  least reserved concurrency ending within {GOAL_SECONDS / 60:.0f} minutes "
        f"without a throttle: {found.concurrency}"
        if found
        else "BELOW  none found"
    )
    print(f"  {goal}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=ORG_ACCOUNTS)
    parser.add_argument("--regions", type=int, default=ORG_REGIONS)
    parser.add_argument("--groups", type=int, default=ORG_GROUPS, help="per account-region, "
                        "the default group included")  # fmt: skip
    parser.add_argument("--rules-per-group", type=float, default=4.0)
    parser.add_argument("--flagged", type=int, default=3, help="flagged groups per account-region")
    parser.add_argument(
        "--flag-sets",
        type=int,
        default=None,
        help="distinct check sets "
        "among them (one CreateTags each); default: as many as flagged groups",
    )
    parser.add_argument("--prefix-lists", type=int, default=2)
    parser.add_argument("--interfaces", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=5, help="the hub module's default")
    parser.add_argument(
        "--ramp", type=float, default=60.0,
        help="concurrent invocations the SQS event source adds per minute",
    )  # fmt: skip
    parser.add_argument("--check-groups", type=int, default=20)
    parser.add_argument("--no-check", dest="check", action="store_false")
    args = parser.parse_args(argv)
    if args.check and not check(args.check_groups):
        print("the model does not count what the real sweep does: no organization figures")
        return 1
    estate = Estate(args.accounts, args.regions, args.groups,
                    round(args.groups * args.rules_per_group), args.flagged, args.prefix_lists,
                    args.interfaces, flag_sets=args.flag_sets)  # fmt: skip
    report(estate, args.concurrency, args.ramp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
