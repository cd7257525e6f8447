"""Forms of the monitoring feature.

The per-indicator and per-line inputs are dynamic (named `i<id>-<field>` and `b<id>-<field>`),
so the FlaskForms carry CSRF, the version and the action; the inputs are read by name and
validated by kpi.monitoring.validation through the service.
"""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput


class ReportForm(FlaskForm):
    version = IntegerField(validators=[Optional()], widget=HiddenInput())
    action = HiddenField()  # "save" or "submit" (the pressed button's value)
    reason = TextAreaField("修改原因", validators=[Optional(), Length(max=2000)])

