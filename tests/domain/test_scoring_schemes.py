"""Scoring schemes (docs/rules/scoring.md §14, docs/rules/scoring.md §15): budget modes, printed points, rounding, satisfaction
as a share, the zero reverse rule, a reviewer's 人工调整, and the named presets."""

import json
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.domain.entries import Band
from kpi.domain.scoring import (
    IndicatorInput,
    ScoreOverride,
    ScoringSettings,
    allocate_points,
    score_budget,
    score_indicator,
    score_self_evaluation,
)
from kpi.domain.scoring_presets import PRESET_NAMES, PRESETS, preset
from kpi.domain.targets import Comparator, Direction, TargetKind

GE, LE = Comparator.GE, Comparator.LE
COUNT, PERCENT, QUAL = TargetKind.COUNT, TargetKind.PERCENT, TargetKind.QUALITATIVE
OUTPUT, EFFECT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
OLD_DEFAULT_DICT = {
    "budget_points": "10",
    "level_points": {OUTPUT: "50", EFFECT: "30", SATISFACTION: "10"},
    "grade_bands": [["90", "优"], ["80", "良"], ["60", "中"], ["0", "差"]],
    "reverse_rule": "linear",
    "over_completion_at": "130",
}


def ind(key=1, level1=OUTPUT, *, kind=COUNT, comparator=GE, target=None, actual=None, points=None, **kw):
    return IndicatorInput(
        key=key,
        level1=level1,
        level2="二级",
        name=f"指标{key}",
        kind=kind,
        comparator=comparator,
        direction=Direction.REVERSE if comparator is LE else Direction.POSITIVE,
        target_value=None if target is None else D(str(target)),
        actual=None if actual is None else D(str(actual)),
        points=None if points is None else D(str(points)),
        **kw,
    )


def printed_table(points=(("产出指标(70分)", 70), ("效益指标(20分)", 20), ("满意度指标(10分)", 10))):
    return [ind(n, level, target=1, actual=1, points=p) for n, (level, p) in enumerate(points)]


# --- the defaults are today's rules, stored as before ---------------------------------------


def test_the_default_settings_are_todays_and_store_the_same_dict():
    s = ScoringSettings()
    assert (s.budget_mode, s.weights, s.rounding, s.satisfaction_rule) == ("counted", "levels", 2, "target")
    assert s.to_dict() == OLD_DEFAULT_DICT  # no new keys for a scheme that uses none of them
    assert s.indicator_points == D(90)


def test_a_dict_written_before_the_schemes_loads_to_the_defaults():
    old = dict(OLD_DEFAULT_DICT, budget_points="20", level_points={OUTPUT: "40", EFFECT: "30", SATISFACTION: "10"})
    s = ScoringSettings.from_dict(old)
    assert (s.budget_mode, s.weights, s.rounding, s.satisfaction_rule) == ("counted", "levels", 2, "target")
    assert s.to_dict() == old


def test_the_new_keys_survive_a_round_trip_through_json():
    s = ScoringSettings(
        budget_mode="shown",
        level_points={OUTPUT: 60, EFFECT: 30, SATISFACTION: 10},
        weights="printed",
        rounding=1,
        satisfaction_rule="share",
        reverse_rule="zero",
        over_completion_at=D(150),
    )
    stored = json.loads(json.dumps(s.to_dict()))
    assert stored["budget_mode"] == "shown" and stored["rounding"] == 1 and stored["reverse_rule"] == "zero"
    assert ScoringSettings.from_dict(stored) == s


