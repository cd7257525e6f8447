"""Does the 待办 page list, for each role, what is due, by when, and where to act on it?

The due dates are the reminders' (docs/rules/reminders.md §2, on the official calendar): for the
2023 seed year, 一季度 opens 2023-04-03 and is due 2023-04-17 (the 10th working day after 31 March,
清明 5 April off), 二季度 2023-07-14, 运行监控 2023-08-31, 自评 2024-02-28.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.access import SessionUser
from kpi.accounts.models import User
from kpi.adjustments.models import TargetAdjustment
from kpi.budget.models import FiscalYear, Unit
from kpi.indicators.models import TargetTable
from kpi.reminders.todo import todo_page
from kpi.results.models import QuarterReport
from tests import pages

UNIT = "深圳市消费者委员会秘书处"


def page_for(app, username: str, today: date):
    with app.app_context(), Session(db.engine()) as session:
        row = session.exec(select(User).where(User.username == username)).one()
        user = SessionUser(row.id, row.username, row.display_name, row.role, row.unit_id, row.email)  # as signed in
        return todo_page(session, user, today)


def set_quarter(app, quarter: int, status: str, reason: str | None = None) -> None:
    with app.app_context(), Session(db.engine()) as session:
        unit = session.exec(select(Unit).where(Unit.name == UNIT)).one()
        year = session.exec(select(FiscalYear).where(FiscalYear.year == 2023)).one()
        session.add(
            QuarterReport(unit_id=unit.id, year_id=year.id, quarter=quarter, status=status, review_reason=reason)
        )
        session.commit()


def titles(items) -> list[str]:
    return [item.title for item in items]


def todo_row(page, table: str, title: str):
    """The row of ``title`` in the todo table labelled ``table`` (todo.html item_rows)."""
    return pages.one(page, f"//main//table[@aria-label='{table}']/tbody/tr[td[1]/a[normalize-space()='{title}']]")


def test_staff_see_each_open_report_with_its_due_date_and_link(app):
    page = page_for(app, "szcc_staff", date(2023, 8, 10))
    assert titles(page.items) == ["2023 年一季度填报", "2023 年二季度填报", "2023 年绩效运行监控报告"]
    q1, q2, monitoring = page.items
    assert (q1.due_on, q2.due_on, monitoring.due_on) == (date(2023, 4, 17), date(2023, 7, 14), date(2023, 8, 31))
    assert q1.overdue and q2.overdue and not monitoring.overdue  # 10 August: the quarters are late
    assert q1.link == "/units/2/2023/quarters/1" and monitoring.link == "/units/2/2023/monitoring"
    assert q1.state == "未填报" and q1.unit == UNIT
    # 三季度 opens on 7 October: the next report, not yet due.
    assert [(item.title, item.due_on) for item in page.upcoming] == [("2023 年三季度填报", date(2023, 10, 18))]
    assert page.past_years == [] and page.overdue_units == [] and page.gaps == []


def test_a_returned_report_carries_its_reason_and_an_approved_one_is_off_the_list(app):
    set_quarter(app, 1, "returned", "投诉调解数据与台账不符，请核对")
    set_quarter(app, 2, "approved")
    page = page_for(app, "szcc_staff", date(2023, 8, 10))
    assert titles(page.items) == ["2023 年一季度填报", "2023 年绩效运行监控报告"]
    assert page.items[0].state == "已退回" and page.items[0].note == "投诉调解数据与台账不符，请核对"


def test_a_submitted_report_waits_for_the_reviewer_and_is_no_longer_overdue(app):
    set_quarter(app, 1, "submitted")
    page = page_for(app, "szcc_reviewer", date(2023, 8, 10))
    q1 = next(item for item in page.items if item.title == "2023 年一季度填报")
    assert (q1.state, q1.action, q1.overdue) == ("待审核", "review", False)


def test_each_unit_role_finds_its_own_actions_first(app):
    """The 审核人 reviews the submitted 一季度 before anything else, though the 二季度 the 填报人 owes is
    overdue; the 填报人's list opens with what is theirs to fill."""
    set_quarter(app, 1, "submitted")
    reviewer = page_for(app, "szcc_reviewer", date(2023, 8, 10))
    assert [(item.title, item.action) for item in reviewer.items] == [
        ("2023 年一季度填报", "review"),
        ("2023 年二季度填报", "fill"),
        ("2023 年绩效运行监控报告", "fill"),
    ]
    staff = page_for(app, "szcc_staff", date(2023, 8, 10))
    assert [item.action for item in staff.items] == ["fill", "fill", "review"]
    assert titles(staff.items)[:2] == ["2023 年二季度填报", "2023 年绩效运行监控报告"]


