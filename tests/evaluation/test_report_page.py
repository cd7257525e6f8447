"""Can staff fill the self-evaluation page, the reviewer pick qualitative scores and review it; who may see it?"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.service import create_user
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.db import make_engine
from kpi.evaluation.models import SelfEvaluation
from kpi.reminders.models import Notification
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.evaluation.conftest import signed_in
from tests.evaluation.gen import REPORT_URL, completed_form, import_a_year, scored
from tests.progress.test_query_count import double_the_unit_table, queries_for

pytestmark = pytest.mark.usefixtures("year")


@pytest.fixture
def year(app, tmp_path):
    import_a_year(app, tmp_path)


def rows(sqlite_url, model, **where):
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = session.exec(query).all()
    engine.dispose()
    return found


def partial_qualitative(app):
    return next(r for r in scored(app).unit_table.rows if r.is_qualitative and r.band == "partial")


TABLES = "//main//section[@class='evaluation-table']"


def indicator_row(page, indicator_id: int):
    return pages.one(page, f"//main//tr[@id='ind-{indicator_id}']")


def working(page, indicator_id: int) -> str:
    """The 计分依据 cell of an indicator's row: the rule, then the working."""
    return pages.text(pages.one(indicator_row(page, indicator_id), "./td[@class='working']"))


def status(page) -> str:
    """The report's status in the page head (状态：…)."""
    return pages.text(
        pages.one(page, "//main//div[@class='page-head']/p[@class='meta']/span[contains(@class, 'status')]")
    )


def buttons(page) -> list[str]:
    """The buttons of the page's own forms (the review panels' included)."""
    return pages.texts(page, "//main//form//button")


def warnings(page) -> list[str]:
    """The page's warnings (送审前还需填写 …, the reviewer's word), whatever element carries them."""
    return pages.texts(page, f"//main//*[{pages.has_class('flash-warning')}]")


def test_the_page_shows_every_table_with_points_scores_working_and_the_grade(app, staff, ids):
    page = pages.parse(staff.page())
    result = scored(app)
    titles = pages.texts(page, TABLES + "/h2")
    assert titles[0] == "部门（单位）整体支出绩效自评表" and "项目支出绩效自评表 · 修缮维护类" in titles
    total = pages.one(page, "//main//*[@id='unit-total']")
    assert pages.text(total) == f"单位整体总分 {result.total} 分 · 评价等级 {result.grade}"
    assert pages.texts(total, "./strong") == [str(result.total), result.grade]
    assert working(page, ids["indicator"]["新增放心消费承诺、线下无理由退货承诺企业数量"]) == (
        "正向指标：实际 500 ÷ 目标 1,000 × 分值 0.91 = 0.46"
    )
    budget_working = pages.texts(page, "//main//section[@id='table-unit']//tr[@class='total']/td[@class='working']")
    assert budget_working[0] == "执行数 2,840.2 ÷ 全年预算数 2,939 × 分值 10 = 9.66（执行率 96.64%）"
    assert working(page, partial_qualitative(app).indicator.id).startswith(
        "定性指标：评价“部分达成”（60%–80%），未选定得分，按 60% 计"
    )
    assert len(page.xpath(TABLES + "//tr[@data-aggregation]")) == len(page.xpath("//*[@data-aggregation]")) == 67 + 13
    assert any(warning.startswith("送审前还需填写") for warning in warnings(page)) and "保存草稿" in buttons(page)


