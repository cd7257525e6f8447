"""The range an id, a year or a version can take: what an INTEGER column holds on both engines.

A number beyond it in a URL, a query string or a form is not found or refused, never sent
to the database (PostgreSQL's INTEGER ends at 2^31 − 1 and raises past it; SQLite at 2^63 − 1)."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def id_arg(text: str) -> int:
    """A query-string id (``request.args.get(name, type=id_arg)``): ASCII digits within MAX_ID,
    else ValueError, which makes the lookup give None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > MAX_ID:
        raise ValueError(text)
    return int(text)


def is_id(text: str) -> bool:
    """Whether `text` reads as an id (id_arg would accept it)."""
    try:
        id_arg(text)
    except ValueError:
        return False
    return True
