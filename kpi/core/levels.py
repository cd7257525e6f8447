"""Merged 一级/二级 cells: the rowspans a published indicator table prints its levels with.

Shared by the pages that render their rows one by one (the entry form, the progress table),
each row a mutable object with ``level1``, ``level2``, ``level1_rows`` and ``level2_rows``;
the pages that group in the template use kpi.indicators.service.group_by_level instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

Row = TypeVar("Row")


def merge_level_cells(rows: Sequence[Row]) -> Sequence[Row]:
    """Set the rowspans of consecutive equal 一级 and 二级 labels: on the first row of each run its
    length, 0 on the others (whose cell the first one spans). Consecutive, never sorted: the
    published order of the table is kept."""
    level1_start = level2_start = None
    for row in rows:
        row.level1_rows = row.level2_rows = 0
        if level1_start is None or row.level1 != level1_start.level1:
            level1_start = level2_start = row
        elif row.level2 != level2_start.level2:
            level2_start = row
        level1_start.level1_rows += 1
        level2_start.level2_rows += 1
    return rows
