"""Forms of the results feature.

The per-indicator inputs are dynamic (one set per indicator, by its aggregation
rule), so the FlaskForm carries CSRF, the version and the action, and the
inputs are read by name and validated by kpi.domain.entries through the service.
"""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput


class QuarterForm(FlaskForm):
    version = IntegerField(validators=[Optional()], widget=HiddenInput())
    action = HiddenField()  # "save" or "submit" (the pressed button's value)
    reason = TextAreaField("修改原因", validators=[Optional(), Length(max=2000)])

