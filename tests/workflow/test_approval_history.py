"""Does every report page show its approval history, and is reopened a state of its own?"""

from __future__ import annotations

import lxml.html
import pytest

from tests.conftest import AuthActions
from tests.results.conftest import QuarterPoster
from tests.results.test_review_workflow import VALUE, review


@pytest.fixture
def desks(app, ids) -> tuple[QuarterPoster, object]:
    """The staff member's quarter form, and the reviewer's signed-in client."""
    staff, reviewer = app.test_client(), app.test_client()
    AuthActions(staff).login("szcc_staff")
    AuthActions(reviewer).login("szcc_reviewer")
    return QuarterPoster(staff, ids), reviewer


def history_rows(html: str) -> list[list[str]]:
    """The 审批记录 table as text cells: 时间, 操作, 操作人, 原因."""
    page = lxml.html.fromstring(html)
    section = page.xpath("//section[h2[@id='approval-history']]")[0]
    return [[cell.text_content().strip() for cell in row.xpath("td")] for row in section.xpath(".//tbody/tr")]


def test_a_quarter_page_lists_every_step_with_who_when_and_why(desks):
    entry, reviewer = desks
    assert history_rows(entry.page().get_data(as_text=True)) == []

    entry.post(VALUE, action="submit")
    review(reviewer, "return", "投诉数量与平台导出数不符")
    entry.post(VALUE, action="submit")
    review(reviewer, "approve")
    review(reviewer, "reopen", "财政局要求补充说明")

    rows = history_rows(entry.page().get_data(as_text=True))
    assert [row[1] for row in rows] == ["提交", "退回", "提交", "审核通过", "重新打开"]
    assert [row[2] for row in rows] == ["张敏（填报人）（szcc_staff）", "李华（审核人）（szcc_reviewer）"] * 2 + [
        "李华（审核人）（szcc_reviewer）"
    ]
    assert [row[3] for row in rows] == ["", "投诉数量与平台导出数不符", "", "", "财政局要求补充说明"]
    assert all(len(row[0]) == len("2026-12-01 08:00") for row in rows)


def test_the_reasons_for_a_return_survive_a_later_approval(desks):
    entry, reviewer = desks
    entry.post(VALUE, action="submit")
    review(reviewer, "return", "请附平台导出数")
    entry.post(VALUE, action="submit")
    review(reviewer, "approve")
    html = entry.page().get_data(as_text=True)
    assert "请附平台导出数" in [row[3] for row in history_rows(html)]


def test_a_reopened_quarter_is_reopened_not_returned(desks):
    entry, reviewer = desks
    entry.post(VALUE, action="submit")
    review(reviewer, "approve")
    review(reviewer, "reopen", "补充说明")
    page = lxml.html.fromstring(entry.page().get_data(as_text=True))
    status = page.xpath("//span[contains(@class, 'status-')]")[0]
    assert status.text_content().strip() == "已重新打开" and "status-reopened" in status.get("class")
    # and it can be edited and submitted again
    assert entry.post({("投诉调解辅助服务", "value"): "5300"}, action="submit").status_code == 302


def test_the_audit_trail_names_the_person_as_well_as_the_login(app, ids):
    staff = app.test_client()
    AuthActions(staff).login("szcc_staff")
    QuarterPoster(staff, ids).post(VALUE)
    html = staff.get(f"/units/2/indicators/{ids['indicator']['投诉调解辅助服务']}/history").get_data(as_text=True)
    cells = [row.xpath("td")[1].text_content() for row in lxml.html.fromstring(html).xpath("//table//tbody/tr")]
    assert cells and all(cell == "张敏（填报人）（szcc_staff）" for cell in cells)
