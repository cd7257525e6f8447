"""Does the finance service report each unit's year as the other pages do?"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import service
from kpi.finance.service import Filters, ReportState
from tests.finance.gen import SEED_UNIT, gen_unit, when
from tests.progress.gen import gen_progress, gen_quarter


def overview(app, year=None, filters=Filters()):
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return service.overview(session, year, filters)


def test_execution_is_the_progress_pages_total_as_of_the_latest_reported_quarter(app):
    gen_quarter(app, 1, spending={"基本支出": "300", "信息化类": "20"})
    gen_quarter(app, 2, spending={"基本支出": "320"})
    row = next(r for r in overview(app).rows if r.unit.name == SEED_UNIT)
    total = gen_progress(app).total.progress
    assert (row.budget.budget, row.budget.spent, row.budget.execution_rate) == (
        total.budget,
        total.spent,
        total.execution_rate,
    )


def test_the_newest_year_is_the_default_and_an_unknown_year_is_refused(app):
    with app.app_context(), db.transaction() as session:
        budget.get_or_create_year(session, 2024)
    assert overview(app).year.year == 2024 and overview(app).rows == []  # nobody has 2024 figures yet
    assert overview(app).years == [2023, 2024]
    assert [row.unit.name for row in overview(app, 2023).rows] == [SEED_UNIT]
    with pytest.raises(service.YearNotFound):
        overview(app, 2031)


def test_units_without_anything_in_the_year_are_left_out(app):
    with app.app_context(), db.transaction() as session:
        budget.get_or_create_unit(session, "空单位")
    assert "空单位" not in {row.unit.name for row in overview(app).rows}
    assert "深圳市市场监督管理局" not in {row.unit.name for row in overview(app).rows}  # a 主管部门 only


def test_submission_times_are_shown_in_shanghai_and_missing_reports_are_not_started(app):
    gen_unit(app, "甲单位", quarters={2: "approved"}, submitted="2023-07-09T18:30:00")
    row = next(r for r in overview(app).rows if r.unit.name == "甲单位")
    assert row.quarters[2].submitted_on == date(2023, 7, 10)  # 18:30 UTC is 02:30 the next day in Shanghai
    assert row.quarters[1] == ReportState() and row.quarters[1].label == "未填报"
    assert row.monitoring.label == "未填报" and row.total_score is None


@pytest.mark.parametrize(
    "status, submitted", [(None, False), ("draft", False), ("returned", False), ("submitted", True), ("approved", True)]
)
def test_a_report_counts_as_submitted_only_while_submitted_or_approved(status, submitted):
    assert ReportState(status, when("2023-01-01T00:00:00")).submitted is submitted


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, Filters()),
        ({"q": "  甲 "}, Filters(q="甲")),
        ({"status": "有退回", "grade": "优"}, Filters(status="有退回", grade="优")),
        ({"status": "DROP TABLE", "grade": "甲"}, Filters()),
        ({"q": "长" * 500}, Filters(q="长" * 100)),
    ],
)
def test_filters_read_from_the_query_string_ignore_what_they_do_not_know(args, expected):
    assert Filters.from_args(args) == expected


def test_totals_count_every_unit_not_just_the_filtered_ones(app):
    gen_unit(app, "甲单位", quarters=dict.fromkeys((1, 2, 3, 4), "approved"), evaluation="approved", grade="优")
    gen_unit(app, "乙单位", quarters={1: "returned"})
    result = overview(app, filters=Filters(q="甲"))
    assert [row.unit.name for row in result.shown] == ["甲单位"]
    totals = result.totals
    assert (totals.units, totals.quarters_complete, totals.evaluations_approved, totals.returned) == (3, 1, 1, 1)
    assert totals.quarters_submitted == {1: 1, 2: 1, 3: 1, 4: 1}
