"""Can the admin set a year's scoring settings, refused in Chinese when inconsistent, and do the scores follow?"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from kpi.audit.models import AuditEvent
from kpi.budget.models import FiscalYear
from kpi.db import make_engine
from tests import pages
from tests.conftest import AuthActions, csrf_from
from tests.evaluation.gen import import_a_year, scored

URL = "/admin/years/2023/scoring"
DEFAULT_FORM = {
    "budget_points": "10",
    "level-0-name": "产出指标",
    "level-0-points": "50",
    "level-1-name": "效益指标",
    "level-1-points": "30",
    "level-2-name": "满意度指标",
    "level-2-points": "10",
    "grade_preset": "90/80/60",
    "reverse_rule": "linear",
    "over_completion_at": "130",
}


ERROR = "span[" + pages.has_class("error-text") + "]"
# Where settings.html shows the error about a whole group of fields: right after the group.
GROUPS = {
    "levels": "//main//table[.//input[@name='level-0-points']]/following-sibling::" + ERROR,
    "grades": "//main//fieldset[.//input[@name='grade-中']]/following-sibling::*[1][self::" + ERROR + "]",
    "reverse_rule": "//main//fieldset[.//input[@name='reverse_rule']]/following-sibling::*[1][self::" + ERROR + "]",
    "scheme": "//main//fieldset[.//input[@name='scheme']]/following-sibling::*[1][self::" + ERROR + "]",
}


def errors_beside(page, field: str) -> list[str]:
    """The errors shown beside ``field``: in its own box (div.field, or its table cell), or after its group."""
    own = f"//main//*[self::div[{pages.has_class('field')}] or self::td][.//input[@name='{field}']]/{ERROR}"
    return pages.texts(page, GROUPS.get(field, own))


def value_of(page, name: str) -> list[str]:
    """The value attribute of the (text) input called ``name``."""
    return pages.texts(page, f"//main//form//input[@name='{name}']/@value")


def checked(page, name: str) -> list[str]:
    """The values of the radio buttons called ``name`` that are checked."""
    return pages.texts(page, f"//main//form//input[@type='radio'][@name='{name}'][@checked]/@value")


@pytest.fixture
def admin(app, client):
    AuthActions(client).login("admin")
    return client


def post(client, **changes):
    token = csrf_from(client.get(URL).get_data(as_text=True))
    return client.post(URL, data={"csrf_token": token, "action": "save", **DEFAULT_FORM, **changes})


def stored(sqlite_url) -> tuple[dict, list[AuditEvent]]:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        settings = session.exec(select(FiscalYear).where(FiscalYear.year == 2023)).one().settings
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "fiscal_year")).all()
    engine.dispose()
    return settings, events


def test_the_page_shows_the_defaults_of_domain_md(admin):
    page = pages.parse(admin.get(URL))
    assert value_of(page, "budget_points") == ["10"]
    assert value_of(page, "level-0-name") == ["产出指标"] and value_of(page, "level-0-points") == ["50"]
    assert checked(page, "grade_preset") == ["90/80/60"] and checked(page, "reverse_rule") == ["linear"]
    grades = "//main//section[h2='评价等级']/p[starts-with(normalize-space(), '当前：')]"
    assert pages.text(pages.one(page, grades)) == "当前：优 ≥ 90，良 ≥ 80，中 ≥ 60，差 < 60"


def test_settings_are_stored_in_a_new_dict_audited_and_change_the_scores(app, admin, sqlite_url, tmp_path):
    import_a_year(app, tmp_path)
    before = scored(app)
    response = post(
        admin,
        budget_points="20",
        **{"level-0-points": "40"},
        grade_preset="80/70/60",
        reverse_rule="ratio",
        over_completion_at="150",
    )
    assert response.status_code == 302
    assert pages.flashes(admin.get(URL), "success") == ["已保存计分设置，各单位自评得分按新设置重新计算。"]
    settings, events = stored(sqlite_url)
    assert settings["scoring"] == {
        "budget_points": "20",
        "level_points": {"产出指标": "40", "效益指标": "30", "满意度指标": "10"},
        "grade_bands": [["80", "优"], ["70", "良"], ["60", "中"], ["0", "差"]],
        "reverse_rule": "ratio",
        "over_completion_at": "150",
    }
    assert json.loads(events[-1].new_value)["budget_points"] == "20" and events[-1].field == "2023 年计分设置"
    after = scored(app)
    assert after.unit_table.evaluation.budget.points == 20 and after.total != before.total
    assert after.grade == "优"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"budget_points": "abc"}, "budget_points", "预算执行分值应为数字"),
        ({"level-0-points": "60"}, "levels", "预算执行与各一级指标分值合计应为 100，现为 10 + 60 + 30 + 10 = 110"),
        ({"level-3-points": "5"}, "level-3-name", "请填写一级指标名称"),
        (
            {"grade_preset": "custom", "grade-优": "80", "grade-良": "85", "grade-中": "60"},
            "grades",
            "评价等级的分数线应从高到低排列，且不能重复",
        ),
        ({"over_completion_at": "90"}, "over_completion_at", "超额完成阈值应大于 100%"),
        ({"reverse_rule": ""}, "reverse_rule", "请选择反向指标计分规则"),
    ],
)
def test_inconsistent_settings_are_refused_in_chinese_beside_their_field(admin, sqlite_url, changes, field, message):
    response = post(admin, **changes)
    assert response.status_code == 400
    page = pages.parse(response)
    shown = pages.texts(page, "//main//" + ERROR)
    assert pages.flashes(page, "error") == [f"有 {len(shown)} 处填写有误，请按提示修改；计分设置未保存。"]
    assert errors_beside(page, field) == [message], f"{message} is not beside {field}: {shown}"
    assert "scoring" not in stored(sqlite_url)[0]


def test_custom_cut_offs_and_another_first_level_are_accepted(admin, sqlite_url):
    response = post(
        admin,
        **{"level-0-points": "40", "level-3-name": "成本指标", "level-3-points": "10"},
        grade_preset="custom",
        **{"grade-优": "85", "grade-良": "75", "grade-中": "60"},
    )
    assert response.status_code == 302
    scoring = stored(sqlite_url)[0]["scoring"]
    assert scoring["level_points"]["成本指标"] == "10"
    assert scoring["grade_bands"] == [["85", "优"], ["75", "良"], ["60", "中"], ["0", "差"]]


def test_reset_goes_back_to_the_defaults_and_keeps_other_settings(admin, sqlite_url, app):
    post(admin, budget_points="20", **{"level-0-points": "40"})
    token = csrf_from(admin.get(URL).get_data(as_text=True))
    assert admin.post(URL, data={"csrf_token": token, "action": "reset"}).status_code == 302
    settings, _ = stored(sqlite_url)
    assert "scoring" not in settings
    assert value_of(admin.get(URL), "budget_points") == ["10"]


def test_only_the_admin_may_open_the_settings(app):
    for username in ("szcc_staff", "szcc_reviewer", "finance"):
        client = app.test_client()
        AuthActions(client).login(username)
        assert client.get(URL).status_code == 403
    admin = app.test_client()
    AuthActions(admin).login("admin")
    assert admin.get("/admin/years/2031/scoring").status_code == 404


def test_the_admin_picks_a_named_scheme_and_the_year_is_scored_by_it(client, auth, app):
    from kpi.budget import service as budget
    from kpi.db import transaction
    from kpi.domain.scoring_presets import PRESETS
    from kpi.evaluation.sheet import scoring_settings
    from tests.conftest import csrf_from

    auth.login("admin")
    html = client.get("/admin/years/2023/scoring").get_data(as_text=True)
    page = pages.parse(html)
    for name, scheme in PRESETS.items():
        option = f"//main//form[@id='scheme-form']//label[input[@type='radio'][@name='scheme'][@value='{name}']]"
        assert pages.texts(page, option + "/strong") == [scheme.title]
    token = csrf_from(html)
    response = client.post(
        "/admin/years/2023/scoring", data={"csrf_token": token, "action": "scheme", "scheme": "whole-points"}
    )
    assert response.status_code == 302
    with transaction(app.extensions["kpi_engine"]) as session:
        settings, warning = scoring_settings(budget.get_year(session, 2023))
    assert settings == PRESETS["whole-points"].settings and warning is None
    again = pages.parse(client.get("/admin/years/2023/scoring"))
    scheme_note = pages.text(pages.one(again, "//main//form[@id='scheme-form']//section/p"))
    assert scheme_note.endswith("当前设置即“得分取整”方案。") and checked(again, "rounding") == ["0"]
    bad = client.post("/admin/years/2023/scoring", data={"csrf_token": token, "action": "scheme", "scheme": "nope"})
    assert bad.status_code == 400 and errors_beside(bad, "scheme") == ["请选择计分方案"]
