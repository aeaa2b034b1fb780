"""Reading `terraform show -json PLANFILE`: the security groups a plan leaves behind.

Only the resulting state is judged: `planned_values` (the root module and every child module)
holds what exists after apply, so a deletion is simply absent and a replacement is judged by
what replaces it. `resource_changes` says which of those values are unknown until apply
(`after_unknown`), and `configuration` says which other resources an unknown value refers to,
so that `source_security_group_id = aws_security_group.lb.id` becomes a peer naming the group
`aws_security_group.lb` of the same plan.

Resources read: `aws_security_group` and `aws_default_security_group` (inline `ingress` and
`egress`), `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` and
`aws_vpc_security_group_egress_rule`, `aws_ec2_managed_prefix_list` (inline `entry`) and
`aws_ec2_managed_prefix_list_entry`. A group without inline rules in the configuration has no
inline rules: the provider removes the ones AWS adds by itself (the default egress rule).

A value unknown until apply is never guessed: the rule is left out and listed as `Unresolved`.
Pure: the caller reads the file (within the document limits) and hands over the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.network import cidr_info
from sgcompliance.engine.protocol import PORT_PROTOCOLS, normalize_protocol
from sgcompliance.errors import InputError
from sgcompliance.sources.code_estate import UNKNOWN_PEER, CodeEstate, CodeKind, Unresolved
from sgcompliance.sources.snapshot import _object, _optional_list, _port, _shown, _text

Json = Any

GROUP_TYPES = frozenset({"aws_security_group", "aws_default_security_group"})
RULE_TYPE = "aws_security_group_rule"
VPC_RULE_TYPES = {
    "aws_vpc_security_group_ingress_rule": Direction.INGRESS,
    "aws_vpc_security_group_egress_rule": Direction.EGRESS,
}
PREFIX_LIST_TYPE = "aws_ec2_managed_prefix_list"
PREFIX_LIST_ENTRY_TYPE = "aws_ec2_managed_prefix_list_entry"
# Module nesting deeper than this is refused: a hostile plan must not recurse without bound.
MAX_MODULE_DEPTH = 32
# The major version of the plan format this reader knows (`format_version` "1.x").
FORMAT_MAJOR = "1"
# References followed into module outputs, at most, per plan: far beyond a real configuration
# (a few per output), small enough to bound a hostile one (about 0.3 s of work).
RESOLVE_BUDGET = 100_000
PLAN_HINT = (
    "give the output of `terraform show -json PLANFILE` (after `terraform plan -out PLANFILE`)"
)

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_INDEX = r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]'
_RESOURCE_REF = re.compile(rf"^(?P<type>aws_[a-z0-9_]+)\.(?P<name>{_NAME})(?P<index>{_INDEX})?")
_MODULE_REF = re.compile(rf"^module\.(?P<name>{_NAME})(?P<index>{_INDEX})?\.(?P<output>{_NAME})")
_TRAILING_INDEX = re.compile(rf"{_INDEX}$")
_MODULE_STEP = re.compile(rf"module\.(?P<name>{_NAME})(?:{_INDEX})?\.?")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a resource is written: its module's path of call names, its type and name."""

    modules: tuple[str, ...]
    type: str
    name: str


@dataclass(frozen=True, slots=True)
class PlanReading:
    """The estate a plan declares, and the resource each group, rule and unknown comes from
    (by resource address), for finding them in the source files."""

    estate: CodeEstate
    origins: Mapping[str, Origin]
    # Group address or rule id -> the address of the resource that declares it.
    declared_by: Mapping[str, str]
    # The resource address of each of `estate.unresolved`, in the same order.
    unresolved_by: tuple[str, ...]
    # The module calls' `source` by module path, from the configuration.
    module_sources: Mapping[tuple[str, ...], str] = field(default_factory=dict)


@dataclass(slots=True)
class _Resource:
    address: str
    # The module instance the resource is in, as an address prefix ("" or "module.app.").
    prefix: str
    origin: Origin
    values: dict[str, Any]
    unknown: dict[str, Any]
    expressions: dict[str, Any] | None
    path: str


@dataclass(slots=True)
class _Groups:
    """Every group of the plan by address, with its rules as they are read."""

    rules: dict[str, list[Rule]] = field(default_factory=dict)
    resources: dict[str, _Resource] = field(default_factory=dict)
    # Known ids (`sg-...` of groups that exist already) -> address.
    by_id: dict[str, str] = field(default_factory=dict)
    # Groups named by a rule but not declared in the plan (an existing `sg-...`).
    external: dict[str, str] = field(default_factory=dict)


