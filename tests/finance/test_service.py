"""Does the finance service report each unit's year as the other pages do?"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import desk, service
from kpi.finance.service import GRADES, NO_GRADE, STATUS_FILTERS, Filters, ReportState
from tests.finance.gen import SEED_UNIT, attach_finance, gen_unit, when
from tests.progress.gen import gen_progress, gen_quarter


def overview(app, year=None, filters=Filters(), page=None, size=1000):
    """The desk's page, with its rows as ``rows``."""
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return desk.desk(session, year, filters, page, size)


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
    assert [row.unit.name for row in result.rows] == ["甲单位"] and result.shown == 1
    totals = result.totals
    assert (totals.units, totals.quarters_complete, totals.evaluations_approved, totals.returned) == (3, 1, 1, 1)
    assert totals.quarters_submitted == {1: 1, 2: 1, 3: 1, 4: 1}


# What each status filter keeps, stated plainly over a unit's UnitStatus: the desk's SQL must agree.
KEEPS = {
    "季度填报未齐": lambda row: row.quarters_submitted < 4,
    "未提交运行监控": lambda row: not row.monitoring.submitted,
    "运行监控未审核": lambda row: row.monitoring.status == "submitted",
    "未提交自评": lambda row: not row.evaluation.submitted,
    "自评未审核": lambda row: row.evaluation.status == "submitted",
    "自评已审核": lambda row: row.evaluation.status == "approved",
    "有退回": lambda row: row.has_returned,
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def either(request, app, make_app):
    """The app on SQLite, then on PostgreSQL: the desk's SQL must read alike on both."""
    if request.param == "sqlite":
        return app
    built = attach_finance(make_app(request.getfixturevalue("pg_url")))
    assert built.test_cli_runner().invoke(args=["kpi", "init"]).exit_code == 0
    return built


@pytest.fixture
def varied(either):
    statuses = [None, "draft", "submitted", "returned", "approved"]
    for index in range(12):
        pick = statuses[index % 5], statuses[(index // 2) % 5], statuses[(index * 3) % 5]
        gen_unit(
            either,
            f"单位{index:02d}_%" if index == 7 else f"单位{index:02d}",  # a LIKE wildcard in a name
            quarters={q: pick[(q + index) % 3] for q in (1, 2, 3, 4) if pick[(q + index) % 3]},
            monitoring=pick[1],
            evaluation=pick[2],
            grade=[None, *GRADES][index % 5] if pick[2] else None,
            score="80" if pick[2] else None,
        )


def test_every_filter_keeps_exactly_the_units_its_rule_names(either, varied):
    app = either
    everyone = overview(app).rows
    assert len(everyone) == 13
    assert set(KEEPS) == set(STATUS_FILTERS)
    for status, keeps in KEEPS.items():
        expected = [row.unit.name for row in everyone if keeps(row)]
        assert [row.unit.name for row in overview(app, filters=Filters(status=status)).rows] == expected, status
    for grade in (*GRADES, NO_GRADE):
        expected = [row.unit.name for row in everyone if (row.grade or NO_GRADE) == grade]
        assert [row.unit.name for row in overview(app, filters=Filters(grade=grade)).rows] == expected, grade
    assert [row.unit.name for row in overview(app, filters=Filters(q="_%")).rows] == ["单位07_%"]  # not a wildcard
    assert [row.unit.name for row in overview(app, filters=Filters(q="单位0")).rows] == [
        row.unit.name for row in everyone if "单位0" in row.unit.name
    ]
    both = overview(app, filters=Filters(status="有退回", grade="优")).rows
    assert [row.unit.name for row in both] == [
        row.unit.name for row in everyone if row.has_returned and row.grade == "优"
    ]


def test_the_tiles_counted_in_the_database_are_the_sums_of_every_units_row(either):
    app = either
    gen_quarter(app, 1, spending={"基本支出": "300.25"}, submit=True)
    gen_unit(app, "甲单位", budget_amount="200.5", quarters={1: "approved", 2: "returned"}, spent={1: "50", 2: "30.1"})
    gen_unit(app, "乙单位", quarters=dict.fromkeys((1, 2, 3, 4), "submitted"), monitoring="approved")
    gen_unit(app, "丙单位", evaluation="approved", grade="良", score="85")
    result = overview(app)
    assert result.totals == service.totals_of(result.rows)


def test_pages_hold_their_share_of_the_filtered_units_in_order(either, varied):
    app = either
    names = [row.unit.name for row in overview(app).rows]
    pages = [overview(app, page=str(number), size=5) for number in (1, 2, 3)]
    assert [row.unit.name for page in pages for row in page.rows] == names
    assert [page.page.number for page in pages] == [1, 2, 3] and pages[0].page.pages == 3
    assert overview(app, page="99", size=5).page.number == 3  # past the end: the last page
    assert all(page.shown == 13 and page.totals.units == 13 for page in pages)