def test_a_rounding_typed_in_a_form_is_read_as_a_number():
    assert ScoringSettings.from_dict({"rounding": "0"}).rounding == 0


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"budget_mode": "hidden"},
            "预算执行计分方式应为 counted（计入总分）、shown（单列，不计入总分）、none（不设预算执行） 之一",
        ),
        ({"budget_mode": "shown"}, "预算执行不计入总分时，各一级指标分值合计应为 100，现为 50 + 30 + 10 = 90"),
        ({"budget_mode": "none", "level_points": {OUTPUT: 100}}, "不设预算执行时，预算执行分值应为 0"),
        ({"weights": "table"}, "分值来源应为 levels"),
        ({"rounding": 3}, "得分保留位数应为 2、1 或 0（取整）"),
        ({"rounding": True}, "得分保留位数应为 2、1 或 0"),
        ({"rounding": 0.5}, "得分保留位数应为 2、1 或 0"),
        ({"rounding": "一"}, "得分保留位数应为 2、1 或 0"),
        (
            {"satisfaction_rule": "ratio"},
            "满意度指标计分规则应为 target（对照目标值计分）、share（分值 × 满意度） 之一",
        ),
        ({"reverse_rule": "square"}, "反向指标计分规则应为 linear（线性扣分）、ratio（目标 ÷ 实际）或 zero"),
        ({"budget_modes": "shown"}, "未知的计分设置：budget_modes"),
    ],
)
def test_invalid_scheme_settings_are_refused_in_chinese(changes, message):
    with pytest.raises(ValueError) as refused:
        ScoringSettings.from_dict(changes)
    assert message in str(refused.value)


# --- docs/rules/scoring.md §14.1 budget points: counted, shown, none ------------------------------------------------


def _levels_100():
    return {OUTPUT: D(60), EFFECT: D(30), SATISFACTION: D(10)}


def test_budget_points_count_in_the_total_by_default():
    evaluation = score_self_evaluation(printed_table(), budget=D(100), spent=D(50), settings=preset("printed-points"))
    assert (evaluation.budget.score, evaluation.budget.counted) == (D(5), True)
    assert evaluation.total == D(100)  # 5 + 100, capped at 100


def test_budget_points_shown_beside_the_total_are_left_out_of_it():
    settings = ScoringSettings(budget_mode="shown", level_points=_levels_100())
    items = [ind(1, OUTPUT, target=10, actual=10), ind(2, EFFECT, target=10, actual=5), ind(3, SATISFACTION)]
    evaluation = score_self_evaluation(items, budget=D(100), spent=D(80), settings=settings)
    assert [s.points for s in evaluation.indicators] == [D(60), D(30), D(10)]  # the levels make the 100
    assert (evaluation.budget.score, evaluation.budget.counted) == (D(8), False)
    assert evaluation.budget.working == (
        "执行数 80 ÷ 全年预算数 100 × 分值 10 = 8（执行率 80%）；预算执行得分单列，不计入总分"
    )
    assert evaluation.total == D(75) and evaluation.grade == "中"


def test_no_budget_block_at_all():
    settings = ScoringSettings(budget_mode="none", budget_points=0, level_points=_levels_100())
    evaluation = score_self_evaluation(
        [ind(1, OUTPUT, target=10, actual=10)], budget=D(5), spent=D(5), settings=settings
    )
    assert evaluation.budget.points == 0 and evaluation.budget.score == 0 and not evaluation.budget.counted
    assert evaluation.budget.working == "本计分方案不设预算执行指标"
    assert evaluation.total == D(100)  # 产出 alone: it takes the whole 100 (docs/rules/scoring.md §1)


# --- docs/rules/scoring.md §14.2 printed points are the weights, never rescaled ------------------------------------


def test_printed_points_are_used_as_they_are_even_at_70_20_10():
    items = printed_table()
    assert allocate_points(items, ScoringSettings()) == {0: D(50), 1: D(30), 2: D(10)}  # levels: rescaled
    assert allocate_points(items, preset("printed-points")) == {0: D(70), 1: D(20), 2: D(10)}
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1), settings=preset("printed-points"))
    assert evaluation.notes == (
        "按表中列示的分值计分，不作调整：产出指标(70分) 70，效益指标(20分) 20，满意度指标(10分) 10"
        "（加预算执行 10 分共 110，不是 100）",
    )
    assert evaluation.total == D(100)