def read_plan(doc: Json, source: str) -> PlanReading:
    """The plan's resulting security groups, in the engine's normal form."""
    plan = _plan(doc, source)
    reader = _PlanReader(plan, source)
    return reader.read()


def _plan(doc: Json, source: str) -> dict[str, Any]:
    if isinstance(doc, list):
        raise InputError(
            "this is a list, not a Terraform plan (is it a snapshot for --input?)",
            source=source,
            hint=PLAN_HINT,
        )
    if not isinstance(doc, dict):
        raise InputError(
            f"expected a Terraform plan object, got {type(doc).__name__}",
            source=source,
            hint=PLAN_HINT,
        )
    if "Resources" in doc or "AWSTemplateFormatVersion" in doc:
        raise InputError(
            "this is a CloudFormation template, not a Terraform plan",
            source=source,
            hint="scan it with --cloudformation",
        )
    version = doc.get("format_version")
    if not isinstance(version, str):
        raise InputError(
            "not a Terraform plan: no format_version", path="$.format_version", source=source,
            hint=PLAN_HINT,
        )  # fmt: skip
    if "planned_values" not in doc:
        what = "a Terraform state" if "values" in doc else "not a Terraform plan"
        raise InputError(
            f"{what}: no planned_values", path="$.planned_values", source=source, hint=PLAN_HINT
        )
    if version.split(".")[0] != FORMAT_MAJOR:
        raise InputError(
            f"plan format {_shown(version)} is not 1.x, the only one this version reads",
            path="$.format_version",
            source=source,
            hint="use a Terraform of version 0.12 or later, or a newer sgcompliance",
        )
    if doc.get("errored") is True:
        raise InputError(
            "the plan errored: Terraform could not say what it would do",
            path="$.errored",
            source=source,
            hint="fix the errors `terraform plan` printed, then plan again",
        )
    return doc


