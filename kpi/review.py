"""The reviewer's buttons (审核通过 / 退回 / 重新打开), the same on every reviewed report's page.

Each report's service has its own ``transition`` (kpi.workflow underneath); the web step
around it (the form, the commit, the message) is this one function.
"""

from __future__ import annotations

from flask import abort, flash
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from kpi.forms import version_field
from kpi.workflow import ACTION_LABELS, ReportError


class ReviewForm(FlaskForm):
    version = version_field()
    reason = TextAreaField("原因", validators=[Optional(), Length(max=2000)])


def apply_review(session, transition, report, action: str) -> None:
    """Apply ``action`` to ``report`` from the posted ReviewForm (400 if it is not valid) and
    commit; a refusal (a conflict, a missing reason, a wrong status) is rolled back and flashed."""
    form = ReviewForm()
    if not form.validate():
        abort(400)
    try:
        transition(
            session, report, action, user=current_user, expected_version=form.version.data, reason=form.reason.data
        )
        session.commit()
    except ReportError as error:
        session.rollback()
        flash(error.message, "error")
    else:
        flash(f"已{ACTION_LABELS[action]}。", "success")
