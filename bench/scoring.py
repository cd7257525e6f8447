"""b. Scoring 1,000 units with the pure engine, against a plain loop summing the same Decimals.

The units are those `kpi demo-scale` makes for the same seed, built in memory (tools.scale), so
only kpi.domain.scoring is timed: each unit's 单位整体 table, as its total_score snapshot is made.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from bench.timing import Figure, best_of
from kpi.domain.scoring import ScoringSettings, score_self_evaluation
from tools.scale.generator import Run, build_unit, new_rows
from tools.scale.reports import unit_table
from tools.scale.templates import catalogue

TARGET_PER_SECOND = 2000
REPEAT = 3


def tables(units: int, year: int, seed: int) -> list[tuple[list, Decimal, Decimal]]:
    counter = itertools.count(1)
    run = Run(catalogue(year), year, 1, seed, ScoringSettings())
    out = []
    for index in range(1, units + 1):
        unit = build_unit(run, lambda _table: next(counter), new_rows(), index, index)
        out.append(unit_table(unit))
    return out


def measure(units: int, year: int, seed: int) -> list[Figure]:
    prepared = tables(units, year, seed)
    settings = ScoringSettings()

    def engine():
        for inputs, budget, spent in prepared:
            score_self_evaluation(inputs, budget=budget, spent=spent, settings=settings)

    def baseline():
        # The floor any scoring pass must pay: touch every figure once and add it up.
        for inputs, budget, spent in prepared:
            total = budget + spent
            for item in inputs:
                for value in (item.target_value, item.actual, item.budget_target):
                    if value is not None:
                        total += value

    engine_seconds = best_of(REPEAT, engine)
    baseline_seconds = best_of(REPEAT, baseline)
    rate = units / engine_seconds
    indicators = sum(len(inputs) for inputs, _, _ in prepared)
    return [
        Figure(
            "b",
            f"scoring {units:,} units (pure engine)",
            rate,
            "units/s",
            f"≥ {TARGET_PER_SECOND:,}/s",
            rate >= TARGET_PER_SECOND,
            f"{indicators:,} indicators; best of {REPEAT}",
        ),
        Figure(
            "b",
            "  scoring ÷ plain Decimal-sum loop",
            engine_seconds / baseline_seconds,
            "×",
            "—",
            None,
            f"baseline {units / baseline_seconds:,.0f} units/s",
        ),
    ]
