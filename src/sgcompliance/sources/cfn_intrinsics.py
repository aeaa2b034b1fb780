"""CloudFormation's intrinsic functions, evaluated before deployment where the template alone
fixes their value.

What is resolved: parameters (the value given, else the `Default`; `List<...>` and
`CommaDelimitedList` split on commas, each member trimmed), `AWS::NoValue` (the property or
list item is dropped), pseudo-parameters given as parameters (`AWS::Region=eu-west-1`),
`Conditions` (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`) with `Fn::If` taking the
branch they choose, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`,
`Fn::Base64` and `Fn::Cidr`. `Ref` to a security group or prefix list of the template (or
`Fn::GetAtt` of its `GroupId` / `PrefixListId`) is a `ResourceId`: the id that resource gets.

What is not: an `Unknown`, with the reason a person reads ("Fn::ImportValue 'shared-cidr' is
known only in a deployed stack"). A function of an unknown is unknown; a condition that is
false whatever the unknown (`Fn::And` with a false part) is decided. Nothing is guessed.

Bounded for hostile templates: a condition that refers to itself is refused, evaluation nests
at most `MAX_NESTING` levels (through conditions too), and `MAX_WORK` bounds the steps and the
characters of text all functions together may produce.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sgcompliance.errors import InputError

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
PREFIX_LIST = "AWS::EC2::PrefixList"
# Functions CloudFormation runs that are not evaluated here (macros and language extensions).
NOT_EVALUATED = frozenset({"Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::ForEach"})
CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"})
PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
        "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    }
)  # fmt: skip
MAX_NESTING = 200
MAX_WORK = 2_000_000
# The longest text one function may produce (a template is at most 1 MB).
MAX_TEXT = 1024 * 1024
_ATTRIBUTE_IDS = {SECURITY_GROUP: "GroupId", PREFIX_LIST: "PrefixListId"}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SHOWN = 48


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value known only once the stack is deployed (or not evaluated here), and why."""

    reason: str


@dataclass(frozen=True, slots=True)
class ResourceId:
    """The id a security group or prefix list of the template gets when it is created."""

    logical_id: str
    type: str

    def describe(self) -> str:
        what = "security group" if self.type == SECURITY_GROUP else "prefix list"
        return f"the id of {what} {self.logical_id}"


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
# A condition's value: decided, or why it is not.
Decision = bool | Unknown


def shown(value: object) -> str:
    """A value quoted for a message, cut short."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def first_unknown(value: object) -> Unknown | None:
    """The first `Unknown` in a resolved value (lists and mappings searched), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unknown):
            return item
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return None


