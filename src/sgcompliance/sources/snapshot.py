"""Reading the raw JSON of `describe-security-groups` / `describe-security-group-rules`.

A snapshot document is `{"account_id", "region", "SecurityGroups", "SecurityGroupRules",
"ManagedPrefixLists"?, "NetworkInterfaces"?}`; a file holds one or a list. Errors name the JSON
path of the problem. When `SecurityGroupRules` is absent the rules are derived from the groups'
`IpPermissions`, one per peer, with ids derived from their content.

A snapshot is judged in full or not at all. When both halves are present they must agree: a
rule row whose group `SecurityGroups` does not list, or a group whose `IpPermissions` /
`IpPermissionsEgress` (when the group carries them) hold other rules than its
`SecurityGroupRules` rows (compared by direction, protocol, ports and peer; descriptions aside),
is an `InconsistentSnapshotError`: judging either half alone could pass a rule the other holds.

A snapshot can hold hundreds of thousands of rule rows, almost all of them plain: a row is first
read by `_plain_rule`, which takes the common shapes only (and shares one `Peer` among the rows
naming the same peer); anything else goes to `parse_rule`, which reads every shape and words
every refusal, so both give the same rules and the same errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sgcompliance.engine.model import (
    Attachment,
    Direction,
    Peer,
    PeerKind,
    RegionSnapshot,
    Rule,
    SecurityGroup,
)
from sgcompliance.engine.network import cidr_info
from sgcompliance.engine.protocol import (
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    normalize_protocol,
    port_interval,
)
from sgcompliance.errors import InputError

Json = Any
# A value quoted in an error message is cut to this many characters: a hostile document must
# not turn one message into megabytes of log.
_SHOWN = 64


class InconsistentSnapshotError(InputError):
    """The two halves of a snapshot disagree: `SecurityGroupRules` and the groups of
    `SecurityGroups` (their `IpPermissions`) do not describe the same rules."""

    code = "SGC101"
    hint = (
        "take describe-security-groups and describe-security-group-rules again, one right "
        "after the other: a snapshot whose halves disagree cannot say which rules a group has"
    )


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One rule only one half of a snapshot holds (or a rule row whose group is missing)."""

    group_id: str
    # The JSON path of the entry only one half holds.
    path: str
    text: str

    def message(self, more: int = 0) -> str:
        tail = f" (and {more} more difference{'s' if more > 1 else ''})" if more else ""
        return f"group {_clip(self.group_id)}: {self.text}{tail}"


def read_snapshots(doc: Json, source: str = "") -> list[RegionSnapshot]:
    if isinstance(doc, list):
        return [read_snapshot(item, source, f"$[{i}]") for i, item in enumerate(doc)]
    return [read_snapshot(doc, source, "$")]


def read_snapshot(doc: Json, source: str = "", path: str = "$") -> RegionSnapshot:
    obj = _object(doc, source, path)
    account_id = _text(obj, "account_id", source, path)
    region = _text(obj, "region", source, path)
    groups_raw = _list(obj, "SecurityGroups", source, path)
    prefix_lists = _prefix_lists(
        obj.get("ManagedPrefixLists", {}), source, f"{path}.ManagedPrefixLists"
    )
    attachment = _attachments(obj.get("NetworkInterfaces"), source, f"{path}.NetworkInterfaces")
    if "SecurityGroupRules" in obj:
        rules = _rule_rows(_list(obj, "SecurityGroupRules", source, path), source, path)
        by_group = _by_group(rules)
        found = _disagreements(groups_raw, rules, by_group, account_id, source, path)
        if found:
            raise InconsistentSnapshotError(
                found[0].message(len(found) - 1), path=found[0].path, source=source
            )
    else:
        by_group = {}
        for i, raw in enumerate(groups_raw):
            gpath = f"{path}.SecurityGroups[{i}]"
            group_id = _text(_object(raw, source, gpath), "GroupId", source, gpath)
            by_group[group_id] = rules_from_permissions(raw, source, gpath)
    groups = []
    for i, raw in enumerate(groups_raw):
        gpath = f"{path}.SecurityGroups[{i}]"
        groups.append(parse_group(raw, account_id, region, by_group, attachment, source, gpath))
    return RegionSnapshot(account_id, region, tuple(groups), prefix_lists)