def test_a_draft_keeps_texts_and_audits_them(app, staff, ids, sqlite_url):
    response = staff.post(
        {"unit": "全年工作基本完成", "修缮维护类": "完成维修 1 次"},
        {"新增放心消费承诺、线下无理由退货承诺企业数量": "企业参与意愿不足；下年加强宣传"},
    )
    assert response.status_code == 302
    page = pages.parse(staff.page())
    explanation = f"i{ids['indicator']['新增放心消费承诺、线下无理由退货承诺企业数量']}-explanation"
    assert pages.texts(page, "//main//form//textarea[@name='g-unit']") == ["全年工作基本完成"]
    assert pages.texts(page, f"//main//form//textarea[@name='{explanation}']") == ["企业参与意愿不足；下年加强宣传"]
    report = rows(sqlite_url, SelfEvaluation)[0]
    assert report.status == "draft" and report.total_score == scored(app).total
    trail = {
        (e.entity, e.field, e.new_value)
        for e in rows(sqlite_url, AuditEvent)
        if (e.field or "").startswith("2023年绩效自评")
    }
    assert ("self_evaluation", "2023年绩效自评 · 实际完成情况", "全年工作基本完成") in trail
    assert ("budget_line", "2023年绩效自评 · 实际完成情况", "完成维修 1 次") in trail
    assert ("indicator", "2023年绩效自评 · 偏差原因分析及改进措施", "企业参与意愿不足；下年加强宣传") in trail


def test_submitting_without_a_required_explanation_is_refused_beside_it_with_typed_values_kept(staff, ids):
    name = "新增放心消费承诺、线下无理由退货承诺企业数量"
    response = staff.post({"unit": "已完成"}, action="submit")
    assert response.status_code == 400
    page = pages.parse(response)
    fault = "未完成目标，送审前须填写偏差原因分析及改进措施"
    assert pages.text(pages.one(page, "//*[@id='error-summary']/h2")).startswith("送审前还有")
    assert f"{name} · 偏差原因分析及改进措施：{fault}" in pages.error_summary(page)
    row = indicator_row(page, ids["indicator"][name])
    assert pages.texts(row, ".//td[contains(@class, 'explain')]//*[@class='error-text']") == [fault]
    assert pages.texts(page, "//main//form//textarea[@name='g-unit']") == ["已完成"]
    assert row.get("data-aggregation") == "cumulative" and row.get("data-rule") == "positive"
    assert row.get("class") == "row-error"


def test_a_complete_submission_tells_the_reviewer_and_locks_the_report(app, staff, reviewer, sqlite_url):
    assert staff.post(extra=completed_form(scored(app)), action="submit").status_code == 302
    page = pages.parse(staff.page())
    assert status(page) == "已送审"
    assert "保存草稿" not in pages.text(page) and not page.xpath("//button[@value='save']")
    fields = page.xpath(TABLES + "//textarea | " + TABLES + "//input")
    assert fields and all(field.get("disabled") is not None for field in fields)
    locked = staff.post({"unit": "改"})
    refusals = pages.flashes(staff.client.get(locked.headers["Location"]), "error")
    assert len(refusals) == 1 and refusals[0].startswith("本自评已送审，等待审核")
    note = rows(sqlite_url, Notification, kind="submitted")[0]
    assert "2023年绩效自评 已送审" in note.title and note.link == REPORT_URL
    ratios_form = "//main//form[contains(@action, '/self-evaluation/ratios')]//button"
    assert pages.texts(reviewer.page(), ratios_form) == ["保存定性指标得分"]


def test_the_reviewer_picks_a_qualitative_score_inside_its_band_then_approves(app, staff, reviewer):
    partial = partial_qualitative(app)
    name = partial.indicator.name
    staff.post(extra=completed_form(scored(app)), action="submit")
    refused = reviewer.set_ratios({name: "85"})
    assert refused.status_code == 400
    beside = pages.texts(indicator_row(pages.parse(refused), partial.indicator.id), ".//*[@class='error-text']")
    assert len(beside) == 1 and beside[0].startswith("得分超出“部分达成”档（60%–80%）")
    summary = pages.error_summary(refused)
    assert len(summary) == 1 and summary[0].startswith(f"{name} · 得分（占分值%）：得分超出“部分达成”档（60%–80%）")
    assert reviewer.set_ratios({name: "78"}).status_code == 302
    row = scored(app).indicators[partial.indicator.id]
    assert "选定 78%" in row.score.working
    assert staff.set_ratios({name: "70"}).status_code == 403
    assert pages.flashes(reviewer.review("approve"), "success") == ["已审核通过。"]
    after = reviewer.set_ratios({name: "70"})
    refusals = pages.flashes(reviewer.client.get(after.headers["Location"]), "error")
    assert len(refusals) == 1 and refusals[0].startswith("审核人只能在自评已送审")


