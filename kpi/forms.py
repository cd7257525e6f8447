"""The form every report page posts: the quarter's entry form, the monitoring report, the self-evaluation.

Their inputs are dynamic (one set per indicator or budget line, named `i<id>-<field>` and
`b<id>-<field>`), so the FlaskForm carries only CSRF, the version the page showed and the
pressed button; each feature reads its inputs by name and validates them in its service
(kpi.domain.entries, kpi.monitoring.validation, kpi.evaluation.validation). The reviewer's
buttons post kpi.review.ReviewForm.
"""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation
from wtforms.widgets import HiddenInput

from kpi.core.ids import MAX_ID

_BAD_VERSION = "页面版本号无效，请刷新页面后重试"


def _version_in_range(form, field):
    # Compared as ints: wtforms' NumberRange calls math.isnan, which overflows past 1e308.
    if field.data is not None and not 0 <= field.data <= MAX_ID:
        raise StopValidation(_BAD_VERSION)


def version_field() -> IntegerField:
    """The hidden version every editing form posts back (optimistic locking, docs/engineering.md §4)."""
    return IntegerField(
        validators=[Optional(), _version_in_range], widget=HiddenInput(), invalid_value_message=_BAD_VERSION
    )


class ReportForm(FlaskForm):
    version = version_field()
    action = HiddenField()  # "save" or "submit" (the pressed button's value)
    reason = TextAreaField("修改原因", validators=[Optional(), Length(max=2000)])