class Intrinsics:
    """Evaluates the intrinsic functions of one template, given its parameter values."""

    def __init__(
        self, template: Mapping[str, Any], parameters: Mapping[str, str], source: str
    ) -> None:
        self.source = source
        self.resources = _section(template, "Resources", source)
        self.mappings = _section(template, "Mappings", source)
        self.conditions = _section(template, "Conditions", source)
        self.pseudo = {name: parameters[name] for name in PSEUDO_PARAMETERS if name in parameters}
        self.parameters = self._parameters(_section(template, "Parameters", source), parameters)
        self._decided: dict[str, Decision] = {}
        self._deciding: list[str] = []
        self._nesting = 0
        self._work = 0

    # --- parameters ---------------------------------------------------------------------------

    def _parameters(self, declared: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
        for name in given:
            if name not in declared and name not in PSEUDO_PARAMETERS:
                raise InputError(
                    f"parameter {shown(name)} is given, but the template declares no such "
                    "parameter",
                    path="$.Parameters",
                    source=self.source,
                    hint="give only parameters the template declares (or AWS::Region, "
                    "AWS::AccountId, ...)",
                )
        values: dict[str, Any] = {}
        for name, declaration in declared.items():
            path = f"$.Parameters.{name}"
            if not isinstance(declaration, dict):
                raise InputError("a parameter is an object", path=path, source=self.source)
            kind = declaration.get("Type", "String")
            if not isinstance(kind, str):
                raise InputError("Type must be a string", path=f"{path}.Type", source=self.source)
            values[name] = self._parameter(name, kind, declaration, given, path)
        return values

    def _parameter(
        self, name: str, kind: str, declaration: Mapping[str, Any], given: Mapping[str, str],
        path: str,
    ) -> object:  # fmt: skip
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            return Unknown(
                f"parameter {name} is read from SSM Parameter Store when the stack is deployed"
            )
        raw: object = given[name] if name in given else declaration.get("Default")
        if raw is None:
            return Unknown(
                f"parameter {name} has no Default and no value was given "
                f"(--parameters {name}=VALUE)"
            )
        if isinstance(raw, bool):
            raw = "true" if raw else "false"
        if isinstance(raw, int | float):
            raw = str(raw)
        if not isinstance(raw, str):
            raise InputError(
                f"the Default of parameter {name} must be a string or a number",
                path=f"{path}.Default",
                source=self.source,
            )
        allowed = declaration.get("AllowedValues")
        if isinstance(allowed, list) and name in given and raw not in [str(a) for a in allowed]:
            raise InputError(
                f"parameter {name} is given {shown(raw)}, not one of its AllowedValues",
                path=f"{path}.AllowedValues",
                source=self.source,
            )
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [member.strip() for member in raw.split(",")]
        return raw

    # --- values -------------------------------------------------------------------------------

    def resolve(self, value: object, path: str) -> Any:
        """`value` with every intrinsic function evaluated; `NO_VALUE` for `AWS::NoValue`
        (dropped from the mappings and lists around it); `Unknown` where not known."""
        self._enter(path)
        try:
            if isinstance(value, dict):
                if len(value) == 1:
                    ((key, argument),) = value.items()
                    if key == "Ref":
                        return self._ref(argument, path)
                    if isinstance(key, str) and key.startswith("Fn::"):
                        return self._function(key, argument, f"{path}.{key}")
                out: dict[str, Any] = {}
                for key, item in value.items():
                    resolved = self.resolve(item, f"{path}.{key}")
                    if resolved is not NO_VALUE:
                        out[key] = resolved
                return out
            if isinstance(value, list):
                items = [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(value)]
                return [item for item in items if item is not NO_VALUE]
            return value
        finally:
            self._nesting -= 1

    def _enter(self, path: str) -> None:
        self._nesting += 1
        self._work += 1
        if self._nesting > MAX_NESTING:
            raise InputError(
                f"intrinsic functions nest more than {MAX_NESTING} levels (conditions included)",
                path=path,
                source=self.source,
                hint="simplify the conditions and functions of the template",
            )
        self._spend(0, path)

    def _spend(self, amount: int, path: str) -> None:
        self._work += amount
        if self._work > MAX_WORK:
            raise InputError(
                f"evaluating the template's functions takes more than {MAX_WORK:,} steps",
                path=path,
                source=self.source,
                hint="a template's functions produce at most a few MB of values",
            )

    def _ref(self, name: object, path: str) -> object:
        if not isinstance(name, str):
            raise self._error("Ref takes the name of a parameter or resource", path)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            if name in self.pseudo:
                return self.pseudo[name]
            return Unknown(
                f"{name} is known only when the stack is deployed "
                f"(give it with --parameters {name}=VALUE)"
            )
        resource = self.resources.get(name)
        if resource is None:
            return Unknown(f"Ref {shown(name)} names no parameter or resource of the template")
        return self._resource_value(name, resource, f"Ref {name}")

    def _resource_value(self, name: str, resource: object, what: str) -> object:
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in _ATTRIBUTE_IDS:
            return Unknown(f"{what} ({kind}) is known only once the stack is deployed")
        created = self.created(name)
        if isinstance(created, Unknown):
            return Unknown(f"whether {name} is created is not known: {created.reason}")
        if not created:
            return Unknown(f"{name} is not created (its Condition is false)")
        assert isinstance(kind, str)
        return ResourceId(name, kind)

    def created(self, logical_id: str) -> Decision:
        """Whether a resource of the template is created (its `Condition`)."""
        resource = self.resources.get(logical_id)
        name = resource.get("Condition") if isinstance(resource, dict) else None
        if name is None:
            return True
        return self.condition(name, f"$.Resources.{logical_id}.Condition")

    def _function(self, key: str, argument: object, path: str) -> object:
        handler = _FUNCTIONS.get(key)
        if handler is not None:
            return handler(self, argument, path)
        if key in NOT_EVALUATED:
            return Unknown(f"{key} is not evaluated before deployment")
        if key in CONDITION_FUNCTIONS:
            raise self._error(f"{key} is used only in Conditions (and in them, by name)", path)
        raise self._error(f"unknown intrinsic function {shown(key)}", path)

    def _get_att(self, argument: object, path: str) -> object:
        if isinstance(argument, str):
            logical_id, _, attribute_name = argument.partition(".")
            argument = [logical_id, attribute_name]
        if not isinstance(argument, list) or len(argument) != 2:
            raise self._error("Fn::GetAtt takes [resource, attribute]", path)
        name = argument[0]
        attribute = self.resolve(argument[1], f"{path}[1]")
        if isinstance(attribute, Unknown):
            return attribute
        if not isinstance(name, str) or not isinstance(attribute, str):
            raise self._error("Fn::GetAtt takes [resource, attribute] as strings", path)
        resource = self.resources.get(name)
        if resource is None:
            return Unknown(f"Fn::GetAtt names {shown(name)}, not a resource of the template")
        kind = resource.get("Type") if isinstance(resource, dict) else None
        what = f"Fn::GetAtt {name}.{attribute}"
        if _ATTRIBUTE_IDS.get(str(kind)) == attribute:
            return self._resource_value(name, resource, what)
        return Unknown(f"{what} ({kind}) is known only once the stack is deployed")

    def _sub(self, argument: object, path: str) -> object:
        variables: Mapping[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise self._error("Fn::Sub takes a string, or [string, {name: value}]", path)
            variables = argument[1]
            argument = argument[0]
        if not isinstance(argument, str):
            raise self._error("Fn::Sub takes a string, or [string, {name: value}]", path)
        whole = _SUB_VARIABLE.fullmatch(argument)
        if whole is not None and not whole.group(1).startswith("!"):
            # "${AppSg}" alone stands for the value itself, an id included.
            return self._sub_variable(whole.group(1).strip(), variables, path)
        parts: list[str] = []
        at = 0
        for match in _SUB_VARIABLE.finditer(argument):
            parts.append(argument[at : match.start()])
            at = match.end()
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is written as ${Literal}
                parts.append("${" + name[1:] + "}")
                continue
            value = self._sub_variable(name.strip(), variables, path)
            text = self._text(value, f"the variable ${{{name.strip()}}} of Fn::Sub", path)
            if isinstance(text, Unknown):
                return text
            parts.append(text)
            self._spend(len(text), path)
        parts.append(argument[at:])
        return self._bounded("".join(parts), path)

    def _sub_variable(self, name: str, variables: Mapping[str, Any], path: str) -> object:
        if name in variables:
            return self.resolve(variables[name], f"{path}[1].{name}")
        if "." in name and name.partition(".")[0] in self.resources:
            return self._get_att(name, path)
        return self._ref(name, path)

    def _text(self, value: object, what: str, path: str) -> str | Unknown:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, ResourceId):
            return Unknown(f"{value.describe()} is known only once the stack creates it")
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise self._error(f"{what} must be a string or a number, got {kind_of(value)}", path)

    def _bounded(self, text: str, path: str) -> str:
        if len(text) > MAX_TEXT:
            raise self._error(
                f"a function makes text of {len(text):,} characters, more than {MAX_TEXT:,}", path
            )
        return text

    def _if(self, argument: object, path: str) -> object:
        if not isinstance(argument, list) or len(argument) != 3:
            raise self._error("Fn::If takes [condition name, value if true, value if false]", path)
        name = argument[0]
        decision = self.condition(name, f"{path}[0]")
        if isinstance(decision, Unknown):
            return decision  # "condition X cannot be decided before deployment: ..."
        return self.resolve(argument[1] if decision else argument[2], path)

    def _arguments(
        self, argument: object, count: int, usage: str, path: str
    ) -> list[Any] | Unknown:
        """The `count` arguments of a function, resolved, or the first that is unknown."""
        if not isinstance(argument, list) or len(argument) != count:
            raise self._error(usage, path)
        values = [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(argument)]
        return next((v for v in values if isinstance(v, Unknown)), values)

    def _join(self, argument: object, path: str) -> object:
        usage = "Fn::Join takes [delimiter, [values]]"
        arguments = self._arguments(argument, 2, usage, path)
        if isinstance(arguments, Unknown):
            return arguments
        delimiter, items = arguments
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise self._error(usage, path)
        texts: list[str] = []
        for item in items:
            text = self._text(item, "a value of Fn::Join", path)
            if isinstance(text, Unknown):
                return text
            texts.append(text)
            self._spend(len(text) + len(delimiter), path)
        return self._bounded(delimiter.join(texts), path)

    def _select(self, argument: object, path: str) -> object:
        usage = "Fn::Select takes [index, [values]]"
        arguments = self._arguments(argument, 2, usage, path)
        if isinstance(arguments, Unknown):
            return arguments
        index, items = arguments
        number = _integer(index)
        if number is None or not isinstance(items, list):
            raise self._error(usage, path)
        if not 0 <= number < len(items):
            raise self._error(
                f"Fn::Select index {number} is outside the list of {len(items)} values", path
            )
        return items[number]

    def _split(self, argument: object, path: str) -> object:
        arguments = self._arguments(argument, 2, "Fn::Split takes [delimiter, string]", path)
        if isinstance(arguments, Unknown):
            return arguments
        delimiter, text = arguments
        if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
            raise self._error("Fn::Split takes [delimiter, string], the delimiter not empty", path)
        self._spend(len(text), path)
        return text.split(delimiter)

    def _find_in_map(self, argument: object, path: str) -> object:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise self._error("Fn::FindInMap takes [map, top-level key, second-level key]", path)
        keys = [self.resolve(item, f"{path}[{i}]") for i, item in enumerate(argument[:3])]
        unknown = first_unknown(keys)
        if unknown is not None:
            return unknown
        names = [self._text(key, "a key of Fn::FindInMap", path) for key in keys]
        unknown = first_unknown(names)
        if unknown is not None:
            return unknown
        found: object = self.mappings
        for name in names:
            found = found.get(name) if isinstance(found, dict) and isinstance(name, str) else None
            if found is None:
                break
        if found is None:
            default = argument[3] if len(argument) == 4 else None
            if isinstance(default, dict) and "DefaultValue" in default:
                return self.resolve(default["DefaultValue"], f"{path}[3].DefaultValue")
            raise self._error(
                f"Fn::FindInMap: the Mappings hold no {'.'.join(map(str, names))}", path
            )
        return found

    def _import_value(self, argument: object, path: str) -> object:
        name = self.resolve(argument, path)
        named = f" {shown(name)}" if isinstance(name, str) else ""
        return Unknown(
            f"Fn::ImportValue{named} is known only in a deployed stack (another stack's export)"
        )

    def _get_azs(self, _argument: object, _path: str) -> object:
        return Unknown("Fn::GetAZs lists the availability zones of the account it is deployed in")

    def _base64(self, argument: object, path: str) -> object:
        value = self.resolve(argument, path)
        text = self._text(value, "the value of Fn::Base64", path)
        if isinstance(text, Unknown):
            return text
        self._spend(len(text), path)
        return self._bounded(base64.b64encode(text.encode("utf-8")).decode("ascii"), path)

    def _cidr(self, argument: object, path: str) -> object:
        values = self._arguments(argument, 3, "Fn::Cidr takes [ip block, count, cidr bits]", path)
        if isinstance(values, Unknown):
            return values
        block, count, bits = values[0], _integer(values[1]), _integer(values[2])
        try:
            network = ipaddress.ip_network(str(block), strict=False)
        except ValueError:
            raise self._error(f"Fn::Cidr: {shown(block)} is not a CIDR block", path) from None
        if count is None or not 1 <= count <= 256:
            raise self._error("Fn::Cidr: the count is a number from 1 to 256", path)
        if bits is None or not 1 <= bits <= network.max_prefixlen - network.prefixlen:
            raise self._error(f"Fn::Cidr: cidr bits {shown(values[2])} do not fit the block", path)
        blocks = network.subnets(new_prefix=network.max_prefixlen - bits)
        subnets = [str(block) for block in islice(blocks, count)]
        if len(subnets) < count:
            raise self._error(f"Fn::Cidr: {network} holds fewer than {count} such blocks", path)
        return subnets

    # --- conditions ---------------------------------------------------------------------------

    def condition(self, name: object, path: str) -> Decision:
        """The value of a named condition of the template."""
        if not isinstance(name, str) or name not in self.conditions:
            raise self._error(f"{shown(name)} is not a condition of the template", path)
        decided = self._decided.get(name)
        if decided is not None:
            return decided
        if name in self._deciding:
            cycle = " -> ".join([*self._deciding[self._deciding.index(name) :], name])
            raise InputError(
                f"condition {name} refers to itself ({cycle})",
                path=f"$.Conditions.{name}",
                source=self.source,
                hint="a condition may not depend on itself",
            )
        self._deciding.append(name)
        try:
            decided = self._decide(self.conditions[name], f"$.Conditions.{name}")
        finally:
            self._deciding.pop()
        if isinstance(decided, Unknown) and not decided.reason.startswith("condition "):
            reason = f"condition {name} cannot be decided before deployment: {decided.reason}"
            decided = Unknown(reason)
        self._decided[name] = decided
        return decided

    def _decide(self, body: object, path: str) -> Decision:
        self._enter(path)
        try:
            if not isinstance(body, dict) or len(body) != 1:
                raise self._error(
                    "a condition is one of Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition",
                    path,
                )
            ((key, argument),) = body.items()
            if key == "Condition":
                return self.condition(argument, f"{path}.Condition")
            where = f"{path}.{key}"
            if key == "Fn::Equals":
                return self._equals(argument, where)
            if key == "Fn::Not":
                if not isinstance(argument, list) or len(argument) != 1:
                    raise self._error("Fn::Not takes [condition]", where)
                inner = self._decide(argument[0], f"{where}[0]")
                return inner if isinstance(inner, Unknown) else not inner
            if key in ("Fn::And", "Fn::Or"):
                return self._all_or_any(key, argument, where)
            raise self._error(
                f"{shown(key)} is not a condition function (Fn::Equals, Fn::And, Fn::Or, "
                "Fn::Not, Condition)",
                path,
            )
        finally:
            self._nesting -= 1

    def _equals(self, argument: object, path: str) -> Decision:
        arguments = self._arguments(argument, 2, "Fn::Equals takes [value, value]", path)
        if isinstance(arguments, Unknown):
            return arguments
        # Lists are compared whole: an unknown anywhere in them leaves the answer unknown.
        unknown = first_unknown(arguments)
        if unknown is not None:
            return unknown
        left, right = arguments
        for side in (left, right):
            if isinstance(side, ResourceId):
                return Unknown(f"{side.describe()} is known only once the stack creates it")
        return _comparable(left) == _comparable(right)

    def _all_or_any(self, key: str, argument: object, path: str) -> Decision:
        if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
            raise self._error(f"{key} takes from 2 to 10 conditions", path)
        deciding = key == "Fn::Or"  # the value that decides the whole: True for Or
        unknown: Unknown | None = None
        for i, part in enumerate(argument):
            value = self._decide(part, f"{path}[{i}]")
            if isinstance(value, Unknown):
                unknown = unknown or value
            elif value is deciding:
                return deciding
        return unknown if unknown is not None else not deciding

    def _error(self, message: str, path: str) -> InputError:
        return InputError(message, path=path, source=self.source)


def _section(template: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    value = template.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{name} must be an object", path=f"$.{name}", source=source)
    return value


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        return int(value)
    return None


def _comparable(value: object) -> object:
    """CloudFormation compares the text of values: `"22"` equals `22`, `"true"` equals true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def kind_of(value: object) -> str:
    """What a resolved value is, for a message."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is NO_VALUE:
        return "AWS::NoValue"
    if isinstance(value, ResourceId):
        return value.describe()
    return shown(value)


_FUNCTIONS = {
    "Fn::GetAtt": Intrinsics._get_att,
    "Fn::Sub": Intrinsics._sub,
    "Fn::If": Intrinsics._if,
    "Fn::Join": Intrinsics._join,
    "Fn::Select": Intrinsics._select,
    "Fn::Split": Intrinsics._split,
    "Fn::FindInMap": Intrinsics._find_in_map,
    "Fn::ImportValue": Intrinsics._import_value,
    "Fn::GetAZs": Intrinsics._get_azs,
    "Fn::Base64": Intrinsics._base64,
    "Fn::Cidr": Intrinsics._cidr,
}
