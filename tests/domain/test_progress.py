"""Year to date, expected by now, status and forecast; budget execution (docs/rules/progress.md)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band, Entry
from kpi.domain.progress import (
    ProgressSettings,
    QuarterFigure,
    Status,
    budget_progress,
    expected_pct,
    indicator_progress,
    year_to_date,
)
from kpi.domain.targets import Comparator, Direction, TargetKind

CUM, RATE, LEVEL = Aggregation.CUMULATIVE, Aggregation.RATE, Aggregation.LEVEL
QUAL, DEADLINE, BUDGET = Aggregation.QUALITATIVE, Aggregation.DEADLINE, Aggregation.BUDGET
GREEN, YELLOW, RED, NONE = Status.GREEN, Status.YELLOW, Status.RED, Status.NONE
GE, LE, LT, EQ = Comparator.GE, Comparator.LE, Comparator.LT, Comparator.EQ
POSITIVE, REVERSE = Direction.POSITIVE, Direction.REVERSE


def q(quarter, value=None, numerator=None, denominator=None, **other):
    """A quarter's figure; numbers may be given as str or int."""
    num = {
        k: None if v is None else D(v)
        for k, v in {"value": value, "numerator": numerator, "denominator": denominator}.items()
    }
    return QuarterFigure(quarter, Entry(**num, **other))


def progress(figures, as_of, *, aggregation=CUM, target="100", comparator=GE, kind=TargetKind.COUNT, **kw):
    return indicator_progress(
        kind=kind,
        comparator=comparator,
        direction=Direction.REVERSE if comparator in (LE, LT) else POSITIVE,
        target_value=None if target is None else D(target),
        target_date=kw.pop("target_date", None),
        aggregation=aggregation,
        figures=figures,
        as_of_quarter=as_of,
        **kw,
    )


# --- year to date -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "aggregation, figures, as_of, value",
    [
        (CUM, [q(1, 10), q(2, 20), q(3, 30)], 3, "60"),
        (CUM, [q(1, 10), q(2, 20), q(3, 30)], 2, "30"),  # later quarters do not count yet
        (CUM, [q(2, 20), q(1, 10)], 4, "30"),  # order of the figures does not matter
        (CUM, [q(1, 10), q(2, note="暂无数据")], 2, "10"),  # a note alone is not a figure
        (LEVEL, [q(1, 27), q(2, 25)], 2, "25"),
        (LEVEL, [q(1, 27), q(2, 25)], 1, "27"),
        # every quarter with counts: the exact rate for the year, not an average of rates
        (RATE, [q(1, numerator=90, denominator=100), q(2, numerator=10, denominator=100)], 2, "50.00"),
        (RATE, [q(1, numerator=1, denominator=3)], 1, "33.33"),
        # a quarter without counts: the latest rate stands for the year
        (RATE, [q(1, numerator=90, denominator=100), q(2, value=40)], 2, "40"),
        (RATE, [q(1, value=40), q(2, numerator=90, denominator=100)], 2, "90.00"),
        (RATE, [q(1, value=40), q(2, value=45)], 2, "45"),
    ],
)
def test_year_to_date_follows_the_aggregation_rule(aggregation, figures, as_of, value):
    assert year_to_date(aggregation, figures, as_of).value == D(value)


def test_exact_rate_keeps_the_summed_counts():
    ytd = year_to_date(RATE, [q(1, numerator=9, denominator=10), q(2, numerator=1, denominator=10)], 2)
    assert (ytd.numerator, ytd.denominator, ytd.quarters_reported) == (D(10), D(20), 2)


def test_qualitative_year_to_date_is_the_latest_band():
    figures = [q(1, band=Band.NOT_ACHIEVED), q(2, band=Band.PARTIAL), q(3, assessment="只写了文字")]
    ytd = year_to_date(QUAL, figures, 3)
    assert (ytd.band, ytd.quarters_reported) == (Band.PARTIAL, 2)


def test_deadline_year_to_date_is_the_earliest_date_achieved():
    figures = [q(3, achieved_on=date(2023, 9, 1)), q(2, achieved_on=date(2023, 6, 30)), q(4)]
    assert year_to_date(DEADLINE, figures, 4).achieved_on == date(2023, 6, 30)


def test_budget_year_to_date_is_the_spend_passed_in():
    ytd = year_to_date(BUDGET, [q(1, note="x")], 2, budget_actual=D("12.5"))
    assert (ytd.value, ytd.quarters_reported) == (D("12.5"), 0)


