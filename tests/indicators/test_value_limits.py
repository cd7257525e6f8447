"""Are numbers an indicator's columns cannot hold exactly refused, by name, instead of rounded?"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from kpi.indicators.forms import IndicatorForm
from kpi.indicators.schemas import IndicatorSpec, describe_validation_error

ROW = {"level1": "产出指标", "level2": "数量指标", "name": "投诉调解辅助服务"}


def problems(**fields) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        IndicatorSpec.model_validate({**ROW, **fields})
    return describe_validation_error(caught.value)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"target_text": "≥12345678901234567宗"}, ("指标值", "指标值数值过大：最多 16 位整数")),
        ({"target_text": "≥95.123456%"}, ("指标值", "指标值最多 4 位小数")),
        ({"target_text": "≥5000000000000万宗"}, ("指标值", "指标值数值过大：最多 16 位整数")),  # 万 multiplies a count
        ({"comparator_text": "≥", "value_text": "95.000001", "unit_text": "%"}, ("指标值", "指标值最多 4 位小数")),
        ({"target_text": "≥19000宗", "points": "2.345"}, ("分值", "小数位数过多（最多 2 位）")),
    ],
)
def test_a_target_or_points_the_columns_cannot_hold_are_refused_under_their_column(fields, expected):
    assert problems(**fields) == [expected]


@pytest.mark.parametrize(
    "text, value",
    [
        ("≥9999999999999999.9999宗", Decimal("9999999999999999.9999")),
        ("≥12345678901234.5678宗", Decimal("12345678901234.5678")),
        ("≥95.1230%", Decimal("95.123")),  # zeros beyond 4 decimals change nothing
    ],
)
def test_targets_the_column_holds_are_accepted(text, value):
    from kpi.domain.targets import parse_target

    IndicatorSpec.model_validate({**ROW, "target_text": text})
    assert parse_target(text).value == value


@pytest.fixture
def form_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def form_errors(app, **fields) -> dict[str, list[str]]:
    data = {"target_text": "≥19000宗", "aggregation": "cumulative", "reason": "调整", **fields}
    with app.test_request_context(method="POST"):
        form = IndicatorForm(formdata=MultiDict(data))
        form.validate()
        return {name: errors for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"plan_q1": "1.23456"}, {"plan_q1": ["最多 4 位小数"]}),
        ({"plan_q2": "12345678901234567"}, {"plan_q2": ["数值过大：最多 16 位整数"]}),
        ({"points": "12.345"}, {"points": ["最多 2 位小数"]}),
        ({"target_text": "≥1.000000001万宗"}, {"target_text": ["指标值最多 4 位小数"]}),  # 10000.00001
        ({"target_text": "≥99999999999999999宗"}, {"target_text": ["指标值数值过大：最多 16 位整数"]}),
    ],
)
def test_the_settings_form_refuses_numbers_the_columns_cannot_hold(form_app, fields, expected):
    assert form_errors(form_app, **fields) == expected


def test_the_settings_form_accepts_the_largest_plan_and_many_decimals_of_zeros(form_app):
    assert form_errors(form_app, plan_q1="9999999999999999.9999", plan_q2="1.50000", points="99.50") == {}
