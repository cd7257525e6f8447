"""What openpyxl's ``merge_cells`` leaves in the cells of a range, worked out once per shape.

``Worksheet.merge_cells`` replaces every cell of the range but the first with a MergedCell and
re-derives each edge cell's borders, adding and hashing a new Border cell by cell: most of the
time of the 绩效自评 workbook went there (`make bench`, section d). What it leaves depends only
on the StyleArrays of the range's first and last cells, on the shape (one, two or more rows high
and columns wide; the edges a cell is on) and on the borders the workbook has registered so far.

So openpyxl's own merge runs on the smallest range of each shape, on a sheet outside the
workbook (it shares the workbook's style lists and is never saved), and every merge of that
shape copies the StyleArrays it left. The result is also kept process-wide, keyed by what the
workbook's list of borders holds, with the borders that merge added: the next workbook adds
those same borders in the same order, and merges without hashing a Border at all.
"""
from __future__ import annotations

from itertools import product
from typing import NamedTuple

from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

Bounds = tuple[int, int, int, int]  # first row, first column, last row, last column
Position = tuple[bool, bool, bool, bool]  # on the first row, the last row, the first column, the last column


class MergeShapes:
    """The merge shapes of one workbook (style ids are the workbook's)."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self._borders = _origin(wb._borders)

    def arrays(self, first: tuple | None, last: tuple | None, rows: int, columns: int) -> dict[Position, StyleArray]:
        """What openpyxl's merge leaves in each position of a range ``rows`` × ``columns`` (each
        at most 3) whose first and last cells have the StyleArrays ``first`` and ``last`` (None:
        no cell there). The caller keeps it for the workbook: asking again merges again."""
        key = (first, last, rows, columns)
        borders, state = self.wb._borders, self._borders
        if state is not None and len(borders) != state.length:
            state = None  # a border was added some other way: the state no longer says what the list holds
        shape = _SHAPES.get((state, key)) if state is not None else None
        if shape is None:
            length = len(borders)
            arrays = _merge(self.wb, *key)
            added = tuple(borders[length:])
            shape = _Shape(arrays, added, _BorderState(len(borders)) if added else state)
            if state is not None:
                _remember(_SHAPES, (state, key), shape)
        else:
            for border in shape.added:
                borders.append(border)  # in the order openpyxl's merge added them
        self._borders = shape.after
        return shape.arrays


def position(bounds: Bounds, row: int, column: int) -> Position:
    """Which edges of the range the cell is on: what its borders depend on."""
    first_row, first_column, last_row, last_column = bounds
    return row == first_row, row == last_row, column == first_column, column == last_column


def cells_of(bounds: Bounds):
    """The (row, column) of every cell of the range, row by row."""
    first_row, first_column, last_row, last_column = bounds
    return product(range(first_row, last_row + 1), range(first_column, last_column + 1))


def _merge(wb: Workbook, first: tuple | None, last: tuple | None, rows: int, columns: int) -> dict[Position, StyleArray]:
    ws = Worksheet(wb)  # not in wb.worksheets: see the module's docstring
    for (row, column), array in (((1, 1), first), ((rows, columns), last)):
        if array is not None:
            ws.cell(row=row, column=column)._style = StyleArray(array)
    Worksheet.merge_cells(ws, start_row=1, start_column=1, end_row=rows, end_column=columns)
    bounds = (1, 1, rows, columns)
    return {position(bounds, r, c): ws._cells[r, c]._style for r, c in cells_of(bounds)}


class _BorderState:
    """What a workbook's list of borders holds. The list only grows, so a state and the list's
    length say it exactly. Compared by identity."""

    def __init__(self, length: int):
        self.length = length


class _Shape(NamedTuple):
    arrays: dict[Position, StyleArray]
    added: tuple  # the borders openpyxl's merge added to the workbook's list, in order
    after: _BorderState | None  # what the list holds then


# Process-wide, as style.text_width's cache is: every workbook starts from the same borders
# (style.add_styles) and meets the same ten or so shapes. Bounded all the same.
_ORIGINS: dict[tuple, _BorderState] = {}
_SHAPES: dict[tuple, _Shape] = {}
_MAX_ENTRIES = 4096


def _origin(borders) -> _BorderState:
    """The state of a new workbook's list of borders: the same object for the same borders."""
    key = tuple(borders)
    state = _ORIGINS.get(key)
    if state is None:
        state = _remember(_ORIGINS, key, _BorderState(len(borders)))
    return state


def _remember(cache: dict, key, value):
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    return cache.setdefault(key, value)
