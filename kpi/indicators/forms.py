"""The indicator settings form: target, aggregation rule, points and quarterly plan."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from kpi.indicators.views import AGGREGATION_LABELS


def _number(label: str, maximum: int = 10**15):
    return DecimalField(label, places=None, validators=[Optional(), NumberRange(min=0, max=maximum, message="应为 0 或正数")],
                        render_kw={"inputmode": "decimal"})


class IndicatorForm(FlaskForm):
    version = IntegerField(validators=[Optional()], widget=HiddenInput())
    target_text = StringField("年度指标值", validators=[DataRequired("请填写指标值"), Length(max=2000)])
    aggregation = SelectField("汇总方式", choices=[SelectChoice(code, label) for code, label in AGGREGATION_LABELS.items()])
    points = _number("分值", 100)
    plan_q1 = _number("一季度计划")
    plan_q2 = _number("二季度计划")
    plan_q3 = _number("三季度计划")
    plan_q4 = _number("四季度计划")
    reason = TextAreaField("修改原因", validators=[DataRequired("请填写修改原因"), Length(max=2000)])