def parse_group(
    raw: Json,
    account_id: str,
    region: str,
    rules: Mapping[str, list[Rule]],
    attachment: Mapping[str, Attachment] | None,
    source: str,
    path: str,
) -> SecurityGroup:
    obj = _object(raw, source, path)
    group_id = _text(obj, "GroupId", source, path)
    state = (
        Attachment.UNKNOWN
        if attachment is None
        else attachment.get(group_id, Attachment.UNATTACHED)
    )
    return SecurityGroup(
        group_id=group_id,
        name=str(obj.get("GroupName", "")),
        account_id=str(obj.get("OwnerId") or account_id),
        region=region,
        rules=tuple(rules.get(group_id, ())),
        vpc_id=obj.get("VpcId"),
        description=str(obj.get("Description", "")),
        tags=_tags(obj.get("Tags", []), source, f"{path}.Tags"),
        attachment=state,
    )


def parse_rule(raw: Json, source: str = "", path: str = "$") -> Rule:
    """One `DescribeSecurityGroupRules` row."""
    obj = _object(raw, source, path)
    rule_id = _text(obj, "SecurityGroupRuleId", source, path)
    group_id = _text(obj, "GroupId", source, path)
    egress = obj.get("IsEgress", False)
    if not isinstance(egress, bool):
        raise InputError("IsEgress must be true or false", path=f"{path}.IsEgress", source=source)
    peers = [
        key
        for key in ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo")
        if obj.get(key)
    ]
    if len(peers) != 1:
        found = ", ".join(peers) or "none"
        raise InputError(
            "a rule needs exactly one of CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo; "
            f"found {found}",
            path=path,
            source=source,
        )
    key = peers[0]
    if key == "ReferencedGroupInfo":
        ref = _object(obj[key], source, f"{path}.{key}")
        peer = _group_peer(ref, source, f"{path}.{key}")
    else:
        peer = _peer(key, obj[key], source, f"{path}.{key}")
    protocol, from_port, to_port = _protocol_and_ports(obj, source, path)
    return Rule(
        rule_id=rule_id,
        group_id=group_id,
        direction=Direction.EGRESS if egress else Direction.INGRESS,
        protocol=protocol,
        from_port=from_port,
        to_port=to_port,
        peer=peer,
        description=str(obj.get("Description") or ""),
        tags=tuple(sorted(_tags(obj.get("Tags", []), source, f"{path}.Tags").items())),
    )


_PERMISSION_PEERS = (
    ("IpRanges", "CidrIp", "CidrIpv4"),
    ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
    ("PrefixListIds", "PrefixListId", "PrefixListId"),
)


_PERMISSION_FIELDS = (
    ("IpPermissions", Direction.INGRESS),
    ("IpPermissionsEgress", Direction.EGRESS),
)


def rules_from_permissions(raw: Json, source: str, path: str) -> list[Rule]:
    """Normal form from `IpPermissions`: a permission listing three CIDRs is three rules."""
    obj = _object(raw, source, path)
    return [rule for rule, _ in _permission_rules(obj, source, path)]


def _permission_rules(
    obj: Mapping[str, Any], source: str, path: str, only: str | None = None
) -> Iterator[tuple[Rule, str]]:
    """(rule, the JSON path of its peer) for every peer of every permission of a group; `only`
    reads one of the two fields."""
    group_id = _text(obj, "GroupId", source, path)
    for field, direction in _PERMISSION_FIELDS:
        if only is not None and field != only:
            continue
        for i, perm in enumerate(_optional_list(obj, field, source, path)):
            ppath = f"{path}.{field}[{i}]"
            pobj = _object(perm, source, ppath)
            protocol, lo, hi = _protocol_and_ports(pobj, source, ppath)
            for peer, description, ipath in _permission_peers(pobj, source, ppath):
                key = f"{group_id}|{direction}|{protocol}|{lo}|{hi}|{peer.kind}|{peer}"
                rule_id = "sgr-derived-" + hashlib.sha256(key.encode()).hexdigest()[:12]
                rule = Rule(rule_id, group_id, direction, protocol, lo, hi, peer, description)
                yield rule, ipath