def test_nothing_counts_before_the_first_quarter():
    assert year_to_date(CUM, [q(1, 10)], 0).value is None


# --- expected by now ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "aggregation, as_of, plan, target, months, expected",
    [
        (CUM, 0, (), None, None, "0.00"),
        (CUM, 1, (), None, None, "25.00"),
        (CUM, 2, (), None, None, "50.00"),
        (CUM, 3, (), None, None, "75.00"),
        (CUM, 4, (), None, None, "100.00"),
        (CUM, 3, (), None, 7, "58.33"),  # 1–7月 (docs/rules/progress.md §2)
        (CUM, 1, ("10", "20", "30", "40"), None, None, "10.00"),  # uneven plan (季度计划)
        (CUM, 2, ("10", "20", "30", "40"), None, None, "30.00"),
        (CUM, 3, ("10", "20", "30", "40"), None, None, "60.00"),
        (CUM, 4, ("10", "20", "30", "40"), None, None, "100.00"),
        (CUM, 3, ("10", "20", "30", "40"), None, 7, "40.00"),  # a third of Q3's plan by July
        (CUM, 2, ("10", None, "30", "40"), None, None, "50.00"),  # a gap and no target: even plan
        (CUM, 1, ("10", None, None, None), "100", None, "10.00"),  # the gaps share the rest of the target
        (CUM, 2, ("10", None, None, None), "100", None, "40.00"),
        (CUM, 2, ("10", None, None, None), "5", None, "50.00"),  # the plan exceeds the target: even
        (CUM, 2, ("0", "0", "0", "0"), None, None, "50.00"),
        (CUM, 2, ("10", "-5", "30", "40"), None, None, "50.00"),
        (CUM, 2, ("10", "20"), None, None, "50.00"),  # not four quarters
        (RATE, 1, (), None, None, "100"),
        (LEVEL, 2, (), None, None, "100"),
        (QUAL, 4, (), None, None, "100"),
        (RATE, 0, (), None, None, None),
        (DEADLINE, 2, (), None, None, None),
        (BUDGET, 2, (), None, None, None),
    ],
)
def test_expected_by_now(aggregation, as_of, plan, target, months, expected):
    plan = tuple(None if p is None else D(p) for p in plan)
    target = None if target is None else D(target)
    result = expected_pct(aggregation, as_of, plan, target, months_elapsed=months)
    assert result == (None if expected is None else D(expected))


@pytest.mark.parametrize("as_of, months", [(-1, None), (5, None), (2, 13), (2, -1)])
def test_a_quarter_or_month_outside_the_year_is_a_programming_error(as_of, months):
    with pytest.raises(ValueError):
        expected_pct(CUM, as_of, months_elapsed=months)


# --- status of positive indicators ----------------------------------------------------------------
@pytest.mark.parametrize(
    "actual, completion, status",
    [
        ("40", "40.00", GREEN),  # 40 ÷ 50 expected = exactly 80%
        ("39.99", "39.99", YELLOW),
        ("30", "30.00", YELLOW),  # exactly 60%
        ("29.99", "29.99", RED),
        ("0", "0.00", RED),
        ("150", "150.00", GREEN),
    ],
)
def test_positive_status_compares_completion_with_what_is_expected_by_now(actual, completion, status):
    result = progress([q(1, actual)], 2)
    assert (result.completion_pct, result.expected_pct, result.status) == (D(completion), D("50.00"), status)


def test_explanation_shows_the_working():
    result = progress([q(1, 4000), q(2, 5500)], 2, target="19000")
    assert result.explanation == ("累计 9,500 ÷ 目标 19,000 = 50.00%；应完成 50.00%；完成/应完成 = 100.00% ≥ 80% → 绿")


@pytest.mark.parametrize("actual, status, word", [("35", YELLOW, "在 60%–80% 之间 → 黄"), ("10", RED, "< 60% → 红")])
def test_explanation_names_the_band_that_decided_the_colour(actual, status, word):
    result = progress([q(1, actual)], 2)
    assert result.status is status and result.explanation.endswith(word)


def test_settings_move_the_thresholds():
    settings = ProgressSettings(green_at=D(90), yellow_at=D(70))
    assert progress([q(1, 40)], 2, settings=settings).status is YELLOW


