"""同一指标 in the self-evaluation (docs/rules/scoring.md §17): the unit table's row of a project's
own indicator is scored on its own, and explained once, on the project's row."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.evaluation.models import SelfEvaluationItem
from tests import pages
from tests.evaluation.gen import ONE_SHORT, completed_form, import_a_year, scored

PROJECT = "市场监督管理事务"
MESSAGE = f"本指标与项目「{PROJECT}」的同名指标为同一指标，请在该项目中填报"
EXPLAIN = f"./td[{pages.has_class('explain')}]"  # 偏差原因分析及改进措施


@pytest.fixture
def pair(app, tmp_path):
    import_a_year(app, tmp_path, varied=False)  # every target met but ONE_SHORT, on both rows
    result = scored(app)
    unit_row = next(r for r in result.unit_table.rows if r.indicator.name == ONE_SHORT)
    return unit_row.indicator.id, unit_row.source.id


def explanations(sqlite_url) -> dict[int, str | None]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        found = {item.indicator_id: item.explanation for item in session.exec(select(SelfEvaluationItem))}
    engine.dispose()
    return found


def test_both_rows_are_scored_on_their_own_and_fall_short(app, pair):
    result = scored(app)
    unit_row, project_row = (result.indicators[key] for key in pair)
    assert unit_row.source.id == project_row.indicator.id and project_row.source is None
    assert unit_row.actual == project_row.actual  # one figure, entered once
    assert unit_row.score.needs_explanation and project_row.score.needs_explanation


def test_the_unit_row_shows_the_project_rows_explanation_with_no_box_of_its_own(app, staff, pair, sqlite_url):
    unit_id, project_id = pair
    assert staff.post(extra={f"i{project_id}-explanation": "下半年调解员流失"}).status_code == 302
    row = lxml_html.fromstring(staff.page().get_data(as_text=True)).get_element_by_id(f"ind-{unit_id}")
    assert row.xpath(".//textarea") == []
    explain = pages.one(row, EXPLAIN)
    assert pages.texts(explain, "./span[@class='linked-text']") == ["下半年调解员流失"]
    assert pages.texts(explain, "./a") == [f"在项目「{PROJECT}」中填写"]
    assert row.xpath(".//a[starts-with(@href, '#ind-')]/@href") == [f"#ind-{project_id}"]
    stored = explanations(sqlite_url)
    assert stored[project_id] == "下半年调解员流失" and not stored.get(unit_id)
    assert scored(app).indicators[unit_id].explanation == "下半年调解员流失"


def test_a_text_of_its_own_for_the_unit_row_is_refused_and_nothing_is_saved(app, staff, pair, sqlite_url):
    unit_id, _ = pair
    response = staff.post(extra={f"i{unit_id}-explanation": "另写一遍"})
    assert response.status_code == 400
    page = pages.parse(response)
    row = pages.one(page, f"//main//tr[@id='ind-{unit_id}']")
    assert pages.texts(row, f"{EXPLAIN}/span[contains(@class, 'error-text')]") == [MESSAGE]
    assert pages.error_summary(page) == [f"{ONE_SHORT} · 偏差原因分析及改进措施：{MESSAGE}"]
    # The row has no textarea for it, so the summary leads to the row itself, which shows the fault.
    assert pages.texts(page, "//*[@id='error-summary']//a/@href") == [f"#ind-{unit_id}"]
    assert not any(explanations(sqlite_url).values())


def test_the_same_text_sent_on_both_rows_is_one_entry(app, staff, pair, sqlite_url):
    unit_id, project_id = pair
    same = {f"i{unit_id}-explanation": " 下半年调解员流失 ", f"i{project_id}-explanation": "下半年调解员流失"}
    assert staff.post(extra=same).status_code == 302
    stored = explanations(sqlite_url)
    assert stored[project_id] == "下半年调解员流失" and not stored.get(unit_id)


def test_submitting_asks_once_on_the_project_row_and_one_text_satisfies_both(app, staff, pair):
    unit_id, project_id = pair
    form = completed_form(scored(app))
    assert f"i{project_id}-explanation" in form and f"i{unit_id}-explanation" not in form
    del form[f"i{project_id}-explanation"]
    refused = staff.post(extra=form, action="submit")
    assert refused.status_code == 400
    links = lxml_html.fromstring(refused.get_data(as_text=True)).xpath("//*[@id='error-summary']//a/@href")
    assert links == [f"#i{project_id}-explanation"]
    form[f"i{project_id}-explanation"] = "下半年调解员流失"
    assert staff.post(extra=form, action="submit").status_code == 302
