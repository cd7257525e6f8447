"""Does a quarter move draft → submitted → approved, and back only with a reason?"""

from __future__ import annotations

from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.results.conftest import QuarterPoster, quarter_url

VALUE = {("投诉调解辅助服务", "value"): "5200"}
QUARTER_FORM = "//main//form[contains(@class, 'quarter-form')]"
CONFLICT = f"//main//section[{pages.has_class('conflict')}]"


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
    assert pages.flashes(returned, "success") == ["已退回。"]
    assert pages.review_note(entry.page()) == ("审核人意见：", "投诉数量与平台导出数不符，请核对")

    assert entry.post({("投诉调解辅助服务", "value"): "5100"}, action="submit").status_code == 302
    approved = pages.parse(review(reviewer, "approve"))
    assert pages.flashes(approved, "success") == ["已审核通过。"]
    assert pages.status(approved) == ("审核通过", "status status-approved")
    pages.assert_read_only(entry.page(), QUARTER_FORM)
    locked = entry.post({("投诉调解辅助服务", "value"): "1"})
    assert pages.flashes(staff.get(locked.headers["Location"]), "error") == [
        "本季度已审核通过并锁定；如需修改，请审核人重新打开。"
    ]

    assert pages.flashes(review(reviewer, "reopen", "  "), "error") == ["重新打开必须填写原因。"]
    assert pages.flashes(review(reviewer, "reopen", "财政局要求补充说明"), "success") == ["已重新打开。"]
    assert pages.review_note(entry.page()) == ("重新打开原因：", "财政局要求补充说明")
    assert entry.post({("投诉调解辅助服务", "value"): "5150"}, reason="按平台口径修正").status_code == 302
    not_submitted = pages.parse(review(reviewer, "approve"))  # not submitted yet
    assert pages.flashes(not_submitted, "error") == ["当前状态为“已重新打开”，不能审核通过。"]
    assert pages.text(not_submitted).count("当前状态为") == 1
    entry.post({}, action="submit")
    assert pages.flashes(review(reviewer, "approve"), "success") == ["已审核通过。"]

    history = staff.get(f"/units/2/indicators/{ids['indicator']['投诉调解辅助服务']}/history")
    assert ["2023年一季度 · 完成值", "5,100", "5,150", "按平台口径修正"] in [row[2:] for row in pages.rows(history)]


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
    page = pages.parse(response)
    assert pages.text(pages.one(page, f"{CONFLICT}/p/strong")).startswith("其他人已在您打开页面后保存了本季度数据")
    assert ["投诉调解辅助服务 · 完成值", "5,200", "4,800"] in pages.rows(page, f"{CONFLICT}//table")
    value = f"//main//form//input[@name='i{ids['indicator']['投诉调解辅助服务']}-value']/@value"
    assert pages.texts(page, value) == ["4800"]  # what they typed is still in the form
    assert pages.texts(first_entry.page(), value) == ["5200"]
    retry = second_entry.post({("投诉调解辅助服务", "value"): "4800"})
    assert retry.status_code == 302


def test_a_post_without_csrf_is_refused(client, auth, ids):
    auth.login("szcc_staff")
    response = client.post(
        quarter_url(1), data={"action": "save", f"i{ids['indicator']['投诉调解辅助服务']}-value": "1"}
    )
    assert response.status_code == 400
