"""Self-evaluation scoring: points, each rule with its working, the total and the grade (docs/rules/scoring.md)."""

import json
from datetime import date
from decimal import Decimal as D

import pytest

from kpi.domain.entries import Band
from kpi.domain.scoring import (
    BAND_RANGES,
    IndicatorInput,
    ScoringSettings,
    allocate_points,
    check_qualitative_ratio,
    grade_for,
    score_budget,
    score_indicator,
    score_self_evaluation,
)
from kpi.domain.scoring_settings import DEFAULT_GRADE_BANDS, GRADE_BANDS_80_70_60
from kpi.domain.targets import Comparator, Direction, TargetKind

GE, LE, LT, EQ, GT = Comparator.GE, Comparator.LE, Comparator.LT, Comparator.EQ, Comparator.GT
COUNT, PERCENT, MONEY, PERIOD = TargetKind.COUNT, TargetKind.PERCENT, TargetKind.MONEY, TargetKind.PERIOD
QUAL, DEADLINE, BUDGET = TargetKind.QUALITATIVE, TargetKind.DEADLINE, TargetKind.BUDGET_RELATIVE
ACHIEVED, PARTIAL, NOT_ACHIEVED = Band.ACHIEVED, Band.PARTIAL, Band.NOT_ACHIEVED
OUTPUT, EFFECT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
LINEAR, RATIO = ScoringSettings(), ScoringSettings(reverse_rule="ratio")


def _d(value):
    return None if value is None else D(str(value))


def ind(
    key=1,
    level1=OUTPUT,
    *,
    kind=COUNT,
    comparator=GE,
    target=None,
    actual=None,
    points=None,
    ratio=None,
    budget_target=None,
    **kw,
):
    """An indicator; numbers may be given as str or int."""
    return IndicatorInput(
        key=key,
        level1=level1,
        level2=kw.pop("level2", "数量指标"),
        name=kw.pop("name", f"指标{key}"),
        kind=kind,
        comparator=comparator,
        direction=Direction.REVERSE if comparator in (LE, LT) else Direction.POSITIVE,
        target_value=_d(target),
        actual=_d(actual),
        points=_d(points),
        chosen_ratio=_d(ratio),
        budget_target=_d(budget_target),
        **kw,
    )


def table(*counts, levels=(OUTPUT, EFFECT, SATISFACTION), points=None):
    """counts[i] indicators under levels[i], keyed "产出指标-0", …"""
    return [
        ind(f"{level}-{i}", level, target=100, actual=100, points=points)
        for level, n in zip(levels, counts)
        for i in range(n)
    ]


# --- settings -----------------------------------------------------------------------------------
def test_default_settings_are_those_of_section_6():
    s = ScoringSettings()
    assert s.budget_points == 10
    assert dict(s.level_points) == {OUTPUT: 50, EFFECT: 30, SATISFACTION: 10}
    assert s.grade_bands == DEFAULT_GRADE_BANDS
    assert (s.reverse_rule, s.over_completion_at) == ("linear", 130)


def test_settings_survive_a_round_trip_through_json():
    levels = {OUTPUT: D("40.5"), EFFECT: D("29.5"), "满意度": D(10)}
    s = ScoringSettings(
        budget_points=D(20),
        level_points=levels,
        grade_bands=GRADE_BANDS_80_70_60,
        reverse_rule="ratio",
        over_completion_at=D(150),
    )
    stored = json.loads(json.dumps(s.to_dict()))
    assert ScoringSettings.from_dict(stored) == s
    assert stored["budget_points"] == "20" and stored["level_points"][OUTPUT] == "40.5"


@pytest.mark.parametrize("stored", [None, {}])
def test_no_stored_settings_means_the_defaults(stored):
    assert ScoringSettings.from_dict(stored) == ScoringSettings()


def test_stored_settings_accept_json_numbers():
    s = ScoringSettings.from_dict(
        {
            "budget_points": 20,
            "over_completion_at": 120.5,
            "level_points": {OUTPUT: 40, EFFECT: 30, SATISFACTION: 10},
            "grade_bands": [[80, "优"], [70, "良"], [60, "中"], [0, "差"]],
        }
    )
    assert (s.budget_points, s.over_completion_at) == (D(20), D("120.5"))
    assert s.grade_bands == GRADE_BANDS_80_70_60
    assert all(isinstance(v, D) for v in s.level_points.values())