def test_uneven_plan_changes_what_counts_as_on_track():
    figures = [q(1, 10)]
    assert progress(figures, 1).status is RED  # 10% of the target against 25% expected
    assert progress(figures, 1, plan=(D(10), D(20), D(30), D(40))).status is GREEN


def test_a_quarter_the_plan_leaves_empty_is_on_track_with_anything():
    result = progress([q(1, 0)], 1, plan=(D(0), D(50), D(25), D(25)))
    assert (result.expected_pct, result.status) == (D("0.00"), GREEN)


def test_q4_expects_the_whole_target():
    assert progress([q(1, 25), q(2, 25), q(3, 5), q(4, 4)], 4).status is RED
    result = progress([q(1, 25), q(2, 25), q(3, 25), q(4, 25)], 4)
    assert (result.completion_pct, result.expected_pct, result.status) == (D("100.00"), D("100.00"), GREEN)


@pytest.mark.parametrize("aggregation", [RATE, LEVEL])
def test_rates_and_levels_should_hold_the_target_at_any_time(aggregation):
    result = progress([q(1, 76)], 1, aggregation=aggregation, target="95")
    assert (result.completion_pct, result.expected_pct, result.status) == (D("80.00"), D(100), GREEN)


def test_rate_status_uses_the_exact_rate_from_summed_counts():
    figures = [q(1, numerator=90, denominator=100), q(2, numerator=10, denominator=100)]
    result = progress(figures, 2, aggregation=RATE, target="100", kind=TargetKind.PERCENT)
    assert (result.actual.value, result.completion_pct, result.status) == (D("50.00"), D("50.00"), RED)
    assert result.explanation.startswith("实际 50%（分子 100 ÷ 分母 200） ÷ 目标 100% = 50.00%")


def test_a_target_without_an_operator_is_scored_as_positive():
    assert progress([q(1, 10)], 1, comparator=None, target="20").completion_pct == D("50.00")
    assert progress([q(1, 10)], 1, comparator=EQ, target="20").status is GREEN


@pytest.mark.parametrize("target", [None, "0", "-5"])
def test_no_completion_without_a_positive_target(target):
    result = progress([q(1, 10)], 1, target=target)
    assert (result.completion_pct, result.status) == (None, NONE)


@pytest.mark.parametrize("figures, as_of", [([], 2), ([q(1, 10)], 0), ([q(3, 10)], 2), ([q(1, note="x")], 1)])
def test_nothing_reported_yet_has_no_status(figures, as_of):
    result = progress(figures, as_of)
    assert (result.status, result.completion_pct, result.forecast) == (NONE, None, None)


@pytest.mark.parametrize("actual, over", [("129.99", False), ("130", True), ("200", True)])
def test_completion_of_130_percent_or_more_is_flagged_for_an_explanation(actual, over):
    result = progress([q(1, actual)], 4)
    assert result.over_completed is over
    assert ("需说明超额原因" in result.explanation) is over


# --- reverse indicators ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "comparator, figures, status, completion",
    [
        (LE, [q(1, 4), q(2, 6)], GREEN, "100.00"),  # at the limit of ≤ 10
        (LE, [q(1, 4), q(2, 7)], RED, "110.00"),
        (LE, [q(1, 3)], GREEN, "30.00"),  # early in the year, far under the limit: still green
        (LT, [q(1, 4), q(2, 6)], RED, "100.00"),  # "< 10" is crossed at 10
        (LT, [q(1, 9)], GREEN, "90.00"),
    ],
)
def test_reverse_indicator_turns_red_as_soon_as_it_crosses_its_limit(comparator, figures, status, completion):
    result = progress(figures, 2, comparator=comparator, target="10")
    assert (result.status, result.completion_pct, result.over_completed) == (status, D(completion), False)


def test_reverse_explanation_states_the_comparison():
    assert progress([q(1, 11)], 1, comparator=LE, target="10").explanation == "累计 11 > 上限 10（占上限 110.00%） → 红"


def test_reverse_indicator_with_a_zero_limit_is_red_at_the_first_occurrence():
    assert progress([q(1, 0)], 1, comparator=LE, target="0").status is GREEN
    result = progress([q(1, 1)], 1, comparator=LE, target="0")
    assert (result.status, result.completion_pct) == (RED, None)


