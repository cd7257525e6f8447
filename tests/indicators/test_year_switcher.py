"""Does the year switcher list the unit's years and lead to the same page for the chosen year?"""

from __future__ import annotations

import lxml.html
import pytest
from flask import render_template
from lxml.html import HtmlElement

from kpi.budget import service as budget
from kpi.db import get_session
from tests import pages

UNIT_ID = 2  # 深圳市消费者委员会秘书处
SWITCHER = f"//nav[{pages.has_class('year-switcher')}]"


def rolled(runner) -> None:
    result = runner.invoke(args=["kpi", "roll-year", "--from", "2023", "--to", "2024"])
    assert result.exit_code == 0, result.output


def switcher(app, path: str, year: int = 2023, method: str = "GET") -> str:
    """The partial rendered as a unit page at `path` would render it (_unit_nav.html sets _unit, _year)."""
    with app.test_request_context(path, method=method):
        unit = budget.find_unit(get_session(), "深圳市消费者委员会秘书处")
        return render_template("_year_switcher.html", _unit=unit, _year=year)


def fragment(html: str) -> HtmlElement:
    """The rendered partial, parsed inside a <div> of its own (it is a fragment, maybe an empty one)."""
    return lxml.html.fragment_fromstring(html, create_parent="div")


def links(html: str) -> dict[str, str]:
    """The links of the one year switcher in ``html``: their text ("2024 年") → href."""
    return pages.links(pages.one(fragment(html), SWITCHER), ".")


def shows_nothing(html: str) -> None:
    """The partial rendered no switcher: no element, no text, and no 年度 in any attribute."""
    root = fragment(html)
    assert "年度" not in pages.text(root) and root.xpath("//@*[contains(., '年度')]") == []
    assert root.xpath(SWITCHER) == [] and len(root) == 0 and pages.text(root) == ""


def test_the_switcher_lists_the_units_years_and_goes_to_the_same_page(app, runner):
    rolled(runner)
    html = switcher(app, f"/units/{UNIT_ID}/2023/progress")
    assert links(html) == {"2023 年": f"/units/{UNIT_ID}/2023/progress", "2024 年": f"/units/{UNIT_ID}/2024/progress"}
    assert pages.texts(pages.one(fragment(html), SWITCHER), ".//a[@aria-current='page']") == ["2023 年"]


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
    shows_nothing(switcher(app, "/units"))
    shows_nothing(switcher(app, "/admin/years/roll"))
    shows_nothing(switcher(app, f"/units/{UNIT_ID}/adjustments/1"))  # an adjustment's own page


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
    page = pages.parse(client.get(f"/units/{UNIT_ID}/2023/quarters"))
    in_the_bar = f"//main//div[@class='unit-bar']/nav[{pages.has_class('year-switcher')}]"
    assert pages.links(page, in_the_bar) == {
        "2023 年": f"/units/{UNIT_ID}/2023/quarters",
        "2024 年": f"/units/{UNIT_ID}/2024/quarters",
    }
