"""Do the notification centre, the banner and the reminder settings page work, for the right people only?"""

from __future__ import annotations

from datetime import date

from kpi.accounts.models import User
from kpi.budget.models import FiscalYear
from kpi.reminders.models import Notification
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.reminders.gen import all_rows, quarter_action, set_monitoring_status, set_rules, tick

AUG_1 = date(2023, 8, 1)
SETTINGS = "/admin/years/2023/reminders"


def signed_in(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def token(client) -> str:
    return csrf_from(client.get("/account/password").get_data(as_text=True))


def banner(response) -> list[tuple[str, str]]:
    """The banner's lines (reminders/_banner.html), each its text and its link's href; none when it is empty."""
    html = response.get_data(as_text=True)
    if not html.strip():
        return []
    lines = pages.parse(html).xpath(f"//div[{pages.has_class('reminder-banner')}]/div")
    return [(pages.text(line), pages.one(line, "./a").get("href")) for line in lines]


def banner_text(response) -> str:
    """Everything the banner fragment says ("" when it is empty)."""
    html = response.get_data(as_text=True)
    return pages.text(pages.parse(html)) if html.strip() else ""


def field_error(page, name: str) -> str:
    """The error shown beside the settings field called ``name``."""
    return pages.text(pages.one(page, f"//main//form//div[.//input[@name='{name}']]/span[@class='error-text']"))


def value(page, name: str) -> str:
    """The value a settings field shows."""
    return pages.one(page, f"//main//form//input[@name='{name}']").get("value")


# --- the banner ---


def test_the_banner_shows_the_owed_monitoring_report_with_a_link(app):
    tick(app, AUG_1)
    lines = banner(signed_in(app, "szcc_staff").get("/_test/banner"))
    (href,) = [href for text, href in lines if "请于 8月31日 前提交 2023 年绩效运行监控报告" in text]
    assert href == "/units/2/2023/monitoring"


def test_the_banner_shows_one_line_per_report_its_latest_stage(app):
    tick(app, AUG_1)
    tick(app, date(2023, 8, 29))
    response = signed_in(app, "szcc_reviewer").get("/_test/banner")
    assert banner_text(response).count("绩效运行监控报告") == 1
    (line,) = [text for text, _ in banner(response) if "绩效运行监控报告" in text]
    assert "距截止还有 2 个工作日" in line


def test_the_banner_goes_as_soon_as_the_report_is_submitted(app):
    tick(app, AUG_1)
    set_monitoring_status(app, "submitted")  # before any tick has closed the reminder
    assert "运行监控" not in banner_text(signed_in(app, "szcc_staff").get("/_test/banner"))


def test_the_banner_shows_an_overdue_quarter_until_it_is_submitted(app):
    tick(app, date(2023, 10, 19))
    client = signed_in(app, "szcc_staff")
    lines = [text for text, _ in banner(client.get("/_test/banner"))]
    assert any("2023 年三季度填报已逾期（截止 10月18日），请尽快提交" in line for line in lines), lines
    quarter_action(app, 3, "submit", "szcc_staff")
    assert "三季度" not in banner_text(client.get("/_test/banner"))


def test_there_is_no_banner_without_open_reminders_or_for_roles_that_owe_nothing(app):
    assert signed_in(app, "szcc_staff").get("/_test/banner").get_data(as_text=True).strip() == ""
    tick(app, AUG_1)
    for username in ("finance", "admin"):
        assert signed_in(app, username).get("/_test/banner").get_data(as_text=True).strip() == ""


def test_the_banner_and_the_unread_count_cost_one_query_per_page(app):
    from tests.progress.gen import counting

    tick(app, AUG_1)
    client = signed_in(app, "szcc_staff")
    client.get("/_test/both")  # warm up
    with counting(app.extensions["kpi_engine"]) as statements:
        response = client.get("/_test/both")
    html = response.get_data(as_text=True)
    assert html.startswith("1") and any("绩效运行监控报告" in text for text, _ in banner(response))
    assert len([s for s in statements if "notification" in s or "reminder" in s]) == 1


# --- the notification centre ---


def test_the_notification_centre_lists_unread_first(app):
    tick(app, AUG_1)
    quarter_action(app, 1, "submit", "szcc_staff")
    quarter_action(app, 1, "return", "szcc_reviewer", reason="请核对")
    client = signed_in(app, "szcc_staff")
    page = centre(client)
    assert unread_count(page) == "2 条未读"
    assert row_of(page, "已被退回") < row_of(page, "绩效运行监控报告")  # newest first
    returned = all_rows(app, Notification, Notification.kind == "returned")[0]
    client.post(f"/notifications/{returned.id}/read", data={"csrf_token": token(client)})
    page = centre(client)
    assert unread_count(page) == "1 条未读"
    assert row_of(page, "绩效运行监控报告") < row_of(page, "已被退回")  # unread first


def centre(client):
    """The notification centre, parsed (base.html may show a banner above it: the table is what counts)."""
    return pages.parse(client.get("/notifications"))


def unread_count(page) -> str:
    return pages.text(pages.one(page, "//main//h1/span[@class='count']"))


def row_of(page, words: str) -> int:
    """The place in the notification table of the one notification that says ``words``."""
    table = f"//main//table[{pages.has_class('notifications')}]"
    places = [k for k, row in enumerate(pages.rows(page, table)) if words in row[1]]
    assert len(places) == 1, (words, places)
    return places[0]


def own_reminder(app, username: str) -> Notification:
    user = all_rows(app, User, User.username == username)[0]
    return all_rows(app, Notification, Notification.user_id == user.id)[0]


def test_marking_ones_own_notification_read_and_opening_its_link(app):
    tick(app, AUG_1)
    client, note = signed_in(app, "szcc_staff"), own_reminder(app, "szcc_staff")
    response = client.post(f"/notifications/{note.id}/read", data={"csrf_token": token(client), "open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/units/2/2023/monitoring"
    assert all_rows(app, Notification, Notification.id == note.id)[0].read_at is not None


def test_someone_elses_notification_is_not_found(app):
    tick(app, AUG_1)
    client, note = signed_in(app, "szcc_staff"), own_reminder(app, "szcc_reviewer")
    assert client.post(f"/notifications/{note.id}/read", data={"csrf_token": token(client)}).status_code == 404
    assert client.post("/notifications/999999/read", data={"csrf_token": token(client)}).status_code == 404
    assert all_rows(app, Notification, Notification.id == note.id)[0].read_at is None


def test_mark_all_read_needs_the_csrf_token(app):
    tick(app, AUG_1)
    client = signed_in(app, "szcc_staff")
    assert client.post("/notifications/read-all").status_code == 400
    response = client.post("/notifications/read-all", data={"csrf_token": token(client)}, follow_redirects=True)
    assert pages.flashes(response, "success") == ["已将 1 条通知标为已读。"]
    assert unread_count(pages.parse(client.get("/notifications"))) == "0 条未读"


def test_the_notification_centre_needs_a_login(client):
    assert "/login" in client.get("/notifications").headers["Location"]


def test_every_page_can_show_the_unread_count(app):
    tick(app, AUG_1)
    client = signed_in(app, "szcc_staff")
    assert client.get("/_test/unread").get_data(as_text=True) == "1"
    client.post("/notifications/read-all", data={"csrf_token": token(client)})
    assert client.get("/_test/unread").get_data(as_text=True) == "0"


# --- the reminder rules of a year ---


def test_the_settings_page_shows_the_defaults_and_the_years_dates(app):
    page = pages.parse(signed_in(app, "admin").get(SETTINGS))
    assert value(page, "monitoring-due") == "08-31" and value(page, "monitoring-escalations") == "5,2"
    assert value(page, "quarterly-due_working_days") == "10"
    assert ["三季度", "通知", "2023-10-07", "2023-10-18"] in pages.rows(page)


def form_data(client, **changes) -> dict:
    data = {
        "csrf_token": csrf_from(client.get(SETTINGS).get_data(as_text=True)),
        "action": "save",
        "monitoring-enabled": "on",
        "monitoring-opens": "08-01",
        "monitoring-due": "08-31",
        "monitoring-escalations": "5,2",
        "quarterly-enabled": "on",
        "quarterly-due_working_days": "10",
        "quarterly-escalations": "",
        "self_evaluation-enabled": "on",
        "self_evaluation-opens": "01-01",
        "self_evaluation-due": "02-28",
        "self_evaluation-escalations": "",
        "overdue_catch_up_days": "7",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_changes_a_years_deadline(app):
    client = signed_in(app, "admin")
    response = client.post(
        SETTINGS,
        data=form_data(client, **{"monitoring-due": "9月15日", "quarterly-enabled": None}),
        follow_redirects=True,
    )
    assert pages.flashes(response, "success") == ["已保存提醒规则。"]
    settings = all_rows(app, FiscalYear, FiscalYear.year == 2023)[0].settings["reminders"]
    assert settings["monitoring"]["due"] == "09-15" and settings["quarterly"]["enabled"] is False
    assert [(r.kind, r.due_on) for r in tick(app, AUG_1)] == [("monitoring", date(2023, 9, 15))]


def test_invalid_rules_come_back_in_chinese_and_are_not_saved(app):
    client = signed_in(app, "admin")
    response = client.post(
        SETTINGS, data=form_data(client, **{"monitoring-due": "08-32", "quarterly-escalations": "x"})
    )
    page = pages.parse(response)
    assert response.status_code == 400
    assert "8月32日 不是有效的日期" in field_error(page, "monitoring-due")
    assert "1–30 之间的整数" in field_error(page, "quarterly-escalations")
    assert value(page, "monitoring-due") == "08-32"  # what was typed stays
    assert "reminders" not in all_rows(app, FiscalYear, FiscalYear.year == 2023)[0].settings


def test_resetting_goes_back_to_the_defaults(app):
    set_rules(app, {"monitoring": {"due": "09-30"}})
    client = signed_in(app, "admin")
    client.post(
        SETTINGS, data={"csrf_token": csrf_from(client.get(SETTINGS).get_data(as_text=True)), "action": "reset"}
    )
    assert "reminders" not in all_rows(app, FiscalYear, FiscalYear.year == 2023)[0].settings


def test_only_administrators_see_the_settings_and_only_for_existing_years(app):
    assert signed_in(app, "szcc_staff").get(SETTINGS).status_code == 403
    assert signed_in(app, "finance").get(SETTINGS).status_code == 403
    assert signed_in(app, "admin").get("/admin/years/1999/reminders").status_code == 404


def test_stored_rules_that_are_invalid_show_the_defaults_with_a_warning(app):
    set_rules(app, {"monitoring": {"due": "13-01"}})
    page = pages.parse(signed_in(app, "admin").get(SETTINGS))
    assert any("已保存的提醒规则无效" in message for message in pages.flashes(page, "warning")), pages.flashes(page)
    assert value(page, "monitoring-due") == "08-31"


def test_report_links_are_the_paths_of_the_report_pages(app):
    from flask import url_for

    from kpi.reminders.notify import report_link

    with app.test_request_context():
        assert report_link("quarterly", 2, 2023, 3) == url_for("results.quarter", unit_id=2, year=2023, quarter=3)
        if "monitoring.report" in app.view_functions:
            assert report_link("monitoring", 2, 2023) == url_for("monitoring.report", unit_id=2, year=2023)
    assert report_link("monitoring", 2, 2023) == "/units/2/2023/monitoring"


def test_the_banner_joins_every_registered_report_kind_and_names_no_table_itself(app):
    """Reminders learn of report tables through the registry (kpi.workflow.kinds), not by import."""
    import ast
    from pathlib import Path

    from kpi.reminders import service
    from kpi.workflow.kinds import KINDS

    banner = str(service._banner_statements()[1])
    assert KINDS and all(kind.model.__tablename__ in banner for kind in KINDS.values())
    tree = ast.parse(Path(service.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.startswith(("kpi.results", "kpi.monitoring", "kpi.evaluation"))}
