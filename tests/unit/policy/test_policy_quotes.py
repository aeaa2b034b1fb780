"""Every problem quoting a value of the document quotes at most QUOTE_CHARS of it: a message
stays one short line however long the value (up to the policy's 4 MiB)."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.errors import PolicyError
from sgcompliance.policy.loader import load_policy, validate_document
from sgcompliance.policy.problems import QUOTE_CHARS
from sgcompliance.policy.semantics import document_problems

LONG = "A" * 100_000
SSH = {"protocols": ["tcp"], "ports": "22"}
# A message is the quote (the start of the value, its size) and a few words around it.
MOST = QUOTE_CHARS + 160


def _check(check_id: str = "C1", **keys: Any) -> dict[str, Any]:
    return {"id": check_id, "type": "restricted_ports", "severity": "high", "ports": [SSH], **keys}


def _doc(**keys: Any) -> dict[str, Any]:
    return {"version": "1", "id": "p", "checks": [_check()], **keys}


def _exemption(**keys: Any) -> dict[str, Any]:
    return {"id": "E", "owner": "o", "reason": "r", "match": {"checks": ["C1"]}, **keys}


DOCUMENTS = {
    "unknown pack": _doc(extends=f"builtin:{LONG.lower()}"),
    "duplicate check id": _doc(checks=[_check(LONG), _check(LONG)]),
    "source word": _doc(checks=[_check(sources=[LONG])]),
    "source CIDR": _doc(checks=[_check(sources=[f"{LONG}/8"])]),
    "allowed CIDR": _doc(checks=[_check(allowed_peers=[f"1.2.3.{LONG}/8"])]),
    "port text": _doc(checks=[_check(ports=[{"protocols": ["tcp"], "ports": "9" * 5000}])]),
    "expiry": _doc(exemptions=[_exemption(expires=LONG)]),
    "duplicate exemption id": _doc(exemptions=[_exemption(id=LONG), _exemption(id=LONG)]),
    "override of an unknown check": {
        "version": "1", "id": "p", "extends": "builtin:aws-fsbp",
        "overrides": {f"X{LONG}": {"enabled": False}},
    },
    "exemption naming an unknown check": _doc(
        exemptions=[_exemption(match={"checks": [f"X{LONG}"]})]
    ),
    "check id of a base pack": {
        "version": "1", "id": "p", "extends": "builtin:aws-fsbp", "checks": [_check("EC2.19")],
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_problem_message_is_short(name: str) -> None:
    problems = validate_document(DOCUMENTS[name], "t") + document_problems(DOCUMENTS[name], [])
    assert problems
    for _, message, hint in problems:
        assert len(message) <= MOST, (name, message[:200])
        assert len(hint) <= MOST + 400, (name, hint[:200])


def test_an_unknown_pack_named_on_the_command_line_is_quoted_short() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(f"builtin:{LONG}")
    ((_, message, _),) = info.value.problems
    assert len(message) <= MOST
    assert "(100,008 characters)" in message
