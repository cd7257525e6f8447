"""Does a stray click lose what was typed into a long form? Leaving the entry form with figures not
yet saved asks first (the browser's own prompt), and staying keeps them; an untouched form, a
saved one and the row filter let the page go without asking; a form shown again with its errors
holds unsaved figures, so it asks too. The adjustment form, whose row filter sits inside it,
asks the same way."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

QUARTER = "/units/2/2023/quarters/1"
FIELD = "志愿者培训数量 本季度完成值"


PROGRESS = "/units/2/2023/progress"


def _record_dialogs(page, accept: bool = False) -> list[str]:
    """Each dialog's type, as it opens; it is dismissed (the person stays) unless ``accept``."""
    seen: list[str] = []

    def handle(dialog) -> None:
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", handle)
    return seen


def _open_quarter(page, base: str, accept: bool = False) -> list[str]:
    login(page, base, "szcc_staff")
    page.goto(base + QUARTER)
    return _record_dialogs(page, accept)


def _type(page, label: str, text: str) -> None:
    # Real key presses: Chromium shows the leave prompt only to a page the person has used.
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press("Control+A")
    page.keyboard.type(text)


def _leave_and_get_asked(page, seen: list[str]) -> None:
    """Click 进度跟踪 in the unit's navigation; the leave prompt must open (once)."""
    page.get_by_role("link", name="进度跟踪").click(no_wait_after=True)  # the prompt holds it
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == ["beforeunload"]


def _leave_unasked(page, base: str, seen: list[str]) -> None:
    page.get_by_role("link", name="进度跟踪").click()
    expect(page).to_have_url(base + PROGRESS)
    assert seen == []


def test_leaving_with_typed_figures_asks_first_and_staying_keeps_them(live_server, page):
    seen = _open_quarter(page, live_server)
    _type(page, FIELD, "12")
    _leave_and_get_asked(page, seen)
    expect(page).to_have_url(live_server + QUARTER)
    expect(page.get_by_label(FIELD, exact=True)).to_have_value("12")


def test_leaving_anyway_goes_and_an_untouched_form_goes_without_asking(live_server, page):
    seen = _open_quarter(page, live_server, accept=True)
    page.get_by_label(FIELD, exact=True).click()  # used, but nothing typed
    _leave_unasked(page, live_server, seen)

    page.goto(live_server + QUARTER)
    _type(page, FIELD, "12")
    _leave_and_get_asked(page, seen)
    expect(page).to_have_url(live_server + PROGRESS)


def test_a_saved_form_lets_the_page_go(live_server, page):
    seen = _open_quarter(page, live_server)
    _type(page, FIELD, "12")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_label(FIELD, exact=True)).to_have_value("12")
    _leave_unasked(page, live_server, seen)


def test_cancelling_the_submission_keeps_the_figures_unsaved(live_server, page):
    seen = _open_quarter(page, live_server)
    _type(page, FIELD, "12")
    page.get_by_role("button", name="送审").click()
    page.locator("dialog.confirm-submit").get_by_role("button", name="取消").click()
    _leave_and_get_asked(page, seen)
    expect(page.get_by_label(FIELD, exact=True)).to_have_value("12")


def test_the_row_filter_inside_a_form_is_not_its_data(live_server, page):
    # The adjustment form holds its row filter; typing there saves nothing and loses nothing.
    login(page, live_server, "szcc_staff")
    page.goto(live_server + "/units/2/2023/adjustments")
    page.get_by_role("link", name="申请调整").first.click()
    form = page.url
    seen = _record_dialogs(page)
    page.locator(".row-filter .filter-name").click()
    page.keyboard.type("投诉")
    _leave_unasked(page, live_server, seen)

    page.goto(form)
    _type(page, "调整原因", "受理渠道调整")
    _leave_and_get_asked(page, seen)


def test_a_form_shown_again_with_its_errors_holds_unsaved_figures_and_asks(live_server, page):
    seen = _open_quarter(page, live_server)
    _type(page, FIELD, "-3")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#error-summary")).to_be_visible()
    page.locator("#error-summary h2").click()  # the person is back at the page: nothing typed yet
    _leave_and_get_asked(page, seen)
    expect(page.get_by_label(FIELD, exact=True)).to_have_value("-3")