def test_returning_and_reopening_need_a_reason_that_staff_then_see(app, staff, reviewer):
    staff.post(extra=completed_form(scored(app)), action="submit")
    assert pages.flashes(reviewer.review("return"), "error") == ["退回必须填写原因。"]
    assert pages.flashes(reviewer.review("return", "偏差原因过于笼统"), "success") == ["已退回。"]
    note = pages.one(staff.page(), "//main//div[contains(@class, 'flash-warning')][strong]")
    assert pages.texts(note, "./strong") == ["审核人意见："] and pages.text(note) == "审核人意见：偏差原因过于笼统"
    assert staff.post(action="submit").status_code == 302
    reviewer.review("approve")
    assert pages.flashes(reviewer.review("reopen"), "error") == ["重新打开必须填写原因。"]
    assert pages.flashes(reviewer.review("reopen", "财政局要求补充"), "success") == ["已重新打开。"]
    assert "保存草稿" in buttons(staff.page())


def test_a_save_over_someone_elses_shows_their_values_and_keeps_mine(app, ids, staff):
    other = signed_in(app, ids, "szcc_staff")
    assert other.post({"unit": "别人先保存的"}).status_code == 302
    response = staff.post({"unit": "我写的"}, version=0)  # the version staff saw before the other save
    assert response.status_code == 409
    conflict = pages.one(response, "//main//section[contains(@class, 'conflict')]")
    assert pages.text(pages.one(conflict, "./p/strong")).startswith("其他人已在您打开页面后保存了本自评")
    assert pages.rows(conflict, ".//table") == [["单位整体 · 实际完成情况", "别人先保存的", "我写的"]]
    assert pages.texts(response, "//main//form//textarea[@name='g-unit']") == ["我写的"]
    assert scored(app).unit_table.goal_actual == "别人先保存的"


def test_finance_may_view_and_download_but_not_change(app, ids):
    finance = signed_in(app, ids, "finance")
    assert finance.page().status_code == 200
    assert finance.client.get(REPORT_URL + "/workbook").status_code == 200
    token = csrf_from(finance.page().get_data(as_text=True))
    for url in (REPORT_URL, REPORT_URL + "/ratios", REPORT_URL + "/review/approve"):
        assert finance.client.post(url, data={"csrf_token": token}).status_code == 403


def test_staff_of_another_unit_get_not_found_and_anonymous_users_the_login(app, client):
    with app.app_context(), db.transaction() as session:
        budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
    assert client.get(REPORT_URL).status_code == 302
    AuthActions(client).login("other_staff", "Other#Pass1")
    assert client.get(REPORT_URL).status_code == 404
    assert client.get(REPORT_URL + "/workbook").status_code == 404
    assert client.get("/units/2/2031/self-evaluation").status_code == 404


def test_the_download_keeps_a_copy_under_the_export_folder(app, staff):
    response = staff.client.get(REPORT_URL + "/workbook")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    name = "深圳市消费者委员会秘书处-2023年绩效自评表.xlsx"
    assert (app.config["KPI_EXPORT_DIR"] / "2023" / "深圳市消费者委员会秘书处" / name).read_bytes() == response.data


def test_the_page_and_workbook_run_as_many_queries_for_134_indicators_as_for_67(app, staff):
    staff.post({"unit": "x"})
    urls = [REPORT_URL, REPORT_URL + "/workbook"]
    before = {url: queries_for(app, staff.client, url) for url in urls}
    assert double_the_unit_table(app) == 134
    after = {url: queries_for(app, staff.client, url) for url in urls}
    assert after == before and all(count <= 16 for count in before.values()), (
        before
    )  # + the approval history, the year switcher