@pytest.mark.parametrize(
    "stored, message",
    [
        ({"budget_points": 20}, "预算执行与各一级指标分值合计应为 100，现为 20 + 50 + 30 + 10 = 110"),
        ({"budget_points": -10, "level_points": {OUTPUT: 110}}, "预算执行分值不能为负数"),
        ({"level_points": {OUTPUT: 100, EFFECT: -10}}, "一级指标“效益指标”的分值不能为负数"),
        ({"level_points": {OUTPUT: "五十", EFFECT: 40}}, "一级指标“产出指标”的分值应为数字"),
        ({"level_points": {OUTPUT: "49.995", EFFECT: "40.005"}}, "最多两位小数"),
        ({"level_points": {OUTPUT: 45, "产出": 45}}, "一级指标“产出指标”与“产出”重复"),
        ({"level_points": {"  ": 90}}, "一级指标名称不能为空"),
        ({"level_points": [90]}, "一级指标分值应为"),
        ({"grade_bands": [[80, "良"], [90, "优"], [0, "差"]]}, "分数线应从高到低排列"),
        ({"grade_bands": [[90, "优"], [90, "良"], [0, "差"]]}, "分数线应从高到低排列"),
        ({"grade_bands": [[90, "优"], [60, "中"]]}, "最低一档评价等级的分数线应为 0"),
        ({"grade_bands": [[101, "优"], [0, "差"]]}, "分数线应在 0–100 之间"),
        ({"grade_bands": [[90, "优"], [0, "优"]]}, "评价等级名称不能重复"),
        ({"grade_bands": [[90, ""], [0, "差"]]}, "评价等级名称不能为空"),
        ({"grade_bands": []}, "评价等级不能为空"),
        ({"grade_bands": 90}, "评价等级应为"),
        ({"reverse_rule": "square"}, "反向指标计分规则应为 linear"),
        ({"over_completion_at": 100}, "超额完成阈值应大于 100%"),
        ({"over_completion_at": "NaN"}, "超额完成阈值应为数字"),
        ({"over_completion_at": True}, "超额完成阈值应为数字"),
        ({"budget_point": 10}, "未知的计分设置：budget_point"),
    ],
)
def test_inconsistent_settings_are_refused_in_chinese(stored, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("+", r"\+")):
        ScoringSettings.from_dict(stored)


def test_settings_built_directly_are_checked_too():
    with pytest.raises(ValueError, match="合计应为 100"):
        ScoringSettings(budget_points=D(20))


@pytest.mark.parametrize("label", ["产出指标", "产出", " 产出 指标 ", "产出指标(50分)", "产出指标（50分）"])
def test_a_first_level_label_finds_its_weight_however_the_table_writes_it(label):
    assert ScoringSettings().level_weight(label) == (OUTPUT, D(50))


# --- grade ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "total, default, provincial",
    [
        ("100", "优", "优"),
        ("90", "优", "优"),
        ("89.99", "良", "优"),
        ("80", "良", "优"),
        ("79.99", "中", "良"),
        ("70", "中", "良"),
        ("69.99", "中", "中"),
        ("60", "中", "中"),
        ("59.99", "差", "差"),
        ("0", "差", "差"),
    ],
)
def test_grade_follows_the_cut_offs_of_the_year(total, default, provincial):
    assert grade_for(D(total)) == default
    assert grade_for(D(total), ScoringSettings(grade_bands=GRADE_BANDS_80_70_60)) == provincial


# --- budget execution -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "budget, spent, score, rate",
    [
        ("100", "95", "9.50", "95.00"),
        ("100", "100", "10", "100.00"),  # exactly the budget
        ("100", "120", "10", "120.00"),  # overspending earns no more than full points
        ("100", "0", "0", "0.00"),
        ("3", "1", "3.33", "33.33"),
        ("1276.5", "1000.25", "7.84", "78.36"),
        ("0", "5", "0", None),  # no budget: no rate to score
    ],
)
def test_budget_execution_scores_points_times_the_rate_capped_at_100(budget, spent, score, rate):
    result = score_budget(D(budget), D(spent))
    assert (result.score, result.execution_rate) == (D(score), _d(rate))
    assert result.points == 10


