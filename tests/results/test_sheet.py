"""Does the quarter sheet load what a page as of a quarter needs, in a fixed number of queries?"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.results.sheet import find_unit_year, load_sheet
from tests.progress.gen import UNIT, YEAR, gen_quarter, indicator_id, line_id


def sheets(app, quarter: int, figures_through: int | None):
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        ids = indicator_id(session, "投诉调解辅助服务"), line_id(session, "信息化类")
        return load_sheet(session, unit, year, quarter, figures_through=figures_through), ids


def test_a_sheet_through_a_quarter_leaves_out_later_figures_but_keeps_every_report(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"信息化类": "10"})
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}}, spending={"信息化类": "20"})
    full, (indicator, line) = sheets(app, 1, None)
    first, _ids = sheets(app, 1, 1)
    assert [figure.quarter for figure in full.figures[indicator]] == [1, 2]
    assert full.spending[line] == {1: Decimal("10"), 2: Decimal("20")}
    assert [figure.quarter for figure in first.figures[indicator]] == [1]
    assert first.spending[line] == {1: Decimal("10")}
    assert sorted(first.reports) == [1, 2]  # the statuses of every quarter still show
    assert first.current(indicator).value == Decimal("5000")


def test_the_second_quarters_form_sees_the_first_as_before_and_itself_as_current(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}})
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}})
    gen_quarter(app, 3, {"投诉调解辅助服务": {"value": "4000"}})
    second, (indicator, _line) = sheets(app, 2, 2)
    assert second.current(indicator).value == Decimal("4500")
    by_id = {row.id: row for row in second.indicators}
    assert second.before(by_id[indicator]).value == Decimal("5000")


def test_unit_and_year_of_a_url_are_found_together_or_not_at_all(app):
    with app.app_context(), Session(db.engine()) as session:
        unit = budget.get_unit(session, UNIT)
        found = find_unit_year(session, unit.id, YEAR)
        assert found is not None and (found[0].name, found[1].year) == (UNIT, YEAR)
        assert find_unit_year(session, unit.id, 1999) is None
        assert find_unit_year(session, 999_999, YEAR) is None
