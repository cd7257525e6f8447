"""Does the finance desk get other features' work only through what they lend it, and say so when nothing was?"""

from __future__ import annotations

import pytest

from kpi.reports import contributions
from kpi.reports.contributions import SELF_EVALUATION_FORM, UNIT_PROGRESSES, MissingContribution


def test_a_part_nobody_provides_is_a_set_up_error_naming_it():
    with pytest.raises(MissingContribution, match="'nobody_makes_this'"):
        contributions.provided("nobody_makes_this")


def test_the_app_lends_the_desk_each_units_progress_and_self_evaluation_form(app):
    from kpi.evaluation.service import unit_form
    from kpi.progress.service import unit_progresses

    assert contributions.provided(UNIT_PROGRESSES) is unit_progresses
    assert contributions.provided(SELF_EVALUATION_FORM) is unit_form


def test_providing_the_same_maker_again_changes_nothing(app):
    maker = contributions.provided(UNIT_PROGRESSES)
    contributions.provide(UNIT_PROGRESSES, maker)
    assert contributions.provided(UNIT_PROGRESSES) is maker