class _PlanReader:
    def __init__(self, plan: dict[str, Any], source: str) -> None:
        self.plan = plan
        self.source = source
        self.unresolved: list[Unresolved] = []
        self.unresolved_by: list[str] = []
        self.declared_by: dict[str, str] = {}
        self.groups = _Groups()
        self.prefix_lists: dict[str, list[str]] = {}
        # Prefix lists some of whose entries are known only after apply.
        self.unknown_lists: set[str] = set()
        self.list_by_id: dict[str, str] = {}
        config = plan.get("configuration")
        self.config = config if isinstance(config, dict) else {}
        self.has_config = isinstance(config, dict)
        self.modules: dict[tuple[str, ...], dict[str, Any]] = {}
        self.module_sources: dict[tuple[str, ...], str] = {}
        self.cidr_versions: dict[str, int] = {}
        self.resolve_budget = RESOLVE_BUDGET
        self.resolved: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], list[str]] = {}
        self.group_instances: dict[str, list[str]] | None = None
        self.list_instances: dict[str, list[str]] | None = None
        self.config_resources: dict[tuple[str, ...], dict[tuple[str, str], dict[str, Any]]] = {}
        root = self.config.get("root_module")
        if isinstance(root, dict):
            self._index_modules(root, ())

    # --- the configuration -----------------------------------------------------------------

    def _index_modules(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        if len(path) > MAX_MODULE_DEPTH:
            raise InputError(
                f"modules nested deeper than {MAX_MODULE_DEPTH}",
                path="$.configuration",
                source=self.source,
            )
        self.modules[path] = module
        calls = module.get("module_calls")
        if not isinstance(calls, dict):
            return
        for name, call in calls.items():
            if not isinstance(call, dict):
                continue
            src = call.get("source")
            if isinstance(src, str):
                self.module_sources[(*path, name)] = src
            child = call.get("module")
            if isinstance(child, dict):
                self._index_modules(child, (*path, name))

    def _expressions(self, origin: Origin) -> dict[str, Any] | None:
        index = self.config_resources.get(origin.modules)
        if index is None:
            index = self.config_resources[origin.modules] = self._config_index(origin.modules)
        return index.get((origin.type, origin.name))

    def _config_index(self, modules: tuple[str, ...]) -> dict[tuple[str, str], dict[str, Any]]:
        """A module's managed resources by (type, name), read once per module."""
        module = self.modules.get(modules)
        resources = module.get("resources") if module is not None else None
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for resource in resources if isinstance(resources, list) else ():
            if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
                continue
            kind, name = resource.get("type"), resource.get("name")
            if isinstance(kind, str) and isinstance(name, str):
                expressions = resource.get("expressions")
                found.setdefault((kind, name), expressions if isinstance(expressions, dict) else {})
        return found

    # --- the planned values ----------------------------------------------------------------

    def read(self) -> PlanReading:
        unknown = self._after_unknown()
        resources = list(self._resources(unknown))
        seen: set[str] = set()
        for resource in resources:
            if resource.address in seen:
                raise InputError(
                    f"resource address {resource.address} appears twice in the planned values",
                    path=resource.path,
                    source=self.source,
                )
            seen.add(resource.address)
        for resource in resources:
            if resource.origin.type in GROUP_TYPES:
                self._declare_group(resource)
        for resource in resources:
            if resource.origin.type == PREFIX_LIST_TYPE:
                self._declare_prefix_list(resource)
        for resource in resources:
            if resource.origin.type == PREFIX_LIST_ENTRY_TYPE:
                self._prefix_list_entry(resource)
        for resource in resources:
            kind = resource.origin.type
            if kind in GROUP_TYPES:
                self._inline_rules(resource)
            elif kind == RULE_TYPE:
                self._rule_resource(resource)
            elif kind in VPC_RULE_TYPES:
                self._vpc_rule(resource, VPC_RULE_TYPES[kind])
        return PlanReading(
            estate=CodeEstate(
                kind=CodeKind.TERRAFORM_PLAN,
                snapshot=self._snapshot(),
                unresolved=tuple(self.unresolved),
            ),
            origins={r.address: r.origin for r in resources},
            declared_by=self.declared_by,
            unresolved_by=tuple(self.unresolved_by),
            module_sources=self.module_sources,
        )

    def _after_unknown(self) -> dict[str, dict[str, Any]]:
        changes = self.plan.get("resource_changes")
        if changes is None:
            return {}
        if not isinstance(changes, list):
            raise InputError(
                "resource_changes is not a list", path="$.resource_changes", source=self.source
            )
        out: dict[str, dict[str, Any]] = {}
        for i, change in enumerate(changes):
            if not isinstance(change, dict) or change.get("mode") != "managed":
                continue
            address = change.get("address")
            body = change.get("change")
            if not isinstance(address, str) or not isinstance(body, dict):
                raise InputError(
                    "a resource change needs an address and a change",
                    path=f"$.resource_changes[{i}]",
                    source=self.source,
                )
            marks = body.get("after_unknown")
            out[address] = marks if isinstance(marks, dict) else {}
        return out

    def _resources(self, unknown: dict[str, dict[str, Any]]) -> Iterator[_Resource]:
        planned = self.plan.get("planned_values")
        if not isinstance(planned, dict):
            raise InputError(
                "planned_values is not an object", path="$.planned_values", source=self.source
            )
        root = planned.get("root_module", {})
        stack: list[tuple[Json, str, str, tuple[str, ...]]] = [
            (root, "", "$.planned_values.root_module", ())
        ]
        while stack:
            module, prefix, path, names = stack.pop()
            if len(names) > MAX_MODULE_DEPTH:
                raise InputError(
                    f"modules nested deeper than {MAX_MODULE_DEPTH}", path=path, source=self.source
                )
            if not isinstance(module, dict):
                raise InputError("a module must be an object", path=path, source=self.source)
            for i, raw in enumerate(_optional_list(module, "resources", self.source, path)):
                where = f"{path}.resources[{i}]"
                resource = self._resource(raw, prefix, names, unknown, where)
                if resource is not None:
                    yield resource
            children = _optional_list(module, "child_modules", self.source, path)
            for i, child in reversed(list(enumerate(children))):
                where = f"{path}.child_modules[{i}]"
                address = child.get("address") if isinstance(child, dict) else None
                if not isinstance(address, str) or not address.startswith("module."):
                    raise InputError(
                        "a child module needs an address like module.NAME",
                        path=where,
                        source=self.source,
                    )
                stack.append((child, address + ".", where, _module_names(address)))

    def _resource(
        self,
        raw: Json,
        prefix: str,
        names: tuple[str, ...],
        unknown: dict[str, dict[str, Any]],
        path: str,
    ) -> _Resource | None:
        obj = _object(raw, self.source, path)
        if obj.get("mode") != "managed":
            return None
        kind = obj.get("type")
        if kind not in GROUP_TYPES and kind not in VPC_RULE_TYPES and kind not in (
            RULE_TYPE, PREFIX_LIST_TYPE, PREFIX_LIST_ENTRY_TYPE
        ):  # fmt: skip
            return None
        address = _text(obj, "address", self.source, path)
        name = _text(obj, "name", self.source, path)
        values = obj.get("values")
        if not isinstance(values, dict):
            raise InputError("values is not an object", path=f"{path}.values", source=self.source)
        origin = Origin(names, str(kind), name)
        return _Resource(
            address, prefix, origin, values, unknown.get(address, {}),
            self._expressions(origin) if self.has_config else None, path,
        )  # fmt: skip

    # --- groups and prefix lists -----------------------------------------------------------

    def _declare_group(self, resource: _Resource) -> None:
        self.groups.rules[resource.address] = []
        self.groups.resources[resource.address] = resource
        self.declared_by[resource.address] = resource.address
        known_id = resource.values.get("id")
        if isinstance(known_id, str) and known_id:
            self.groups.by_id[known_id] = resource.address

    def _declare_prefix_list(self, resource: _Resource) -> None:
        address = resource.address
        known_id = resource.values.get("id")
        if isinstance(known_id, str) and known_id:
            self.list_by_id[known_id] = address
        cidrs = self.prefix_lists.setdefault(address, [])
        marks = resource.unknown.get("entry")
        if marks is True:
            if self._declared(resource, "entry"):
                self.unknown_lists.add(address)
            return
        for i, entry in enumerate(
            _optional_list(resource.values, "entry", self.source, f"{resource.path}.values")
        ):
            where = f"{resource.path}.values.entry[{i}]"
            cidr = _object(entry, self.source, where).get("cidr")
            if _mark(marks, i, "cidr") or cidr is None:
                self.unknown_lists.add(address)
                continue
            cidrs.append(self._cidr(cidr, None, f"{where}.cidr"))

    def _prefix_list_entry(self, resource: _Resource) -> None:
        target = self._reference(resource, "prefix_list_id", self.list_by_id, PREFIX_LIST_TYPE)
        if target is None:
            return  # an entry of a list outside the plan: the list is read from AWS, not here
        cidr = resource.values.get("cidr")
        if resource.unknown.get("cidr") is True or cidr is None:
            self.unknown_lists.add(target)
            return
        if target in self.prefix_lists:
            where = f"{resource.path}.values.cidr"
            self.prefix_lists[target].append(self._cidr(cidr, None, where))

    def _declared(self, resource: _Resource, attribute: str) -> bool:
        """Whether the configuration sets `attribute`; without a configuration, assume so."""
        return resource.expressions is None or attribute in resource.expressions

    # --- rules -----------------------------------------------------------------------------

    def _inline_rules(self, group: _Resource) -> None:
        for direction in Direction:
            key = direction.value
            marks = group.unknown.get(key)
            if key not in group.values or marks is True:
                if marks is True and self._declared(group, key):
                    self._unknown(
                        group.address, group.address, key,
                        f"the {key} rules of {group.address} are known only after apply",
                        None,
                    )  # fmt: skip
                continue
            elements = _optional_list(group.values, key, self.source, f"{group.path}.values")
            for i, element in enumerate(elements):
                where = f"{key}[{i}]"
                element_marks = marks[i] if isinstance(marks, list) and i < len(marks) else {}
                self._element(
                    group, group.address, direction,
                    _object(element, self.source, f"{group.path}.values.{where}"),
                    element_marks if isinstance(element_marks, dict) else {},
                    f"{group.address}/{where}", where, _INLINE,
                )  # fmt: skip

    def _rule_resource(self, resource: _Resource) -> None:
        values = resource.values
        kind = values.get("type")
        if resource.unknown.get("type") is True:
            self._unknown(
                resource.address, resource.address, f"{resource.address}.type",
                f"whether {resource.address} is ingress or egress is known only after apply",
                None,
            )  # fmt: skip
            return
        if kind not in ("ingress", "egress"):
            raise InputError(
                f"type must be ingress or egress, got {_shown(kind)}",
                path=f"{resource.path}.values.type",
                source=self.source,
            )
        group = self._owner(resource)
        if group is None:
            return
        self._element(
            resource, group, Direction(kind), values, resource.unknown,
            f"{group}/{resource.address}", resource.address, _STANDALONE,
        )  # fmt: skip

    def _vpc_rule(self, resource: _Resource, direction: Direction) -> None:
        group = self._owner(resource)
        if group is None:
            return
        self._element(
            resource, group, direction, resource.values, resource.unknown,
            f"{group}/{resource.address}", resource.address, _VPC,
        )  # fmt: skip

    def _owner(self, resource: _Resource) -> str | None:
        """The address (or existing id) of the group a standalone rule belongs to."""
        target = self._reference(resource, "security_group_id", self.groups.by_id, *GROUP_TYPES)
        if target is not None:
            if target not in self.groups.rules:
                self.groups.external.setdefault(target, resource.address)
                self.groups.rules.setdefault(target, [])
            return target
        self._unknown(
            resource.address, resource.address, f"{resource.address}.security_group_id",
            f"the group {resource.address} adds rules to is known only after apply, "
            "and its configuration names no single group of the plan",
            None,
        )  # fmt: skip
        return None

    def _reference(
        self, resource: _Resource, attribute: str, by_id: Mapping[str, str], *types: str
    ) -> str | None:
        """A scalar id attribute as a plan address (a known id of a plan resource is mapped to
        its address), the id itself when it names something outside the plan, or None."""
        value = resource.values.get(attribute)
        if isinstance(value, str) and value and resource.unknown.get(attribute) is not True:
            return by_id.get(value, value)
        found = self._referenced(resource, attribute, types)
        return found[0] if len(found) == 1 else None

    def _referenced(self, resource: _Resource, attribute: str, types: tuple[str, ...]) -> list[str]:
        """The plan resources of `types` whose `id` the attribute's expression names, when the
        expression names nothing else: `coalesce(var.id, aws_security_group.a.id)` may be either
        (and an unknown set loses its known members), so it names no one group."""
        expressions = resource.expressions or {}
        expression = expressions.get(attribute)
        refs = expression.get("references") if isinstance(expression, dict) else None
        if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
            return []
        found: dict[str, None] = {}
        accounted: set[str] = set()
        for ref in refs:
            resolved = self._resolve(ref, resource.prefix, resource.origin.modules, types, 0)
            if resolved:
                # Terraform lists `X.id` with `X` itself (and `module.m.out` with `module.m`).
                accounted.update({ref, ref.rpartition(".")[0]})
                found.update(dict.fromkeys(resolved))
        return list(found) if all(ref in accounted for ref in refs) else []

    def _resolve(
        self, ref: str, prefix: str, modules: tuple[str, ...], types: tuple[str, ...], depth: int
    ) -> list[str]:
        # Memoized and bounded: a hostile configuration could have each module output name the
        # next module's outputs twice (with different indices), doubling the work at every
        # level. Past the budget a reference resolves to nothing: its value stays unknown.
        key = (ref, prefix, modules, types)
        found = self.resolved.get(key)
        if found is None:
            found = self.resolved[key] = self._resolve_once(ref, prefix, modules, types, depth)
        return found

    def _resolve_once(
        self, ref: str, prefix: str, modules: tuple[str, ...], types: tuple[str, ...], depth: int
    ) -> list[str]:
        if depth > MAX_MODULE_DEPTH:
            return []
        match = _RESOURCE_REF.match(ref)
        if match is not None:
            rest = ref[match.end() :]
            if match["type"] not in types or rest not in (".id",):
                return []
            target = f"{prefix}{match['type']}.{match['name']}{match['index'] or ''}"
            is_group = match["type"] in GROUP_TYPES
            declared = self.groups.rules if is_group else self.prefix_lists
            if target in declared:
                return [target]
            instances = self._instances(is_group).get(target, [])
            return instances if len(instances) == 1 else []
        match = _MODULE_REF.match(ref)
        if match is None:
            return []
        child = (*modules, match["name"])
        outputs = self.modules.get(child, {}).get("outputs")
        output = outputs.get(match["output"]) if isinstance(outputs, dict) else None
        expression = output.get("expression") if isinstance(output, dict) else None
        refs = expression.get("references") if isinstance(expression, dict) else None
        if not isinstance(refs, list):
            return []
        inner = f"{prefix}module.{match['name']}{match['index'] or ''}."
        found: list[str] = []
        for inner_ref in refs:
            self.resolve_budget -= 1
            if self.resolve_budget < 0:
                return []
            if isinstance(inner_ref, str):
                found += self._resolve(inner_ref, inner, child, types, depth + 1)
        return list(dict.fromkeys(found))

    def _instances(self, groups: bool) -> dict[str, list[str]]:
        """Instances of `count`/`for_each` resources (`x[0]`, `x["a"]`) by their resource's
        address, built once: groups and prefix lists are all declared before any rule is read."""
        index = self.group_instances if groups else self.list_instances
        if index is None:
            index = {}
            for address in self.groups.rules if groups else self.prefix_lists:
                instance = _TRAILING_INDEX.search(address)
                if instance is not None:
                    index.setdefault(address[: instance.start()], []).append(address)
            if groups:
                self.group_instances = index
            else:
                self.list_instances = index
        return index

    def _element(
        self,
        resource: _Resource,
        group: str,
        direction: Direction,
        values: dict[str, Any],
        marks: dict[str, Any],
        rule_base: str,
        where: str,
        shape: _Shape,
    ) -> None:
        """The rules of one rule block or rule resource: one per peer."""
        path = f"{resource.path}.values" + (f".{where}" if shape is _INLINE else "")
        fixed = [name for name in shape.fixed if marks.get(name) is True]
        protocol_raw = values.get(shape.protocol)
        from_port = _port(values.get("from_port"), self.source, f"{path}.from_port")
        to_port = _port(values.get("to_port"), self.source, f"{path}.to_port")
        description = values.get("description")
        description = description if isinstance(description, str) else ""
        tags = _tags(values.get("tags"), self.source, f"{path}.tags") if shape.tagged else ()
        if fixed or protocol_raw is None:
            self._unknown(
                group, resource.address, f"{where}.{(fixed or [shape.protocol])[0]}",
                f"the protocol or ports of {where} are known only after apply", None,
            )  # fmt: skip
            return
        protocol = self._protocol(protocol_raw, f"{path}.{shape.protocol}")
        # EC2 refuses a reversed tcp/udp range; read as an interval it would reach nothing.
        reversed_range = from_port is not None and to_port is not None and 0 <= to_port < from_port
        if protocol in PORT_PROTOCOLS and reversed_range:
            raise InputError(
                f"to_port {to_port} is below from_port {from_port}",
                path=f"{path}.to_port",
                source=self.source,
            )

        def rule(rule_id: str, peer: Peer) -> Rule:
            return Rule(
                rule_id, group, direction, protocol, from_port, to_port, peer, description, tags
            )

        rules = self.groups.rules.setdefault(group, [])
        for attribute, kind in shape.peers:
            mark = marks.get(attribute)
            if mark is True and shape is not _INLINE and not self._declared(resource, attribute):
                continue  # computed by the provider, not set: the rule has no such peer
            raw = values.get(attribute)
            items = raw if isinstance(raw, list) else ([] if raw is None else [raw])
            if shape.scalar:
                if mark is True:
                    self._peer_by_reference(
                        resource, group, attribute, kind, where, rule_base, rule
                    )
                    continue
                for value in items:
                    peer = self._peer(kind, value, f"{path}.{attribute}")
                    rules.append(rule(f"{rule_base}.{attribute}", peer))
                    self.declared_by[f"{rule_base}.{attribute}"] = resource.address
                continue
            if mark is True:
                self._peer_by_reference(resource, group, attribute, kind, where, rule_base, rule)
                continue
            for j, value in enumerate(items):
                rule_id = f"{rule_base}.{attribute}[{j}]"
                if value is None or (isinstance(mark, list) and j < len(mark) and mark[j] is True):
                    self._unknown(
                        group, resource.address, f"{where}.{attribute}[{j}]",
                        f"{attribute}[{j}] of {where} is known only after apply",
                        rule(rule_id, Peer(kind, UNKNOWN_PEER)),
                    )  # fmt: skip
                    continue
                peer = self._peer(kind, value, f"{path}.{attribute}[{j}]")
                rules.append(rule(rule_id, peer))
                self.declared_by[rule_id] = resource.address
        if values.get("self") is True and marks.get("self") is not True:
            rule_id = f"{rule_base}.self"
            rules.append(rule(rule_id, Peer(PeerKind.GROUP, group)))
            self.declared_by[rule_id] = resource.address

    def _peer_by_reference(
        self,
        resource: _Resource,
        group: str,
        attribute: str,
        kind: PeerKind,
        where: str,
        rule_base: str,
        rule: Callable[[str, Peer], Rule],
    ) -> None:
        """Peers whose ids are unknown until apply: the plan's groups or prefix lists the
        attribute's expression names, when that is unambiguous; else an unknown."""
        types = tuple(GROUP_TYPES) if kind is PeerKind.GROUP else (PREFIX_LIST_TYPE,)
        inline = resource.origin.type in GROUP_TYPES
        # An inline block's peers are written in the expression of all its blocks (`ingress`).
        key = where.partition("[")[0] if inline else attribute
        found = self._referenced(resource, key, types) if kind in _BY_REFERENCE else []
        if inline and found:
            # That expression covers every block: only when this block alone has the peer
            # unknown are the references its own, and only those whose ids are unknown.
            blocks = resource.unknown.get(key)
            unknown_blocks = [
                b for b in (blocks if isinstance(blocks, list) else [])
                if isinstance(b, dict) and b.get(attribute) is True
            ]  # fmt: skip
            known = set(self.groups.by_id.values()) | set(self.list_by_id.values())
            found = [f for f in found if f not in known] if len(unknown_blocks) == 1 else []
        if kind is PeerKind.PREFIX_LIST and any(f in self.unknown_lists for f in found):
            listed = ", ".join(f for f in found if f in self.unknown_lists)
            self._unknown(
                group, resource.address, f"{where}.{attribute}",
                f"the entries of prefix list {listed} are known only after apply",
                rule(f"{rule_base}.{attribute}", Peer(kind, UNKNOWN_PEER)),
            )  # fmt: skip
            return
        if not found:
            self._unknown(
                group, resource.address, f"{where}.{attribute}",
                f"{attribute} of {where} is known only after apply",
                rule(f"{rule_base}.{attribute}", Peer(kind, UNKNOWN_PEER)),
            )  # fmt: skip
            return
        rules = self.groups.rules.setdefault(group, [])
        for j, address in enumerate(found):
            rule_id = f"{rule_base}.{attribute}" + (f"[{j}]" if len(found) > 1 else "")
            rules.append(rule(rule_id, Peer(kind, address)))
            self.declared_by[rule_id] = resource.address

    def _peer(self, kind: PeerKind, value: object, path: str) -> Peer:
        if not isinstance(value, str) or not value:
            raise InputError(
                f"expected a non-empty string, got {_shown(value)}", path=path, source=self.source
            )
        if kind is PeerKind.GROUP:
            owner, _, group_id = value.rpartition("/")
            return Peer(kind, self.groups.by_id.get(group_id, group_id), owner or None)
        if kind is PeerKind.PREFIX_LIST:
            return Peer(kind, self.list_by_id.get(value, value))
        return Peer(kind, self._cidr(value, 4 if kind is PeerKind.IPV4 else 6, path))

    def _cidr(self, value: object, version: int | None, path: str) -> str:
        if not isinstance(value, str):
            raise InputError(
                f"expected a CIDR string, got {_shown(value)}", path=path, source=self.source
            )
        known = self.cidr_versions.get(value)
        try:
            if known is None:
                # A plan repeats a few CIDRs over thousands of rules: each is parsed once.
                known = self.cidr_versions[value] = cidr_info(value).version
        except ValueError as exc:
            raise InputError(
                f"{_shown(value)} is not a valid CIDR", path=path, source=self.source
            ) from exc
        if version is not None and known != version:
            raise InputError(
                f"{_shown(value)} is not an IPv{version} CIDR", path=path, source=self.source
            )
        return value

    def _protocol(self, value: object, path: str) -> str:
        try:
            return normalize_protocol(value)
        except ValueError as exc:
            raise InputError(
                f"unknown protocol {_shown(value)}", path=path, source=self.source
            ) from exc

    def _unknown(
        self, group: str, resource: str, attribute: str, reason: str, rule: Rule | None
    ) -> None:
        self.unresolved.append(Unresolved(group, attribute, reason, None, rule))
        self.unresolved_by.append(resource)

    # --- the snapshot ----------------------------------------------------------------------

    def _snapshot(self) -> RegionSnapshot:
        groups: list[SecurityGroup] = []
        for address, rules in self.groups.rules.items():
            resource = self.groups.resources.get(address)
            if resource is None:
                # A group outside the plan that rules of the plan add to: judged with those.
                self.declared_by.setdefault(address, self.groups.external.get(address, address))
                groups.append(SecurityGroup(address, address, "", self.region, tuple(rules)))
                continue
            groups.append(self._group(resource, rules))
        # A prefix list any of whose entries is unknown is left unresolvable here: rules that
        # name it were reported as unknown already.
        lists = {
            address: tuple(cidrs)
            for address, cidrs in self.prefix_lists.items()
            if address not in self.unknown_lists
        }
        return RegionSnapshot("", self.region, tuple(groups), lists)

    def _group(self, resource: _Resource, rules: list[Rule]) -> SecurityGroup:
        values = resource.values
        default = resource.origin.type == "aws_default_security_group"
        name = values.get("name")
        name = (
            "default" if default else (name if isinstance(name, str) and name else resource.address)
        )
        vpc_id = values.get("vpc_id")
        description = values.get("description")
        tags_all = values.get("tags_all")
        tags = tags_all if isinstance(tags_all, dict) and tags_all else values.get("tags")
        return SecurityGroup(
            group_id=resource.address,
            name=name,
            account_id="",
            region=self.region,
            rules=tuple(rules),
            vpc_id=vpc_id if isinstance(vpc_id, str) else None,
            description=description if isinstance(description, str) else "",
            tags=_tag_map(tags, self.source, f"{resource.path}.values.tags"),
        )

    @property
    def region(self) -> str:
        """The root module's `aws` provider region, when the configuration fixes it."""
        providers = self.config.get("provider_config")
        aws = providers.get("aws") if isinstance(providers, dict) else None
        expressions = aws.get("expressions") if isinstance(aws, dict) else None
        region = expressions.get("region") if isinstance(expressions, dict) else None
        value = region.get("constant_value") if isinstance(region, dict) else None
        return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class _Shape:
    """The attribute names of one kind of rule block."""

    protocol: str
    # Attributes without which the rule cannot be read at all.
    fixed: tuple[str, ...]
    peers: tuple[tuple[str, PeerKind], ...]
    scalar: bool
    tagged: bool


_INLINE = _Shape(
    "protocol",
    ("protocol", "from_port", "to_port"),
    (
        ("cidr_blocks", PeerKind.IPV4),
        ("ipv6_cidr_blocks", PeerKind.IPV6),
        ("prefix_list_ids", PeerKind.PREFIX_LIST),
        ("security_groups", PeerKind.GROUP),
    ),
    scalar=False,
    tagged=False,
)
# `aws_security_group_rule`: an inline block's attributes, with one group peer of its own.
_STANDALONE = replace(
    _INLINE, peers=(*_INLINE.peers[:-1], ("source_security_group_id", PeerKind.GROUP))
)
_VPC = _Shape(
    "ip_protocol",
    ("ip_protocol", "from_port", "to_port"),
    (
        ("cidr_ipv4", PeerKind.IPV4),
        ("cidr_ipv6", PeerKind.IPV6),
        ("prefix_list_id", PeerKind.PREFIX_LIST),
        ("referenced_security_group_id", PeerKind.GROUP),
    ),
    scalar=True,
    tagged=True,
)
_BY_REFERENCE = frozenset({PeerKind.GROUP, PeerKind.PREFIX_LIST})


def _module_names(address: str) -> tuple[str, ...]:
    return tuple(m["name"] for m in _MODULE_STEP.finditer(address))


def _mark(marks: object, index: int, key: str) -> bool:
    if not isinstance(marks, list) or index >= len(marks):
        return False
    element = marks[index]
    return element is True or (isinstance(element, dict) and element.get(key) is True)


def _tag_map(value: object, source: str, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("tags must be an object of strings", path=path, source=source)
    out: dict[str, str] = {}
    for key, tag in value.items():
        if not isinstance(tag, str):
            raise InputError(
                f"tag {_shown(key)} must be a string, got {_shown(tag)}", path=path, source=source
            )
        out[str(key)] = tag
    return out


def _tags(value: object, source: str, path: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_tag_map(value, source, path).items()))