def test_budget_execution_uses_the_points_of_the_year():
    settings = ScoringSettings(budget_points=D(20), level_points={OUTPUT: 40, EFFECT: 30, SATISFACTION: 10})
    assert score_budget(D(100), D(95), settings).score == D(19)


@pytest.mark.parametrize(
    "budget, spent, working",
    [
        ("10000", "9500", "执行数 9,500 ÷ 全年预算数 10,000 × 分值 10 = 9.5（执行率 95%）"),
        ("10000", "12000", "执行数 12,000 ÷ 全年预算数 10,000 = 120%，达到 100%，得满分 10"),
        ("0", "5", "全年预算数为 0，无法计算执行率，计 0 分"),
    ],
)
def test_budget_execution_shows_its_working(budget, spent, working):
    assert score_budget(D(budget), D(spent)).working == working


# --- positive quantitative indicators --------------------------------------------------------------
@pytest.mark.parametrize(
    "target, actual, points, score, completion, reason",
    [
        ("100", "100", "10", "10", "100.00", None),  # exactly on target
        ("100", "99.99", "10", "10.00", "99.99", "未完成目标"),  # rounds to full points, still a shortfall
        ("100", "50", "10", "5", "50.00", "未完成目标"),
        ("100", "0", "10", "0", "0.00", "未完成目标"),  # nothing done
        ("100", "120", "10", "10", "120.00", None),  # above target, below the over-completion trigger
        ("100", "129.99", "10", "10", "129.99", None),
        ("100", "130", "10", "10", "130.00", "超额完成（≥130%）"),  # capped at full points, but explained
        ("100", "500", "10", "10", "500.00", "超额完成（≥130%）"),
        ("3", "1", "10", "3.33", "33.33", "未完成目标"),
        ("0", "0", "10", "10", None, None),  # a target of 0 is met by anything
        ("0", "5", "10", "10", None, None),
        ("-5", "-3", "10", "10", None, None),  # ≥-5% growth: met
        ("-5", "-10", "10", "0", None, "未完成目标"),  # missed, and no proportion to score by
    ],
)
def test_positive_indicator_scores_points_times_achievement_capped_at_1(
    target, actual, points, score, completion, reason
):
    result = score_indicator(ind(target=target, actual=actual), D(points))
    assert (result.rule, result.score, result.completion_pct) == ("positive", D(score), _d(completion))
    assert (result.needs_explanation, result.explanation_reason) == (reason is not None, reason)


def test_published_example_shows_its_working_from_the_rounded_points():
    # issue 5 quotes "实际 9,500 ÷ 目标 19,000 × 分值 0.91 = 0.45": that 0.45 comes from an
    # unrounded 分值 (10/11 = 0.909…). The table shows 分值 0.91, and 0.5 × 0.91 = 0.455 rounds
    # half up to 0.46, which is what a reader checking the row gets.
    result = score_indicator(ind(target=19000, actual=9500), D("0.91"))
    assert result.working == "实际 9,500 ÷ 目标 19,000 × 分值 0.91 = 0.46"
    assert result.score == D("0.46")
    assert score_indicator(ind(target=19000, actual=9500), D(10) / 11).score == D("0.45")


@pytest.mark.parametrize("comparator", [GE, GT, EQ, None])
def test_equal_and_missing_operators_score_as_positive(comparator):
    result = score_indicator(ind(comparator=comparator, target=20, actual=15), D(8))
    assert (result.rule, result.score) == ("positive", D(6))


def test_percent_targets_compare_the_percentages():
    result = score_indicator(ind(kind=PERCENT, target=95, actual=85), D(10))
    assert result.score == D("8.95")
    assert result.working == "实际 85% ÷ 目标 95% × 分值 10 = 8.95"
    assert (
        score_indicator(ind(kind=PERCENT, target=90, actual=95), D(10)).working
        == "实际 95% ≥ 目标 90%，完成目标，得满分 10（完成 105.56%）"
    )


def test_over_completion_working_asks_for_the_reason():
    result = score_indicator(ind(target=19000, actual=25000), D("0.91"))
    assert result.working == (
        "实际 25,000 ≥ 目标 19,000，完成目标，得满分 0.91（完成 131.58%）；完成率 ≥ 130%，需说明超额原因"
    )


def test_over_completion_trigger_is_a_setting():
    settings = ScoringSettings(over_completion_at=D(120))
    assert score_indicator(ind(target=100, actual=125), D(5), settings).explanation_reason == "超额完成（≥120%）"


