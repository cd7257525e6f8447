"""Can a unit's 填报人 fill a rolled year's 预算数 in the browser, with every fault named, nothing
lost to a second person's save, an approved year left alone, and every change audited?"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import html as lxml_html
from lxml.html import HtmlElement
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.service import create_user
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.budget.carry_over import AMOUNTS_TO_FILL
from kpi.budget.models import BudgetLine
from kpi.db import make_engine
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.indicators.test_roll_year import SEED_UNIT, roll

URL = "/units/2/2024/budget"
TABLE = f"//main//table[{pages.has_class('budget')}]"
FORM = "//main//form[contains(@action, '/budget')]"  # the 预算数 form, not the top bar's 退出


def line_rows(page) -> dict[str, HtmlElement]:
    """The rows of the 预算数 table (indicators/budget.html) by budget line name."""
    root = page if isinstance(page, HtmlElement) else pages.parse(page)
    return {row.xpath("./td[1]/text()")[0].strip(): row for row in root.xpath(f"{TABLE}/tbody/tr[@id]")}


def marks(page) -> dict[str, list[str]]:
    """Each budget line's name → the status labels beside it (【预算数待填】 shows as one)."""
    return {name: pages.texts(row, "./td[1]/span[contains(@class, 'status')]") for name, row in line_rows(page).items()}


def error_beside(page, line: str, field: str) -> list[str]:
    """The error text in the cell of ``line``'s amount input ``field`` (initial or adjusted)."""
    row = line_rows(page)[line]
    cell = pages.one(row, f"./td[input[@name='b{row.get('id')[5:]}-{field}']]")
    return pages.texts(cell, "./span[contains(@class, 'error-text')]")


@pytest.fixture
def rolled(runner):
    result = roll(runner)
    assert result.exit_code == 0, result.output


def lines(sqlite_url, year: int = 2024) -> dict[str, BudgetLine]:
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        unit, fiscal_year = budget.get_unit(session, SEED_UNIT), budget.get_year(session, year)
        found = {line.name: line for line in budget.budget_lines(session, unit, fiscal_year)}
    engine.dispose()
    return found


def signed_in(app, username: str = "szcc_staff"):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def form_of(client, url: str = URL, **amounts: str) -> dict[str, str]:
    """What the page posts: its CSRF token, what it showed, and ``amounts`` by line name and field."""
    page = lxml_html.fromstring(client.get(url).get_data(as_text=True))
    data = {"csrf_token": csrf_from(client.get(url).get_data(as_text=True))}
    for field in page.xpath("//form//input[starts-with(@name, 'b')]"):
        data[field.get("name")] = field.get("value") or ""
    ids = {row.xpath("./td[1]/text()")[0].strip(): row.get("id")[5:] for row in page.xpath("//tr[@id]")}
    for key, text in amounts.items():
        name, field = key.rsplit("__", 1)
        data[f"b{ids[name]}-{field}"] = text
    return data


FILLED = {"基本支出__initial": "1300.5", "市场监督管理事务__initial": "1400", "市场监督管理事务__adjusted": "1388.1234"}


def fill_all(client, **extra) -> dict[str, str]:
    names = lxml_html.fromstring(client.get(URL).get_data(as_text=True)).xpath("//tr[@id]/td[1]/text()")
    amounts = {f"{name.strip()}__initial": "10" for name in names}
    return form_of(client, **{**amounts, **FILLED, **extra})


def test_a_rolled_year_shows_its_lines_to_fill_and_the_table_links_there(app, rolled):
    client = signed_in(app)
    page = pages.parse(client.get(URL))
    marked = marks(page)
    assert len(marked) >= 5 and all(labels == ["预算数待填"] for labels in marked.values()), marked
    assert pages.one(page, f"{FORM}//input[@name='csrf_token']").get("value")
    table = pages.parse(client.get("/units/2/2024/indicators"))
    budget_section = "//main//section[normalize-space(h2)='预算安排（万元）']"
    assert pages.links(table, f"{budget_section}/p[@class='meta']") == {"填写预算数": URL}
    assert pages.texts(table, f"{budget_section}/p[@class='meta']/span[contains(@class, 'status')]") == [
        "有项目预算数待填"
    ]


def test_saving_stores_every_amount_exactly_clears_the_mark_and_audits(app, rolled, sqlite_url):
    client = signed_in(app)
    response = client.post(URL, data=fill_all(client))
    assert response.status_code == 302
    saved = lines(sqlite_url)
    assert saved["基本支出"].initial_budget == Decimal("1300.5") and saved["基本支出"].adjusted_budget is None
    assert saved["市场监督管理事务"].adjusted_budget == Decimal("1388.1234")
    assert saved["市场监督管理事务"].full_year_budget == Decimal("1388.1234")
    assert not any(line.description.startswith(AMOUNTS_TO_FILL) for line in saved.values())
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.field == "预算数 · 调整后预算数")).all()
    engine.dispose()
    assert [(e.actor, e.old_value, e.new_value) for e in events] == [("szcc_staff", None, "1388.1234")]
    assert pages.flashes(client.get(response.headers["Location"]), "success") == [
        "已保存预算数：基本支出、市场监督管理事务、信息化类、综合管理类、修缮维护类。"
    ]


