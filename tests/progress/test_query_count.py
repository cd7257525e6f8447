"""Do the progress pages run a fixed number of queries, however many indicators a unit has?"""

from __future__ import annotations

from sqlmodel import select

from kpi import db
from kpi.indicators.models import Indicator
from tests.progress.gen import counting, gen_quarter


def double_the_unit_table(app) -> int:
    """Copy every unit-wide indicator once more: 67 → 134."""
    with app.app_context(), db.transaction() as session:
        rows = session.exec(select(Indicator).where(Indicator.scope == "unit")).all()
        for row in rows:
            copy = Indicator.model_validate(row.model_dump(exclude={"id"}))
            copy.name = f"{row.name}（副本）"
            copy.display_order = row.display_order + 100
            session.add(copy)
        session.flush()
        return len(session.exec(select(Indicator).where(Indicator.scope == "unit")).all())


def queries_for(app, client, url) -> int:
    client.get(url)  # warm up: the session user, lazily loaded templates
    with counting(app.extensions["kpi_engine"]) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_progress_page_and_dashboard_run_as_many_queries_for_134_indicators_as_for_67(app, client, auth):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"信息化类": "10"})
    gen_quarter(app, 2, {"投诉调解辅助服务": {"value": "4500"}, "干部职工满意度": {"band": "达成"}})
    auth.login("szcc_staff")
    urls = ["/units/2/2023/progress", "/units/2/2023/dashboard", "/units/2/2023/progress?quarter=1"]
    before = {url: queries_for(app, client, url) for url in urls}
    assert double_the_unit_table(app) == 134
    after = {url: queries_for(app, client, url) for url in urls}
    assert after == before
    assert client.get(urls[0]).get_data(as_text=True).count('data-aggregation="') == 134 + 13
    assert all(count <= 12 for count in before.values()), before