# --- reverse quantitative indicators ----------------------------------------------------------------
@pytest.mark.parametrize(
    "settings, target, actual, score",
    [
        (LINEAR, "90", "80", "5"),  # within the limit
        (LINEAR, "90", "90", "5"),  # exactly on the limit
        (LINEAR, "90", "95", "4.72"),  # 5 × (1 − 5/90)
        (LINEAR, "90", "135", "2.5"),
        (LINEAR, "90", "180", "0"),  # twice the limit: nothing left
        (LINEAR, "90", "500", "0"),  # never below 0
        (RATIO, "90", "80", "5"),
        (RATIO, "90", "95", "4.74"),  # 5 × 90/95
        (RATIO, "90", "180", "2.5"),
        (RATIO, "90", "900", "0.5"),
        (LINEAR, "0", "0", "5"),  # "≤0起" kept
        (LINEAR, "0", "1", "0"),  # "≤0起" broken: no proportion to score by
    ],
)
def test_reverse_indicator_loses_points_past_its_limit(settings, target, actual, score):
    result = score_indicator(ind(comparator=LE, kind=MONEY, target=target, actual=actual), D(5), settings)
    assert (result.rule, result.score) == ("reverse", D(score))
    crossed = D(actual) > D(target)
    assert (result.needs_explanation, result.explanation_reason) == (crossed, "超过目标上限" if crossed else None)


@pytest.mark.parametrize(
    "settings, actual, working",
    [
        (LINEAR, "80", "实际 80 ≤ 目标 90，得满分 5"),
        (LINEAR, "95", "实际 95 > 目标 90：分值 5 × (1 − (95 − 90) ÷ 90) = 4.72"),
        (LINEAR, "200", "实际 200 > 目标 90：分值 5 × max(0, 1 − (200 − 90) ÷ 90) = 0"),
        (RATIO, "95", "实际 95 > 目标 90：目标 90 ÷ 实际 95 × 分值 5 = 4.74"),
    ],
)
def test_reverse_indicator_shows_the_rule_it_used(settings, actual, working):
    assert score_indicator(ind(comparator=LE, target=90, actual=actual), D(5), settings).working == working


def test_strictly_below_scores_like_at_most_at_the_limit():
    assert score_indicator(ind(comparator=LT, target=10, actual=10), D(4)).score == D(4)


def test_a_duration_limit_is_a_reverse_indicator():
    result = score_indicator(ind(kind=PERIOD, comparator=LE, target=15, actual=18), D(6))
    assert (result.rule, result.score) == ("reverse", D("4.8"))


# --- qualitative indicators -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "band, ratio, score, reason",
    [
        (ACHIEVED, None, "10", None),  # nothing chosen yet: 达成 is full points
        (ACHIEVED, "0.85", "8.5", None),
        (ACHIEVED, "0.8", "8", None),
        (PARTIAL, None, "6", "部分达成年度指标"),  # nothing chosen yet: the band's floor
        (PARTIAL, "0.75", "7.5", "部分达成年度指标"),
        (NOT_ACHIEVED, None, "0", "未达成年度指标"),
        (NOT_ACHIEVED, "0.5", "5", "未达成年度指标"),
    ],
)
def test_qualitative_indicator_scores_the_ratio_chosen_inside_its_band(band, ratio, score, reason):
    result = score_indicator(ind(kind=QUAL, comparator=None, band=band, ratio=ratio), D(10))
    assert (result.rule, result.score, result.explanation_reason) == ("qualitative", D(score), reason)
    assert result.completion_pct is None


@pytest.mark.parametrize(
    "band, ratio, working",
    [
        (PARTIAL, "0.7", "评价“部分达成”（60%–80%），选定 70% × 分值 10 = 7"),
        (ACHIEVED, None, "评价“达成”（80%–100%），未选定得分，按 100% 计 × 分值 10 = 10"),
    ],
)
def test_qualitative_working_names_the_band_and_the_choice(band, ratio, working):
    assert score_indicator(ind(kind=QUAL, band=band, ratio=ratio), D(10)).working == working


