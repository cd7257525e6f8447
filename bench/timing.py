"""Figures, percentiles, the printed table and the saved JSON of one benchmark run.

Every figure sits beside its target and, where the issue asks for one, the baseline it was
measured against in the same run: these machines are noisy, so ratios are what compare.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@dataclass
class Figure:
    section: str  # "a" … "e", as in issue 6
    name: str
    value: float | None  # None: not available or failed (see note)
    unit: str  # "s", "units/s", "×", "MB", "req/s", "ms", "errors"
    target: str = "—"  # as printed; "—" for a figure shown for context
    ok: bool | None = None  # None: no target to meet, or not measured
    note: str = ""  # the baseline, counts, or why there is no value

    @property
    def verdict(self) -> str:
        if self.value is None and self.ok is None:
            return "n/a"
        return {True: "PASS", False: "MISS", None: ""}[self.ok]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.5 for p50) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def best_of(repeat: int, action) -> float:
    """The fastest of ``repeat`` timed calls of ``action()`` (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def best_of_each(repeat: int, *actions) -> list[float]:
    """The fastest of ``repeat`` timed calls of each action, called in turn round by round, so
    that whatever else the machine does in a moment falls on all of them alike."""
    best = [float("inf")] * len(actions)
    for _ in range(repeat):
        for index, action in enumerate(actions):
            started = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def unavailable(section: str, name: str, unit: str, target: str, why: str) -> Figure:
    return Figure(section, name, None, unit, target, None, why)


def failed(section: str, name: str, unit: str, target: str, error: BaseException) -> Figure:
    return Figure(section, name, None, unit, target, False, f"error: {type(error).__name__}: {error}"[:300])


def format_value(figure: Figure) -> str:
    if figure.value is None:
        return "—"
    value = figure.value
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return f"{text} {figure.unit}".strip()


def table(figures: list[Figure]) -> str:
    rows = [("", "figure", "value", "target", "", "baseline / note")]
    rows += [(f.section, f.name, format_value(f), f.target, f.verdict, f.note) for f in figures]
    widths = [max(_width(row[i]) for row in rows) for i in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [_pad(cell, widths[i], right=(i == 2)) for i, cell in enumerate(row[:5])]
        lines.append("  ".join(cells) + "  " + row[5])
        if index == 0:
            lines.append("-" * (sum(widths) + 2 * 5 + 16))
    return "\n".join(lines)


def machine() -> dict:
    """What the figures were measured on (for the README's table)."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory_gb = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_1min_at_start": load,
    }


def save(figures: list[Figure], meta: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y%m%dT%H%M%S')}.json"
    payload = {**meta, "figures": [{**asdict(f), "verdict": f.verdict} for f in figures]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap
