"""What each rule of a group exposes: its peer's class, the ports, and world-open coverage.

Built once per group and shared by every check, so each rule's peer is classified once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule, SecurityGroup
from sgcompliance.engine.network import (
    CidrInfo,
    RangeSet,
    SourceClass,
    cidr_info,
    covers_family,
    family_size,
)
from sgcompliance.engine.policy import AllowedPeers
from sgcompliance.engine.protocol import ALL, PORT_PROTOCOLS, Interval, merge, port_interval

# Enum members bound once: reading `Enum.MEMBER` costs a class lookup on every rule.
_INGRESS = Direction.INGRESS
_GROUP = PeerKind.GROUP
_PREFIX_LIST = PeerKind.PREFIX_LIST
_PRIVATE = SourceClass.PRIVATE
_WORLD = SourceClass.WORLD


class Exposure:
    """One way a rule reaches peers: a protocol, its ports, and the peer's address ranges."""

    __slots__ = (
        "covered",
        "covered_with",
        "networks",
        "ports",
        "protocol",
        "rule",
        "source",
        "via_list",
    )

    def __init__(
        self,
        rule: Rule,
        protocol: str,
        ports: Interval | None,
        source: SourceClass,
        networks: tuple[CidrInfo, ...],
        via_list: str | None = None,
        covered_with: tuple[str, ...] | None = None,
    ) -> None:
        self.rule = rule
        self.protocol = protocol
        self.ports = ports
        self.source = source
        self.networks = networks
        self.via_list = via_list
        # Coverage: world-open only because peers together span a whole address family; then
        # `networks` holds only this rule's ranges in that family, and `covered_with` the other
        # rules that take part (empty when one prefix list's own entries span the family).
        self.covered = covered_with is not None
        self.covered_with = covered_with or ()


def rule_exposure(
    rule: Rule, source: SourceClass, networks: tuple[CidrInfo, ...], via_list: str | None
) -> Exposure:
    """What a rule exposes through its own peer."""
    ports = port_interval(rule.protocol, rule.from_port, rule.to_port)
    return Exposure(rule, rule.protocol, ports, source, networks, via_list)


class DirectionView:
    """One direction of a group: its rules, sorted by what their peers expose.

    A plain slotted class rather than a dataclass: one is built for every group scanned.
    """

    __slots__ = ("_private", "private_peers", "public", "references", "rules", "unresolved")

    def __init__(self) -> None:
        # Exposures whose peers include public or world addresses (and coverage results).
        self.public: list[Exposure] = []
        # Rules whose peers are wholly private, with those peers' ranges and prefix list.
        self.private_peers: list[tuple[Rule, tuple[CidrInfo, ...], str | None]] = []
        self._private: list[Exposure] | None = None
        self.references: list[Rule] = []
        self.unresolved: list[Rule] = []
        self.rules: list[Rule] = []

    @property
    def private(self) -> list[Exposure]:
        """Exposures whose peers are wholly private.

        Built on first use: only listed-CIDR sources and coverage look at private peers, and
        they are the bulk of most groups' rules.
        """
        if self._private is None:
            self._private = [
                rule_exposure(rule, _PRIVATE, infos, via) for rule, infos, via in self.private_peers
            ]
        return self._private


class GroupView:
    __slots__ = ("egress", "group", "ingress")

    def __init__(self, group: SecurityGroup) -> None:
        self.group = group
        self.ingress = DirectionView()
        self.egress = DirectionView()

    def direction(self, direction: Direction) -> DirectionView:
        return self.ingress if direction is _INGRESS else self.egress


class PrefixListIndex:
    """Resolves managed prefix lists once per region snapshot."""

    __slots__ = ("_cache", "_entries")

    def __init__(self, entries: Mapping[str, tuple[str, ...]]) -> None:
        self._entries = entries
        self._cache: dict[str, tuple[SourceClass, tuple[CidrInfo, ...]] | None] = {}

    def resolve(self, list_id: str) -> tuple[SourceClass, tuple[CidrInfo, ...]] | None:
        if list_id in self._cache:
            return self._cache[list_id]
        cidrs = self._entries.get(list_id)
        resolved: tuple[SourceClass, tuple[CidrInfo, ...]] | None = None
        if cidrs is not None:
            infos = tuple(cidr_info(c) for c in cidrs)
            source = max((i.source for i in infos), default=SourceClass.PRIVATE)
            resolved = (source, infos)
        self._cache[list_id] = resolved
        return resolved


def allowed_ranges(allowed: AllowedPeers, prefix_lists: Mapping[str, tuple[str, ...]]) -> RangeSet:
    """The union of an allowed set in one region: its CIDRs and the entries of its prefix
    lists there (a list the region cannot resolve adds nothing: it allows nothing)."""
    infos = [cidr_info(c) for c in allowed.cidrs]
    for list_id in allowed.prefix_lists:
        infos.extend(cidr_info(c) for c in prefix_lists.get(list_id, ()))
    return RangeSet(infos)


