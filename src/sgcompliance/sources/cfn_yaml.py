"""CloudFormation templates as data: JSON, or YAML with the short-form intrinsics, read within
`TEMPLATE_LIMITS`, with the line where each key and item of the first levels is written.

YAML is read by `documents.py`'s strict loader (no anchors or aliases, repeated keys refused,
dates kept as strings, numbers JSON can carry), which here also reads the short-form tags of
CloudFormation: `!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` `{"Fn::GetAtt": ["A", "B"]}`,
`!Condition C` `{"Condition": "C"}` and every other `!Name ARG` `{"Fn::Name": ARG}`, so a YAML
template and its JSON twin are the same tree. Any other tag is refused.

Lines (1-based) are kept for every path of at most `LINE_DEPTH` steps (`("Resources", "AppSg",
"Properties", "SecurityGroupIngress", 0)`): the line of a key, or of an item's first token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from sgcompliance.errors import InputError
from sgcompliance.sources.documents import (
    MIB,
    Limits,
    StrictYamlLoader,
    parse_json,
    parse_yaml,
    read_text,
)

# CloudFormation takes a template of at most 1 MB (from S3); nesting and items leave room for
# templates of a few thousand resources, and bound what a hostile one costs to read.
TEMPLATE_LIMITS = Limits("template", MIB, 48, 400_000, max_yaml_items=150_000)
# Paths this deep get a line: Resources.<id>.Properties.<property>[<item>].
LINE_DEPTH = 5

TreePath = tuple[str | int, ...]

# The short forms, each with the long form it stands for.
SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "GetAtt", "Sub", "If", "Equals", "Not", "And", "Or", "Select", "Join", "Split",
            "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr", "Transform", "Length",
            "ToJsonString",
        )
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParsedTemplate:
    """A template's tree (long-form intrinsics) and the line of each of its first paths."""

    body: object
    lines: Mapping[TreePath, int]


def parse_template(text: str, source: str) -> ParsedTemplate:
    """Parse template text: YAML when `source` is named .yaml or .yml, else JSON when the text
    starts with `{` (a YAML template in flow style names itself by its suffix), else YAML."""
    text = text.removeprefix("\ufeff")
    named_yaml = source.lower().endswith((".yaml", ".yml"))
    if not named_yaml and text.lstrip()[:1] == "{":
        body = parse_json(text, source, TEMPLATE_LIMITS)
        return ParsedTemplate(body, _json_lines(text))
    parsed = parse_yaml(text, source, TEMPLATE_LIMITS, loader=_TemplateLoader)
    if isinstance(parsed, ParsedTemplate):
        return parsed
    return ParsedTemplate(parsed, {})  # an empty document


def read_template_text(path: Path) -> str:
    """The text of a template file, read no further than `TEMPLATE_LIMITS` allow."""
    return read_text(path, TEMPLATE_LIMITS)


# --- YAML --------------------------------------------------------------------------------------


class _TemplateLoader(StrictYamlLoader):
    """The strict loader, reading CloudFormation's short-form tags too."""

    plain_tags = StrictYamlLoader.plain_tags | frozenset(SHORT_FORMS)
    alias_hint = "write the value out in full: templates are read without YAML anchors or aliases"

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if isinstance(tag, str) and tag.startswith("!") and tag not in self.plain_tags:
            mark = getattr(event, "start_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            shown = tag if len(tag) <= 40 else tag[:40] + "..."
            raise InputError(
                f"the YAML tag {shown}{where} is not a CloudFormation intrinsic function",
                source=self.source,
                hint="use one of " + ", ".join(sorted(SHORT_FORMS)),
            )
        return super().compose_node(parent, index)

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        lines = _node_lines(node)
        return ParsedTemplate(self.construct_document(node), lines)


def _construct_short_form(loader: _TemplateLoader, node: Node) -> dict[str, Any]:
    key = SHORT_FORMS[str(node.tag)]
    if isinstance(node, ScalarNode):
        text = str(loader.construct_scalar(node))
        if key == "Fn::GetAtt":
            # `!GetAtt Db.Endpoint.Address`: the resource, then the (dotted) attribute.
            resource, dot, attribute = text.partition(".")
            return {key: [resource, attribute] if dot else [resource]}
        return {key: text}
    # The node again under the plain tag, for the strict constructors (repeated keys refused).
    plain: Node
    if isinstance(node, SequenceNode):
        plain = SequenceNode(BaseResolver.DEFAULT_SEQUENCE_TAG, node.value, node.start_mark)
    else:
        assert isinstance(node, MappingNode)
        plain = MappingNode(BaseResolver.DEFAULT_MAPPING_TAG, node.value, node.start_mark)
    return {key: loader.construct_object(plain, deep=True)}


for _tag in SHORT_FORMS:
    yaml.add_constructor(_tag, _construct_short_form, Loader=_TemplateLoader)


def _node_lines(root: Node) -> dict[TreePath, int]:
    lines: dict[TreePath, int] = {}
    stack: list[tuple[Node, TreePath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= LINE_DEPTH:
            continue
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    step = (*path, str(key.value))
                    lines[step] = key.start_mark.line + 1
                    stack.append((value, step))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*path, i)] = item.start_mark.line + 1
                stack.append((item, (*path, i)))
    return lines


# --- JSON --------------------------------------------------------------------------------------

# A string, or one of the characters that give JSON its structure (numbers and literals are
# never where a line is wanted: keys are strings, items worth a line are objects).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _json_lines(text: str) -> dict[TreePath, int]:
    """The lines of valid JSON text's paths of at most `LINE_DEPTH` steps, by one pass over its
    tokens (the parser keeps no positions)."""
    lines: dict[TreePath, int] = {}
    # Each open container: [is an array, its current key or index, at the start of an entry].
    frames: list[list[Any]] = []
    line, pos = 1, 0
    for match in _JSON_TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", pos, start)
        pos = start
        token = match.group()
        top = frames[-1] if frames else None
        shallow = len(frames) <= LINE_DEPTH
        if top is not None and top[0] and top[2] and token != "]":
            top[2] = False
            if shallow:
                lines[tuple(f[1] for f in frames)] = line
        if token == "{":
            frames.append([False, None, True])
        elif token == "[":
            frames.append([True, 0, True])
        elif token in "}]":
            frames.pop()
        elif token == ",":
            assert top is not None
            if top[0]:
                top[1] += 1
            top[2] = True
        elif top is not None and not top[0] and top[2]:  # a key
            top[2] = False
            top[1] = json.loads(token) if shallow else None
            if shallow:
                lines[tuple(f[1] for f in frames)] = line
    return lines