def _permission_peers(
    pobj: Mapping[str, Any], source: str, path: str
) -> list[tuple[Peer, str, str]]:
    """Each peer of one permission with its own description and JSON path."""
    peers: list[tuple[Peer, str, str]] = []
    for list_key, item_key, kind in _PERMISSION_PEERS:
        for j, item in enumerate(_optional_list(pobj, list_key, source, path)):
            ipath = f"{path}.{list_key}[{j}]"
            iobj = _object(item, source, ipath)
            peer = _peer(kind, iobj.get(item_key), source, f"{ipath}.{item_key}")
            peers.append((peer, str(iobj.get("Description") or ""), ipath))
    for j, item in enumerate(_optional_list(pobj, "UserIdGroupPairs", source, path)):
        ipath = f"{path}.UserIdGroupPairs[{j}]"
        iobj = _object(item, source, ipath)
        description = str(iobj.get("Description") or "")
        peers.append((_group_peer(iobj, source, ipath), description, ipath))
    return peers


# --- the two halves of a snapshot -----------------------------------------------------------

_Content = tuple[Direction, str, object, PeerKind, str, str | None]


def rules_disagreements(
    groups: Sequence[Json],
    rule_rows: Sequence[Json],
    account_id: str,
    source: str = "",
    path: str = "$",
) -> list[Disagreement]:
    """What `SecurityGroups` (their `IpPermissions`) and `SecurityGroupRules` say differently,
    for callers that read both from AWS themselves (InputError when either is malformed)."""
    rules = _rule_rows(list(rule_rows), source, path)
    return _disagreements(list(groups), rules, _by_group(rules), account_id, source, path)


def _row_path(path: str, index: int) -> str:
    return f"{path}.SecurityGroupRules[{index}]"


def _rule_rows(rules_raw: list[Any], source: str, path: str) -> list[Rule]:
    """Each `SecurityGroupRules` row read, in order (see the module on the two readers)."""
    peers: dict[tuple[str, str, str | None], Peer] = {}
    protocols: dict[str | int, str] = {}
    rules: list[Rule] = []
    keep = rules.append
    for i, raw in enumerate(rules_raw):
        rule = _plain_rule(raw, peers, protocols)
        keep(rule if rule is not None else parse_rule(raw, source, _row_path(path, i)))
    return rules


def _by_group(rules: list[Rule]) -> dict[str, list[Rule]]:
    by_group: dict[str, list[Rule]] = {}
    for rule in rules:
        found = by_group.get(rule.group_id)
        if found is None:
            by_group[rule.group_id] = [rule]
        else:
            found.append(rule)
    return by_group


def _plain_rule(
    raw: object, peers: dict[tuple[str, str, str | None], Peer], protocols: dict[str | int, str]
) -> Rule | None:
    """The rule `parse_rule` reads from a row of the common shapes, or None for any other row
    (`parse_rule` reads it, or refuses it with its path). `peers` and `protocols` remember
    what earlier rows of the document named."""
    if type(raw) is not dict:
        return None
    get = raw.get
    rule_id, group_id, egress = get("SecurityGroupRuleId"), get("GroupId"), get("IsEgress", False)
    if type(rule_id) is not str or type(group_id) is not str or not rule_id or not group_id:
        return None
    if egress is not False and egress is not True:
        return None
    peer = _plain_peer(raw, peers)
    raw_protocol = get("IpProtocol")
    if peer is None or (type(raw_protocol) is not str and type(raw_protocol) is not int):
        return None
    protocol = protocols.get(raw_protocol)
    if protocol is None:
        try:
            protocol = protocols[raw_protocol] = normalize_protocol(raw_protocol)
        except ValueError:
            return None
    from_port, to_port = get("FromPort"), get("ToPort")
    if from_port is not None and (type(from_port) is not int or not -1 <= from_port <= 65535):
        return None
    if to_port is not None and (type(to_port) is not int or not -1 <= to_port <= 65535):
        return None
    reversed_range = from_port is not None and to_port is not None and 0 <= to_port < from_port
    if protocol in PORT_PROTOCOLS and reversed_range:
        return None
    description, tags = get("Description"), get("Tags")
    if description is not None and type(description) is not str:
        return None
    if tags is not None and (type(tags) is not list or tags):
        return None  # rule tags are rare: parse_rule reads them
    return Rule(
        rule_id,
        group_id,
        Direction.EGRESS if egress else Direction.INGRESS,
        protocol,
        from_port,
        to_port,
        peer,
        description or "",
    )


