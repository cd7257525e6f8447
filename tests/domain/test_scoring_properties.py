"""Properties of self-evaluation scoring that must hold for any table and any settings (docs/rules/scoring.md)."""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.entries import Band
from kpi.domain.scoring import (
    BAND_RANGES,
    IndicatorInput,
    ScoringSettings,
    allocate_points,
    score_indicator,
    score_self_evaluation,
)
from kpi.domain.scoring_settings import DEFAULT_GRADE_BANDS, GRADE_BANDS_80_70_60
from kpi.domain.targets import Comparator, Direction, TargetKind

LEVELS = ("产出指标", "效益指标", "满意度指标")
# Labels a table may use: the configured ones, variants of them, and a level no year weighs.
TABLE_LEVELS = (*LEVELS, "产出指标(50分)", "满意度", "成本指标")
YEAR_START = date(2023, 1, 1)

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
signed = st.decimals(min_value=-1000, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
some_points = st.none() | st.decimals(min_value=0, max_value=60, places=2)
days = st.none() | st.integers(0, 500).map(lambda n: YEAR_START + timedelta(days=n))


@st.composite
def settings(draw) -> ScoringSettings:
    budget = draw(st.sampled_from([0, 10, 20, 30]))
    cuts = sorted(draw(st.lists(st.integers(0, 100 - budget), min_size=2, max_size=2)))
    weights = [cuts[0], cuts[1] - cuts[0], 100 - budget - cuts[1]]
    return ScoringSettings(
        budget_points=D(budget),
        level_points=dict(zip(LEVELS, map(D, weights))),
        grade_bands=draw(st.sampled_from([DEFAULT_GRADE_BANDS, GRADE_BANDS_80_70_60])),
        reverse_rule=draw(st.sampled_from(["linear", "ratio"])),
    )


def ratio_in(band: Band):
    low, high = BAND_RANGES[band]
    top = high if band is Band.ACHIEVED else high - D("0.0001")
    return st.decimals(min_value=low, max_value=top, places=4)


@st.composite
def indicator(draw, key) -> IndicatorInput:
    kind = draw(st.sampled_from(list(TargetKind)))
    comparator = draw(st.sampled_from([*Comparator, None]))
    direction = Direction.REVERSE if comparator in (Comparator.LE, Comparator.LT) else Direction.POSITIVE
    band = draw(st.none() | st.sampled_from(list(Band)))
    return IndicatorInput(
        key=key,
        level1=draw(st.sampled_from(TABLE_LEVELS)),
        level2="二级",
        name=f"指标{key}",
        kind=kind,
        comparator=comparator,
        direction=direction,
        target_value=draw(st.none() | signed),
        target_date=draw(days),
        actual=draw(st.none() | signed),
        actual_date=draw(days),
        band=band,
        chosen_ratio=None if band is None else draw(st.none() | ratio_in(band)),
        points=draw(some_points),
        budget_target=draw(st.none() | amounts),
    )


tables = st.integers(0, 25).flatmap(lambda n: st.tuples(*(indicator(i) for i in range(n))))


@given(tables, settings(), amounts, amounts)
def test_points_add_up_to_100_and_the_total_never_exceeds_it(items, year, budget, spent):
    points = allocate_points(items, year)
    if items:
        assert year.budget_points + sum(points.values()) == 100
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in points.values())
    evaluation = score_self_evaluation(items, budget=budget, spent=spent, settings=year)
    assert 0 <= evaluation.total <= 100
    assert evaluation.total == evaluation.budget.score + sum(s.score for s in evaluation.indicators)
    assert sum(evaluation.level_points.values()) == sum(points.values())
    assert sum(evaluation.level_scores.values()) == sum(s.score for s in evaluation.indicators)


@given(tables, settings(), amounts, amounts)
def test_every_score_stays_between_0_and_its_points(items, year, budget, spent):
    evaluation = score_self_evaluation(items, budget=budget, spent=spent, settings=year)
    assert 0 <= evaluation.budget.score <= evaluation.budget.points
    for score in evaluation.indicators:
        assert 0 <= score.score <= score.points
        assert score.working  # every score shows how it was computed
        assert score.needs_explanation is (score.explanation_reason is not None)


@given(
    st.sampled_from([TargetKind.COUNT, TargetKind.PERCENT, TargetKind.MONEY]),
    st.sampled_from([Comparator.GE, Comparator.GT, Comparator.EQ, None]),
    signed,
    signed,
    signed,
    st.decimals(min_value=0, max_value=100, places=2),
    settings(),
)
def test_more_achievement_never_lowers_a_positive_indicators_score(kind, comparator, target, a, b, points, year):
    low, high = sorted((a, b))

    def score(actual):
        item = IndicatorInput(
            1, "产出指标", "数量指标", "x", kind, comparator, Direction.POSITIVE, target_value=target, actual=actual
        )
        return score_indicator(item, points, year).score

    assert score(low) <= score(high)


@given(
    signed,
    signed,
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    settings(),
)
def test_more_usage_never_raises_a_reverse_indicators_score(a, b, target, points, year):
    low, high = sorted((a, b))

    def score(actual):
        item = IndicatorInput(
            1,
            "产出指标",
            "成本指标",
            "x",
            TargetKind.MONEY,
            Comparator.LE,
            Direction.REVERSE,
            target_value=target,
            actual=actual,
        )
        return score_indicator(item, points, year).score

    assert score(low) >= score(high)


@given(settings(), st.sampled_from([100, 105, 150, 200]).map(D))
def test_settings_round_trip_through_their_stored_form(year, over):
    year = ScoringSettings(
        budget_points=year.budget_points,
        level_points=year.level_points,
        grade_bands=year.grade_bands,
        reverse_rule=year.reverse_rule,
        over_completion_at=over + D("0.5"),
    )
    assert ScoringSettings.from_dict(year.to_dict()) == year
