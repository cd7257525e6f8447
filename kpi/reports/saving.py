"""Saving workbooks with their cells written as XML text, byte for byte what openpyxl writes.

openpyxl writes every cell through lxml's incremental writer: an element context for the cell,
another for its value, each a round trip into lxml. That is about 9 µs a cell, most of the
self-evaluation workbook's save (`make bench`, section d), where formatting the same XML as text
takes about 1 µs. ``SheetWriter`` is openpyxl's sheet writer with one change: each row is
formatted as text and written into the file lxml writes to, lxml being flushed first. Cells whose
XML has rules of its own (formulas, dates, rich text, comments, hyperlinks) are still written by
openpyxl, one at a time.

- ``workbook_bytes(wb)`` saves a normal-mode workbook through it, as ``wb.save`` would.
- ``stream_rows_as_text(ws)`` has a write-only sheet write its rows through it (the
  consolidated export, kpi.reports.write_only).

tests/reports/test_saving.py compares the files with openpyxl's on every kind of value, look and
awkward character. Without lxml, openpyxl's own writer is used throughout.
"""
from __future__ import annotations

import datetime
import io
import re
from contextlib import nullcontext
from decimal import Decimal
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import LXML
from openpyxl.cell._writer import write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from kpi.core.text import clean_text

_ESCAPED_IN_TEXT = re.compile(r"[&<>\r]")
_ESCAPED_IN_ATTRIBUTE = re.compile(r'[&<>"\n\r\t]')
_PLAIN_TYPES = {"s", "n", "b", "e"}  # cell types written here; dates and formulas have their own rules
_NUMBER = (int, float, Decimal, type(None))  # with str: the values safe_string or the text writes as openpyxl does


def workbook_bytes(wb) -> bytes:
    """``wb.save`` into memory (openpyxl's ``save_workbook``), with the fast sheet writer."""
    out = io.BytesIO()
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    _WorkbookWriter(wb, archive).save()
    return out.getvalue()


class _WorkbookWriter(ExcelWriter):
    def write_worksheet(self, ws):
        if self.workbook.write_only or not LXML:
            return super().write_worksheet(ws)
        # As ExcelWriter.write_worksheet in normal mode, with the sheet writer below, in memory
        # rather than through a temporary file: the whole workbook is in memory already.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = SheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.out.getvalue())
        self.manifest.append(ws)


def stream_rows_as_text(ws) -> bool:
    """Have a write-only sheet write its rows through ``SheetWriter`` (call before its first row).
    False when it cannot (no lxml): then its rows must hold openpyxl cells only, not PreparedCell."""
    if not LXML:
        return False

    def get_writer():  # as WriteOnlyWorksheet._get_writer
        if ws._writer is None:
            ws._writer = SheetWriter(ws)
            ws._writer.write_top()

    ws._get_writer = get_writer
    return True


class PreparedCell:
    """A write-only cell formatted in advance, but for its place (``column``, set when its row
    is appended): ``SheetWriter`` writes it without looking inside. ``value`` is kept for
    fitting row heights."""

    __slots__ = ("column", "value", "xml")

    def __init__(self, value, xml: str):
        self.value, self.xml = value, xml


def prepared_cell(value, style_id: int) -> PreparedCell | None:
    """A styled cell of text, of an int or Decimal, or empty, as kpi.reports.write_only's
    StreamedCell would be written; None for any other value (openpyxl types and writes those)."""
    if isinstance(value, str) and value:
        value = clean_text(value)[:32767]  # no character a worksheet refuses (kpi.core.text); as Cell.check_string
        return PreparedCell(value, _cell_xml(style_id, "s", value))
    if value is None or value == "":
        return PreparedCell(None, _cell_xml(style_id, "n", None))
    if type(value) in (int, Decimal):
        return PreparedCell(value, _cell_xml(style_id, "n", value))
    return None


def _cell_xml(style_id: int | None, data_type: str, value) -> str:
    """A plain cell's XML after its ``<c r="…"``, as lxml_write_cell writes it."""
    style = "" if style_id is None else f' s="{style_id}"'
    head = f'{style} t="{"inlineStr" if data_type == "s" else data_type}">'
    if value is None or value == "":
        return f"{head}</c>"
    if data_type == "s":
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f"{head}<is><t{space}>{_text(value)}</t></is></c>"
    return f"{head}<v>{_text(safe_string(value))}</v></c>"


class SheetWriter(WorksheetWriter):
    """openpyxl's WorksheetWriter, whose rows are written as text into the file lxml writes to.

    Cells whose XML has rules of its own (formulas, dates, rich text, comments, hyperlinks) are
    handed to openpyxl's ``write_cell``, and lxml is flushed after each: the text and lxml's
    output reach the file in the order they were written.
    """

    def __init__(self, ws, out=None):
        self._letters: dict[int, str] = {}  # column letters by number
        super().__init__(ws, out)

    def get_stream(self):
        # As WorksheetWriter.get_stream, but into a file object of ours (or the BytesIO given).
        file = nullcontext(self.out) if isinstance(self.out, io.BytesIO) else open(self.out, "wb")
        with file as self._file, xmlfile(self._file) as xf:
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_row(self, xf, row, row_idx):
        """As WorksheetWriter.write_row, as text."""
        xf.flush()  # <sheetData>, and any cell lxml wrote, must come first
        ws, letters = self.ws, self._letters
        attributes = f'r="{row_idx}"'
        dimension = ws.row_dimensions.get(row_idx)
        if dimension is not None:
            # A RowDimension yields its attributes; kpi.reports.write_only keeps them as a dict.
            for name, value in (dimension.items() if isinstance(dimension, dict) else dimension):
                attributes += f' {name}="{_attribute(value)}"'
        parts = [f"<row {attributes}>"]
        for cell in row:
            if cell.__class__ is PreparedCell:
                xml = cell.xml
            else:
                if cell._comment is not None:
                    ws._comments.append(CommentRecord.from_cell(cell))
                styled = cell.has_style
                value = cell._value
                if value is None and not styled and not cell._comment:
                    continue
                data_type = cell.data_type
                if data_type not in _PLAIN_TYPES or cell.hyperlink is not None or not isinstance(value, (str, _NUMBER)):
                    self._file.write(_encoded(parts))
                    parts.clear()
                    write_cell(xf, ws, cell, styled)  # openpyxl's own XML for this one
                    xf.flush()
                    continue
                xml = _cell_xml(cell.style_id if styled else None, data_type, value)
            letter = letters.get(cell.column)
            if letter is None:
                letter = letters[cell.column] = get_column_letter(cell.column)
            parts.append(f'<c r="{letter}{row_idx}"{xml}')
        parts.append("</row>")
        self._file.write(_encoded(parts))


def _encoded(parts: list[str]) -> bytes:
    # openpyxl's xmlfile has no encoding, so lxml writes ASCII: every other character as a
    # decimal character reference, as xmlcharrefreplace writes it.
    return "".join(parts).encode("ascii", "xmlcharrefreplace")


def _text(value: str) -> str:
    if _ESCAPED_IN_TEXT.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return value


def _attribute(value: str) -> str:
    if _ESCAPED_IN_ATTRIBUTE.search(value):
        value = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
                 .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))
    return value