def test_printed_points_of_60_40_without_a_satisfaction_level():
    items = printed_table(((OUTPUT, 60), (EFFECT, 40)))
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1), settings=preset("budget-outside-total"))
    assert evaluation.level_points == {OUTPUT: D(60), EFFECT: D(40)}
    assert evaluation.notes == ("按表中列示的分值计分，不作调整：产出指标 60，效益指标 40",)
    assert evaluation.total == D(100)


def test_a_table_missing_some_printed_points_falls_back_to_the_levels():
    items = [ind(1, OUTPUT, points=30), ind(2, OUTPUT), ind(3, EFFECT, points=30), ind(4, SATISFACTION, points=10)]
    evaluation = score_self_evaluation(items, budget=D(1), spent=D(1), settings=preset("printed-points"))
    assert [s.points for s in evaluation.indicators] == [D(30), D(20), D(30), D(10)]
    assert evaluation.notes[0] == "1 项指标未列分值，改按一级指标分值分配"


@given(st.lists(st.decimals(min_value=0, max_value=40, places=2), min_size=1, max_size=12))
def test_printed_weights_are_never_rescaled(points):
    items = [ind(n, (OUTPUT, EFFECT, SATISFACTION, "成本指标")[n % 4], points=p) for n, p in enumerate(points)]
    assert list(allocate_points(items, preset("whole-points")).values()) == points


# --- docs/rules/scoring.md §14.3 rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rounding, score, working",
    [
        (2, D("8.62"), "执行数 37.24 ÷ 全年预算数 43.2 × 分值 10 = 8.62（执行率 86.2%）"),
        (1, D("8.6"), "执行数 37.24 ÷ 全年预算数 43.2 × 分值 10 = 8.6（四舍五入保留 1 位小数）（执行率 86.2%）"),
        (0, D(9), "执行数 37.24 ÷ 全年预算数 43.2 × 分值 10 = 9（四舍五入取整）（执行率 86.2%）"),
    ],
)
def test_budget_scores_round_to_the_schemes_places(rounding, score, working):
    result = score_budget(D("43.2"), D("37.24"), ScoringSettings(rounding=rounding))
    assert (result.score, result.working) == (score, working)


def test_whole_points_round_half_up_from_the_exact_value():
    whole = ScoringSettings(rounding=0)
    assert score_indicator(ind(target=100, actual=45), D(10), whole).score == D(5)  # 4.5 → 5
    # 10 × 1699 ÷ 2000 = 8.495 would be 8.50 at 2 decimals, and 9 from that; whole points are
    # taken from 8.495 itself: 8.
    assert score_indicator(ind(target=2000, actual=1699), D(10)).score == D("8.50")
    assert score_indicator(ind(target=2000, actual=1699), D(10), whole).score == D(8)


def test_a_rounded_score_never_passes_its_points():
    result = score_indicator(ind(target=100, actual=99), D("0.91"), ScoringSettings(rounding=0))
    assert result.score == D("0.91")
    assert result.working == "实际 99 ÷ 目标 100 × 分值 0.91 = 0.91（四舍五入取整，以分值 0.91 为限）"


def test_qualitative_scores_round_too():
    row = ind(kind=QUAL, comparator=None, band=Band.ACHIEVED, chosen_ratio=D("0.85"))
    result = score_indicator(row, D(8), ScoringSettings(rounding=0))
    assert (result.score, result.working) == (D(7), "评价“达成”（80%–100%），选定 85% × 分值 8 = 7（四舍五入取整）")


numbers = st.decimals(min_value=-50, max_value=10**5, places=3, allow_nan=False, allow_infinity=False)


@given(
    numbers,
    st.decimals(min_value=0, max_value=10**5, places=3),
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from([2, 1, 0]),
    st.sampled_from([GE, LE]),
    st.sampled_from(["linear", "ratio", "zero"]),
)
def test_rounding_never_gives_a_score_above_its_points_nor_below_zero(actual, target, points, places, op, rule):
    settings = ScoringSettings(rounding=places, reverse_rule=rule)
    result = score_indicator(ind(comparator=op, target=target, actual=actual), points, settings)
    assert 0 <= result.score <= points
    assert result.score == result.score.quantize(D(10) ** -places) or result.score == points


