"""Scoring arithmetic and texts: rounding, percentages, labels and workings, against their definitions."""

import copy
import dataclasses
import pickle
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from kpi.domain import scoring_numbers
from kpi.domain.scoring import (
    IndicatorInput,
    IndicatorScore,
    ScoringSettings,
    score_indicator,
    score_self_evaluation,
)
from kpi.domain.scoring_points import allocate, allocate_points, allocate_with_notes
from kpi.domain.scoring_settings import level_key
from kpi.domain.targets import Comparator, Direction, TargetKind

# The plain versions the fast ones replaced.
_POINTS_SUFFIX = re.compile(r"[(（]\s*[0-9]+(?:\.[0-9]+)?\s*分\s*[)）]$")


def plain_level_key(label):
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label or ""))
    s = _POINTS_SUFFIX.sub("", s)
    return s.removesuffix("指标") or s


def plain_round(value):
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def plain_pct(part, whole):
    with localcontext() as ctx:
        ctx.prec = 60
        return plain_round(part / whole * Decimal(100))


def plain_num(value):
    if value == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 60
        return format(value.normalize(), ",f")


FIGURES = [
    "0",
    "-0",
    "0E-2",
    "0.00",
    "1",
    "1.0",
    "1.00",
    "12.50",
    "12.5",
    "-3.25",
    "19000",
    "1.9E+4",
    "0.005",
    "0.015",
    "-0.005",
    "2.675",
    "123456789012345678901234567890.125",
    "9" * 40 + ".995",
    "1E+30",
    "1E-30",
    "3.14159265358979323846264338327950288419",
]


@pytest.mark.parametrize("text", FIGURES)
def test_num_and_round_match_the_plain_versions(text):
    value = Decimal(text)
    assert scoring_numbers.num_text(value) == plain_num(value)
    assert scoring_numbers.num_text(value) == plain_num(value)  # again, from the cache
    rounded = scoring_numbers.round2(value)
    assert rounded == plain_round(value) and str(rounded) == str(plain_round(value))


def test_num_cache_gives_equal_values_the_same_text():
    for a, b in [("12.50", "12.5"), ("19000", "1.9E+4"), ("0", "-0.00"), ("1", "1.000")]:
        assert scoring_numbers.num_text(Decimal(a)) == scoring_numbers.num_text(Decimal(b)) == plain_num(Decimal(b))


@pytest.mark.parametrize(
    "part, whole",
    [
        ("3227", "3000"),
        ("1", "3"),
        ("2", "3"),
        ("9500", "19000"),
        ("1" * 35, "7"),
        ("0.00001", "3"),
        ("-5", "3"),
        ("123456789012345678901234567890", "0.0003"),
    ],
)
def test_pct_matches_the_plain_version(part, whole):
    got, want = scoring_numbers.pct(Decimal(part), Decimal(whole)), plain_pct(Decimal(part), Decimal(whole))
    assert got == want and str(got) == str(want)


@pytest.mark.parametrize(
    "label",
    [
        "产出指标",
        " 产出指标 ",
        "产出指标(50分)",
        "产出指标（50 分）",
        "产出",
        "效益指标（30.5分）",
        "指标",
        "",
        None,
        "ｍａｎ　ｙ",
        "满意度\t指标",
    ],
)
def test_level_key_matches_the_plain_version(label):
    assert level_key(label) == plain_level_key(label)
    assert level_key(label) == plain_level_key(label)  # again, from the cache


def over_completed():
    return IndicatorInput(
        "k",
        "产出指标",
        "数量指标",
        "n",
        TargetKind.COUNT,
        Comparator.GE,
        Direction.POSITIVE,
        target_value=Decimal(100),
        actual=Decimal(140),
    )


def test_a_score_made_by_init_keeps_the_working_it_was_given():
    score = IndicatorScore("k", Decimal(5), Decimal(5), "positive", "说明", None, False, None)
    assert score.working == "说明" and dataclasses.replace(score, working="另一说明").working == "另一说明"


def test_a_score_is_written_whole_when_scored():
    score = score_indicator(over_completed(), Decimal("12.5"))
    assert score.working == "实际 140 ≥ 目标 100，完成目标，得满分 12.5（完成 140%）；完成率 ≥ 130%，需说明超额原因"
    assert copy.deepcopy(score) == score == pickle.loads(pickle.dumps(score))
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.working = "其他"


def test_allocate_gives_what_allocate_points_and_allocate_with_notes_give():
    items = [
        IndicatorInput(
            k,
            level,
            "二级",
            f"n{k}",
            TargetKind.COUNT,
            Comparator.GE,
            Direction.POSITIVE,
            target_value=Decimal(1),
            actual=Decimal(1),
        )
        for k, level in enumerate(["产出指标", "效益指标", "产出", "满意度指标", "效益指标", "产出指标"])
    ]
    allocation = allocate(items, ScoringSettings())
    assert dict(zip(range(6), allocation.shares)) == allocate_points(items)
    assert allocate_with_notes(items, ScoringSettings()) == (
        allocation.level_points,
        allocate_points(items),
        allocation.notes,
    )
    assert allocation.members == {"产出指标": [0, 2, 5], "效益指标": [1, 4], "满意度指标": [3]}
    evaluation = score_self_evaluation(items, budget=Decimal(1), spent=Decimal(1))
    assert (evaluation.level_points, list(evaluation.notes)) == (allocation.level_points, allocation.notes)


ZERO_ = Decimal(0)
