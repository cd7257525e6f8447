"""Page assertions on parsed HTML rather than substrings of it.

``"已送审" in html`` also passes when the words sit in the navigation, a hidden template or an
attribute; these helpers let a test say where on the page a text must be: in a flash message,
the error summary, a table row, the main content. XPath through lxml (already a runtime
dependency of openpyxl), so no selector library is added for the tests.
"""

from __future__ import annotations

import re

import lxml.html
from lxml.html import HtmlElement

_SPACES = re.compile(r"\s+")


def parse(page) -> HtmlElement:
    """The page as an element tree: a test client response, or its HTML text."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    return lxml.html.fromstring(html)


def text(element: HtmlElement) -> str:
    """An element's text as a reader sees it: every descendant's text, white space collapsed."""
    return _SPACES.sub(" ", element.text_content()).strip()


def texts(page, xpath: str) -> list[str]:
    """The text of every element ``xpath`` finds (attribute and text nodes as they are)."""
    root = page if isinstance(page, HtmlElement) else parse(page)
    return [found if isinstance(found, str) else text(found) for found in root.xpath(xpath)]


def one(page, xpath: str) -> HtmlElement:
    """The single element ``xpath`` finds; fails when there are none or several."""
    root = page if isinstance(page, HtmlElement) else parse(page)
    found = root.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} elements"
    return found[0]


def main_text(page) -> str:
    """The text of <main>: the page's own content, without the top bar and its navigation."""
    return text(one(page, "//main"))


def heading(page) -> str:
    return text(one(page, "//main//h1"))


def flashes(page, category: str | None = None) -> list[str]:
    """The flash messages base.html shows (of one category: success, error, info …)."""
    wanted = "flash" if category is None else f"flash-{category}"
    return texts(page, f"//main//div[contains(concat(' ', normalize-space(@class), ' '), ' {wanted} ')]")


def error_summary(page) -> list[str]:
    """The faults the error summary lists, in order (kpi/templates/_error_summary.html)."""
    return texts(page, "//*[@id='error-summary']//li")


def links(page, xpath: str = "//main") -> dict[str, str]:
    """The links under ``xpath``: their text → href (the last one wins for a repeated text)."""
    root = page if isinstance(page, HtmlElement) else parse(page)
    return {text(a): a.get("href") for scope in root.xpath(xpath) for a in scope.iter("a")}


def rows(page, xpath: str = "//main//table") -> list[list[str]]:
    """Each body row of the first table ``xpath`` finds, as the texts of its cells."""
    table = (page if isinstance(page, HtmlElement) else parse(page)).xpath(xpath)[0]
    body = table.xpath("./tbody/tr") or table.xpath(".//tr[td]")
    return [[text(cell) for cell in row.xpath("./th|./td")] for row in body]


def has_class(name: str) -> str:
    """An XPath predicate: the element's class attribute lists ``name`` (not merely contains it)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def status(page) -> tuple[str, str]:
    """A report's status in its page head: the label, and the span's class (status status-<status>)."""
    span = one(page, "//main//div[@class='page-head']//span[contains(@class, 'status')]")
    return text(span), span.get("class")


def review_note(page) -> tuple[str, str]:
    """The reviewer's word above a report's form (_review.html): its bold label, and the reason."""
    note = one(page, f"//main//div[{has_class('flash-warning')}][strong]")
    label = one(note, "./strong")
    return text(label), (label.tail or "").strip()


def assert_read_only(page, form: str) -> None:
    """Every visible field of the form ``form`` (an XPath) is disabled, and it has no button."""
    found = one(page, form)
    fields = found.xpath(".//input[not(@type='hidden')]|.//select|.//textarea")
    assert fields and all(field.get("disabled") is not None for field in fields)
    assert found.xpath(".//button") == []


def field_errors(page, name: str | None = None, scope: str = "//main") -> list[str]:
    """The errors a _field.html box shows: beside the field called ``name``, or beside every field."""
    field = f"{scope}//div[{has_class('field')}]" + (f"[.//*[@name='{name}']]" if name else "")
    return texts(page, f"{field}//span[{has_class('error-text')}]")
