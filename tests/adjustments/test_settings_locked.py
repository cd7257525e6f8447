"""Once a table is approved, can anyone still change its targets or points on the settings page?"""

from __future__ import annotations

import re
from decimal import Decimal

from tests.adjustments.conftest import COMPLAINTS, indicator
from tests.conftest import csrf_from


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
    page = client.get(url).get_data(as_text=True)
    assert "本表绩效目标已批复" in page and "申请绩效目标调整" in page and "readonly" in page
    before = indicator(db, ids[COMPLAINTS])
    version = before.version
    for overrides in ({"target_text": "≥1万宗"}, {"points": "9"}):
        response = client.post(url, data=settings_form(client, url, plan_q1="5000", **overrides))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "年度指标值和分值不能直接修改" in html and "已批复，不能直接修改" in html
        assert 'value="5000"' in html and f'value="{next(iter(overrides.values()))}"' in html
        after = indicator(db, ids[COMPLAINTS])
        assert (after.target_text, after.points, after.plan_q1, after.version) == ("≥19000宗", None, None, version)


def test_other_settings_of_an_approved_table_stay_editable(desks, ids, db):
    client = desks["staff"].client
    url = f"/units/2/indicators/{ids[COMPLAINTS]}/edit"
    response = client.post(url, data=settings_form(client, url, plan_q1="5000", aggregation="level"))
    assert response.status_code == 302
    after = indicator(db, ids[COMPLAINTS])
    assert (after.plan_q1, after.aggregation, after.target_text) == (Decimal("5000.0000"), "level", "≥19000宗")
