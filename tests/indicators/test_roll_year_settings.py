"""A rolled year takes the source year's reminder rules and scoring scheme, unless it has its own."""

from __future__ import annotations

from sqlmodel import select

from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.domain.reminder_rules import MonthDay, ReminderRules, WindowRule
from kpi.domain.scoring_presets import preset
from tests.indicators.test_roll_year import URL, db, form_data, roll  # noqa: F401  (db: a fixture)

REMINDERS = ReminderRules(monitoring=WindowRule(True, MonthDay(7, 15), MonthDay(8, 20), (3,))).to_settings()
SCORING = preset("whole-points").to_dict()


def set_settings(session, year: int, settings: dict) -> None:
    fiscal_year = budget.get_or_create_year(session, year)
    fiscal_year.settings = settings
    session.add(fiscal_year)
    session.commit()


def settings_of(session, year: int) -> dict:
    session.expire_all()
    return budget.find_year(session, year).settings


def test_a_new_year_takes_the_source_years_reminders_and_scoring_and_says_so(runner, db):  # noqa: F811
    set_settings(db, 2023, {"reminders": REMINDERS, "scoring": SCORING})
    result = roll(runner)
    assert result.exit_code == 0, result.output
    assert "2024 年沿用 2023 年的提醒规则、计分方案，可在管理页面修改。" in result.output
    assert settings_of(db, 2024) == {"reminders": REMINDERS, "scoring": SCORING}
    assert ReminderRules.from_settings(settings_of(db, 2024)).monitoring.due == MonthDay(8, 20)
    event = db.exec(select(AuditEvent).where(AuditEvent.entity == "fiscal_year", AuditEvent.action == "update")).one()
    assert (event.new_value, event.actor) == ("提醒规则、计分方案：沿用 2023 年", "import")


def test_a_setting_the_new_year_has_is_kept_and_only_the_missing_one_comes_over(runner, db):  # noqa: F811
    own = preset("printed-points").to_dict()
    set_settings(db, 2023, {"reminders": REMINDERS, "scoring": SCORING})
    set_settings(db, 2024, {"scoring": own})
    result = roll(runner)
    assert result.exit_code == 0, result.output
    assert "沿用 2023 年的提醒规则，" in result.output and "计分方案" not in result.output
    assert settings_of(db, 2024) == {"scoring": own, "reminders": REMINDERS}


def test_a_source_year_with_default_settings_carries_nothing_and_prints_no_line(runner, db):  # noqa: F811
    result = roll(runner)
    assert result.exit_code == 0, result.output
    assert "沿用" not in result.output and settings_of(db, 2024) == {}


def test_a_refused_run_carries_no_setting(runner, db):  # noqa: F811
    set_settings(db, 2023, {"reminders": REMINDERS})
    assert roll(runner).exit_code == 0
    set_settings(db, 2024, {})
    result = roll(runner)  # 2024 has tables now: refused without --replace
    assert result.exit_code != 0 and settings_of(db, 2024) == {}


def test_the_admin_page_says_what_the_new_year_took_over(client, auth, db):  # noqa: F811
    set_settings(db, 2023, {"scoring": SCORING})
    auth.login("admin")
    html = client.post(URL, data=form_data(client)).get_data(as_text=True)
    assert "2024 年沿用 2023 年的计分方案，可在管理页面修改。" in html
    assert settings_of(db, 2024) == {"scoring": SCORING}