@pytest.mark.parametrize(
    "band, ratio",
    [
        (ACHIEVED, "0.8"),
        (ACHIEVED, "1"),
        (PARTIAL, "0.6"),
        (PARTIAL, "0.7999"),
        (NOT_ACHIEVED, "0"),
        (NOT_ACHIEVED, "0.5999"),
    ],
)
def test_band_limits_accept_their_closed_ends(band, ratio):
    check_qualitative_ratio(band, D(ratio))


@pytest.mark.parametrize(
    "band, ratio, message",
    [
        (ACHIEVED, "0.79", "得分超出“达成”档（80%–100%）"),
        (ACHIEVED, "1.01", "得分超出“达成”档（80%–100%）"),
        (PARTIAL, "0.8", "得分超出“部分达成”档（60%–80%）"),  # 80% belongs to 达成
        (PARTIAL, "0.59", "得分超出“部分达成”档（60%–80%）"),
        (NOT_ACHIEVED, "0.6", "得分超出“未达成”档（0–60%）"),  # 60% belongs to 部分达成
        (NOT_ACHIEVED, "-0.01", "得分超出“未达成”档（0–60%）"),
    ],
)
def test_a_score_outside_its_band_is_refused(band, ratio, message):
    with pytest.raises(ValueError, match=message):
        check_qualitative_ratio(band, D(ratio))
    with pytest.raises(ValueError, match=message):
        ind(kind=QUAL, band=band, ratio=ratio)


def test_band_ranges_cover_0_to_1_without_gaps():
    assert BAND_RANGES[NOT_ACHIEVED][1] == BAND_RANGES[PARTIAL][0]
    assert BAND_RANGES[PARTIAL][1] == BAND_RANGES[ACHIEVED][0]
    assert (BAND_RANGES[NOT_ACHIEVED][0], BAND_RANGES[ACHIEVED][1]) == (0, 1)


def test_a_qualitative_indicator_not_yet_assessed_scores_0():
    result = score_indicator(ind(kind=QUAL), D(10))
    assert (result.rule, result.score, result.explanation_reason) == ("missing", D(0), "尚未评价")


# --- deadlines ---------------------------------------------------------------------------------------
DUE = date(2023, 12, 31)


@pytest.mark.parametrize(
    "kind, due, done, score, working",
    [
        (DEADLINE, DUE, date(2023, 6, 30), "5", "2023-06-30 完成，不晚于期限 2023-12-31，得满分 5"),
        (DEADLINE, DUE, DUE, "5", "2023-12-31 完成，不晚于期限 2023-12-31，得满分 5"),  # on the day
        (DEADLINE, DUE, date(2024, 1, 1), "0", "2024-01-01 完成，晚于期限 2023-12-31，计 0 分"),
        (DEADLINE, DUE, None, "0", "未填报完成日期，按未完成计 0 分（期限 2023-12-31）"),
        (DEADLINE, None, date(2023, 6, 30), "5", "2023-06-30 完成，得满分 5"),
        (PERIOD, DUE, date(2023, 11, 1), "5", "2023-11-01 完成，不晚于期限 2023-12-31，得满分 5"),  # a range's end
    ],
)
def test_deadline_scores_full_points_on_time_and_nothing_late(kind, due, done, score, working):
    result = score_indicator(ind(kind=kind, comparator=None, target_date=due, actual_date=done), D(5))
    assert (result.rule, result.score, result.working) == ("deadline", D(score), working)
    assert result.needs_explanation is (score == "0")


# --- budget-relative indicators ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings, spent, score, working",
    [
        (LINEAR, "95", "5", "执行数 95 ≤ 预算 100，得满分 5"),
        (LINEAR, "100", "5", "执行数 100 ≤ 预算 100，得满分 5"),
        (LINEAR, "110", "4.5", "执行数 110 > 预算 100：分值 5 × (1 − (110 − 100) ÷ 100) = 4.5"),
        (RATIO, "110", "4.55", "执行数 110 > 预算 100：预算 100 ÷ 执行数 110 × 分值 5 = 4.55"),
    ],
)
def test_within_budget_scores_full_points_and_overspending_follows_the_reverse_rule(settings, spent, score, working):
    item = ind(kind=BUDGET, comparator=LE, actual=spent, budget_target=100)
    result = score_indicator(item, D(5), settings)
    assert (result.rule, result.score, result.working) == ("budget", D(score), working)
    assert result.explanation_reason == (None if D(spent) <= 100 else "超出预算")


