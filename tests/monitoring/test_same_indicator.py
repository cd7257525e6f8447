"""同一指标 in the monitoring report: a unit-table row repeating a project's indicator is entered
once, on the project's row, and shows that row's July figure, projection and explanations."""

from __future__ import annotations

import io
from decimal import Decimal

from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.monitoring.models import MonitoringItem
from kpi.monitoring.sheet import load_monitoring
from tests import pages
from tests.monitoring.conftest import REPORT_URL
from tests.monitoring.test_report_form import DEVIATING, EXPLAINED, MEDIATION, first_half, stored

UNIT_ROW = f"unit:{MEDIATION}"  # the 单位整体 row; MEDIATION itself names the project row it is entered on
PROJECT = "市场监督管理事务"
MESSAGE = f"本指标与项目「{PROJECT}」的同名指标为同一指标，请在该项目中填报"


def row_of(page_html: str, indicator_id: int):
    return lxml_html.fromstring(page_html).get_element_by_id(f"ind-{indicator_id}")


def lines_of(cell) -> list[str]:
    """A cell's texts as its <br>s break them (an explanation cell: category or likelihood, then the text)."""
    return [line.strip() for line in cell.xpath("./text()") if line.strip()]


def test_the_unit_row_has_no_inputs_and_shows_the_project_rows_figures(app, staff, ids):
    first_half(app)
    assert staff.post({**DEVIATING, **EXPLAINED}).status_code == 302
    unit_row, project_row = ids["indicator"][UNIT_ROW], ids["indicator"][MEDIATION]
    assert unit_row != project_row
    page = staff.page().get_data(as_text=True)
    row = row_of(page, unit_row)
    assert row.xpath(".//input|.//select|.//textarea") == []  # nothing to type twice
    link = row.xpath(".//a[contains(@href, '#ind-')]")[0]
    assert (link.get("href"), link.text_content()) == (f"#ind-{project_row}", f"在项目「{PROJECT}」中填报")
    assert pages.texts(row, "./td[contains(@class, 'inputs')]/span[@class='linked-figure']") == ["1,500宗"]
    cause, measures = row.xpath(f"./td[{pages.has_class('explain')}]")
    assert lines_of(cause) == ["人员保障", "上半年调解员流失"]
    assert lines_of(measures) == ["有可能", "补充招聘调解员"]
    assert row.xpath(".//td[@data-deviation]")[0].get("data-deviation") == "是"  # judged on its own target
    assert row_of(page, project_row).xpath(f".//input[@name='i{project_row}-value']")[0].get("value") == "1500"


def test_a_figure_typed_on_the_unit_row_is_refused_and_nothing_is_stored(app, staff, ids, sqlite_url):
    first_half(app)
    response = staff.post({(UNIT_ROW, "value"): "1500", (UNIT_ROW, "cause"): "另写一遍"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    figure = "./td[contains(@class, 'inputs')]/span[contains(@class, 'error-text')]"  # the 7月完成值 cell's
    assert pages.texts(row_of(page, ids["indicator"][UNIT_ROW]), figure) == [MESSAGE]
    assert pages.error_summary(page) == [f"{MEDIATION} · 7月完成值：{MESSAGE}"]
    # The row has no inputs, so the summary leads to the row itself, which shows the fault.
    assert pages.links(page, "//*[@id='error-summary']") == {
        f"{MEDIATION} · 7月完成值：{MESSAGE}": f"#ind-{ids['indicator'][UNIT_ROW]}"
    }
    assert stored(sqlite_url, MonitoringItem) == []


def test_the_project_rows_own_values_sent_back_on_the_unit_row_are_no_entry(app, staff, ids, sqlite_url):
    """A form or tool that posts every row, the unit row with what it shows, is not refused."""
    first_half(app)
    same = {(UNIT_ROW, name): text for (name_, name), text in {**DEVIATING, **EXPLAINED}.items()}
    assert staff.post({**DEVIATING, **EXPLAINED, **same}).status_code == 302
    items = stored(sqlite_url, MonitoringItem)
    assert [item.indicator_id for item in items] == [ids["indicator"][MEDIATION]]  # the project's row only


def test_submitting_asks_for_the_explanation_once_on_the_project_row(app, staff, ids):
    first_half(app)
    response = staff.post(DEVIATING, action="submit")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    links = lxml_html.fromstring(page).xpath("//*[@id='error-summary']//a/@href")
    unit_row, project_row = ids["indicator"][UNIT_ROW], ids["indicator"][MEDIATION]
    assert not [href for href in links if href.startswith(f"#i{unit_row}-")]
    assert f"#i{project_row}-cause" in links


def test_the_workbook_and_the_sheet_give_the_unit_row_the_project_rows_values(app, staff, ids):
    first_half(app)
    staff.post({**DEVIATING, **EXPLAINED, (MEDIATION, "remark"): "三季度集中调解"})
    with app.app_context(), Session(db.engine()) as session:
        sheet = load_monitoring(
            session, budget.get_unit(session, "深圳市消费者委员会秘书处"), budget.get_year(session, 2023)
        )
        lines = {line.indicator.id: line for line in sheet.lines()}
    unit_line, project_line = lines[ids["indicator"][UNIT_ROW]], lines[ids["indicator"][MEDIATION]]
    assert unit_line.july == project_line.july and unit_line.july.value == Decimal(1500)
    assert unit_line.texts == project_line.texts and unit_line.texts["remark"] == "三季度集中调解"
    assert unit_line.monitoring.forecast == project_line.monitoring.forecast
    ws = load_workbook(io.BytesIO(staff.client.get(REPORT_URL + "/workbook").data)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows() if any(cell.value == MEDIATION for cell in row)]
    assert len(rows) == 2  # the unit table's row and the project's
    assert rows[0].count("上半年调解员流失") == 1 and rows[0][-1] == rows[1][-1] == "三季度集中调解"
