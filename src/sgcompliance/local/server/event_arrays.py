"""EventBridge's matching of arrays of objects, for the local AWS's event rules.

EventBridge flattens an event's arrays of objects before matching: the pattern
`{"items": {"resourceId": [{"prefix": "sg-"}]}}` matches an event whose `items` is a list of
objects when any of them has a matching `resourceId`. CloudTrail records CreateTags and
DeleteTags that way (`requestParameters.resourcesSet.items[].resourceId`), and the rule that
delivers tag changes on security groups relies on it. moto 5.2 flattens objects only, so such a
pattern never matches there. The local server (serve.py) installs this flattening, so that the
local rules route exactly the events the same pattern routes in AWS.
"""

from __future__ import annotations

from typing import Any

UNSET = object()


def flatten(node: Any, prefix: str = "", result: dict[str, Any] | None = None) -> dict[str, Any]:
    """`node` as EventBridge matches it: dotted paths to values, where a path through an array
    of objects leads to the list of the values found in its elements."""
    found: dict[str, Any] = {} if result is None else result
    if not isinstance(node, dict):
        return found
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value:
            flatten(value, path, found)
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            for item in value:
                inner = flatten(item, path) if isinstance(item, dict) else {path: item}
                for inner_path, inner_value in inner.items():
                    _add(found, inner_path, inner_value)
        else:
            _add(found, path, value)
    return found


def _add(found: dict[str, Any], path: str, value: Any) -> None:
    """Keep `value` at `path`; a second value at the same path makes a list of both."""
    earlier = found.get(path, UNSET)
    if earlier is UNSET:
        found[path] = value
        return
    values = earlier if isinstance(earlier, list) else [earlier]
    found[path] = [*values, *(value if isinstance(value, list) else [value])]


def install() -> None:
    """Make moto's event rules match arrays of objects as EventBridge does (server process)."""
    from moto.events.models import EventPattern  # noqa: PLC0415 - lazy: only in the server process

    EventPattern._flatten_dict = staticmethod(flatten)  # type: ignore[method-assign]