def _plain_peer(raw: dict[str, Any], peers: dict[tuple[str, str, str | None], Peer]) -> Peer | None:
    """The one peer of a row (as `parse_rule` reads it), or None when the row names none, more
    than one, or one that is not plain."""
    get = raw.get
    ipv4, ipv6, prefix_list, ref = (
        get("CidrIpv4"),
        get("CidrIpv6"),
        get("PrefixListId"),
        get("ReferencedGroupInfo"),
    )
    if bool(ipv4) + bool(ipv6) + bool(prefix_list) + bool(ref) != 1:
        return None
    if ref:
        if type(ref) is not dict:
            return None
        group, owner = ref.get("GroupId"), ref.get("UserId")
        if type(group) is not str or not group or (owner is not None and type(owner) is not str):
            return None
        key = ("group", group, owner or None)
        found = peers.get(key)
        if found is None:
            found = peers[key] = Peer(PeerKind.GROUP, group, owner or None)
        return found
    kind, value = (
        (PeerKind.IPV4, ipv4) if ipv4 else (PeerKind.IPV6, ipv6) if ipv6 else
        (PeerKind.PREFIX_LIST, prefix_list)
    )  # fmt: skip
    if type(value) is not str:
        return None
    key = (kind, value, None)
    found = peers.get(key)
    if found is None:
        if kind is not PeerKind.PREFIX_LIST:
            try:
                version = cidr_info(value).version
            except ValueError:
                return None
            if version != (4 if kind is PeerKind.IPV4 else 6):
                return None
        found = peers[key] = Peer(kind, value)
    return found


def _disagreements(
    groups_raw: list[Any],
    rules: list[Rule],
    by_group: Mapping[str, list[Rule]],
    account_id: str,
    source: str,
    path: str,
) -> list[Disagreement]:
    """Rule rows of unlisted groups, then per group and direction the rules only one half holds
    (only for the directions whose permissions the group carries)."""
    owners: dict[str, str] = {}
    carried: list[tuple[Mapping[str, Any], str]] = []
    for i, raw in enumerate(groups_raw):
        gpath = f"{path}.SecurityGroups[{i}]"
        gobj = _object(raw, source, gpath)
        group_id = _text(gobj, "GroupId", source, gpath)
        owners[group_id] = str(gobj.get("OwnerId") or account_id)
        carried.append((gobj, gpath))
    found = [
        Disagreement(
            rule.group_id,
            f"{_row_path(path, i)}.GroupId",
            f"rule {_clip(rule.rule_id)} is in SecurityGroupRules, but its group is not in "
            "SecurityGroups",
        )
        for i, rule in enumerate(rules)
        if rule.group_id not in owners
    ]
    carrying = [
        (group, gpath)
        for group, gpath in carried
        if any(group.get(field) is not None for field, _ in _PERMISSION_FIELDS)
    ]
    if carrying:
        # Rules are compared by content; the path of each row is needed only to name it.
        index = {id(rule): i for i, rule in enumerate(rules)}
        rows = {
            group_id: [(rule, _row_path(path, index[id(rule)])) for rule in group_rules]
            for group_id, group_rules in by_group.items()
        }
        for group, gpath in carrying:
            found.extend(_group_disagreements(group, gpath, rows, owners, source))
    return found


