"""One page of a long list (the finance bureau's home lists every unit of a city)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Rows ``first``..``first + len(rows) - 1`` (1-based) of ``total``, as page ``number`` of ``pages``."""

    rows: Sequence
    number: int
    pages: int
    total: int
    first: int

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(rows: Sequence, asked: str | None, size: int) -> Page:
    """Page ``asked`` (the query string's text) of ``rows``; anything but a page that exists
    (missing, not a number, 0, past the end) gives the nearest one that does."""
    pages = max(1, -(-len(rows) // size))
    try:
        number = int(asked or 1)
    except ValueError:
        number = 1
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(rows[start : start + size], number, pages, len(rows), start + 1)