@pytest.mark.parametrize(
    "item, reason",
    [
        (ind(target=100), "未填报实际完成值"),
        (ind(actual=5), "目标值缺失"),
        (ind(kind=BUDGET, comparator=LE, budget_target=100), "未取得执行数"),
        (ind(kind=BUDGET, comparator=LE, actual=100), "缺少预算金额"),
    ],
)
def test_missing_figures_score_0_and_need_an_explanation(item, reason):
    result = score_indicator(item, D(5))
    assert (result.rule, result.score, result.needs_explanation, result.explanation_reason) == (
        "missing",
        D(0),
        True,
        reason,
    )
    assert result.working == f"{reason}，计 0 分"


# --- points --------------------------------------------------------------------------------------------
def test_points_are_split_equally_within_each_first_level():
    points = allocate_points(table(5, 3, 1))
    assert set(points.values()) == {D(10)}
    assert sum(points.values()) == 90


def test_rounding_remainder_goes_to_the_last_indicator_of_its_level():
    points = allocate_points(table(3, 7, 1))
    assert [points[f"{OUTPUT}-{i}"] for i in range(3)] == [D("16.67"), D("16.67"), D("16.66")]
    assert [points[f"{EFFECT}-{i}"] for i in range(7)] == [D("4.29")] * 6 + [D("4.26")]
    assert sum(points.values()) + 10 == 100


@pytest.mark.parametrize(
    "counts, expected",
    [
        ((4, 0, 2), {OUTPUT: "75", SATISFACTION: "15"}),  # no 效益: 90 × 50/60, 90 × 10/60
        ((4, 3, 0), {OUTPUT: "56.25", EFFECT: "33.75"}),
        ((0, 0, 2), {SATISFACTION: "90"}),
    ],
)
def test_an_empty_first_level_rescales_the_others_so_the_total_stays_100(counts, expected):
    evaluation = score_self_evaluation(table(*counts), budget=D(1), spent=D(1))
    assert evaluation.level_points == {k: D(v) for k, v in expected.items()}
    assert evaluation.total == 100
    assert any("没有指标" in note and "使总分仍为 100" in note for note in evaluation.notes)


def test_a_rescaled_level_takes_the_rounding_remainder_so_the_levels_add_up():
    settings = ScoringSettings(level_points={"A": 35, "B": 35, "C": 10, "D": 10})
    items = table(1, 1, 1, levels="ABC")
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1), settings=settings)
    assert evaluation.level_points == {"A": D("39.38"), "B": D("39.38"), "C": D("11.24")}


def test_a_first_level_the_year_does_not_weigh_gets_no_points_until_configured():
    items = table(2, 2, 1, levels=(OUTPUT, "成本指标", SATISFACTION))
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1))
    assert evaluation.level_points == {OUTPUT: D("75"), "成本指标": D(0), SATISFACTION: D(15)}
    assert "一级指标“成本指标”未设定分值，按 0 分计" in evaluation.notes
    settings = ScoringSettings(level_points={OUTPUT: 30, "成本指标": 20, EFFECT: 30, SATISFACTION: 10})
    configured = score_self_evaluation(items, budget=D(1), spent=D(1), settings=settings)
    assert configured.level_points == {OUTPUT: D(45), "成本指标": D(30), SATISFACTION: D(15)}


def test_labels_written_differently_are_one_level():
    items = [
        ind(1, "产出指标(50分)", target=1, actual=1),
        ind(2, "产出", target=1, actual=1),
        ind(3, EFFECT, target=1, actual=1),
        ind(4, SATISFACTION, target=1, actual=1),
    ]
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1))
    assert evaluation.level_points == {"产出指标(50分)": D(50), EFFECT: D(30), SATISFACTION: D(10)}
    assert evaluation.level_scores["产出指标(50分)"] == D(50)


@pytest.mark.parametrize(
    "given, expected",
    [
        (("20", "20", "10"), ("20", "20", "10")),  # the unit's 分值 add up to the level: used as they are
        (("20", "10", "10"), ("25", "12.5", "12.5")),  # they don't: scaled to the level's 50
        (("30", "30", "30"), ("16.67", "16.67", "16.66")),
        (("20", None, None), ("20", "15", "15")),  # the unset ones share what is left
        (("50", None, None), ("50", "0", "0")),
        (("40", "30", None), ("28.57", "21.43", "0")),  # the set ones exceed the level: scaled down
        (("0", "0", "0"), ("16.67", "16.67", "16.66")),  # all 0: split equally
    ],
)
def test_the_units_own_points_decide_the_split_within_a_level(given, expected):
    items = [ind(i, OUTPUT, points=p) for i, p in enumerate(given)] + table(0, 1, 1)
    points = allocate_points(items)
    assert [points[i] for i in range(3)] == [D(e) for e in expected]
    assert sum(points.values()) == 90


