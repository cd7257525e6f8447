"""Do the report pages fit an office screen (1366 × 768) without scrolling sideways, with the header
across the whole page, and do they print on A4 landscape with the report alone (issue 16)?

A whole year of results is imported first (tests.evaluation.gen, the figures varied), so every
column holds real figures, long names, workings and projections, as the pages look at year end.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login
from tests.evaluation.gen import attach_evaluation, import_a_year
from tests.monitoring.conftest import attach_monitoring

pytestmark = pytest.mark.e2e

SCREEN = {"width": 1366, "height": 768}
# A4 landscape is 297 mm wide; less the print stylesheet's 10 mm side margins, 277 mm at 96 px per inch.
PAPER = {"width": round(277 / 25.4 * 96), "height": round(186 / 25.4 * 96)}
PAGES = {
    "szcc_staff": {
        "季度填报": "/units/2/2023/quarters/4",
        "运行监控": "/units/2/2023/monitoring",
        "进度跟踪": "/units/2/2023/progress?quarter=4",
        "进度看板": "/units/2/2023/dashboard?quarter=4",
        "绩效自评": "/units/2/2023/self-evaluation",
        "预算数": "/units/2/2023/budget",
    },
    "finance": {
        "财政局工作台": "/finance?year=2023",
        "待批复的绩效目标调整": "/adjustments/pending",
        "自评表复核": "/finance/recheck",
    },
}
MEASURE = """() => ({
    page: document.documentElement.scrollWidth,
    header: Math.round(document.querySelector("header.topbar").getBoundingClientRect().width),
})"""
# What must not print: the navigation, the buttons, the messages and the sticky action bar.
SHOWN_CONTROLS = """() => [...document.querySelectorAll(
        "header.topbar, nav, button, .flash, .actions, .toolbar, footer")]
    .filter(e => e.getClientRects().length > 0)
    .map(e => e.outerHTML.slice(0, 60))"""


@pytest.fixture
def app(make_app, sqlite_url, tmp_path):
    built = attach_evaluation(attach_monitoring(make_app(sqlite_url)))
    built.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    import_a_year(built, tmp_path, varied=True)
    return built


def open_as(browser, viewport, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    login(page, live_server, username)
    return page


@pytest.mark.parametrize("username", PAGES)
def test_each_page_fits_1366_pixels_and_its_header_spans_it(browser, live_server, username):
    page = open_as(browser, SCREEN, live_server, username)
    widths = {}
    for title, url in PAGES[username].items():
        assert page.goto(live_server + url).ok, title
        widths[title] = page.evaluate(MEASURE)
    page.context.close()
    assert {title: w["page"] for title, w in widths.items() if w["page"] > SCREEN["width"]} == {}
    assert {title: w for title, w in widths.items() if w["header"] != w["page"]} == {}


@pytest.mark.parametrize("username", PAGES)
def test_each_page_prints_on_a4_landscape_without_navigation_buttons_or_messages(browser, live_server, username):
    page = open_as(browser, PAPER, live_server, username)
    page.emulate_media(media="print")
    for title, url in PAGES[username].items():
        page.goto(live_server + url)
        assert page.locator("header.topbar").is_hidden(), title
        assert page.evaluate(SHOWN_CONTROLS) == [], title
        # Nothing is cut at the right: the page is no wider than the paper between its margins.
        assert page.evaluate("document.documentElement.scrollWidth") <= PAPER["width"], title
    page.context.close()


def test_the_printed_report_is_an_a4_landscape_sheet(browser, live_server):
    page = open_as(browser, SCREEN, live_server, "szcc_staff")
    page.goto(live_server + PAGES["szcc_staff"]["运行监控"])
    pdf = page.pdf(prefer_css_page_size=True)
    page.context.close()
    width, height = (float(n) for n in re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points, whatever the default paper