def _group_disagreements(
    gobj: Mapping[str, Any],
    gpath: str,
    by_group: Mapping[str, list[tuple[Rule, str]]],
    owners: Mapping[str, str],
    source: str,
) -> list[Disagreement]:
    group_id = _text(gobj, "GroupId", source, gpath)
    owner = owners[group_id]
    found: list[Disagreement] = []
    for field, direction in _PERMISSION_FIELDS:
        if gobj.get(field) is None:
            continue  # not carried (e.g. written by `sgc snapshot`): the rows alone say
        listed = {
            _content(rule, owner): (rule, ipath)
            for rule, ipath in _permission_rules(gobj, source, gpath, only=field)
        }
        rows = {
            _content(rule, owner): (rule, rpath)
            for rule, rpath in by_group.get(group_id, ())
            if rule.direction is direction
        }
        found.extend(
            Disagreement(
                group_id,
                ipath,
                f"{_clip(rule.describe())} is in {field}, not in SecurityGroupRules",
            )
            for key, (rule, ipath) in listed.items()
            if key not in rows
        )
        found.extend(
            Disagreement(
                group_id,
                rpath,
                f"rule {_clip(rule.rule_id)} ({_clip(rule.describe())}) is in "
                f"SecurityGroupRules, not in {field}",
            )
            for key, (rule, rpath) in rows.items()
            if key not in listed
        )
    return found


def _content(rule: Rule, owner: str) -> _Content:
    """What a rule allows, as both halves write it: DescribeSecurityGroups leaves the ports of
    `-1` out where the rule rows say -1, and a group peer without `UserId` is the group's own
    account."""
    ports: object
    if rule.protocol in PORT_PROTOCOLS:
        ports = port_interval(rule.protocol, rule.from_port, rule.to_port)
    elif rule.protocol in (ICMP, ICMPV6):
        ports = (_or_any(rule.from_port), _or_any(rule.to_port))
    else:
        ports = None  # all traffic, or a protocol number: no ports to compare
    peer = rule.peer
    value = peer.value.lower() if peer.is_cidr else peer.value
    peer_owner = (peer.account_id or owner) if peer.kind is PeerKind.GROUP else None
    return (rule.direction, rule.protocol, ports, peer.kind, value, peer_owner)


def _or_any(value: int | None) -> int:
    return -1 if value is None else value


def _group_peer(ref: Mapping[str, Any], source: str, path: str) -> Peer:
    owner = ref.get("UserId")
    if owner is not None and not isinstance(owner, str):
        raise InputError(
            f"UserId must be an account id, got {_shown(owner)}",
            path=f"{path}.UserId",
            source=source,
        )
    return Peer(PeerKind.GROUP, _text(ref, "GroupId", source, path), owner or None)


def _protocol_and_ports(
    obj: Mapping[str, Any], source: str, path: str
) -> tuple[str, int | None, int | None]:
    protocol = _protocol(obj.get("IpProtocol"), source, f"{path}.IpProtocol")
    from_port = _port(obj.get("FromPort"), source, f"{path}.FromPort")
    to_port = _port(obj.get("ToPort"), source, f"{path}.ToPort")
    # EC2 refuses a reversed tcp/udp range; read as an interval it would reach nothing.
    reversed_range = from_port is not None and to_port is not None and 0 <= to_port < from_port
    if protocol in PORT_PROTOCOLS and reversed_range:
        raise InputError(
            f"ToPort {to_port} is below FromPort {from_port}", path=f"{path}.ToPort", source=source
        )
    return protocol, from_port, to_port


