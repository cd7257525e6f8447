"""Normal-mode sheets in the house style at close to raw speed, for the 绩效自评 workbook.

The self-evaluation workbook is a templated form, so it is written in normal mode for its merged
cells (stack.md). Four openpyxl paths there cost far more than the cells themselves (measured by
`make bench`, section d):

- ``cell.style = NAME`` looks the named style up by name and rebuilds its StyleArray, for every
  cell. Here each look (a kpi.reports.style.Styled without its value) is dressed once, on its
  first cell, and the later cells of that look are made with a copy of that cell's StyleArray.
- ``ws.merge_cells`` re-derives the borders of every cell the range covers, hashing a new Border
  for each edge cell. ``FormSheet.merge_cells`` gives the cells what openpyxl's merge of a range
  of that shape left (kpi.evaluation.merges), and puts itself on the sheet, so that
  kpi.reports.style's helpers (the title, the header lines) merge the same way.
- Saving hashes every cell's StyleArray to find its style id. The cells made here share their
  look's id instead (``_LookCell``, as kpi.reports.write_only's ``StreamedCell``): the first
  one saved registers it, when openpyxl would have, so the ids are the same.
- style.fit_columns and style.fit_rows walk every position of the sheet through ``iter_rows``,
  which looks up (and creates) a cell for each. ``fit_columns`` and ``fit_rows`` here compute the
  same widths and heights from the cells the sheet holds.

Every cell ends with exactly the value, type and StyleArray openpyxl's own path gives it, and the
workbook's borders and number formats are registered in the same order, so the saved file is the
same (tests/evaluation/test_cells.py compares the two paths, byte for byte).
"""
from __future__ import annotations

from collections import defaultdict

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from kpi.core.text import clean_text
from kpi.evaluation.merges import MergeShapes, Position, cells_of, position
from kpi.reports import style
from kpi.reports.style import Styled
from kpi.reports.write_only import NUMBER_TYPES

_DEFAULT_WIDTH = 8.43  # as style.fit_rows: a column without a width


class Look:
    """A StyleArray that cells share, and its style id once the first of them is saved."""

    __slots__ = ("array", "style_id")

    def __init__(self, array: StyleArray):
        self.array, self.style_id = array, None


class _LookCell(Cell):
    """A cell made with its look's StyleArray; saving asks it for the look's style id."""

    __slots__ = ("look",)

    @property
    def style_id(self) -> int:
        return _style_id(self, Cell.style_id)


class _LookMergedCell(MergedCell):
    """A merged cell made with its shape's StyleArray (see _LookCell)."""

    __slots__ = ("look",)

    @property
    def style_id(self) -> int:
        return _style_id(self, MergedCell.style_id)


def _style_id(cell, own: property) -> int:
    look = cell.look
    if cell._style != look.array:
        return own.fget(cell)  # restyled since it was made: openpyxl's own way
    if look.style_id is None:
        look.style_id = cell.parent.parent._cell_styles.add(look.array)
    return look.style_id


class Looks:
    """The shared looks of one workbook's cells and merge shapes (style ids are the workbook's)."""

    def __init__(self, wb: Workbook):
        self.cells: dict[tuple, tuple[Look, object, object]] = {}
        self.widths: dict[tuple, int] = {}  # style.text_width by (type, value), for the fits
        self._shapes = MergeShapes(wb)
        self._merged: dict[tuple, dict[Position, Look]] = {}

    def merged(self, first: tuple | None, last: tuple | None, rows: int, columns: int) -> dict[Position, Look]:
        """MergeShapes.arrays, as looks that the merged cells of the workbook share."""
        key = (first, last, rows, columns)
        looks = self._merged.get(key)
        if looks is None:
            arrays = self._shapes.arrays(first, last, rows, columns)
            looks = self._merged[key] = {place: Look(array) for place, array in arrays.items()}
        return looks


