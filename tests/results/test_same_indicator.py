"""Is an indicator listed in the unit table and in a project's table entered once (同一指标, issue 17)?

投诉调解辅助服务 ≥19000宗 is in the 单位整体 table and in 市场监督管理事务's: staff enter it on
the project's row, and the unit table's row shows that figure, read-only, with a link there.
"""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from kpi.db import make_engine
from kpi.indicators.models import Indicator
from kpi.results.models import IndicatorResult
from tests.conftest import csrf_from
from tests.progress.gen import attach_progress
from tests.results.conftest import quarter_url

NAME, PROJECT = "投诉调解辅助服务", "市场监督管理事务"
REFUSAL = f"本指标与项目「{PROJECT}」的同名指标为同一指标，请在该项目中填报"


def rows_of(sqlite_url) -> tuple[int, int]:
    """(the unit table's row, the project's row) of 投诉调解辅助服务."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        unit_row = session.exec(select(Indicator).where(Indicator.name == NAME, Indicator.scope == "unit")).one()
        project_row = session.exec(select(Indicator).where(Indicator.name == NAME, Indicator.scope == "project")).one()
        assert unit_row.same_as_id == project_row.id
        ids = unit_row.id, project_row.id
    engine.dispose()
    return ids


def stored_results(sqlite_url) -> list[tuple[int, object]]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        rows = session.exec(select(IndicatorResult.indicator_id, IndicatorResult.value)).all()
    engine.dispose()
    return sorted(rows)


def table_row(html: str, indicator_id: int) -> str:
    match = re.search(rf'<tr id="ind-{indicator_id}".*?</tr>', html, re.S)
    assert match, indicator_id
    return match.group(0)


def post(client, fields: dict[str, str], quarter: int = 1):
    html = client.get(quarter_url(quarter)).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return client.post(
        quarter_url(quarter), data={"csrf_token": csrf_from(html), "action": "save", "version": version, **fields}
    )


def test_a_figure_entered_on_the_project_row_is_the_unit_rows_figure_with_nothing_to_enter_there(
    app, client, auth, sqlite_url
):
    unit_row, project_row = rows_of(sqlite_url)
    auth.login("szcc_staff")
    assert post(client, {f"i{project_row}-value": "5200"}).status_code == 302

    html = client.get(quarter_url(1)).get_data(as_text=True)
    shown = table_row(html, unit_row)
    assert "5,200宗" in shown and PROJECT in shown
    assert f'href="#ind-{project_row}"' in shown
    assert "<input" not in shown and "<select" not in shown and "<textarea" not in shown
    assert f'name="i{project_row}-value"' in table_row(html, project_row)
    assert stored_results(sqlite_url) == [(project_row, 5200)]  # one figure, stored once


def test_the_next_quarter_and_progress_show_the_same_figure_on_both_rows(app, client, auth, sqlite_url):
    attach_progress(app)
    unit_row, project_row = rows_of(sqlite_url)
    auth.login("szcc_staff")
    assert post(client, {f"i{project_row}-value": "5000"}).status_code == 302
    assert post(client, {f"i{project_row}-value": "4500"}, quarter=2).status_code == 302

    html = client.get(quarter_url(2)).get_data(as_text=True)
    assert "5,000宗" in table_row(html, unit_row)  # the year to date before this quarter, as on the project row
    assert "4,500宗" in table_row(html, unit_row)

    progress = client.get("/units/2/2023/progress").get_data(as_text=True)
    rows = re.findall(r"<tr data-status[^>]*>(?:(?!</tr>).)*?" + NAME + r"(?:(?!</tr>).)*</tr>", progress, re.S)
    assert len(rows) == 2  # the unit table's and the project's
    for row in rows:
        assert "9,500" in row, row


def test_a_figure_posted_for_the_linked_row_is_refused_naming_the_project_and_nothing_is_saved(
    app, client, auth, sqlite_url
):
    unit_row, project_row = rows_of(sqlite_url)
    auth.login("szcc_staff")
    response = post(client, {f"i{unit_row}-value": "5200", f"i{project_row}-value": "100"})
    assert response.status_code == 400
    assert REFUSAL in response.get_data(as_text=True)
    assert stored_results(sqlite_url) == []  # not even the project's valid figure


def test_posting_the_figure_the_linked_row_shows_is_no_entry(app, client, auth, sqlite_url):
    unit_row, project_row = rows_of(sqlite_url)
    auth.login("szcc_staff")
    assert post(client, {f"i{unit_row}-value": "300", f"i{project_row}-value": "300"}).status_code == 302
    assert post(client, {f"i{unit_row}-value": ""}).status_code == 302
    assert stored_results(sqlite_url) == [(project_row, 300)]


def test_what_the_unit_row_stored_before_it_was_linked_is_not_read(app, client, auth, sqlite_url):
    unit_row, project_row = rows_of(sqlite_url)
    auth.login("szcc_staff")
    assert post(client, {f"i{project_row}-value": "700"}).status_code == 302
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        report_id = session.exec(select(IndicatorResult.report_id)).first()
        session.add(IndicatorResult(report_id=report_id, indicator_id=unit_row, value=999))
        session.commit()
        assert session.exec(select(func.count()).select_from(IndicatorResult)).one() == 2
    engine.dispose()
    shown = table_row(client.get(quarter_url(1)).get_data(as_text=True), unit_row)
    assert "700宗" in shown and "999" not in shown