def _peer(kind: str, value: object, source: str, path: str) -> Peer:
    if not isinstance(value, str) or not value:
        raise InputError(
            f"expected a non-empty string, got {_shown(value)}", path=path, source=source
        )
    if kind == "PrefixListId":
        return Peer(PeerKind.PREFIX_LIST, value)
    try:
        info = cidr_info(value)
    except ValueError as exc:
        raise InputError(f"{_shown(value)} is not a valid CIDR", path=path, source=source) from exc
    expected = 4 if kind == "CidrIpv4" else 6
    if info.version != expected:
        raise InputError(f"{_shown(value)} is not an IPv{expected} CIDR", path=path, source=source)
    return Peer(PeerKind.IPV4 if expected == 4 else PeerKind.IPV6, value)


def _protocol(value: object, source: str, path: str) -> str:
    try:
        return normalize_protocol(value)
    except ValueError as exc:
        short = len(repr(value)) <= _SHOWN
        message = str(exc) if short else f"unknown protocol {_shown(value)}"
        raise InputError(message, path=path, source=source) from exc


def _port(value: object, source: str, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= 65535:
        raise InputError(
            f"expected a port number from -1 to 65535, got {_shown(value)}",
            path=path,
            source=source,
        )
    return value


def _tags(value: object, source: str, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise InputError("Tags must be a list of {Key, Value}", path=path, source=source)
    out: dict[str, str] = {}
    for i, tag in enumerate(value):
        tobj = _object(tag, source, f"{path}[{i}]")
        value = tobj.get("Value")
        out[_text(tobj, "Key", source, f"{path}[{i}]")] = "" if value is None else str(value)
    return out


def _prefix_lists(value: object, source: str, path: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise InputError(
            "expected an object mapping prefix list id to a list of CIDRs", path=path, source=source
        )
    out: dict[str, tuple[str, ...]] = {}
    for list_id, cidrs in value.items():
        key = str(list_id)
        ipath = f"{path}.{key if len(key) <= _SHOWN else key[: _SHOWN - 3] + '...'}"
        if not isinstance(cidrs, list) or not all(isinstance(c, str) for c in cidrs):
            raise InputError("expected a list of CIDR strings", path=ipath, source=source)
        for j, cidr in enumerate(cidrs):
            try:
                cidr_info(cidr)
            except ValueError as exc:
                raise InputError(
                    f"{_shown(cidr)} is not a valid CIDR", path=f"{ipath}[{j}]", source=source
                ) from exc
        out[list_id] = tuple(cidrs)
    return out


def _attachments(value: object, source: str, path: str) -> dict[str, Attachment] | None:
    """Group id -> attachment from `describe-network-interfaces` rows, or None if not given."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InputError("NetworkInterfaces must be a list", path=path, source=source)
    out: dict[str, Attachment] = {}
    for i, raw in enumerate(value):
        eni = _object(raw, source, f"{path}[{i}]")
        association = _object(eni.get("Association") or {}, source, f"{path}[{i}].Association")
        public = bool(association.get("PublicIp")) or bool(eni.get("Ipv6Addresses"))
        state = Attachment.EXPOSED if public else Attachment.ATTACHED
        for group in _optional_list(eni, "Groups", source, f"{path}[{i}]"):
            gid = group.get("GroupId") if isinstance(group, dict) else None
            if isinstance(gid, str) and out.get(gid) is not Attachment.EXPOSED:
                out[gid] = state
    return out


def _object(value: object, source: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(
            f"expected an object, got {type(value).__name__}", path=path, source=source
        )
    return value


def _list(obj: Mapping[str, Any], key: str, source: str, path: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise InputError(f"missing or not a list: {key}", path=f"{path}.{key}", source=source)
    return value


def _optional_list(obj: Mapping[str, Any], key: str, source: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"not a list: {key}", path=f"{path}.{key}", source=source)
    return value


def _text(obj: Mapping[str, Any], key: str, source: str, path: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(
            f"missing or not a non-empty string: {key}", path=f"{path}.{key}", source=source
        )
    return value


def _clip(text: str) -> str:
    """An estate's id or rule text, cut short for a message."""
    return text if len(text) <= _SHOWN * 2 else text[: _SHOWN * 2 - 3] + "..."


def _shown(value: object) -> str:
    """`value` quoted for a message, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