@pytest.mark.parametrize(
    "spent, status, completion", [("80", GREEN, "80.00"), ("100", GREEN, "100.00"), ("100.01", RED, "100.01")]
)
def test_budget_indicator_compares_spend_with_the_project_budget(spent, status, completion):
    result = progress(
        [],
        2,
        aggregation=BUDGET,
        comparator=LE,
        target=None,
        kind=TargetKind.BUDGET_RELATIVE,
        budget_actual=D(spent),
        budget_target=D(100),
    )
    assert (result.status, result.completion_pct) == (status, D(completion))


def test_budget_indicator_with_a_floor_is_paced_against_time_progress():
    result = progress([], 2, aggregation=BUDGET, comparator=GE, target=None, budget_actual=D(40), budget_target=D(100))
    assert (result.completion_pct, result.expected_pct, result.status) == (D("40.00"), D("50.00"), GREEN)


def test_mid_year_monitoring_expects_seven_twelfths_of_a_cumulative_target():
    result = progress([q(1, 20), q(2, 20)], 3, target="100", months_elapsed=7)
    assert (result.expected_pct, result.status, result.forecast) == (D("58.33"), YELLOW, D("68.57"))


def test_budget_indicator_without_spend_has_no_status():
    result = progress([], 2, aggregation=BUDGET, comparator=LE, target=None, budget_target=D(100))
    assert (result.status, result.explanation) == (NONE, "尚无预算执行数")


# --- qualitative and deadline indicators ----------------------------------------------------------
@pytest.mark.parametrize(
    "band, status", [(Band.ACHIEVED, GREEN), (Band.PARTIAL, YELLOW), (Band.NOT_ACHIEVED, RED), (None, NONE)]
)
def test_qualitative_status_follows_the_latest_band(band, status):
    result = progress([q(1, band=Band.ACHIEVED), q(2, band=band)], 2, aggregation=QUAL, target=None)
    latest = band or Band.ACHIEVED
    assert result.status is (status if band else GREEN)
    assert (result.forecast_band, result.completion_pct) == (latest, None)


DUE = date(2023, 12, 31)


@pytest.mark.parametrize(
    "achieved_on, today, status",
    [
        (date(2023, 11, 30), None, GREEN),
        (DUE, None, GREEN),
        (date(2024, 1, 1), None, RED),
        (None, None, NONE),
        (None, date(2023, 12, 31), NONE),
        (None, date(2024, 1, 1), RED),
        (date(2023, 12, 1), date(2024, 3, 1), GREEN),
    ],
)
def test_deadline_is_green_on_time_red_when_late_or_overdue(achieved_on, today, status):
    figures = [q(4, achieved_on=achieved_on)]
    result = progress(figures, 4, aggregation=DEADLINE, target=None, target_date=DUE, today=today)
    assert (result.status, result.expected_pct, result.completion_pct) == (status, None, None)


def test_deadline_without_a_target_date_is_green_once_done():
    assert progress([q(2, achieved_on=DUE)], 2, aggregation=DEADLINE, target=None).status is GREEN


# --- forecast -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "aggregation, figures, as_of, plan, forecast",
    [
        (CUM, [q(1, 4000), q(2, 5500)], 2, (), "19000.00"),
        (CUM, [q(1, 10)], 1, (), "40.00"),
        (CUM, [q(1, 10)], 1, ("10", "30", "30", "30"), "100.00"),
        (CUM, [q(1, 1)], 3, (), "1.33"),
        (RATE, [q(1, 90), q(2, 85)], 2, (), "85"),
        (LEVEL, [q(1, 27)], 3, (), "27"),
        (CUM, [q(1, 5)], 1, ("0", "10", "10", "10"), None),  # nothing planned yet: no pace to project
    ],
)
def test_forecast_projects_the_pace_so_far_to_year_end(aggregation, figures, as_of, plan, forecast):
    plan = tuple(D(p) for p in plan)
    result = progress(figures, as_of, aggregation=aggregation, plan=plan)
    assert result.forecast == (None if forecast is None else D(forecast))


def test_forecast_of_1_to_7_month_spend_runs_to_twelve_months():
    result = progress(
        [],
        3,
        aggregation=BUDGET,
        comparator=LE,
        target=None,
        budget_actual=D(70),
        budget_target=D(100),
        months_elapsed=7,
    )
    assert result.forecast == D("120.00")


