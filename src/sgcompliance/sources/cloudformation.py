"""Reading a CloudFormation template: the security groups a stack made from it would hold.

Resources read: `AWS::EC2::SecurityGroup` (its `SecurityGroupIngress` and `SecurityGroupEgress`
entries, `GroupName`, `GroupDescription`, `VpcId`, `Tags`), `AWS::EC2::SecurityGroupIngress` and
`AWS::EC2::SecurityGroupEgress` (attached to the template's group their `GroupId` (or, for
ingress, `GroupName`) names by `Ref` or `Fn::GetAtt`, or to a group of their own named by an id
written out, `sg-...`; each rule is read by `cfn_rules`), and
`AWS::EC2::PrefixList` (its entries resolve the rules that name it, by logical id). Every other
resource is left alone. A resource whose `Condition` is false is not created; one whose
condition cannot be decided is reported, never judged.

The default egress rule: AWS adds rules allowing all outbound IPv4 and IPv6 traffic to a group
created without egress rules (the `AWS::EC2::SecurityGroup` reference: "if you do not add egress
rules, we add egress rules that allow all outbound IPv4 and IPv6 traffic"). So a group whose
`SecurityGroupEgress` is absent (or empty) gets both, ids `<group>/default-egress-ipv4` and
`-ipv6`, even when standalone `AWS::EC2::SecurityGroupEgress` resources add rules to it later:
those do not remove the default. (EC2 adds the IPv6 rule only in a VPC with an IPv6 block,
which a template does not say: it is kept, as the reference writes it.) A group that declares
egress entries has those alone.

Tags as they will be on the group: those written, and `aws:cloudformation:logical-id` (and
`aws:cloudformation:stack-name` when `AWS::StackName` is given), which CloudFormation adds.

Values the template does not fix (see `cfn_intrinsics`) are never guessed: the rule, or the
group, is left out and listed in `CodeEstate.unresolved` with the reason. So are the resources
of `Fn::ForEach` loops and whatever a macro (a `Transform` not of AWS) would make. A rule's
`Description` that is not known is read as empty (a check requiring descriptions flags it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.errors import InputError
from sgcompliance.sources.cfn_intrinsics import (
    NO_VALUE,
    PREFIX_LIST,
    SECURITY_GROUP,
    Intrinsics,
    ResourceId,
    Unknown,
    first_unknown,
    kind_of,
    shown,
)
from sgcompliance.sources.cfn_rules import EGRESS, INGRESS, RuleReader, Side, UnknownPart
from sgcompliance.sources.cfn_yaml import (
    ParsedTemplate,
    TreePath,
    parse_template,
    read_template_text,
)
from sgcompliance.sources.code_estate import (
    CodeEstate,
    CodeKind,
    SourceLocation,
    Unresolved,
)

INGRESS_TYPE = "AWS::EC2::SecurityGroupIngress"
EGRESS_TYPE = "AWS::EC2::SecurityGroupEgress"
TEMPLATE_HINT = "give a CloudFormation template (JSON, or YAML with short-form intrinsics)"
LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
STACK_NAME_TAG = "aws:cloudformation:stack-name"
# A key of Resources that makes resources by a loop (AWS::LanguageExtensions).
FOR_EACH = "Fn::ForEach::"


_GROUP_PROPERTIES = frozenset(
    {
        "GroupDescription",
        "GroupName",
        "VpcId",
        "Tags",
        "SecurityGroupIngress",
        "SecurityGroupEgress",
    }
)
_DEFAULT_EGRESS = (("default-egress-ipv4", "0.0.0.0/0", PeerKind.IPV4),
                   ("default-egress-ipv6", "::/0", PeerKind.IPV6))  # fmt: skip


@dataclass(slots=True)
class _Group:
    logical_id: str
    name: str
    description: str = ""
    vpc_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)


def read_template(text: str, source: str, parameters: Mapping[str, str]) -> CodeEstate:
    """The security groups of a template (JSON or YAML text), `parameters` giving values to its
    parameters (and pseudo-parameters such as `AWS::Region`). Locations name `source`."""
    parsed = parse_template(text, source)
    try:
        return _TemplateReader(parsed, source, parameters).read()
    except RecursionError as exc:  # not reached within MAX_NESTING; kept as a last guard
        raise InputError(
            "the template's functions nest too deeply to evaluate", source=source
        ) from exc


def load_template(path: Path, parameters: Mapping[str, str]) -> CodeEstate:
    """`read_template` of a file, read within the template limits."""
    return read_template(read_template_text(path), str(path), parameters)


class _TemplateReader:
    def __init__(self, parsed: ParsedTemplate, source: str, parameters: Mapping[str, str]) -> None:
        self.source = source
        self.lines = parsed.lines
        self.template = _template(parsed.body, source)
        self.resources: dict[str, Any] = self.template["Resources"]
        self.intrinsics = Intrinsics(self.template, parameters, source)
        self.parameters = parameters
        self.groups: dict[str, _Group] = {}
        self.prefix_lists: dict[str, tuple[str, ...]] = {}
        self.unknown_lists: dict[str, Unknown] = {}
        self.rules = RuleReader(source, self.resources, self.unknown_lists)
        self.locations: dict[str, SourceLocation] = {}
        self.unresolved: list[Unresolved] = []

    def read(self) -> CodeEstate:
        self._transforms()
        created: dict[str, str] = {}
        for logical_id, resource in self.resources.items():
            if logical_id.startswith(FOR_EACH):
                self._unknown(
                    logical_id, "Resources",
                    "Fn::ForEach makes its resources when the stack is deployed (the "
                    "AWS::LanguageExtensions transform): they are not judged here",
                    ("Resources", logical_id),
                )  # fmt: skip
                continue
            kind = self._type(logical_id, resource)
            if kind not in (SECURITY_GROUP, INGRESS_TYPE, EGRESS_TYPE, PREFIX_LIST):
                continue
            decision = self.intrinsics.created(logical_id)
            if isinstance(decision, Unknown):
                self._unknown(logical_id, "Condition", decision.reason, ("Resources", logical_id))
            elif decision:
                created[logical_id] = kind
        for logical_id, kind in created.items():
            if kind == PREFIX_LIST:
                self._prefix_list(logical_id)
        for logical_id, kind in created.items():
            if kind == SECURITY_GROUP:
                self._group(logical_id)
        for logical_id, kind in created.items():
            if kind in (INGRESS_TYPE, EGRESS_TYPE):
                self._standalone(logical_id, INGRESS if kind == INGRESS_TYPE else EGRESS)
        account = self.parameters.get("AWS::AccountId", "")
        region = self.parameters.get("AWS::Region", "")
        groups = tuple(
            SecurityGroup(
                group.logical_id, group.name, account, region, tuple(group.rules),
                vpc_id=group.vpc_id, description=group.description, tags=group.tags,
            )
            for group in self.groups.values()
        )  # fmt: skip
        snapshot = RegionSnapshot(account, region, groups, dict(self.prefix_lists))
        return CodeEstate(
            kind=CodeKind.CLOUDFORMATION,
            snapshot=snapshot,
            locations=self.locations,
            unresolved=tuple(self.unresolved),
        )

    def _transforms(self) -> None:
        """A macro (a transform not of AWS) may rewrite any part of the template, groups
        included: what it makes is known only when the stack is deployed."""
        names = self.template.get("Transform")
        for name in names if isinstance(names, list) else [names]:
            if isinstance(name, str) and not name.startswith("AWS::"):
                self._unknown(
                    name, "Transform",
                    f"the macro {shown(name)} rewrites the template when the stack is deployed: "
                    "what it makes is not judged here",
                    ("Transform",),
                )  # fmt: skip

    # --- resources ----------------------------------------------------------------------------

    def _type(self, logical_id: str, resource: object) -> str:
        path = f"$.Resources.{logical_id}"
        if not isinstance(resource, dict):
            raise InputError("a resource is an object with a Type", path=path, source=self.source)
        kind = resource.get("Type")
        if not isinstance(kind, str) or not kind:
            raise InputError(
                "a resource needs a Type (such as AWS::EC2::SecurityGroup)",
                path=f"{path}.Type",
                source=self.source,
            )
        return kind

    def _properties(self, logical_id: str, allowed: frozenset[str]) -> dict[str, Any]:
        path = f"$.Resources.{logical_id}.Properties"
        raw = self.resources[logical_id].get("Properties", {})
        if not isinstance(raw, dict):
            raise InputError("Properties must be an object", path=path, source=self.source)
        unexpected = sorted(set(raw) - allowed)
        if unexpected:
            raise InputError(
                f"unknown property {shown(unexpected[0])} of {self.resources[logical_id]['Type']}",
                path=f"{path}.{unexpected[0]}",
                source=self.source,
                hint="the properties read are " + ", ".join(sorted(allowed)),
            )
        return raw

    def _group(self, logical_id: str) -> None:
        path = f"$.Resources.{logical_id}.Properties"
        properties = self._properties(logical_id, _GROUP_PROPERTIES)
        resolve = self.intrinsics.resolve
        name = resolve(properties.get("GroupName", NO_VALUE), f"{path}.GroupName")
        description = resolve(properties.get("GroupDescription", ""), f"{path}.GroupDescription")
        vpc = resolve(properties.get("VpcId", NO_VALUE), f"{path}.VpcId")
        group = _Group(
            logical_id,
            name if isinstance(name, str) and name else logical_id,
            description if isinstance(description, str) else "",
            vpc if isinstance(vpc, str) and vpc else None,
        )
        group.tags = self._tags(
            logical_id, resolve(properties.get("Tags", NO_VALUE), f"{path}.Tags")
        )
        self.groups[logical_id] = group
        self.locations[logical_id] = self._at(("Resources", logical_id))
        for side in (INGRESS, EGRESS):
            where: TreePath = ("Resources", logical_id, "Properties", side.inline)
            entries = self._entries(properties.get(side.inline, NO_VALUE), f"{path}.{side.inline}")
            if isinstance(entries, Unknown):
                # Not even whether the default egress rule stays is known.
                self._unknown(logical_id, side.inline, entries.reason, where)
                continue
            for i, entry in entries:
                self._entry(
                    group, side, entry, f"{side.inline}[{i}]", f"{path}.{side.inline}[{i}]",
                    (*where, i),
                )  # fmt: skip
            if side is EGRESS and not entries:
                for suffix, cidr, kind in _DEFAULT_EGRESS:
                    rule_id = f"{logical_id}/{suffix}"
                    group.rules.append(
                        Rule(
                            rule_id, logical_id, Direction.EGRESS, "all", None, None,
                            Peer(kind, cidr),
                            "added by AWS: the group declares no SecurityGroupEgress",
                        )
                    )  # fmt: skip
                    self.locations[rule_id] = self._at(("Resources", logical_id))

    def _entries(self, raw: object, path: str) -> list[tuple[int, object]] | Unknown:
        """The resolved entries of a list of rules, each with its index as written (an entry
        `AWS::NoValue` drops leaves the others' indices, and so their ids and lines, alone)."""
        if isinstance(raw, list):
            resolved = [
                (i, self.intrinsics.resolve(item, f"{path}[{i}]")) for i, item in enumerate(raw)
            ]
            return [(i, entry) for i, entry in resolved if entry is not NO_VALUE]
        entries = self.intrinsics.resolve(raw, path)
        if isinstance(entries, Unknown):
            return entries
        if entries is NO_VALUE:
            return []
        if not isinstance(entries, list):
            raise InputError(
                f"a list of rules is expected, got {kind_of(entries)}",
                path=path,
                source=self.source,
            )
        return list(enumerate(entries))

    def _tags(self, logical_id: str, value: object) -> dict[str, str]:
        path = f"$.Resources.{logical_id}.Properties.Tags"
        tags: dict[str, str] = {}
        where: TreePath = ("Resources", logical_id, "Properties", "Tags")
        if isinstance(value, Unknown):
            self._unknown(logical_id, "Tags", value.reason, where)
        elif value is not NO_VALUE:
            if not isinstance(value, list):
                raise InputError(
                    "Tags must be a list of {Key, Value}", path=path, source=self.source
                )
            for i, tag in enumerate(value):
                if isinstance(tag, Unknown):
                    self._unknown(logical_id, f"Tags[{i}]", tag.reason, (*where, i))
                    continue
                key = tag.get("Key") if isinstance(tag, dict) else None
                text = tag.get("Value") if isinstance(tag, dict) else None
                unknown = first_unknown([key, text])
                if unknown is not None:
                    # A tag can select the checks and exemptions of the group.
                    self._unknown(logical_id, f"Tags[{i}]", unknown.reason, (*where, i))
                    continue
                if not isinstance(key, str) or not isinstance(text, str | int | float):
                    raise InputError(
                        "a tag is {Key: string, Value: string}",
                        path=f"{path}[{i}]",
                        source=self.source,
                    )
                tags[key] = str(text)
        tags[LOGICAL_ID_TAG] = logical_id
        stack = self.parameters.get("AWS::StackName")
        if stack:
            tags[STACK_NAME_TAG] = stack
        return tags

    def _standalone(self, logical_id: str, side: Side) -> None:
        path = f"$.Resources.{logical_id}.Properties"
        properties = self._properties(logical_id, side.properties | side.targets)
        where: TreePath = ("Resources", logical_id)
        targets = {
            name: self.intrinsics.resolve(properties[name], f"{path}.{name}")
            for name in sorted(side.targets)
            if name in properties
        }
        targets = {name: value for name, value in targets.items() if value is not NO_VALUE}
        if len(targets) != 1:
            raise InputError(
                f"{self.resources[logical_id]['Type']} names its group by one of "
                + " or ".join(sorted(side.targets)),
                path=f"{path}.GroupId",
                source=self.source,
            )
        ((attribute, target),) = targets.items()
        if isinstance(target, Unknown):
            self._unknown(logical_id, attribute, target.reason, where)
            return
        group = self._target(target, f"{path}.{attribute}", logical_id)
        self._entry(group, side, properties, logical_id, path, where, standalone=True)

    def _target(self, target: object, path: str, logical_id: str) -> _Group:
        if isinstance(target, ResourceId):
            if target.type != SECURITY_GROUP:
                raise InputError(
                    f"expected a security group, got {target.describe()}",
                    path=path,
                    source=self.source,
                )
            return self.groups[target.logical_id]
        if not isinstance(target, str) or not target:
            raise InputError(
                f"expected a security group id, got {kind_of(target)}",
                path=path,
                source=self.source,
            )
        self.rules.not_a_logical_id(target, path)
        group = self.groups.get(target)
        if group is None:
            # A group outside the template (`sg-...`): judged with the rules the template adds.
            group = self.groups[target] = _Group(target, target)
            self.locations.setdefault(target, self._at(("Resources", logical_id)))
        return group

    def _prefix_list(self, logical_id: str) -> None:
        path = f"$.Resources.{logical_id}.Properties"
        allowed = frozenset({"AddressFamily", "Entries", "MaxEntries", "PrefixListName", "Tags"})
        properties = self._properties(logical_id, allowed)
        resolve = self.intrinsics.resolve
        family = resolve(properties.get("AddressFamily", NO_VALUE), f"{path}.AddressFamily")
        entries = resolve(properties.get("Entries", NO_VALUE), f"{path}.Entries")
        unknown = first_unknown([family, entries])
        if unknown is not None:
            self.unknown_lists[logical_id] = unknown
            return
        if family not in ("IPv4", "IPv6"):
            raise InputError(
                f"AddressFamily must be IPv4 or IPv6, got {shown(family)}",
                path=f"{path}.AddressFamily",
                source=self.source,
            )
        entries = [] if entries is NO_VALUE else entries
        if not isinstance(entries, list):
            raise InputError("Entries must be a list", path=f"{path}.Entries", source=self.source)
        cidrs: list[str] = []
        for i, entry in enumerate(entries):
            cidr = entry.get("Cidr") if isinstance(entry, dict) else None
            epath = f"{path}.Entries[{i}].Cidr"
            if not isinstance(cidr, str):
                raise InputError("an entry is {Cidr: string}", path=epath, source=self.source)
            self.rules.check_cidr(cidr, 4 if family == "IPv4" else 6, epath)
            cidrs.append(cidr)
        self.prefix_lists[logical_id] = tuple(cidrs)

    # --- rules --------------------------------------------------------------------------------

    def _entry(
        self,
        group: _Group,
        side: Side,
        entry: object,
        declared: str,
        path: str,
        where: TreePath,
        *,
        standalone: bool = False,
    ) -> None:
        """One rule, from an inline entry or a standalone rule resource (`declared`: the
        entry's position, or the resource's logical id)."""
        address = group.logical_id
        if isinstance(entry, Unknown):
            self._unknown(address, declared, entry.reason, where)
            return
        if not isinstance(entry, dict):
            raise InputError(
                f"a rule is an object, got {kind_of(entry)}", path=path, source=self.source
            )
        if standalone:
            # A standalone resource's properties are resolved here, one by one.
            entry = {
                key: self.intrinsics.resolve(value, f"{path}.{key}")
                for key, value in entry.items()
                if key not in side.targets
            }
            entry = {key: value for key, value in entry.items() if value is not NO_VALUE}
        allowed = side.properties
        unexpected = sorted(set(entry) - allowed)
        if unexpected:
            raise InputError(
                f"unknown property {shown(unexpected[0])} of a {side.direction.value} rule",
                path=f"{path}.{unexpected[0]}",
                source=self.source,
                hint="the properties read are " + ", ".join(sorted(allowed)),
            )
        rule_id = f"{address}/{declared}"
        self.locations[rule_id] = self._at(where)
        rule = self.rules.rule(entry, side, rule_id, address, path)
        if isinstance(rule, UnknownPart):
            attribute = f"{declared}.{rule.property}"
            self._unknown(address, attribute, rule.reason, where, rule.placeholder)
            return
        group.rules.append(rule)

    # --- what is left for deployment ----------------------------------------------------------

    def _unknown(
        self,
        address: str,
        attribute: str,
        reason: str,
        where: TreePath,
        rule: Rule | None = None,
    ) -> None:
        self.unresolved.append(Unresolved(address, attribute, reason, self._at(where), rule))

    def _at(self, where: TreePath) -> SourceLocation:
        """The line of `where`, else of the nearest path above it that has one."""
        for end in range(len(where), 0, -1):
            line = self.lines.get(where[:end])
            if line is not None:
                return SourceLocation(self.source, line)
        return SourceLocation(self.source, 1)


def _template(body: object, source: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InputError(
            f"expected a CloudFormation template (an object), got {kind_of(body)}",
            source=source,
            hint=TEMPLATE_HINT,
        )
    if "planned_values" in body or "format_version" in body:
        raise InputError(
            "this is a Terraform plan, not a CloudFormation template",
            source=source,
            hint="scan it with --terraform-plan",
        )
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise InputError(
            "not a CloudFormation template: no Resources",
            path="$.Resources",
            source=source,
            hint=TEMPLATE_HINT,
        )
    return body