class FormSheet:
    """A normal-mode sheet whose cells are written through a workbook's shared ``Looks``."""

    def __init__(self, ws: Worksheet, looks: Looks):
        self.ws, self.looks = ws, looks
        self._merged: set[tuple[int, int]] = set()  # every cell of every merged range
        self._spans: dict[tuple[int, int], tuple[int, int]] = {}  # first cell -> (last row, last column)
        ws.merge_cells = self.merge_cells  # see the module's docstring

    def put(self, row: int, column: int, styled: Styled) -> Cell:
        """style.put, with the look copied from the first cell that had it."""
        # Keyed by identity, as kpi.reports.write_only does: fills and alignments are the
        # builders' constants, kept alive by the entry so that their ids cannot be reused.
        key = (styled.style, styled.number_format, id(styled.fill), id(styled.alignment))
        known = self.looks.cells.get(key)
        cells = self.ws._cells
        if known is None or (row, column) in cells:
            cell = self.ws.cell(row=row, column=column)
            _store(cell, styled.value)
            style.dress(cell, styled)  # the first cell of a look pays for it once
            if known is None:
                self.looks.cells[key] = (Look(StyleArray(cell._style)), styled.fill, styled.alignment)
            return cell
        cell = cells[row, column] = _LookCell(self.ws, row=row, column=column)
        _store(cell, styled.value)  # first, as style.put: a date sets (and registers) a date format
        cell.look = known[0]
        cell._style = StyleArray(cell.look.array)
        return cell

    def put_row(self, row: int, first_column: int, cells: list[Styled]) -> None:
        for column, styled in enumerate(cells, start=first_column):
            self.put(row, column, styled)

    def merge(self, row: int, column: int, last_row: int, last_column: int, styled: Styled) -> None:
        """The value and look of ``styled`` in a range, merged when it is more than one cell."""
        self.put(row, column, styled)
        if (last_row, last_column) != (row, column):
            self.merge_cells(start_row=row, start_column=column, end_row=last_row, end_column=last_column)

    def value(self, row: int, column: int):
        """A cell's value, without creating the cell as ``ws.cell`` would."""
        cell = self.ws._cells.get((row, column))
        return None if cell is None else cell.value

    def merge_cells(self, range_string: str | None = None, start_row: int | None = None,
                    start_column: int | None = None, end_row: int | None = None,
                    end_column: int | None = None) -> None:
        """Worksheet.merge_cells, leaving the same cells with the same StyleArrays."""
        if range_string is not None:
            start_column, start_row, end_column, end_row = range_boundaries(range_string)
        ws, bounds = self.ws, (start_row, start_column, end_row, end_column)
        anchor, end = ws._cells.get((start_row, start_column)), ws._cells.get((end_row, end_column))
        looks = self.looks.merged(_array(anchor), _array(end), min(end_row - start_row, 2) + 1,
                                  min(end_column - start_column, 2) + 1)
        if anchor is None:
            anchor = ws.cell(row=start_row, column=start_column)
        merged = _DressedRange(ws, anchor, bounds)
        if (start_row, start_column) in self._merged:
            ws.merged_cells.add(merged)  # it overlaps a merged range: openpyxl's own check decides
        else:
            ws.merged_cells.ranges.add(merged)  # what add() does when no range holds it
        for r, c in cells_of(bounds):
            look = looks[position(bounds, r, c)]
            if (r, c) == (start_row, start_column):
                anchor._style = StyleArray(look.array)
            else:
                cell = ws._cells[r, c] = _LookMergedCell(ws, row=r, column=c)
                cell._style, cell.look = StyleArray(look.array), look
            self._merged.add((r, c))
        self._spans[start_row, start_column] = (end_row, end_column)

    def fit_columns(self, min_width: int, max_width: int, *, skip_rows: int = 0) -> None:
        """style.fit_columns: each column as wide as its longest value outside merged ranges."""
        widths: dict[int, int] = {}
        for (row, column), cell in self.ws._cells.items():
            value = cell._value
            if value is None or row <= skip_rows or (row, column) in self._merged:
                continue
            if widths.get(column, 0) + 2 >= max_width:
                continue  # as wide as it may be already
            width = self.text_width(value)
            if width > widths.get(column, 0):
                widths[column] = width
        for column in range(1, self.ws.max_column + 1):
            width = widths.get(column, 0) + 2
            self.ws.column_dimensions[get_column_letter(column)].width = min(max(width, min_width), max_width)

    def fit_rows(self, first_row: int = 1) -> None:
        """style.fit_rows: each row as high as its wrapped texts need; a merged cell counts its
        whole width, and one merged down several rows already has their height."""
        widths = self.column_widths()
        pairs: dict[int, list] = defaultdict(list)
        for (row, column), cell in self.ws._cells.items():
            value = cell._value
            if row < first_row or not isinstance(value, str):
                continue  # style.row_height reads only texts
            last = self._spans.get((row, column))
            if last is None:
                if (row, column) not in self._merged:
                    pairs[row].append((value, widths.get(column)))
            elif last[0] == row:
                pairs[row].append((value, sum(widths.get(c, _DEFAULT_WIDTH) for c in range(column, last[1] + 1))))
        for row, texts in pairs.items():
            height = style.row_height(texts)
            if height:
                self.ws.row_dimensions[row].height = height

    def text_width(self, value) -> int:
        """style.text_width, remembered for the workbook: the same labels, scores and texts recur."""
        key = (type(value), value)  # 1000 and Decimal(1000) are equal but print differently
        width = self.looks.widths.get(key)
        if width is None:
            width = self.looks.widths[key] = style.text_width(value)
        return width

    def column_widths(self) -> dict[int, float]:
        """Each column's width, by number (8.43 where none is set, as style.fit_rows reads it)."""
        dimensions = self.ws.column_dimensions
        return {column: dimensions[get_column_letter(column)].width or _DEFAULT_WIDTH
                for column in range(1, self.ws.max_column + 1)}


class _DressedRange(MergedCellRange):
    """A merged range whose cells FormSheet.merge_cells has dressed: MergedCellRange.__init__
    would derive the first cell's borders again."""

    def __init__(self, ws: Worksheet, start_cell: Cell, bounds: tuple[int, int, int, int]):
        first_row, first_column, last_row, last_column = bounds
        CellRange.__init__(self, min_col=first_column, min_row=first_row, max_col=last_column, max_row=last_row)
        self.ws, self.start_cell = ws, start_cell


def _store(cell: Cell, value) -> None:
    """``cell.value = value`` as style.put does it: a str is always text (style.write_text)."""
    if isinstance(value, str):
        # As write_text: never a formula, and "" leaves the cell empty.
        cell._value, cell.data_type = (cell.check_string(clean_text(value)), "s") if value else (None, "n")
    elif value is None or type(value) in NUMBER_TYPES:
        cell._value, cell.data_type = value, "n"
    else:
        cell.value = value  # dates and the rest: openpyxl's own typing


def _array(cell) -> tuple | None:
    """A cell's StyleArray as a key; None when there is no cell (an unstyled one has all zeros:
    openpyxl's merge reads the last cell's borders when that cell exists)."""
    return None if cell is None else tuple(cell._style or StyleArray())
