"""Once a table is approved, can anyone still change its targets or points on the settings page?"""

from __future__ import annotations

import re
from decimal import Decimal

from tests import pages
from tests.adjustments.conftest import COMPLAINTS, indicator
from tests.conftest import csrf_from

FORM = "//main//form[" + pages.has_class("card") + "]"
LOCKED = "已批复，不能直接修改；请通过绩效目标调整申请"


def approved_notice(page):
    """The warning indicators/edit.html shows above the form of an approved table."""
    return pages.one(page, "//main/p[" + pages.has_class("flash-warning") + "]")


def value_of(page, name: str) -> str | None:
    """The value attribute of the settings form's input called ``name``."""
    return pages.one(page, f"{FORM}//input[@name='{name}']").get("value")


def field_errors(page) -> dict[str, list[str]]:
    """The errors beside the settings form's fields (_field.html and fixed_field), by field name."""
    shown = {}
    for field in page.xpath(FORM + "//div[" + pages.has_class("field") + "]"):
        errors = pages.texts(field, ".//span[" + pages.has_class("error-text") + "]")
        if errors:
            shown[field.xpath(".//*[@name]/@name")[0]] = errors
    return shown


def settings_form(client, url: str, **overrides) -> dict:
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(html),
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
        "target_text": "≥19000宗",
        "aggregation": "cumulative",
        "points": "",
        "reason": "核对",
        "plan_q1": "",
        "plan_q2": "",
        "plan_q3": "",
        "plan_q4": "",
    }
    data.update(overrides)
    return data


def test_a_changed_target_or_points_saves_nothing_and_keeps_what_was_typed(desks, ids, db):
    client = desks["staff"].client
    url = f"/units/2/indicators/{ids[COMPLAINTS]}/edit"
    page = pages.parse(client.get(url))
    notice = approved_notice(page)
    assert pages.text(notice).startswith("本表绩效目标已批复"), pages.text(notice)
    assert pages.links(notice, ".") == {
        "申请绩效目标调整": f"/units/2/2023/adjustments/new?indicator={ids[COMPLAINTS]}"
    }
    assert page.xpath(f"{FORM}//*[@readonly]/@name") == ["target_text", "points"]
    before = indicator(db, ids[COMPLAINTS])
    version = before.version
    for overrides in ({"target_text": "≥1万宗"}, {"points": "9"}):
        response = client.post(url, data=settings_form(client, url, plan_q1="5000", **overrides))
        assert response.status_code == 200
        page = pages.parse(response)
        ((changed, typed),) = overrides.items()
        (flash,) = pages.flashes(page, "error")
        assert "年度指标值和分值不能直接修改" in flash, flash
        assert field_errors(page) == {changed: [LOCKED]}
        assert (value_of(page, "plan_q1"), value_of(page, changed)) == ("5000", typed)
        after = indicator(db, ids[COMPLAINTS])
        assert (after.target_text, after.points, after.plan_q1, after.version) == ("≥19000宗", None, None, version)


def test_other_settings_of_an_approved_table_stay_editable(desks, ids, db):
    client = desks["staff"].client
    url = f"/units/2/indicators/{ids[COMPLAINTS]}/edit"
    response = client.post(url, data=settings_form(client, url, plan_q1="5000", aggregation="level"))
    assert response.status_code == 302
    after = indicator(db, ids[COMPLAINTS])
    assert (after.plan_q1, after.aggregation, after.target_text) == (Decimal("5000.0000"), "level", "≥19000宗")
