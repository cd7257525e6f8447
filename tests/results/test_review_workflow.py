"""Does a quarter move draft → submitted → approved, and back only with a reason?"""

from __future__ import annotations

from tests.conftest import AuthActions, csrf_from
from tests.results.conftest import QuarterPoster, quarter_url

VALUE = {("投诉调解辅助服务", "value"): "5200"}


def review(client, action: str, reason: str | None = None, quarter: int = 1):
    html = client.get(quarter_url(quarter)).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "version": ""}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"{quarter_url(quarter)}/review/{action}", data=data, follow_redirects=True)


def test_full_cycle_with_return_reopen_and_reapproval(app, ids):
    staff, reviewer = app.test_client(), app.test_client()
    AuthActions(staff).login("szcc_staff")
    AuthActions(reviewer).login("szcc_reviewer")
    entry = QuarterPoster(staff, ids)

    assert entry.post(VALUE, action="submit").status_code == 302
    returned = review(reviewer, "return", "投诉数量与平台导出数不符，请核对")
    assert "已退回" in returned.get_data(as_text=True)
    staff_view = entry.page().get_data(as_text=True)
    assert "审核人意见：</strong>投诉数量与平台导出数不符，请核对" in staff_view

    assert entry.post({("投诉调解辅助服务", "value"): "5100"}, action="submit").status_code == 302
    approved = review(reviewer, "approve").get_data(as_text=True)
    assert "已审核通过" in approved and "审核通过" in approved
    assert "disabled" in entry.page().get_data(as_text=True)
    locked = entry.post({("投诉调解辅助服务", "value"): "1"})
    assert "已审核通过并锁定" in staff.get(locked.headers["Location"]).get_data(as_text=True)

    no_reason = review(reviewer, "reopen", "  ").get_data(as_text=True)
    assert "重新打开必须填写原因" in no_reason
    reopened = review(reviewer, "reopen", "财政局要求补充说明").get_data(as_text=True)
    assert "已重新打开" in reopened
    assert "财政局要求补充说明" in entry.page().get_data(as_text=True)
    assert entry.post({("投诉调解辅助服务", "value"): "5150"}, reason="按平台口径修正").status_code == 302
    assert review(reviewer, "approve").get_data(as_text=True).count("当前状态为") == 1  # not submitted yet
    entry.post({}, action="submit")
    assert "已审核通过" in review(reviewer, "approve").get_data(as_text=True)

    history = staff.get(f"/units/2/indicators/{ids['indicator']['投诉调解辅助服务']}/history").get_data(as_text=True)
    assert "按平台口径修正" in history and ">5,100<" in history and ">5,150<" in history


def test_only_the_units_reviewer_may_review(app, ids):
    staff = app.test_client()
    AuthActions(staff).login("szcc_staff")
    QuarterPoster(staff, ids).post(VALUE, action="submit")
    assert review(staff, "approve").status_code == 403
    finance = app.test_client()
    AuthActions(finance).login("finance")
    assert review(finance, "approve").status_code == 403


def test_a_second_save_on_a_stale_page_is_a_conflict_showing_the_newer_values(app, ids):
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login("szcc_staff")
    AuthActions(second).login("szcc_staff")
    first_entry, second_entry = QuarterPoster(first, ids), QuarterPoster(second, ids)
    stale_version = 0  # both opened the empty quarter
    assert first_entry.post({("投诉调解辅助服务", "value"): "5200"}, version=stale_version).status_code == 302
    response = second_entry.post({("投诉调解辅助服务", "value"): "4800"}, version=stale_version)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "其他人已在您打开页面后保存了本季度数据" in html
    assert "投诉调解辅助服务 · 完成值" in html and "<td>5,200</td>" in html and "<td>4,800</td>" in html
    assert 'value="4800"' in html  # what they typed is still in the form
    assert "5,200" in first_entry.page().get_data(as_text=True) or 'value="5200"' in first_entry.page().get_data(
        as_text=True
    )
    retry = second_entry.post({("投诉调解辅助服务", "value"): "4800"})
    assert retry.status_code == 302


def test_a_post_without_csrf_is_refused(client, auth, ids):
    auth.login("szcc_staff")
    response = client.post(
        quarter_url(1), data={"action": "save", f"i{ids['indicator']['投诉调解辅助服务']}-value": "1"}
    )
    assert response.status_code == 400
