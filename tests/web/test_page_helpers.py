"""The parsed-page helpers (tests/pages.py) find what a reader sees, where it is shown."""

from __future__ import annotations

from tests import pages
from tests.conftest import AuthActions

PAGE = """<html><body><header class="topbar"><nav><a href="/">待办</a> 已送审</nav></header>
<main><h1>  季度填报
 · 2023 </h1><div class="flash flash-success" role="status">已保存</div>
<div class="flash flash-error">第 3 行有误</div>
<section id="error-summary"><ol><li><a href="#f1">数量：请填写数字</a></li><li>备注过长</li></ol></section>
<table><thead><tr><th>指标</th></tr></thead><tbody><tr><th>数量</th><td> 19,000 宗</td></tr></tbody></table>
</main></body></html>"""


def test_texts_are_read_where_they_are_shown_with_white_space_collapsed():
    page = pages.parse(PAGE)
    assert pages.heading(page) == "季度填报 · 2023"
    assert "已送审" not in pages.main_text(page)  # only in the navigation
    assert pages.flashes(page) == ["已保存", "第 3 行有误"]
    assert pages.flashes(page, "error") == ["第 3 行有误"]
    assert pages.error_summary(page) == ["数量：请填写数字", "备注过长"]
    assert pages.links(page, "//*[@id='error-summary']") == {"数量：请填写数字": "#f1"}
    assert pages.rows(page) == [["数量", "19,000 宗"]]


def test_one_fails_unless_exactly_one_element_is_found():
    page = pages.parse(PAGE)
    for xpath in ("//main//p", "//main//div"):
        try:
            pages.one(page, xpath)
        except AssertionError as error:
            assert xpath in str(error)
        else:
            raise AssertionError(f"{xpath} should not be one element")


def test_a_real_page_parses_from_the_response(client):
    response = AuthActions(client).login("szcc_staff", follow=True)
    assert response.status_code == 200
    assert pages.heading(response)
    assert pages.flashes(response, "error") == []
