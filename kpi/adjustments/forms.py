"""Forms of the adjustment pages. Per-indicator inputs are dynamic (`i<id>-target`, `i<id>-points`)
and checked by kpi.adjustments.schemas; these carry CSRF, the version shown and the texts."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from kpi.adjustments.schemas import MAX_BASIS, MAX_REASON
from kpi.forms import version_field


class ProposalForm(FlaskForm):
    version = version_field()
    action = HiddenField()  # "save" (保存草稿) or "submit" (保存并提交初审): the pressed button's value
    # Required, but checked in validate_proposal so every fault is listed together.
    reason = TextAreaField("调整原因", validators=[Length(max=MAX_REASON)])
    basis = StringField(
        "调整依据", validators=[Length(max=MAX_BASIS)], description="如预算调整（调剂）文件文号、运行监控结论等"
    )


class StepForm(FlaskForm):
    """One step's button: the version shown, and a reason (required for 退回)."""

    version = version_field()
    reason = TextAreaField("原因", validators=[Optional(), Length(max=MAX_REASON)])
