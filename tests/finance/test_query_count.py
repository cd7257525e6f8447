"""Does the finance bureau's page run a fixed number of queries, however many units there are?"""

from __future__ import annotations

from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import service
from tests.finance.gen import gen_unit, gen_units
from tests.progress.gen import counting


def queries_for(app, client, url: str) -> list[str]:
    client.get(url)  # warm up: the session user, lazily loaded templates
    with counting(app.extensions["kpi_engine"]) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_the_finance_page_runs_as_many_queries_for_20_units_as_for_1(app, client, auth):
    auth.login("finance")
    urls = ["/finance", "/finance?year=2023&status=%E6%9C%89%E9%80%80%E5%9B%9E&q=%E5%8D%95%E4%BD%8D&grade=%E4%BC%98"]
    one = {url: len(queries_for(app, client, url)) for url in urls}
    gen_units(
        app,
        19,
        quarters={1: "approved", 2: "submitted", 3: "returned"},
        spent={1: "10", 2: "5"},
        monitoring="submitted",
        evaluation="approved",
        score="91.5",
        grade="优",
    )
    twenty = {url: len(queries_for(app, client, url)) for url in urls}
    assert twenty == one
    # The years, the count, the page's ids, its six status queries, four for the tiles; the user, the banner.
    assert all(count <= 15 for count in one.values()), one
    assert client.get("/finance").get_data(as_text=True).count("<tr data-unit-id=") == 20


def test_the_summary_needs_no_query_per_unit(app):
    gen_unit(app, "甲单位", quarters={1: "approved"}, spent={1: "10"})
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        year = budget.get_year(session, 2023)
        with counting(app.extensions["kpi_engine"]) as few:
            service.unit_statuses(session, year)
        gen_units(app, 5, evaluation="submitted")
        with counting(app.extensions["kpi_engine"]) as more:
            rows = service.unit_statuses(session, year)
        assert len(few) == len(more) == 6 and len(rows) == 7
        with counting(app.extensions["kpi_engine"]) as details:
            assert sum(1 for _ in service.unit_details(session, year, [row.unit for row in rows])) == 7
        assert (
            len(details) == 6
        )  # the detail rows: six queries per batch of units (sheets and scores), whatever their number
