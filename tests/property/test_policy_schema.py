"""Documents generated from the published schema either load or raise PolicyError, never
anything else; sanitized ones always load, and resolving a policy is a fixed point.

hypothesis-jsonschema cannot generate objects with the installed Hypothesis (its object
strategy calls an internal API Hypothesis has removed), so the strategy below is built from the
schema here. It follows every keyword the policy schema uses: $ref, const, enum, type, pattern,
minimum/maximum, minLength/maxLength, items/minItems/uniqueItems, properties/required,
additionalProperties (as a map), propertyNames, minProperties, and allOf of if/then branches.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgcompliance.errors import PolicyError
from sgcompliance.policy.loader import (
    load_policy,
    parse_policy,
    resolve_document,
    schema,
    validate_document,
)
from sgcompliance.sources.documents import parse_yaml

SCHEMA = schema()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Json = Any


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    """The node a $ref names, with the keywords beside the $ref (a minItems) applied over it."""
    while "$ref" in node:
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")], **siblings}
    return node


def from_schema(node: dict[str, Any]) -> st.SearchStrategy[Json]:
    node = _deref(node)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "allOf" in node:
        # The check schema: one `then` branch per check type.
        return st.one_of(*(from_schema(branch["then"]) for branch in node["allOf"]))
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    return st.one_of(*(_typed(kind, node) for kind in kinds))


def _typed(kind: str, node: dict[str, Any]) -> st.SearchStrategy[Json]:
    if kind == "string":
        return _string(node)
    if kind == "integer":
        return st.integers(node.get("minimum", -5), node.get("maximum", 1000))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = from_schema(node["items"])
        low = node.get("minItems", 0)
        unique = json.dumps if node.get("uniqueItems") else None
        return st.lists(items, min_size=low, max_size=low + 3, unique_by=unique)
    return _object(node)


def _string(node: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = node.get("minLength", 0), node.get("maxLength", 24)
    if "pattern" in node:
        text = st.from_regex(node["pattern"], fullmatch=True)
        return text.filter(lambda s: low <= len(s) <= high)
    return st.text(min_size=low, max_size=min(high, 24))


def _object(node: dict[str, Any]) -> st.SearchStrategy[dict[str, Json]]:
    if isinstance(node.get("additionalProperties"), dict):
        names = node.get("propertyNames", {"type": "string", "minLength": 1})
        return st.dictionaries(
            _string(_deref(names)),
            from_schema(node["additionalProperties"]),
            min_size=node.get("minProperties", 0),
            max_size=3,
        )
    properties = node.get("properties", {})
    required = set(node.get("required", []))
    strategy = st.fixed_dictionaries(
        {k: from_schema(v) for k, v in properties.items() if k in required},
        optional={k: from_schema(v) for k, v in properties.items() if k not in required},
    )
    return strategy.filter(lambda d: len(d) >= node.get("minProperties", 0))


DOCUMENTS = from_schema(SCHEMA)
STRICT_IDS = [c.id for c in load_policy("builtin:strict").checks]
CIDRS = ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32", "0.0.0.0/1", "198.51.100.7/32"]
PATCH_KEYS = ("title", "severity", "enabled", "remediation", "selector", "references")


def _port_text(value: Json) -> Json:
    numbers = sorted(min(int(n), 65535) for n in str(value).split("-"))
    return numbers[0] if len(numbers) == 1 else f"{numbers[0]}-{numbers[1]}"


def _sane_check(check: dict[str, Json], index: int) -> dict[str, Json]:
    check = {**check, "id": f"C{index}"}
    for key in ("ports", "allowed"):
        for spec in check.get(key, []):
            spec["ports"] = _port_text(spec["ports"])
    if "allowed_peers" in check:
        check["allowed_peers"] = _sane_peers(check["allowed_peers"])
    if check.get("remediation") == "narrow" and not check.get("allowed_peers"):
        check["allowed_peers"] = [CIDRS[1]]
    if "sources" in check:
        words = {
            s if s in ("world", "public") else CIDRS[len(s) % len(CIDRS)] for s in check["sources"]
        }
        check["sources"] = sorted(words)
    return check


def _sane_peers(peers: list[str]) -> list[str]:
    """Prefix list ids stay; every other pattern-valid text becomes one of the sample CIDRs."""
    return sorted({p if p.startswith("pl-") else CIDRS[len(p) % len(CIDRS)] for p in peers})


def _sane_patch(patch: dict[str, Json]) -> dict[str, Json]:
    """The patch's keys the docs call patchable; narrowing a base check needs allowed_peers, which
    a patch may not add, so a patched narrow becomes remove."""
    kept = {k: v for k, v in patch.items() if k in PATCH_KEYS}
    if kept.get("remediation") == "narrow":
        kept["remediation"] = "remove"
    return kept


def _sane_exemption(exemption: dict[str, Json], index: int, ids: list[str]) -> dict[str, Json]:
    exemption = {**exemption, "id": f"E{index}"}
    if "expires" in exemption:
        exemption["expires"] = date(2026, 1, 1 + index % 28).isoformat()
    match = exemption["match"]
    if "checks" in match:
        match["checks"] = sorted({ids[len(c) % len(ids)] for c in match["checks"]})
    if "peers_within" in match:
        match["peers_within"] = _sane_peers(match["peers_within"])
    return exemption


def sanitize(doc: dict[str, Json]) -> dict[str, Json]:
    """Make a schema-valid document semantically valid too, the way the docs say to."""
    doc = json.loads(json.dumps(doc))
    extends = doc.get("extends")
    if isinstance(extends, list):
        doc["extends"] = extends[0]
    if "extends" in doc or not doc.get("checks"):
        doc["extends"] = "builtin:strict"
    doc["checks"] = [_sane_check(c, i) for i, c in enumerate(doc.get("checks", []))]
    patches = doc.pop("overrides", {})
    if "extends" in doc:
        doc["overrides"] = {
            STRICT_IDS[i % len(STRICT_IDS)]: _sane_patch(patch)
            for i, patch in enumerate(patches.values())
        }
        doc["overrides"] = {k: v for k, v in doc["overrides"].items() if v}
    ids = (STRICT_IDS if "extends" in doc else []) + [c["id"] for c in doc["checks"]]
    doc["exemptions"] = [
        _sane_exemption(e, i, ids) for i, e in enumerate(doc.get("exemptions", []))
    ]
    return doc


def loads_or_raises_policy_error(doc: Json) -> None:
    """The property: validation and loading agree, and only PolicyError is ever raised."""
    problems = validate_document(doc, "generated")
    if problems:
        assert all(path.startswith("$") and message and hint for path, message, hint in problems)
        with pytest.raises(PolicyError):
            parse_policy(doc, "generated")
    else:
        assert parse_policy(doc, "generated").id == doc["id"]


@SETTINGS
@given(DOCUMENTS)
def test_a_schema_generated_document_loads_or_raises_policy_error(doc: dict[str, Json]) -> None:
    loads_or_raises_policy_error(doc)


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
)


@SETTINGS
@given(ANY_JSON)
def test_any_json_value_loads_or_raises_policy_error(doc: Json) -> None:
    loads_or_raises_policy_error(doc)


@SETTINGS
@given(DOCUMENTS, st.sampled_from(["checks", "exemptions"]), ANY_JSON)
def test_a_document_with_one_value_replaced_loads_or_raises_policy_error(
    doc: dict[str, Json], key: str, value: Json
) -> None:
    loads_or_raises_policy_error({**doc, key: value})


@SETTINGS
@given(DOCUMENTS.map(sanitize))
def test_a_sanitized_schema_document_always_loads(doc: dict[str, Json]) -> None:
    policy = parse_policy(doc, "generated")
    assert len(policy.checks) >= len(doc["checks"])


@SETTINGS
@given(DOCUMENTS.map(sanitize))
def test_resolving_is_a_fixed_point(doc: dict[str, Json]) -> None:
    # GIVEN a valid document WHEN its resolved form is loaded again
    resolved = resolve_document(doc, "generated")
    # THEN it resolves to itself and loads to the same policy, digest included
    assert resolve_document(resolved, "resolved") == resolved
    assert parse_policy(resolved, "resolved") == parse_policy(doc, "generated")


@SETTINGS
@given(DOCUMENTS.map(sanitize))
def test_a_document_written_as_yaml_loads_to_the_same_policy(doc: dict[str, Json]) -> None:
    as_yaml = parse_yaml(yaml.safe_dump(doc), "generated.yaml")
    assert parse_policy(as_yaml, "generated.yaml") == parse_policy(doc, "generated")


@SETTINGS
@given(DOCUMENTS.map(sanitize), st.text(min_size=1, max_size=10))
def test_an_unknown_key_in_a_valid_document_is_always_an_error(
    doc: dict[str, Json], key: str
) -> None:
    if key in SCHEMA["properties"]:
        return
    with pytest.raises(PolicyError):
        parse_policy({**doc, key: True}, "generated")
