"""Saving a quarter that someone else saved meanwhile: a three-way merge, row by row.

Optimistic locking per quarter alone would refuse any save once the quarter's version moved,
even when two people entered different indicators (the soak test saw most saves refused).
So the form also carries, for each row (an indicator, or a budget line's 执行数), a
fingerprint of the values the user saw (``seen``). When the version has moved, each row of
the save is judged on its own:
- nobody else changed it (what is stored still matches what the user saw): the user's values
  apply, changed or not;
- someone else changed it and this user did not (what they send still matches what they saw):
  the other's values stay;
- both changed it, to the same values: nothing to do;
- both changed it differently: a conflict on that row. Nothing is saved; the page shows those
  rows with the other's values, and the user's typed values are kept.
A save without fingerprints (an Excel upload, a bulk import, an old page) cannot be merged
and conflicts as a whole, as before.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from kpi.domain.entries import Entry
from kpi.domain.numbers import plain_number

Row = tuple[str, int]  # ("indicator", id) or ("line", id), as in InputRejected.errors


def fingerprint(values: Entry | Decimal | None) -> str:
    """A short digest of a row's values: equal numbers give equal digests (5000 and 5000.0000)."""
    items = values if isinstance(values, Entry) else (values,)
    text = "\x1f".join(_canonical(value) for value in items)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))  # a Band: its stored value


def merge(
    stored: dict[Row, Entry | Decimal | None], sent: dict[Row, Entry | Decimal | None], seen: dict[Row, str]
) -> tuple[dict[Row, Entry | Decimal | None], list[Row]]:
    """(what to save, the rows in conflict) for a save based on an older version.

    ``stored`` holds each row's values now, ``sent`` the user's, ``seen`` the fingerprints of
    what the user saw. A row sent without a fingerprint is a conflict unless it changes nothing."""
    to_save, conflicts = {}, []
    for row, values in sent.items():
        now = fingerprint(stored.get(row))
        before, mine = seen.get(row), fingerprint(values)
        if before == now:
            to_save[row] = values  # untouched by others since the user looked
        elif mine == before or mine == now:
            continue  # only the other changed it, or both made the same change
        else:
            conflicts.append(row)
    return to_save, conflicts
