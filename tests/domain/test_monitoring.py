"""Mid-year monitoring rules (docs/rules/monitoring.md): 1–7月, the projection, deviations and over-completion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.monitoring import (
    CAUSE_CATEGORIES,
    EXPLAIN_DEVIATION,
    LIKELIHOODS,
    IndicatorTarget,
    Projection,
    forecast_problem,
    kept_forecast,
    monitor_budget,
    monitor_indicator,
    to_july,
)
from kpi.domain.progress import ProgressSettings, QuarterFigure, Status
from kpi.domain.targets import Comparator, Direction, TargetKind

D = Decimal
DUE = date(2023, 12, 31)


def target(
    aggregation: str = "cumulative",
    value: str | None = "19000",
    comparator: str | None = ">=",
    direction: str = "positive",
    kind: str = "count",
    due: date | None = None,
    plan=(),
) -> IndicatorTarget:
    return IndicatorTarget(
        kind=TargetKind(kind),
        comparator=Comparator(comparator) if comparator else None,
        direction=Direction(direction),
        target_value=D(value) if value is not None else None,
        target_date=due,
        aggregation=Aggregation(aggregation),
        plan=plan,
    )


def quarters(*entries: Entry) -> list[QuarterFigure]:
    return [QuarterFigure(quarter, entry) for quarter, entry in enumerate(entries, start=1)]


def counts(q1: str, q2: str) -> list[QuarterFigure]:
    return quarters(Entry(value=D(q1)), Entry(value=D(q2)))


def test_the_lists_are_those_of_the_monitoring_forms():
    assert CAUSE_CATEGORIES == ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
    assert LIKELIHOODS == ("确定能", "有可能", "完全不可能")


@pytest.mark.parametrize(
    "aggregation, figures, july, expected",
    [
        ("cumulative", counts("5000", "4500"), Entry(value=D("1500")), {"value": D("11000")}),
        ("cumulative", counts("5000", "4500"), Entry(), {"value": D("9500")}),
        ("level", counts("25", "27"), Entry(value=D("26")), {"value": D("26")}),
        ("level", counts("25", "27"), Entry(), {"value": D("27")}),
        (
            "rate",
            quarters(Entry(numerator=D("40"), denominator=D("100")), Entry(numerator=D("60"), denominator=D("100"))),
            Entry(numerator=D("50"), denominator=D("100")),
            {"value": D("50.00"), "numerator": D("150"), "denominator": D("300")},
        ),
        ("rate", quarters(Entry(value=D("80")), Entry(value=D("90"))), Entry(value=D("85")), {"value": D("85")}),
        ("qualitative", quarters(Entry(band=Band.PARTIAL)), Entry(band=Band.ACHIEVED), {"band": Band.ACHIEVED}),
        ("qualitative", quarters(Entry(band=Band.PARTIAL)), Entry(), {"band": Band.PARTIAL}),
        (
            "deadline",
            quarters(Entry(), Entry(achieved_on=date(2023, 6, 30))),
            Entry(achieved_on=date(2023, 7, 5)),
            {"achieved_on": date(2023, 6, 30)},
        ),
    ],
)
def test_one_to_july_combines_q1_q2_and_july_by_the_aggregation_rule(aggregation, figures, july, expected):
    actual = to_july(Aggregation(aggregation), figures, july)
    for name, value in expected.items():
        assert getattr(actual, name) == value


def test_third_and_fourth_quarter_entries_do_not_count_towards_one_to_july():
    figures = counts("5000", "4500") + [QuarterFigure(3, Entry(value=D("7000"))), QuarterFigure(4, Entry(value=D("1")))]
    assert to_july(Aggregation.CUMULATIVE, figures, Entry(value=D("1500"))).value == D("11000")


@pytest.mark.parametrize(
    "spec, figures, july, trend",
    [
        # × 12/7 = 18,857.14: a count is a whole number, rounded down for a target to reach
        (target(), counts("5000", "4500"), Entry(value=D("1500")), Projection(value=D("18857"))),
        # With a quarterly plan the pace follows it: 1–7月 is Q1 + Q2 + a third of Q3's plan.
        (
            target(plan=(D("3000"), D("3000"), D("9000"), D("4000"))),
            counts("3000", "3000"),
            Entry(value=D("3000")),
            Projection(value=D("19000")),
        ),
        (
            target("rate", "50", kind="percent"),
            quarters(Entry(value=D("48")), Entry(value=D("52"))),
            Entry(),
            Projection(value=D("52")),
        ),
        (target("level", "27", "="), counts("25", "27"), Entry(value=D("26")), Projection(value=D("26"))),
        (
            target("qualitative", None, None),
            quarters(Entry(band=Band.ACHIEVED)),
            Entry(band=Band.PARTIAL),
            Projection(band=Band.PARTIAL),
        ),
        (
            target("deadline", None, None, kind="deadline", due=DUE),
            quarters(Entry(achieved_on=date(2023, 5, 1))),
            Entry(),
            Projection(on=date(2023, 5, 1)),
        ),
        (target("deadline", None, None, kind="deadline", due=DUE), [], Entry(), Projection()),
        (target(), [], Entry(), Projection()),
    ],
)
def test_the_default_projection_is_the_straight_line_trend(spec, figures, july, trend):
    assert monitor_indicator(spec, figures, july).trend == trend


@pytest.mark.parametrize(
    "spec, figures, july, trend, over",
    [
        # A one-off (1 server bought) is never extrapolated: 1 by July stays 1, not 1.71 and 超额.
        (target(value="1"), counts("0", "1"), Entry(), D("1"), False),
        (target(value="1"), counts("0", "0"), Entry(), D("0"), False),
        # A target already met is projected at its actual: 19,500 of 19,000 by July is not 33,428.
        (target(), counts("10000", "9000"), Entry(value=D("500")), D("19500"), False),
        # Well past the target by July is still over-completion, on the actual itself.
        (target(value="100"), counts("100", "60"), Entry(), D("160"), True),
        # A count still on its way is a whole number: 6 × 12/7 = 10.29 complaints is 11 past a cap of 10.
        (
            target(value="10", comparator="<=", direction="reverse"),
            counts("3", "2"),
            Entry(value=D("1")),
            D("11"),
            False,
        ),
    ],
)
def test_projections_that_make_sense(spec, figures, july, trend, over):
    line = monitor_indicator(spec, figures, july)
    assert (line.trend.value, line.over_completed) == (trend, over)


@pytest.mark.parametrize(
    "spec, figures, july, typed, deviation",
    [
        # positive: the projection falls short of the target
        (target(), counts("5000", "4500"), Entry(value=D("1500")), None, True),  # 18,857 < 19,000
        (target(), counts("5000", "4500"), Entry(value=D("2000")), None, False),  # 19,714
        (target(), counts("5000", "4500"), Entry(value=D("1500")), Projection(value=D("19000")), False),  # typed wins
        (target(comparator=">"), counts("5000", "4500"), Entry(value=D("1500")), Projection(value=D("19000")), True),
        (target("rate", "50", kind="percent"), quarters(Entry(value=D("48"))), Entry(value=D("49.9")), None, True),
        (target("rate", "50", kind="percent"), quarters(Entry(value=D("48"))), Entry(value=D("50")), None, False),
        # reverse: the projection (or a cumulative figure already) passes the limit
        (target(value="10", comparator="<=", direction="reverse"), counts("3", "2"), Entry(value=D("1")), None, True),
        (target(value="10", comparator="<=", direction="reverse"), counts("3", "2"), Entry(), None, False),  # 8.57
        (
            target(value="10", comparator="<=", direction="reverse"),
            counts("3", "2"),
            Entry(),
            Projection(value=D("10")),
            False,
        ),
        (
            target(value="10", comparator="<", direction="reverse"),
            counts("3", "2"),
            Entry(),
            Projection(value=D("10")),
            True,
        ),
        (
            target(value="10", comparator="<=", direction="reverse"),
            counts("8", "3"),
            Entry(),
            Projection(value=D("9")),
            True,
        ),  # 11 by July: past the limit whatever is projected
        # qualitative: anything but 达成 misses
        (target("qualitative", None, None), [], Entry(band=Band.ACHIEVED), None, False),
        (target("qualitative", None, None), [], Entry(band=Band.PARTIAL), None, True),
        (target("qualitative", None, None), [], Entry(band=Band.ACHIEVED), Projection(band=Band.NOT_ACHIEVED), True),
        (target("qualitative", None, None), [], Entry(), None, None),
        # deadline: the date achieved, or else the expected date, after the target date
        (
            target("deadline", None, None, kind="deadline", due=DUE),
            [],
            Entry(achieved_on=date(2023, 7, 20)),
            None,
            False,
        ),
        (
            target("deadline", None, None, kind="deadline", due=date(2023, 6, 30)),
            [],
            Entry(achieved_on=date(2023, 7, 20)),
            None,
            True,
        ),
        (target("deadline", None, None, kind="deadline", due=DUE), [], Entry(), Projection(on=date(2024, 1, 15)), True),
        (
            target("deadline", None, None, kind="deadline", due=DUE),
            [],
            Entry(),
            Projection(on=date(2023, 12, 20)),
            False,
        ),
        (target("deadline", None, None, kind="deadline", due=DUE), [], Entry(), None, None),
        # nothing to judge
        (target(), [], Entry(), None, None),
        (target(value=None, comparator=None), counts("1", "2"), Entry(), None, None),
    ],
)
def test_a_deviation_is_a_projection_that_misses_the_target(spec, figures, july, typed, deviation):
    assert monitor_indicator(spec, figures, july, typed).deviation is deviation


def test_a_budget_relative_indicator_is_judged_against_the_linked_budget():
    spec = target("budget", None, "<=", "reverse", "budget_relative")
    within = monitor_indicator(spec, [], Entry(), budget_actual=D("700"), budget_target=D("1371"))
    assert within.trend.value == D("1200.00") and within.deviation is False
    over = monitor_indicator(spec, [], Entry(), budget_actual=D("850"), budget_target=D("1371"))
    assert over.deviation is True  # 850 × 12/7 = 1,457 > 1,371


@pytest.mark.parametrize(
    "figures, july, typed, over",
    [
        (counts("10", "10"), Entry(value=D("7")), None, True),  # 27 by July ≥ 26
        (counts("10", "5"), Entry(), Projection(value=D("26")), True),  # projected exactly 130%
        (counts("10", "5"), Entry(), Projection(value=D("25.9")), False),
        (counts("6", "6"), Entry(), None, False),  # 20.57: on target, not over
    ],
)
def test_over_completion_is_130_percent_of_a_positive_target_projected_or_already_done(figures, july, typed, over):
    result = monitor_indicator(target(value="20", comparator="="), figures, july, typed)
    assert result.over_completed is over
    assert result.required == (("cause",) if over else ())


def test_the_over_completion_threshold_is_a_setting():
    result = monitor_indicator(
        target(value="20", comparator="="),
        counts("10", "10"),
        Entry(value=D("7")),
        Projection(value=D("29")),
        settings=ProgressSettings(over_completion_at=D("150")),
    )
    assert result.over_completed is False


def test_reverse_qualitative_and_deadline_targets_are_never_over_completed():
    reverse = target(value="10", comparator="<=", direction="reverse")
    assert not monitor_indicator(reverse, [], Entry(value=D("1")), Projection(value=D("1"))).over_completed
    assert not monitor_indicator(target("qualitative", None, None), [], Entry(band=Band.ACHIEVED)).over_completed


def test_a_deviation_requires_cause_category_cause_likelihood_and_corrective_measures():
    result = monitor_indicator(target(), counts("5000", "4500"), Entry(value=D("1500")))
    assert result.required == EXPLAIN_DEVIATION == ("cause_category", "cause", "likelihood", "corrective_measures")
    assert "偏差" in result.explanation
    assert monitor_indicator(target(), counts("6000", "6000"), Entry()).required == ()


def test_a_prefilled_projection_left_untouched_follows_the_new_july_figure():
    shown, fresh = Projection(value=D("16285.71")), Projection(value=D("18857.14"))
    assert kept_forecast(shown, shown, fresh) == fresh
    assert kept_forecast(Projection(), shown, fresh) == fresh
    assert kept_forecast(Projection(value=D("19500")), shown, fresh) == Projection(value=D("19500"))


def test_a_cumulative_projection_below_the_one_to_july_figure_is_refused():
    actual = to_july(Aggregation.CUMULATIVE, counts("5000", "4500"), Entry())
    assert forecast_problem(Aggregation.CUMULATIVE, actual, Projection(value=D("9000"))) is not None
    assert forecast_problem(Aggregation.CUMULATIVE, actual, Projection(value=D("9500"))) is None
    assert forecast_problem(Aggregation.LEVEL, actual, Projection(value=D("1"))) is None  # a level may fall


def test_budget_execution_to_july_against_time_progress():
    result = monitor_budget(D("1371"), {1: D("300"), 2: D("350"), 3: D("999")}, D("100"))
    progress = result.progress
    assert result.first_half == D("650") and progress.spent == D("750")  # Q3 does not count
    assert progress.execution_rate == D("54.70") and progress.time_progress == D("58.33")
    assert progress.status is Status.GREEN  # 54.70 ÷ 58.33 = 93.8 ≥ 80
    assert result.forecast == D("1285.71") and result.forecast_rate == D("93.78")
    assert result.deviation is False and result.required == ()  # green: on course, as its light says


@pytest.mark.parametrize(
    "spent, light, deviation",
    [
        (D("700"), Status.GREEN, False),  # 51.06% of 58.33%: 87.5 ≥ 80
        (D("500"), Status.YELLOW, True),  # 36.47%: 62.5
        (D("300"), Status.RED, True),  # 21.88%: 37.5
    ],
)
def test_a_budget_line_deviates_exactly_when_its_light_is_not_green(spent, light, deviation):
    for typed in (None, D("1371"), D("1300")):  # whatever year-end spend is typed
        result = monitor_budget(D("1371"), {1: spent}, None, typed)
        assert (result.progress.status, result.deviation) == (light, deviation)


def test_a_budget_line_without_a_budget_cannot_deviate():
    result = monitor_budget(D("0"), {}, D("5"))
    assert result.deviation is None and result.progress.execution_rate is None