# --- docs/rules/scoring.md §14.4 satisfaction as 分值 × 满意度 ---------------------------------------------------------

SHARE = preset("satisfaction-share")


@pytest.mark.parametrize("level", ["满意度指标", "满意度", "满意度指标(10分)", " 满意度 指标 "])
def test_satisfaction_scores_its_share_whatever_the_target(level):
    row = ind(level1=level, kind=PERCENT, target=90, actual=95)
    result = score_indicator(row, D(10), SHARE)
    assert (result.score, result.rule, result.needs_explanation) == (D("9.5"), "satisfaction", False)
    assert result.working == "满意度 95% × 分值 10 = 9.5（满意度指标按 分值 × 满意度 计分，不论目标 90%）"
    assert score_indicator(row, D(10), ScoringSettings()).score == D(10)  # against its target, by default


def test_a_satisfaction_below_its_target_still_needs_explaining():
    result = score_indicator(ind(level1=SATISFACTION, kind=PERCENT, target=98, actual=95), D(20), SHARE)
    assert (result.score, result.explanation_reason) == (D(19), "未完成目标")


def test_only_satisfaction_rows_in_percent_score_their_share():
    assert score_indicator(ind(level1=EFFECT, kind=PERCENT, target=90, actual=95), D(10), SHARE).score == D(10)
    assert score_indicator(ind(level1=SATISFACTION, target=90, actual=95), D(10), SHARE).score == D(10)
    complaints = ind(level1=SATISFACTION, kind=PERCENT, comparator=LE, target=5, actual=3)  # 投诉率 ≤5%: a limit
    assert score_indicator(complaints, D(10), SHARE).score == D(10)
    over = score_indicator(ind(level1=SATISFACTION, kind=PERCENT, target=90, actual=120), D(10), SHARE)
    assert over.score == D(10)  # a share above 100% is the whole


# --- docs/rules/scoring.md §14.5 reverse: zero once past the target ---------------------------------------------------


def test_the_zero_rule_gives_nothing_past_the_limit():
    zero = ScoringSettings(reverse_rule="zero")
    past = score_indicator(ind(comparator=LE, target=10, actual=12), D("2.5"), zero)
    assert (past.score, past.explanation_reason) == (D(0), "超过目标上限")
    assert past.working == "实际 12 > 目标 10，超出上限即不得分（反向指标超出目标计 0 分），计 0 分"
    assert score_indicator(ind(comparator=LE, target=10, actual=10), D("2.5"), zero).score == D("2.5")


# --- docs/rules/scoring.md §9 the over-completion threshold, set by a preset or on top of one ------------------------


def test_a_preset_can_carry_another_over_completion_threshold():
    settings = replace(preset("whole-points"), over_completion_at=D(150))
    assert ScoringSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
    row = ind(target=10, actual=14)
    assert not score_indicator(row, D(10), settings).needs_explanation
    assert score_indicator(row, D(10), preset("whole-points")).explanation_reason == "超额完成（≥130%）"


# --- docs/rules/scoring.md §14.6 a reviewer's 人工调整 -------------------------------------------------------------------


def test_an_override_replaces_the_score_and_keeps_the_working():
    row = ind(target=100, actual=90, override=ScoreOverride(D(10), "尾款按合同次年支付，已说明"))
    result = score_indicator(row, D(10))
    assert (result.score, result.adjustment_reason) == (D(10), "尾款按合同次年支付，已说明")
    assert result.working == (
        "实际 90 ÷ 目标 100 × 分值 10 = 9；人工调整：尾款按合同次年支付，已说明（原计算得分 9），得分 10"
    )
    assert result.needs_explanation  # the shortfall is still explained in the report