# --- budget execution ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "budget, spent, as_of, months, rate, time, index, status",
    [
        ("100", {1: "20", 2: "30"}, 2, None, "50.00", "50.00", "100.00", GREEN),
        ("100", {1: "20", 2: "20"}, 2, None, "40.00", "50.00", "80.00", GREEN),  # exactly 80
        ("100", {1: "20", 2: "19.99"}, 2, None, "39.99", "50.00", "79.98", YELLOW),
        ("100", {1: "15", 2: "15"}, 2, None, "30.00", "50.00", "60.00", YELLOW),  # exactly 60
        ("100", {1: "15", 2: "14.99"}, 2, None, "29.99", "50.00", "59.98", RED),
        ("1371", {1: "300", 2: "500", 3: "100"}, None, 7, "65.65", "58.33", "112.55", GREEN),  # 1–7月
        ("100", {1: "20", 2: "30", 3: "40"}, 2, None, "50.00", "50.00", "100.00", GREEN),  # Q3 not yet
        ("100", {1: "25", 2: "25", 3: "25", 4: "20"}, 4, None, "95.00", "100.00", "95.00", GREEN),
        ("100", {}, 1, None, "0.00", "25.00", "0.00", RED),
    ],
)
def test_budget_execution_rate_and_warning(budget, spent, as_of, months, rate, time, index, status):
    result = budget_progress(D(budget), {k: D(v) for k, v in spent.items()}, as_of, months_elapsed=months)
    assert (result.execution_rate, result.time_progress, result.warning_index, result.status) == (
        D(rate),
        D(time),
        D(index),
        status,
    )


def test_budget_of_zero_has_no_rate_and_no_status():
    result = budget_progress(D(0), {1: D(5)}, 1)
    assert (result.execution_rate, result.warning_index, result.status) == (None, None, NONE)
    assert result.spent == D(5)


def test_budget_execution_before_any_month_has_no_status():
    result = budget_progress(D(100), {}, 0)
    assert (result.time_progress, result.warning_index, result.status, result.forecast) == (D("0.00"), None, NONE, None)


def test_budget_forecast_is_the_straight_line_year_end_spend():
    assert budget_progress(D(100), {1: D(10), 2: D(20)}, 2).forecast == D("60.00")


def test_budget_execution_needs_a_quarter_or_a_month_count():
    with pytest.raises(ValueError):
        budget_progress(D(100), {})


def test_budget_warning_thresholds_are_settings():
    settings = ProgressSettings(budget_green_at=D(90), budget_yellow_at=D(70))
    assert budget_progress(D(100), {1: D(20), 2: D(20)}, 2, settings=settings).status is YELLOW


# --- properties ---------------------------------------------------------------------------------
AMOUNT = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
TARGET = st.decimals(min_value="0.01", max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
QUARTER = st.integers(min_value=1, max_value=4)
RANK = {RED: 0, YELLOW: 1, GREEN: 2}


@given(st.lists(AMOUNT, min_size=1, max_size=4), TARGET, QUARTER, st.sampled_from([CUM, RATE, LEVEL]))
def test_completion_is_never_negative(values, target, as_of, aggregation):
    values = [min(v, D(100)) for v in values] if aggregation is RATE else values
    figures = [q(i + 1, v) for i, v in enumerate(values)]
    result = progress(figures, as_of, aggregation=aggregation, target=target)
    assert result.completion_pct is None or result.completion_pct >= 0


@given(st.lists(AMOUNT, min_size=4, max_size=4), AMOUNT, QUARTER, QUARTER, TARGET)
def test_more_cumulative_achievement_never_lowers_completion(values, extra, quarter, as_of, target):
    base = [q(i + 1, v) for i, v in enumerate(values)]
    more = [q(i + 1, v + extra if i + 1 == quarter else v) for i, v in enumerate(values)]
    before, after = progress(base, as_of, target=target), progress(more, as_of, target=target)
    assert after.completion_pct >= before.completion_pct


@given(AMOUNT, AMOUNT, TARGET, QUARTER, st.sampled_from([CUM, RATE, LEVEL]), st.sampled_from([GE, EQ, None]))
def test_a_positive_status_never_gets_worse_with_a_higher_actual(a, b, target, as_of, aggregation, comparator):
    low, high = sorted((a, b))
    statuses = [
        progress([q(1, v)], as_of, aggregation=aggregation, target=target, comparator=comparator).status
        for v in (low, high)
    ]
    assert RANK[statuses[1]] >= RANK[statuses[0]]
