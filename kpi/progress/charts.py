"""Charts as inline SVG, rendered on the server: the intranet is offline, so no JavaScript or CDN.

Pure functions from plain figures (Decimal percentages) to markup. Every text is escaped, every
chart carries role="img", a Chinese aria-label, <title> and <desc>, and each figure is printed
beside its bar, so a chart never depends on colour alone. Coordinates are computed in Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

from kpi.domain.progress import Status

GREEN, YELLOW, RED, GREY = "#16a34a", "#ca8a04", "#dc2626", "#9ca3af"
COLOURS = {Status.GREEN: GREEN, Status.YELLOW: YELLOW, Status.RED: RED, Status.NONE: GREY}
STATUS_NAMES = {
    Status.GREEN: "绿（正常）",
    Status.YELLOW: "黄（关注）",
    Status.RED: "红（预警）",
    Status.NONE: "未填报",
}
INK, MUTED, TRACK = "#1f2933", "#6b7280", "#e5e7eb"

HUNDRED = Decimal(100)
LABEL_WIDTH = 150  # left column for the category names
BAR_WIDTH = 360  # 100 % of the scale
VALUE_WIDTH = 240  # right column for the printed figures
FONT = 'font-family="Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Bar:
    """One category of a bar chart: its value (% of the scale) and a marker (% expected by now)."""

    label: str
    value: Decimal | None
    marker: Decimal | None
    status: Status = Status.NONE
    note: str = ""  # printed after the figures, e.g. "3 项"


def completion_bars(bars: Sequence[Bar], *, title: str = "各一级指标平均完成率") -> Markup:
    """Horizontal bars of completion by first-level indicator, with a line at expected-by-now."""
    desc = "；".join(f"{bar.label}：完成率 {_pct(bar.value)}，应完成 {_pct(bar.marker)}" for bar in bars)
    return _bar_chart(bars, title, desc or "暂无数据", value_name="完成", marker_name="应完成")


def budget_bars(bars: Sequence[Bar], *, title: str = "各预算项目执行率与时间进度") -> Markup:
    """Horizontal bars of 执行率 per budget line, with a line at 时间进度."""
    desc = "；".join(f"{bar.label}：执行率 {_pct(bar.value)}，时间进度 {_pct(bar.marker)}" for bar in bars)
    return _bar_chart(bars, title, desc or "暂无数据", value_name="执行", marker_name="时间")


def status_donut(counts: Mapping[Status, int], *, title: str = "指标状态分布") -> Markup:
    """A ring of indicator counts by status, with a legend that names each count."""
    total = sum(counts.values())
    parts = [(status, counts.get(status, 0)) for status in COLOURS]
    desc = "；".join(f"{STATUS_NAMES[status]} {count} 项" for status, count in parts) + f"；共 {total} 项"
    # A circle of circumference 100 (r = 100 / 2π) lets each segment's dash length be its percentage.
    ring = [f'<circle cx="21" cy="21" r="15.9155" fill="none" stroke="{TRACK}" stroke-width="6"/>']
    start = Decimal(0)
    for status, count in parts:
        if not count:
            continue
        share = _q(Decimal(count) / total * HUNDRED)
        ring.append(
            f'<circle cx="21" cy="21" r="15.9155" fill="none" stroke="{COLOURS[status]}" stroke-width="6" '
            f'stroke-dasharray="{share} {_q(HUNDRED - share)}" stroke-dashoffset="{_q(25 - start)}">'
            f"<title>{escape(STATUS_NAMES[status])}：{count} 项</title></circle>"
        )
        start += share
    legend = []
    for index, (status, count) in enumerate(parts):
        y = 14 + index * 22
        legend.append(
            f'<rect x="130" y="{y}" width="12" height="12" fill="{COLOURS[status]}"/>'
            f'<text x="148" y="{y + 11}" fill="{INK}">{escape(STATUS_NAMES[status])}　{count} 项</text>'
        )
    body = (
        f'<g transform="translate(10 5) scale(2.6)">{"".join(ring)}'
        f'<text x="21" y="23" text-anchor="middle" font-size="6" fill="{INK}">{total} 项</text></g>' + "".join(legend)
    )
    return _svg(320, 120, title, desc, body)


def _bar_chart(bars: Sequence[Bar], title: str, desc: str, *, value_name: str, marker_name: str) -> Markup:
    row_height, top = 28, 26
    height = top + row_height * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [_axis(top, height)]
    for index, bar in enumerate(bars):
        y = top + index * row_height
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{escape(_short(bar.label))}<title>{escape(bar.label)}</title></text>"
        )
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" height="14" fill="{TRACK}"/>')
        if bar.value is not None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{_x(bar.value)}" height="14" '
                f'fill="{COLOURS[bar.status]}"/>'
            )
        if bar.marker is not None:
            x = LABEL_WIDTH + _x(bar.marker)
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + 22}" stroke="{INK}" stroke-width="2">'
                f"<title>{escape(marker_name)} {_pct(bar.marker)}</title></line>"
            )
        figures = f"{value_name} {_pct(bar.value)} / {marker_name} {_pct(bar.marker)}"
        if bar.note:
            figures += f" · {bar.note}"
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 15}" fill="{INK}">{escape(figures)}</text>')
    if not bars:
        parts.append(f'<text x="{LABEL_WIDTH + 8}" y="{top + 15}" fill="{MUTED}">暂无数据</text>')
    return _svg(width, height, title, desc, "".join(parts))


def _axis(top: int, height: int) -> str:
    ticks = []
    for pct in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + _x(Decimal(pct))
        ticks.append(
            f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{height - 6}" stroke="{TRACK}" '
            f'stroke-dasharray="2 2"/>'
            f'<text x="{x}" y="{top - 8}" text-anchor="middle" fill="{MUTED}" font-size="10">{pct}%</text>'
        )
    return "".join(ticks)


def _svg(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    label = escape(f"{title}。{desc}")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{label}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def _x(pct: Decimal) -> Decimal:
    """A percentage as a length on the bar scale; beyond 0–100 % it is pinned to the ends."""
    return _q(max(Decimal(0), min(pct, HUNDRED)) * BAR_WIDTH / HUNDRED)


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(_q(value).normalize(), "f")
    return f"{text}%"


def _short(label: str, limit: int = 10) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
