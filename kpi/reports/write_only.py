"""Streamed sheets in openpyxl's write-only mode, in the house style, at close to raw speed.

A styled write-only sheet spends most of its time on two things it does not need (measured by
`make bench`, section c):
- ``cell.style = NAME`` copies the named style's StyleArray into every cell, and writing the
  cell hashes that array to find its style id. Here each look is dressed once, on a first
  cell, and the cells of that look carry its style id (``StreamedCell``).
- ``WriteOnlyWorksheet._values_to_row`` first tries each item of a row as a *value*; a ready
  cell fails that with a ValueError whose message formats the cell's repr. A sheet whose rows
  are all ready cells (or None) skips that: `_cells_to_row` does the rest of what it did.
- openpyxl writes each cell through lxml, which costs more than the rest: the rows are
  written as text instead (kpi.reports.saving), byte for byte the same, and ``cells`` formats
  text, numbers and empty cells in advance (``PreparedCell``) rather than making cells of them.
Write-only sheets write their widths, print setup and frozen panes with the first row, so
``StreamingSheet.start`` sets all of them first.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpi.core.text import clean_text
from kpi.reports import style
from kpi.reports.saving import PreparedCell, prepared_cell, stream_rows_as_text
from kpi.reports.style import Styled

_CENTRED_ACROSS = Alignment(horizontal="centerContinuous", vertical="center")
NUMBER_TYPES = (int, Decimal)  # exactly these types (not bool): openpyxl's "n" cells, stored as they are


class StreamedCell(Cell):
    """A write-only cell (what ``WriteOnlyCell`` makes) whose style id is known in advance:
    openpyxl would otherwise hash the cell's style array to find it, for every cell."""

    __slots__ = ("style_id",)
    has_style = True


class StreamingSheet:
    """A write-only sheet, the number of its last row, and its cells' shared looks."""

    def __init__(self, ws, widths: list[float], looks: dict | None = None):
        """``looks`` may be shared by every sheet of a workbook: style ids are the workbook's."""
        self.ws, self.widths, self.row = ws, widths, 0
        self._looks: dict[tuple, tuple] = {} if looks is None else looks
        ws._values_to_row = _cells_to_row  # see the module's docstring
        self._as_text = stream_rows_as_text(ws)

    def cell(self, styled: Styled | tuple) -> StreamedCell:
        """A cell of ``styled`` (or of a plain tuple of Styled's fields, as unpickled)."""
        cell = StreamedCell(self.ws, 1, 1)  # placed by _cells_to_row; as WriteOnlyCell starts
        value, style_name, number_format, fill, alignment = styled
        if isinstance(value, str):
            if value:  # as style.write_text: always a string, never a formula
                cell._value, cell.data_type = cell.check_string(clean_text(value)), "s"
        elif type(value) in NUMBER_TYPES:
            cell._value = value
        elif value is not None:
            cell.value = value  # dates and the rest: openpyxl's own typing
        cell.style_id = self._style_id(styled)
        return cell

    def _style_id(self, styled: Styled | tuple) -> int:
        # Looks are keyed by identity: fills and alignments are the builders' constants, kept
        # alive by the entry so that their ids cannot be reused.
        _, style_name, number_format, fill, alignment = styled
        key = (style_name, number_format, id(fill), id(alignment))
        look = self._looks.get(key)
        if look is None:
            dressed = WriteOnlyCell(self.ws)
            style.dress(dressed, Styled(*styled))  # the first cell of a look pays for it once
            look = self._looks[key] = (dressed.style_id, fill, alignment)
        return look[0]

    def cells(self, row: Iterable[Styled | None]) -> list[StreamedCell | PreparedCell | None]:
        """The row's cells, formatted in advance where the sheet's rows are written as text."""
        if not self._as_text:
            return [None if styled is None else self.cell(styled) for styled in row]
        cells: list[StreamedCell | PreparedCell | None] = []
        for styled in row:
            if styled is None:
                cells.append(None)
            else:
                prepared = prepared_cell(styled[0], self._style_id(styled))
                cells.append(self.cell(styled) if prepared is None else prepared)
        return cells

    def append(self, cells: list, *, height: float | None = None, fit: bool = True) -> None:
        """The next row, as high as its wrapped texts need (see style.row_height) unless
        ``fit`` is False (cells that do not wrap) or a ``height`` is given."""
        self.row += 1
        if fit and height is None:
            height = style.row_height((getattr(cell, "value", None), width) for cell, width in zip(cells, self.widths))
        if height:
            # The attributes a RowDimension would give the <row> element, without building one
            # (its descriptors cost more than the row's cells); the writer only reads them.
            self.ws.row_dimensions[self.row] = {"ht": f"{height:g}", "customHeight": "1"}
        self.ws.append(cells)
        self.ws.row_dimensions.pop(self.row, None)  # written: keep no per-row object for the rest of the file

    def start(self, title: str, header_line: list[str], headers: list[str], *, header_row: int) -> None:
        """Widths, print setup, the title centred across the columns, the header line and the headers."""
        for column, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(column)].width = width
        setup_print(self.ws, header_row)
        self.append(self.cells([Styled(title, style.TITLE, alignment=_CENTRED_ACROSS)]
                               + [Styled(None, style.TITLE, alignment=_CENTRED_ACROSS)] * (len(headers) - 1)),
                    height=30)
        line: list[Styled | None] = [None] * len(headers)
        for position, text in zip((0, len(headers) // 2, len(headers) - 1), header_line):
            line[position] = Styled(text, style.SUBTITLE)
        self.append(self.cells(line), fit=False)
        self.append(self.cells(Styled(label, style.HEADER) for label in headers))

    def close(self) -> None:
        self.ws.close()  # frees the sheet's temporary file now: 1,000 sheets must not hold 1,000 open files


def _cells_to_row(cells: list, row_index: int) -> Iterator[Cell]:
    for column, cell in enumerate(cells, 1):
        if cell is None:
            continue
        cell.column = column
        if cell.__class__ is not PreparedCell:
            cell.row = row_index
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
        yield cell


def setup_print(ws, header_row: int) -> None:
    """style.setup_print for a write-only sheet, which has neither ``cell()`` nor the paper-size
    constants that it reads: A4 landscape, one page wide, the header row repeated and frozen."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"B{header_row + 1}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