def peer_within(peer: Peer, ranges: RangeSet, prefix_lists: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether every address a peer stands for lies inside `ranges`. A group reference has no
    addresses to judge, and a prefix list that cannot be resolved (or holds nothing) is never
    inside: what it exposes is unknown."""
    if not ranges:
        return False
    if peer.kind is _PREFIX_LIST:
        entries = prefix_lists.get(peer.value)
        return bool(entries) and all(ranges.holds(cidr_info(c)) for c in entries or ())
    if peer.kind is _GROUP:
        return False
    return ranges.holds(cidr_info(peer.value))


def build_view(
    group: SecurityGroup, prefix_lists: PrefixListIndex | None, *, coverage: bool
) -> GroupView:
    view = GroupView(group)
    ingress, egress = view.ingress, view.egress
    for rule in group.rules:
        side = ingress if rule.direction is _INGRESS else egress
        side.rules.append(rule)
        peer = rule.peer
        kind = peer.kind
        if kind is _GROUP:
            side.references.append(rule)
            continue
        if kind is _PREFIX_LIST:
            if prefix_lists is None:
                continue
            resolved = prefix_lists.resolve(peer.value)
            if resolved is None:
                side.unresolved.append(rule)
                continue
            source, infos = resolved
            via: str | None = peer.value
        else:
            info = cidr_info(peer.value)
            source, infos, via = info.source, (info,), None
        if source is _PRIVATE:
            side.private_peers.append((rule, infos, via))
            continue
        side.public.append(rule_exposure(rule, source, infos, via))
    if coverage:
        for side in (ingress, egress):
            if side.public and _may_cover(side):
                side.public.extend(coverage_exposures(side.public + side.private))
    return view


def _may_cover(side: DirectionView) -> bool:
    """The cheap necessary condition of coverage: a rule with a public, non-world range takes
    part, and some family's sizes add up to the whole."""
    sizes = {4: 0, 6: 0}
    for exposure in side.public:
        if exposure.source is not _WORLD:
            for info in exposure.networks:
                sizes[info.version] += info.size
    if not (sizes[4] or sizes[6]):
        return False  # only world rules: they are world-open by themselves, nothing to cover
    for _, infos, _ in side.private_peers:
        for info in infos:
            sizes[info.version] += info.size
    return sizes[4] >= family_size(4) or sizes[6] >= family_size(6)


def coverage_exposures(exposures: list[Exposure]) -> list[Exposure]:
    """World exposures of rules that are world-open only together with other rules."""
    out: list[Exposure] = []
    for version in (4, 6):
        members = [
            (e, [n for n in e.networks if n.version == version])
            for e in exposures
            if e.source is not SourceClass.WORLD
        ]
        members = [(e, nets) for e, nets in members if nets]
        total = sum(n.size for _, nets in members for n in nets)
        if total < family_size(version):
            continue
        out.extend(_covered(members, version))
    return out


def _covered(members: list[tuple[Exposure, list[CidrInfo]]], version: int) -> list[Exposure]:
    """Sweep each protocol's port boundaries; where the active peers cover the family, flag."""
    hits: dict[tuple[int, str], list[Interval | None]] = {}
    partners: dict[int, set[str]] = {}
    by_id = {id(e): (e, nets) for e, nets in members}

    def record(
        active: list[tuple[Exposure, list[CidrInfo]]], protocol: str, seg: Interval | None
    ) -> None:
        if not covers_family([n.network for _, nets in active for n in nets], version):
            return
        # Only rules with a public range in this family take part; a private range completes
        # the union but is never itself the problem.
        flagged = [e for e, nets in active if any(n.source is not _PRIVATE for n in nets)]
        for e in flagged:
            hits.setdefault((id(e), protocol), []).append(seg)
            partners.setdefault(id(e), set()).update(o.rule.rule_id for o in flagged if o is not e)

    all_traffic = [(e, nets) for e, nets in members if e.protocol == ALL]
    record(all_traffic, ALL, port_interval(ALL, None, None))
    for protocol in sorted({e.protocol for e, _ in members if e.protocol != ALL}):
        active = [(e, n) for e, n in members if e.protocol in (protocol, ALL)]
        if protocol not in PORT_PROTOCOLS:
            record(active, protocol, None)
            continue
        bounds = sorted({b for e, _ in active if e.ports for b in (e.ports[0], e.ports[1] + 1)})
        for lo, nxt in itertools.pairwise(bounds):
            seg = (lo, nxt - 1)
            record(
                [(e, n) for e, n in active if e.ports and e.ports[0] <= lo <= e.ports[1]],
                protocol,
                seg,
            )
    out: list[Exposure] = []
    for (key, protocol), segs in hits.items():
        e, nets = by_id[key]
        if protocol != ALL and any(p == ALL for k, p in hits if k == key):
            continue  # already world-open for all traffic; per-protocol detail adds nothing
        ranges: list[Interval | None] = list(merge(s for s in segs if s)) if segs[0] else [None]
        for ports in ranges:
            out.append(
                Exposure(e.rule, protocol, ports, SourceClass.WORLD, tuple(nets), e.via_list,
                         tuple(sorted(partners[key])))
            )  # fmt: skip
    return out
