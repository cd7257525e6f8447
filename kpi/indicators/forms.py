"""The indicator settings form: target, aggregation rule, points and quarterly plan."""

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from kpi.domain.entries import MAX_PLACES, QUANTITY_DIGITS, size_problem
from kpi.domain.targets import parse_target
from kpi.forms import version_field
from kpi.indicators.schemas import target_size_problem
from kpi.indicators.views import AGGREGATION_LABELS


class Fits:
    """The number fits its column exactly (``digits`` integer digits, ``places`` decimals): never rounded."""

    def __init__(self, digits: int = QUANTITY_DIGITS, places: int = MAX_PLACES):
        self.digits, self.places = digits, places

    def __call__(self, form, field):
        problem = None if field.data is None else size_problem(field.data, digits=self.digits, places=self.places)
        if problem:
            raise ValidationError(problem)


def _finite(form, field):
    """NaN, sNaN and Infinity parse as Decimals, and comparing them raises: refuse them, and stop
    the chain (a ValidationError would let NumberRange compare them next). A text that is no
    number at all has its message already (invalid_value_message): stop there too, or
    NumberRange would add "应为 0 或正数" for the None it left."""
    if field.process_errors:
        raise StopValidation()
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("应为数字")


def _target_fits(form, field):
    target = parse_target((field.data or "").strip())
    problem = target_size_problem(target.value, target.upper)
    if problem:
        raise ValidationError(problem)


def _number(label: str, maximum: int | None = None, fits: Fits | None = None):
    return DecimalField(
        label,
        places=None,
        invalid_value_message="应为数字",
        validators=[Optional(), _finite, NumberRange(min=0, max=maximum, message="应为 0 或正数"), fits or Fits()],
        render_kw={"inputmode": "decimal"},
    )


class IndicatorForm(FlaskForm):
    version = version_field()
    target_text = StringField("年度指标值", validators=[DataRequired("请填写指标值"), Length(max=2000), _target_fits])
    aggregation = SelectField(
        "汇总方式",
        choices=[SelectChoice(code, label) for code, label in AGGREGATION_LABELS.items()],
        invalid_choice_message="请从列表中选择汇总方式",
    )
    points = _number("分值", 100, Fits(digits=6, places=2))  # ExactDecimal(8, 2)
    plan_q1 = _number("一季度计划")
    plan_q2 = _number("二季度计划")
    plan_q3 = _number("三季度计划")
    plan_q4 = _number("四季度计划")
    reason = TextAreaField("修改原因", validators=[DataRequired("请填写修改原因"), Length(max=2000)])
