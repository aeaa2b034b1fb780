"""The input campaign (issue #13): every kind of document and input the tool reads, given
generated and mutated bad inputs of every class, each under a time bound (1 s) and a memory
bound (200 MB, tracemalloc peak): each ends in acceptance or a clean error (an SgcError with a
code and a hint; for Lambda input a rejection with its reason code), never a traceback, a hang
or a memory blow-up. See support/input_campaign.py and support/hostile_inputs.py.

Size: SGC_FUZZ_CAMPAIGN inputs in all (3,000 in `make test`; `make reliability` runs 100,000),
split evenly over the kinds of input and in shards of at most 2,000 inputs, so that the
workers share them. The figures are printed at the end of the run (tests/fuzz/conftest.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.errors import PolicyError
from sgcompliance.policy.loader import parse_policy, validate_document
from support.bounded_run import bounded, tracing
from support.input_campaign import KIND_NAMES, Tally, kinds, run
from support.pipeline_world import open_ssh_group, world

TOTAL = int(os.environ.get("SGC_FUZZ_CAMPAIGN", "3000"))
SHARD = 2000


def shards() -> list[Any]:
    params = []
    per_kind, extra = divmod(TOTAL, len(KIND_NAMES))
    for index, name in enumerate(KIND_NAMES):
        count = per_kind + (1 if index < extra else 0)
        parts = max(1, -(-count // SHARD))
        for shard in range(parts):
            size = count // parts + (1 if shard < count % parts else 0)
            params.append(pytest.param(name, shard, size, id=f"{name}-{shard}"))
    return params


@pytest.mark.parametrize(("kind_name", "shard", "count"), shards())
def test_every_bad_input_ends_in_acceptance_or_a_clean_error(
    kind_name: str,
    shard: int,
    count: int,
    tmp_path: Path,
    record_property: Any,
) -> None:
    # GIVEN one kind of input and `count` bad inputs of every class for it
    kind = {k.name: k for k in kinds(tmp_path, world(open_ssh_group()))}[kind_name]
    tally = Tally()
    # WHEN each is read as the tool reads it, timed and measured
    run(kind, count, shard, tally)
    record_property("input_campaign", json.dumps(tally.to_dict()))
    # THEN each was accepted or refused cleanly, within the time and memory bounds
    assert tally.inputs == count
    assert tally.failures == 0, "\n".join(tally.table())


# Found by the campaign; the fix is in the policy validator (policy/problems.py), not in the
# readers. Each test fails while the problem is there, and turns this file red (strict) once
# it is fixed, so that the campaign's KNOWN list in support/input_campaign.py is emptied too.


@pytest.mark.xfail(
    strict=True,
    reason="policy/problems.py schema_problems drops repeated problems with a list search "
    "(quadratic): an 8 KB policy with 4,000 misplaced checks takes 35 s",
)
def test_a_policy_with_thousands_of_problems_is_judged_within_a_second() -> None:
    # GIVEN a policy whose checks are 4,000 numbers (8 KB of JSON, well within every limit)
    doc = {"version": "1", "id": "x", "extends": "builtin:strict", "checks": [1] * 4000}
    # WHEN validated (stopped at 1.5 s)  THEN within the bound of issue #13
    with tracing():
        measured = bounded(lambda: validate_document(doc, "p.json"), hard_seconds=1.5)
    assert measured.overrun is None
    assert measured.seconds < 1


@pytest.mark.xfail(
    strict=True,
    reason="policy/problems.py quotes a misplaced value whole in the problem's message",
)
@pytest.mark.parametrize(
    "changes",
    [
        {"id": "\n" * 10_000},  # a pattern the value does not match: the value is quoted
        {"extends": "{" * 10_000},
        {"k" * 10_000: 1},  # an unknown key: the path quotes it
    ],
)
def test_a_policy_problem_does_not_quote_a_huge_value_whole(changes: dict[str, Any]) -> None:
    doc = {"version": "1", "id": "x", "extends": "builtin:strict", **changes}
    with pytest.raises(PolicyError) as refused:
        parse_policy(doc, "p.json")
    assert len(str(refused.value)) <= 400