def test_finance_sees_the_overdue_units_and_the_adjustments_to_approve(app):
    set_quarter(app, 1, "submitted")
    with app.app_context(), Session(db.engine()) as session:
        unit = session.exec(select(Unit).where(Unit.name == UNIT)).one()
        table = session.exec(select(TargetTable).where(TargetTable.unit_id == unit.id)).first()
        staff = session.exec(select(User).where(User.username == "szcc_staff")).one()
        session.add(
            TargetAdjustment(
                unit_id=unit.id, year_id=table.year_id, target_table_id=table.id, status="checked",
                reason="预算调减", basis="深财预〔2023〕1号", created_by_id=staff.id,
            )
        )  # fmt: skip
        session.commit()
    page = page_for(app, "finance", date(2023, 9, 5))
    assert [(item.unit, item.title) for item in page.overdue_units] == [
        (UNIT, "2023 年二季度填报"),
        (UNIT, "2023 年绩效运行监控报告"),
    ]  # 一季度 was submitted: in, though not yet approved
    assert [(item.state, item.action) for item in page.awaiting_finance] == [("待批复", "approve")]
    assert page.awaiting_finance[0].title.startswith("2023 年目标调整")
    assert page.items == []  # finance owes no report of its own


def test_admin_sees_the_set_up_gaps(app):
    with app.app_context(), Session(db.engine()) as session:
        session.add(Unit(name="新设单位"))
        session.add(FiscalYear(year=2024))
        session.commit()
    gaps = dict(page_for(app, "admin", date(2024, 3, 1)).gaps)
    assert gaps["新设单位：没有填报人、审核人账号"] == "/admin/users/new"
    assert gaps["2024年：还没有任何单位的绩效目标表"] == "/admin/years/roll"
    assert not any(gap.startswith(UNIT) for gap in gaps)  # the seed unit has both accounts


@pytest.mark.parametrize("username", ["szcc_staff", "szcc_reviewer", "finance", "admin"])
def test_the_page_is_home_for_every_role_and_says_when_the_demo_year_is_past(client, auth, username):
    auth.login(username)
    page = pages.parse(client.get("/"))
    assert pages.heading(page) == "待办"
    notice = pages.text(pages.one(page, "//main//p[@class='todo-notice']"))
    assert notice.startswith("示例数据为 2023 年度")  # today is years after the seed's 2023
    headings = pages.texts(page, "//main//section/h2")
    if username in ("szcc_staff", "szcc_reviewer"):
        q1 = todo_row(page, "待办事项", "2023 年一季度填报")
        assert q1.get("class") == "overdue"
        assert pages.text(pages.one(q1, "./td[@class='due']")).startswith("2023-04-17 已逾期 ")
    if username in ("finance", "admin"):
        assert any(heading.startswith("逾期未报的单位") for heading in headings)
        assert UNIT in pages.texts(page, "//main//table[@aria-label='逾期未报']/tbody/tr/td[2][@class='text']")
    if username == "admin":
        assert "尚待设置" in headings


def test_the_gaps_link_to_pages_that_answer(client, auth, app):
    with app.app_context(), Session(db.engine()) as session:
        session.add(Unit(name="新设单位"))
        session.add(FiscalYear(year=2024))
        session.commit()
    auth.login("admin")
    gaps = pages.texts(client.get("/"), "//main//ul[@class='todo-gaps']/li/a/@href")
    for link in ("/admin/users/new", "/admin/years/roll"):
        assert link in gaps and client.get(link).status_code == 200


def test_the_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