def test_the_units_own_points_scale_with_a_rescaled_level():
    items = [ind(i, OUTPUT, points=p) for i, p in enumerate(("20", "20", "10"))] + table(0, 0, 1)
    assert [allocate_points(items)[i] for i in range(3)] == [D(30), D(30), D(15)]


def test_tiny_shares_never_go_negative_to_absorb_a_rounding_remainder():
    settings = ScoringSettings(level_points={OUTPUT: D("1.5"), EFFECT: D("88.5")})
    points = allocate_points(table(100, 1), settings)
    outputs = [points[f"{OUTPUT}-{i}"] for i in range(100)]
    assert sum(outputs) == D("1.5") and min(outputs) >= 0


def test_the_same_key_twice_is_refused():
    with pytest.raises(ValueError, match="指标标识重复"):
        allocate_points([ind(1), ind(1)])


def test_negative_points_are_refused():
    with pytest.raises(ValueError, match="分值不能为负数"):
        ind(points=-1)


# --- the whole evaluation ----------------------------------------------------------------------------
def project():
    """A 项目支出 table in the shape of the published forms."""
    return [
        ind("a", OUTPUT, target=19000, actual=9500, name="投诉调解辅助服务"),
        ind("b", OUTPUT, kind=PERCENT, target=95, actual=97, level2="质量指标"),
        ind(
            "c",
            OUTPUT,
            kind=DEADLINE,
            comparator=None,
            target_date=DUE,
            actual_date=date(2023, 12, 20),
            level2="时效指标",
        ),
        ind("d", OUTPUT, kind=BUDGET, comparator=LE, actual=95, budget_target=100, level2="成本指标"),
        ind("e", EFFECT, kind=QUAL, comparator=None, band=PARTIAL, ratio="0.7", level2="社会效益指标"),
        ind("f", EFFECT, target=5, actual=7, level2="可持续影响指标"),
        ind("g", SATISFACTION, kind=PERCENT, target=90, actual=85, level2="服务对象满意度指标"),
    ]


def test_total_is_the_budget_score_plus_every_indicator_score():
    evaluation = score_self_evaluation(project(), budget=D(200), spent=D(190))
    scores = {s.key: s.score for s in evaluation.indicators}
    assert scores == {
        "a": D("6.25"),
        "b": D("12.5"),
        "c": D("12.5"),
        "d": D("12.5"),
        "e": D("10.5"),
        "f": D(15),
        "g": D("9.44"),
    }
    assert evaluation.budget.score == D("9.5")
    assert evaluation.total == D("88.19") == evaluation.budget.score + sum(scores.values())
    assert evaluation.grade == "良"
    assert evaluation.level_scores == {OUTPUT: D("43.75"), EFFECT: D("25.5"), SATISFACTION: D("9.44")}
    assert evaluation.by_key("f").explanation_reason == "超额完成（≥130%）"
    assert [s.key for s in evaluation.indicators if s.needs_explanation] == ["a", "e", "f", "g"]


def test_full_marks_total_exactly_100():
    evaluation = score_self_evaluation(table(3, 7, 1), budget=D(3), spent=D(3))
    assert (evaluation.total, evaluation.grade) == (D(100), "优")


def test_the_grade_follows_the_settings_of_the_year():
    settings = ScoringSettings(grade_bands=GRADE_BANDS_80_70_60)
    assert score_self_evaluation(project(), budget=D(200), spent=D(190), settings=settings).grade == "优"


def test_without_indicators_only_budget_execution_counts():
    evaluation = score_self_evaluation([], budget=D(100), spent=D(50))
    assert (evaluation.total, evaluation.level_points, evaluation.indicators) == (D(5), {}, ())


def test_an_unknown_key_is_a_key_error():
    with pytest.raises(KeyError):
        score_self_evaluation(project(), budget=D(1), spent=D(1)).by_key("zz")