@pytest.mark.parametrize(
    "given_score, score, tail", [(12, D(8), "（填写 12，按 0–8 分计）"), (-1, D(0), "（填写 -1，按 0–8 分计）")]
)
def test_an_override_is_kept_within_its_points(given_score, score, tail):
    row = ind(
        kind=QUAL, comparator=None, actual_text="达成预期指标", override=ScoreOverride(D(given_score), "评审意见")
    )
    result = score_indicator(row, D(8))
    assert result.score == score
    assert result.working == (
        f"尚未评价（实际完成值“达成预期指标”，需选定评价档次），计 0 分；人工调整：评审意见（原计算得分 0），得分 {score}{tail}"
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_override_without_a_reason_is_refused(reason):
    with pytest.raises(ValueError, match="人工调整得分须填写调整理由"):
        ScoreOverride(D(5), reason)


@pytest.mark.parametrize("score", ["5", 5.0, True, D("NaN")])
def test_an_override_score_must_be_a_number(score):
    with pytest.raises(ValueError, match="人工调整得分应为数字"):
        ScoreOverride(score, "理由")


def test_a_word_against_a_numeric_target_waits_for_a_judgement():
    row = ind(comparator=LE, target=30, actual_text="完成")
    result = score_indicator(row, D(90))
    assert (result.score, result.rule, result.needs_explanation) == (D(0), "missing", True)
    assert result.working == "实际完成值为文字“完成”，需人工判断（人工调整），计 0 分"


# --- docs/rules/scoring.md §15 the presets ----------------------------------------------------------------------------


def test_the_presets_in_their_stable_order():
    assert PRESET_NAMES == (
        "default",
        "printed-points",
        "budget-outside-total",
        "whole-points",
        "satisfaction-share",
        "hubei",
    )
    assert preset("default") == ScoringSettings()


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_is_described_and_survives_a_round_trip(name):
    title, description, settings = PRESETS[name]
    assert title and description and preset(name) is settings
    assert ScoringSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


def test_the_hubei_preset_counts_20_budget_points_and_printed_blocks_of_40():
    hubei = preset("hubei")
    assert (hubei.budget_points, hubei.budget_mode, hubei.weights) == (D(20), "counted", "printed")
    first = [ind(n, OUTPUT if n < 2 else EFFECT, target=1, actual=1, points=20) for n in range(4)]
    evaluation = score_self_evaluation(first, budget=D(10), spent=D(9), settings=hubei)
    assert evaluation.budget.score == D(18) and evaluation.total == D(98)
    assert evaluation.notes == ("按表中列示的分值计分，不作调整：产出指标 40，效益指标 40",)


@pytest.mark.parametrize("name", ["湖北", "Default", "", None])
def test_an_unknown_preset_is_refused_with_the_known_names(name):
    with pytest.raises(ValueError) as refused:
        preset(name)
    assert "未知的计分方案" in str(refused.value)
    assert "default、printed-points、budget-outside-total、whole-points、satisfaction-share、hubei" in str(
        refused.value
    )


@st.composite
def split(draw, total, n):
    """``n`` points of 2 decimals that add up to ``total``."""
    cents = sorted(draw(st.lists(st.integers(0, int(total * 100)), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cents, int(total * 100)]
    return [D(b - a) / 100 for a, b in zip(bounds, bounds[1:])]


@given(split(D(50), 3), split(D(30), 2), split(D(10), 1), st.lists(numbers, min_size=6, max_size=6))
def test_printed_points_that_make_the_level_totals_score_as_the_defaults(output, effect, satisfaction, actuals):
    levels = [OUTPUT] * 3 + [EFFECT] * 2 + [SATISFACTION]
    items = [
        ind(n, level, target=100, actual=actual, points=p)
        for n, (level, p, actual) in enumerate(zip(levels, output + effect + satisfaction, actuals))
    ]
    printed = score_self_evaluation(items, budget=D(10), spent=D(9), settings=preset("printed-points"))
    default = score_self_evaluation(items, budget=D(10), spent=D(9))
    assert printed.indicators == default.indicators and printed.total == default.total
