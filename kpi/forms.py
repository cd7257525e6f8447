"""The form every report page posts: the quarter's entry form, the monitoring report, the self-evaluation.

Their inputs are dynamic (one set per indicator or budget line, named `i<id>-<field>` and
`b<id>-<field>`), so the FlaskForm carries only CSRF, the version the page showed and the
pressed button; each feature reads its inputs by name and validates them in its service
(kpi.domain.entries, kpi.monitoring.validation, kpi.evaluation.validation). The reviewer's
buttons post kpi.review.ReviewForm.
"""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import HiddenInput
from kpi.core.ids import MAX_ID


class ReportForm(FlaskForm):
    version = IntegerField(validators=[Optional(), NumberRange(0, MAX_ID)], widget=HiddenInput())
    action = HiddenField()  # "save" or "submit" (the pressed button's value)
    reason = TextAreaField("修改原因", validators=[Optional(), Length(max=2000)])
