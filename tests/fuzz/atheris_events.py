"""Coverage-guided fuzzing of every untrusted-input reader with atheris (`make fuzz-atheris`).

Each input is decoded as JSON where it can be and handed to the event classifier, the SQS
record reader, the work-item parser, the snapshot reader and the policy loader. A reader may
refuse (a rejection value or an SgcError); any other exception is a crash atheris reports.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import atheris

with atheris.instrument_imports():
    from sgcompliance.errors import SgcError
    from sgcompliance.events.classify import (
        RejectCode,
        Rejected,
        SqsRecord,
        classify,
        record_payload,
    )
    from sgcompliance.events.work_items import parse_work_item
    from sgcompliance.policy.loader import parse_policy
    from sgcompliance.sources.documents import parse_yaml
    from sgcompliance.sources.snapshot import read_snapshots


def _document(data: bytes) -> Any:
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def test_one_input(data: bytes) -> None:
    doc = _document(data)
    found = classify(doc)
    if isinstance(found, Rejected) and found.reason_code is RejectCode.PARSER_FAULT:
        raise AssertionError(f"a reader raised on the input: {found.message}")
    record_payload(SqsRecord("m-1", doc if isinstance(doc, str) else json.dumps(doc), 1))
    if isinstance(doc, dict):
        parse_work_item(doc)
    for reader in (read_snapshots, lambda d: parse_policy(d, "fuzz")):
        with contextlib.suppress(SgcError):
            reader(doc)
    if isinstance(doc, str):
        with contextlib.suppress(SgcError):
            parse_policy(parse_yaml(doc, "fuzz.yaml"), "fuzz.yaml")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
