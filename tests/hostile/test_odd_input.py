"""Does odd input get a clear 4xx, never a 500, and does pasted control text break nothing?

Each case repeats an attack that used to give 500 (issue: hardening, round two):
ids past the INTEGER range in URLs and query strings, huge versions, NUL and other
control characters in any field (the login included), a field name with a superscript,
a vertical tab pasted from Word into a note, then every workbook that contains it.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests import pages
from tests.conftest import AuthActions, build_database, csrf_from
from tests.results.conftest import QuarterPoster, quarter_url

HUGE_IDS = (2**31, 2**63, 10**30)
NOTE = "第一行\x0b第二行\x1b\x01完"  # Word's manual line break, ESC, SOH


def error_page(page) -> tuple[str, str]:
    """The heading and the message of the error page (error.html)."""
    notice = pages.one(page, "//main/section[" + pages.has_class("notice") + "]")
    return pages.heading(page), pages.text(notice.xpath("./p")[0])


def field_errors(page, name: str) -> list[str]:
    """The errors shown beside the form field called ``name`` (_field.html)."""
    field = "//main//div[" + pages.has_class("field") + f"][.//*[@name='{name}']]"
    return pages.texts(page, field + "//span[" + pages.has_class("error-text") + "]")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_app(request, make_app, sqlite_url):
    if request.param == "sqlite":
        return make_app(sqlite_url)
    url = request.getfixturevalue("pg_url")
    build_database(url)
    return make_app(url)


@pytest.fixture
def ids(engine_app):
    """Indicator and budget line ids by name, in the app's own database."""
    from sqlmodel import Session, select

    from kpi.budget.models import BudgetLine
    from kpi.indicators.models import Indicator

    with Session(engine_app.extensions["kpi_engine"]) as session:
        indicators = {row.name: row.id for row in session.exec(select(Indicator).where(Indicator.scope == "unit"))}
        lines = {row.name: row.id for row in session.exec(select(BudgetLine))}
    return {"indicator": indicators, "line": lines}


@pytest.fixture
def staff(engine_app):
    client = engine_app.test_client()
    AuthActions(client).login("szcc_staff")
    return client


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_past_the_integer_range_are_not_found(staff, huge):
    for url in (
        f"/units/{huge}/2023/quarters/1",
        f"/units/2/{huge}/quarters/1",
        f"/units/2/indicators/{huge}/history",
        f"/units/2/adjustments/{huge}",
        f"/units/2/2023/indicators?project={huge}",
        f"/units/2/2023/adjustments/new?project={huge}",
    ):
        response = staff.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code == 404:
            assert error_page(pages.parse(response)) == ("出错了（404）", "页面不存在，或您无权查看。"), url


def test_a_huge_version_or_a_superscript_field_name_is_refused_not_a_500(staff):
    html = staff.get(quarter_url()).get_data(as_text=True)
    for extra in (
        {"version": str(2**63)},
        {"version": "9" * 40},
        {"s-i²": "0123456789abcdef"},
        {"s-i" + "9" * 30: "x" * 16},
    ):
        data = {"csrf_token": csrf_from(html), "action": "save", "version": "0", **extra}
        response = staff.post(quarter_url(), data=data)
        assert response.status_code in (302, 400, 409), (extra, response.status_code)


def test_a_nul_in_the_login_name_is_a_wrong_login_not_a_500(engine_app):
    client = engine_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "szcc\x00staff", "password": "x", "csrf_token": token})
    assert response.status_code in (200, 400)
    page = pages.parse(response)
    assert pages.heading(page) == "登录"
    assert field_errors(page, "password") == ["用户名或密码错误。"]


def test_finance_asking_for_a_year_past_the_range_gets_a_page(engine_app):
    client = engine_app.test_client()
    AuthActions(client).login("finance")
    assert client.get(f"/finance?year={2**40}").status_code in (200, 404)


def test_a_pasted_vertical_tab_becomes_a_line_break_and_every_workbook_still_downloads(engine_app, ids):
    client = engine_app.test_client()
    AuthActions(client).login("szcc_staff")
    entry = QuarterPoster(client, ids)
    assert (
        entry.post({("投诉工单审核辅助服务", "value"): "5200", ("投诉工单审核辅助服务", "note"): NOTE}).status_code
        == 302
    )
    html = entry.page().get_data(as_text=True)
    assert "\x0b" not in html and "\x1b" not in html and "\x01" not in html  # the bytes sent, not a parse of them
    note = f"i{ids['indicator']['投诉工单审核辅助服务']}-note"
    form = "//main//form[" + pages.has_class("quarter-form") + "]"
    assert pages.one(html, f"{form}//input[@name='{note}']").get("value") == "第一行\n第二行完"
    for url in (
        quarter_url() + "/workbook",
        "/units/2/2023/progress.xlsx",
        "/units/2/2023/monitoring/workbook",
        "/units/2/2023/self-evaluation/workbook",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        load_workbook(io.BytesIO(response.data))  # a real workbook, every cell accepted


def test_https_in_production_sends_hsts_and_plain_http_does_not(monkeypatch, make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    build_database(url, seed=False)  # no demo accounts: production starts
    monkeypatch.setenv("KPI_ENV", "production")
    monkeypatch.setenv("KPI_PASSWORD_PROFILE", "default")  # the cheap test hashing is refused there
    monkeypatch.setenv("KPI_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    client = make_app(url).test_client()
    secure = client.get("/login", base_url="https://kpi.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_head_is_answered_wherever_get_is(staff):
    for url in (
        "/login",
        quarter_url(),
        "/units/2/2023/indicators",
        "/units/2/2023/monitoring",
        "/units/2/2023/self-evaluation",
        "/units/2/2023/adjustments",
    ):
        assert staff.head(url).status_code == 200, url


def test_control_characters_in_imported_results_are_cleaned_not_a_database_error(engine_app, tmp_path):
    """`kpi import-results` with NUL, ESC and a vertical tab in a 说明 (another system's export)."""
    path = tmp_path / "results.csv"
    path.write_text(
        "单位,年度,期间,三级指标,完成值,说明\n"
        "深圳市消费者委员会秘书处,2023,Q1,投诉工单审核辅助服务,5200,平台\x00导出\x1b数\x0b已核对\n",
        encoding="utf-8",
    )
    outcome = engine_app.test_cli_runner().invoke(args=["kpi", "import-results", str(path)])
    assert outcome.exit_code == 0, outcome.output
    from sqlmodel import Session, select

    from kpi.results.models import IndicatorResult

    with Session(engine_app.extensions["kpi_engine"]) as session:
        notes = session.exec(select(IndicatorResult.note).where(IndicatorResult.note.is_not(None))).all()
    assert notes == ["平台导出数\n已核对"]
