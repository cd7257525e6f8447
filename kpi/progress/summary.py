"""The summaries of a unit's progress: counts by status, each 一级指标's averages, the laggards.

The dashboard and the workbook show them, the table page does not, so UnitProgress works
them out on first use from its rows. Kept apart from kpi.progress.rows: a summary reads rows,
never builds one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from kpi.domain.progress import ProgressSettings, Status
from kpi.domain.progress_numbers import HUNDRED, round_cents
from kpi.domain.targets import Direction
from kpi.progress.rows import IndicatorRow

LAGGING_LIMIT = 10
STATUS_ORDER = (Status.GREEN, Status.YELLOW, Status.RED, Status.NONE)


@dataclass(frozen=True)
class Level1Summary:
    """A first-level indicator (产出/效益/满意度 …): average completion and counts by status.

    ``completion_pct`` averages the positive numeric indicators, each capped at 100 so that one
    over-completed target cannot hide another's shortfall. Reverse indicators are left out: their
    share of a limit is not progress. ``expected_pct`` averages the same indicators' expected."""

    level1: str
    completion_pct: Decimal | None
    expected_pct: Decimal | None
    numeric_count: int
    counts: dict[Status, int]
    status: Status  # the averages judged like one indicator: completion ÷ expected vs the thresholds

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summary_rows(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    unit_rows = [row for row in rows if row.indicator.scope == "unit"]
    return unit_rows or rows  # a unit with only project tables is summarised over those


def status_counts(rows: list[IndicatorRow]) -> dict[Status, int]:
    counted = Counter(row.status for row in rows)
    return {status: counted.get(status, 0) for status in STATUS_ORDER}


def level1_summaries(rows: list[IndicatorRow], settings: ProgressSettings) -> list[Level1Summary]:
    groups: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        groups.setdefault(row.indicator.level1, []).append(row)
    summaries = []
    for level1, members in groups.items():
        numeric = [
            row
            for row in members
            if row.indicator.direction != Direction.REVERSE and row.progress.completion_pct is not None
        ]
        completion = expected = None
        if numeric:
            completion = _mean([min(row.progress.completion_pct, HUNDRED) for row in numeric])
            expected = _mean([row.progress.expected_pct for row in numeric if row.progress.expected_pct is not None])
        status = Status.NONE
        if completion is not None:
            ratio = completion / expected * HUNDRED if expected else HUNDRED
            status = (
                Status.GREEN
                if ratio >= settings.green_at
                else Status.YELLOW
                if ratio >= settings.yellow_at
                else Status.RED
            )
        summaries.append(Level1Summary(level1, completion, expected, len(numeric), status_counts(members), status))
    return summaries


def lagging(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """The worst: red before yellow; a red without a ratio (late, over its limit) first, then by ratio."""
    behind = [row for row in rows if row.status in (Status.RED, Status.YELLOW)]
    behind.sort(key=lambda row: (row.status != Status.RED, row.ratio is not None, row.ratio or 0))
    return behind[:LAGGING_LIMIT]


def _mean(values: list[Decimal]) -> Decimal | None:
    return round_cents(sum(values, Decimal(0)) / len(values)) if values else None
