"""Does each main page run the same number of SQL statements for 670 indicators as for 67?

Query discipline (issue 6): a page's query count is fixed, whatever the size of the
indicator table; a count that grows with it is an N+1 loop.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from kpi import db
from kpi.indicators.models import Indicator
from tests.conftest import AuthActions
from tests.progress.gen import counting, gen_quarter

PAGES = {
    "szcc_staff": ["/units/2/2023/quarters/1", "/units/2/2023/progress", "/units/2/2023/dashboard"],
    "finance": ["/finance"],
}
COPIES = 9  # 67 unit-wide indicators + 9 × 67 copies = 670


def unit_indicator_count(app) -> int:
    with app.app_context(), db.transaction() as session:
        return session.scalar(select(sa.func.count()).select_from(Indicator).where(Indicator.scope == "unit"))


def multiply_the_unit_table(app) -> int:
    """Bulk-insert COPIES copies of every unit-wide indicator, each with a new name and display order."""
    table = Indicator.__table__
    with app.app_context(), db.transaction() as session:
        originals = [dict(row) for row in session.execute(sa.select(table).where(table.c.scope == "unit")).mappings()]
        copies = []
        for k in range(1, COPIES + 1):
            for row in originals:
                copy = {key: value for key, value in row.items() if key != "id"}
                copy["name"] = f"{row['name']}（副本{k}）"
                copy["display_order"] = row["display_order"] + 1000 * k
                copies.append(copy)
        session.execute(sa.insert(table), copies)
    return unit_indicator_count(app)


def statements_per_page(app) -> dict[str, int]:
    """SQL statements each page runs, after a warm-up request (session user, templates)."""
    counts = {}
    for username, urls in PAGES.items():
        client = app.test_client()
        AuthActions(client).login(username)
        for url in urls:
            client.get(url)
            with counting(app.extensions["kpi_engine"]) as statements:
                assert client.get(url).status_code == 200, url
            counts[url] = len(statements)
    return counts


@pytest.fixture
def app_with_results(app):
    gen_quarter(
        app, 1, {"投诉调解辅助服务": {"value": "5000"}, "志愿者活动数量": {"value": "3"}}, spending={"信息化类": "10"}
    )
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}, "干部职工满意度": {"band": "达成"}})
    return app


def test_entry_form_progress_dashboard_and_finance_home_run_as_many_queries_for_670_indicators_as_for_67(
    app_with_results,
):
    app = app_with_results
    assert unit_indicator_count(app) == 67
    before = statements_per_page(app)
    assert multiply_the_unit_table(app) == 670
    after = statements_per_page(app)
    assert after == before
    # 9 each when written; the finance desk 15: the years, the filtered count and the page's ids,
    # six for the page's statuses, four for the tiles (tests/finance/test_query_count.py).
    limits = {"/finance": 15}
    assert all(count <= limits.get(url, 12) for url, count in before.items()), before


def test_the_copies_show_on_the_entry_form_so_the_count_covers_them(app_with_results):
    app = app_with_results
    multiply_the_unit_table(app)
    client = app.test_client()
    AuthActions(client).login("szcc_staff")
    html = client.get("/units/2/2023/quarters/1").get_data(as_text=True)
    assert html.count('id="ind-') == 670 + 13  # + the project tables' indicators, as with 67 (80 = 67 + 13)
