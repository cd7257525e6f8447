"""kpi.paging: which rows a page shows, whatever the query string asks."""

from __future__ import annotations

import pytest

from kpi.paging import page_of

ROWS = list(range(1, 251))  # 250 rows: pages of 100, 100 and 50


@pytest.mark.parametrize(
    "asked, number, first, last",
    [
        (None, 1, 1, 100),
        ("", 1, 1, 100),
        ("1", 1, 1, 100),
        ("2", 2, 101, 200),
        ("3", 3, 201, 250),
        ("4", 3, 201, 250),
        ("999999", 3, 201, 250),
        ("0", 1, 1, 100),
        ("-2", 1, 1, 100),
        ("abc", 1, 1, 100),
        ("2.5", 1, 1, 100),
        (" 2 ", 2, 101, 200),
    ],
)
def test_a_page_that_does_not_exist_gives_the_nearest_one(asked, number, first, last):
    page = page_of(ROWS, asked, 100)
    assert (page.number, page.pages, page.total, page.first, page.last) == (number, 3, 250, first, last)
    assert list(page.rows) == list(range(first, last + 1))


def test_previous_and_next_stop_at_the_ends():
    assert (page_of(ROWS, "1", 100).previous, page_of(ROWS, "1", 100).next) == (None, 2)
    assert (page_of(ROWS, "2", 100).previous, page_of(ROWS, "2", 100).next) == (1, 3)
    assert (page_of(ROWS, "3", 100).previous, page_of(ROWS, "3", 100).next) == (2, None)


@pytest.mark.parametrize("count, pages", [(0, 1), (1, 1), (100, 1), (101, 2), (200, 2), (201, 3)])
def test_the_number_of_pages(count, pages):
    page = page_of(list(range(count)), None, 100)
    assert page.pages == pages and len(page.rows) == min(count, 100)