def test_every_fault_is_named_by_line_and_field_typed_values_kept_and_nothing_written(app, rolled, sqlite_url):
    before = {name: (line.initial_budget, line.description) for name, line in lines(sqlite_url).items()}
    client = signed_in(app)
    bad = {"基本支出__initial": "-1", "市场监督管理事务__initial": "一千", "市场监督管理事务__adjusted": "1.23456"}
    response = client.post(URL, data=fill_all(client, **bad, 信息化类__initial=""))
    assert response.status_code == 400
    page = lxml_html.fromstring(response.get_data(as_text=True))
    summary = [text.split("：")[0] for text in page.xpath("//*[@id='error-summary']//a/text()")]
    assert summary == [
        "基本支出 · 年初预算数",
        "市场监督管理事务 · 年初预算数",
        "市场监督管理事务 · 调整后预算数",
        "信息化类 · 年初预算数",
    ]
    assert pages.error_summary(page) == [
        "基本支出 · 年初预算数：不能为负数",
        "市场监督管理事务 · 年初预算数：请输入数字",
        "市场监督管理事务 · 调整后预算数：最多 4 位小数",
        "信息化类 · 年初预算数：请填写年初预算数",
    ]
    assert error_beside(page, "基本支出", "initial") == ["不能为负数"]
    assert error_beside(page, "市场监督管理事务", "initial") == ["请输入数字"]
    assert error_beside(page, "信息化类", "initial") == ["请填写年初预算数"]
    assert [field.get("value") for field in page.xpath("//input[@aria-label='市场监督管理事务 年初预算数']")] == [
        "一千"
    ]
    assert {name: (line.initial_budget, line.description) for name, line in lines(sqlite_url).items()} == before


def test_a_save_in_between_is_never_overwritten_silently(app, rolled, sqlite_url):
    first, second = signed_in(app), signed_in(app)
    theirs = fill_all(second, 基本支出__initial="999")  # drawn before the first save
    assert first.post(URL, data=fill_all(first)).status_code == 302
    response = second.post(URL, data=theirs)
    assert response.status_code == 409
    assert pages.flashes(response, "error") == [
        "其他人已在您打开页面后修改了下列预算数，您的修改尚未保存：基本支出、市场监督管理事务、信息化类、综合管理类、"
        "修缮维护类。请核对最新数值后重新填写。"
    ]
    assert lines(sqlite_url)["基本支出"].initial_budget == Decimal("1300.5")


def test_an_approved_year_is_shown_but_never_changed(app, sqlite_url):
    client = signed_in(app)
    page = pages.parse(client.get("/units/2/2023/budget"))
    assert pages.texts(page, "//main/h1/following-sibling::p[@class='meta'][1]") == [
        "本年度指标表已提交或已批复，预算数不能在此修改；如需调整请联系财政局。"
    ]
    assert "保存预算数" not in pages.text(page)
    assert page.xpath("//@*[contains(., '保存预算数')] | //comment()[contains(., '保存预算数')]") == []
    assert pages.one(page, FORM).xpath(".//button") == []
    before = {name: line.initial_budget for name, line in lines(sqlite_url, 2023).items()}
    data = form_of(client, "/units/2/2023/budget", 基本支出__initial="1")
    assert client.post("/units/2/2023/budget", data=data).status_code == 409
    assert {name: line.initial_budget for name, line in lines(sqlite_url, 2023).items()} == before


@pytest.mark.parametrize(
    ("user", "get", "post"), [("finance", 200, 403), ("szcc_reviewer", 200, 403), ("admin", 200, 302)]
)
def test_who_may_read_and_who_may_fill(app, rolled, user, get, post):
    client = signed_in(app, user)
    assert client.get(URL).status_code == get
    assert client.post(URL, data=fill_all(client)).status_code == post


def test_another_units_staff_sees_nothing_and_a_post_without_its_token_writes_nothing(app, rolled, sqlite_url):
    with app.app_context(), db.transaction() as session:
        budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
    other = app.test_client()
    AuthActions(other).login("other_staff", "Other#Pass1")
    token = csrf_from(other.get("/account/password").get_data(as_text=True))
    assert other.get(URL).status_code == 404 and other.post(URL, data={"csrf_token": token}).status_code == 404
    before = {name: line.initial_budget for name, line in lines(sqlite_url).items()}
    client = signed_in(app)
    data = fill_all(client)
    del data["csrf_token"]
    assert client.post(URL, data=data).status_code == 400
    assert {name: line.initial_budget for name, line in lines(sqlite_url).items()} == before
    assert app.test_client().get(URL).status_code == 302  # to the login page
