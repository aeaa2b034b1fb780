"""IP protocols and port intervals with AWS `IpPermission` semantics.

Ranges stay intervals: a rule for tcp 0-65535 is one interval, never 65,536 ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sgcompliance.errors import InputError

ALL = "all"
TCP = "tcp"
UDP = "udp"
ICMP = "icmp"
ICMPV6 = "icmpv6"

MIN_PORT = 0
MAX_PORT = 65535

# AWS accepts the name or the IANA number for these four; -1 means every protocol.
_BY_NAME = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6, "-1": ALL, "all": ALL}
_BY_NUMBER = {6: TCP, 17: UDP, 1: ICMP, 58: ICMPV6}

PORT_PROTOCOLS = frozenset({TCP, UDP})

Interval = tuple[int, int]


def normalize_protocol(value: object) -> str:
    """Return the canonical protocol: tcp, udp, icmp, icmpv6, all, or a number as text."""
    if isinstance(value, bool):
        raise ValueError(f"protocol must be a name or number, not {value!r}")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().lower()
    else:
        raise ValueError(f"protocol must be a name or number, not {value!r}")
    named = _BY_NAME.get(text)
    if named is not None:
        return named
    # isascii: str.isdigit also accepts digits of other scripts, which int() would then read.
    if text.isascii() and text.isdigit():
        number = int(text)
        if number > 255:
            raise ValueError(f"protocol number {number} is outside 0-255")
        return _BY_NUMBER.get(number, str(number))
    raise ValueError(f"unknown protocol {value!r} (use tcp, udp, icmp, icmpv6, -1 or a number)")


def port_interval(protocol: str, from_port: int | None, to_port: int | None) -> Interval | None:
    """The tcp/udp ports a rule reaches, or None when the protocol has no ports.

    `all` reaches every port; icmp/icmpv6 carry type/code in the port fields, and any other
    protocol number (ESP, GRE, ...) reaches no tcp or udp port.
    """
    if protocol == ALL:
        return (MIN_PORT, MAX_PORT)
    if protocol not in PORT_PROTOCOLS:
        return None
    # A missing or -1 bound on tcp/udp means the whole range, as EC2 reports it.
    lo = MIN_PORT if from_port is None or from_port < 0 else from_port
    hi = MAX_PORT if to_port is None or to_port < 0 else to_port
    return (lo, hi)


def reaches(rule_protocol: str, interval: Interval | None, protocol: str, target: Interval) -> bool:
    """Whether a rule (protocol, interval) reaches any port of `target` over `protocol`."""
    if interval is None:
        return False
    if rule_protocol not in (ALL, protocol):
        return False
    return interval[0] <= target[1] and target[0] <= interval[1]


def overlap(a: Interval, b: Interval) -> Interval | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of closed integer intervals, sorted, adjacent ones joined."""
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def subtract(interval: Interval, allowed: Sequence[Interval]) -> list[Interval]:
    """Parts of `interval` not covered by `allowed` (which must be merged and sorted)."""
    lo, hi = interval
    rest: list[Interval] = []
    for a_lo, a_hi in allowed:
        if a_hi < lo:
            continue
        if a_lo > hi:
            break
        if a_lo > lo:
            rest.append((lo, a_lo - 1))
        lo = a_hi + 1
        if lo > hi:
            return rest
    rest.append((lo, hi))
    return rest


def format_ports(protocol: str, interval: Interval | None) -> str:
    """Human form: `tcp 22`, `tcp 20-25`, `all traffic`, `icmp`, `protocol 50`."""
    if protocol == ALL:
        return "all traffic"
    if interval is None:
        return protocol if not protocol.isdigit() else f"protocol {protocol}"
    lo, hi = interval
    if lo == MIN_PORT and hi == MAX_PORT:
        return f"{protocol} all ports"
    return f"{protocol} {lo}" if lo == hi else f"{protocol} {lo}-{hi}"


def parse_port_range(text: str, path: str) -> Interval:
    """`22` or `20-25` to an interval, with a precise error for the policy loader."""
    parts = text.split("-")
    try:
        if len(parts) == 1:
            lo = hi = int(parts[0])
        elif len(parts) == 2:
            lo, hi = int(parts[0]), int(parts[1])
        else:
            raise ValueError(text)
    except ValueError as exc:
        raise InputError(
            f"{text!r} is not a port or port range like 22 or 20-25", path=path
        ) from exc
    if not (MIN_PORT <= lo <= hi <= MAX_PORT):
        raise InputError(f"port range {text!r} must satisfy 0 <= from <= to <= 65535", path=path)
    return (lo, hi)
