"""Charts as inline SVG, drawn here so the report needs no script library and works offline.

Colours come from CSS classes rather than inline styles, which keeps the page within a strict
Content-Security-Policy. Coordinates are printed with fixed precision so output is stable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sgcompliance.engine.policy import Severity
from sgcompliance.report.html.text import text

_LABEL_WIDTH = 150
_BAR_WIDTH = 300
_COUNT_WIDTH = 56
_ROW_HEIGHT = 30
_BAR_HEIGHT = 16
_LABEL_CHARS = 20

_RING_RADIUS = 60.0
_RING_SIZE = 160
_RING_STROKE = 22


@dataclass(frozen=True, slots=True)
class Segment:
    css_class: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "\u2026"


def bar_chart(title: str, bars: Sequence[Bar]) -> str:
    """Horizontal stacked bars, one row per label, each bar split into its segments."""
    width = _LABEL_WIDTH + _BAR_WIDTH + _COUNT_WIDTH
    height = max(len(bars), 1) * _ROW_HEIGHT + 4
    scale = max((b.total for b in bars), default=0) or 1
    rows = [_bar_row(i, bar, scale) for i, bar in enumerate(bars)]
    if not rows:
        rows.append(f'<text class="empty" x="{width // 2}" y="20" text-anchor="middle">none</text>')
    return (
        f'<svg class="chart bars" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{text(title)}</title>'
        + "".join(rows)
        + "</svg>"
    )


def _bar_row(index: int, bar: Bar, scale: int) -> str:
    top = 2 + index * _ROW_HEIGHT
    middle = top + _ROW_HEIGHT / 2
    bar_top = middle - _BAR_HEIGHT / 2
    parts = [
        f'<g class="bar-row"><title>{text(bar.label)}: {bar.total}</title>',
        f'<text class="label" x="{_LABEL_WIDTH - 10}" y="{_num(middle)}" text-anchor="end" '
        f'dominant-baseline="central">{text(_short(bar.label))}</text>',
        f'<rect class="track" x="{_LABEL_WIDTH}" y="{_num(bar_top)}" width="{_BAR_WIDTH}" '
        f'height="{_BAR_HEIGHT}" rx="3"/>',
    ]
    x = float(_LABEL_WIDTH)
    for segment in bar.segments:
        if not segment.count:
            continue
        span = segment.count / scale * _BAR_WIDTH
        parts.append(
            f'<rect class="{segment.css_class}" x="{_num(x)}" y="{_num(bar_top)}" '
            f'width="{_num(span)}" height="{_BAR_HEIGHT}"><title>{text(segment.name)}: '
            f"{segment.count}</title></rect>"
        )
        x += span
    parts.append(
        f'<text class="count" x="{_LABEL_WIDTH + _BAR_WIDTH + 8}" y="{_num(middle)}" '
        f'dominant-baseline="central">{bar.total}</text></g>'
    )
    return "".join(parts)


def severity_ring(counts: Mapping[Severity, int]) -> str:
    """A ring split by severity, the total in its centre."""
    total = sum(counts.values())
    centre = _RING_SIZE / 2
    circumference = 2 * math.pi * _RING_RADIUS
    circle = (
        f'cx="{_num(centre)}" cy="{_num(centre)}" r="{_num(_RING_RADIUS)}" '
        f'stroke-width="{_RING_STROKE}" fill="none"'
    )
    parts = [f'<circle class="ring-track" {circle}/>']
    offset = 0.0
    for severity, count in counts.items():
        if not count:
            continue
        span = count / total * circumference
        parts.append(
            f'<circle class="ring sev-{severity.value}" {circle} '
            f'stroke-dasharray="{_num(span)} {_num(circumference - span)}" '
            f'stroke-dashoffset="{_num(-offset)}" transform="rotate(-90 {_num(centre)} '
            f'{_num(centre)})"><title>{severity.value}: {count}</title></circle>'
        )
        offset += span
    parts.append(
        f'<text class="ring-total" x="{_num(centre)}" y="{_num(centre - 4)}" '
        f'text-anchor="middle">{total}</text>'
        f'<text class="ring-caption" x="{_num(centre)}" y="{_num(centre + 18)}" '
        f'text-anchor="middle">{"violation" if total == 1 else "violations"}</text>'
    )
    return (
        f'<svg class="chart ring-chart" role="img" viewBox="0 0 {_RING_SIZE} {_RING_SIZE}" '
        f'width="{_RING_SIZE}" height="{_RING_SIZE}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Violations by severity</title>" + "".join(parts) + "</svg>"
    )
