"""Saving a normal-mode workbook as .xlsx bytes, with each sheet's cells written as XML text.

openpyxl writes every cell through lxml's incremental writer: an element context for the cell,
another for its value, each a round trip into lxml. For the forms this project writes that is
most of the save (about 9 µs a cell, measured by `make bench`, section d), where formatting the
same XML as text takes about 1 µs. ``workbook_bytes`` saves the workbook as openpyxl does, but
writes each sheet's ``<sheetData>`` itself: lxml writes the sheet up to ``<sheetData>`` and is
flushed, the rows are written as text into the same file, and lxml writes the rest.

The text is exactly what openpyxl and lxml write, byte for byte (tests/reports/test_saving.py
compares the two on every kind of value, look and awkward character). A sheet with anything this
writer does not format itself (formulas, rich text, comments, hyperlinks, timezone-aware dates)
is saved by openpyxl's own writer, as is every sheet when openpyxl runs without lxml.
"""
from __future__ import annotations

import datetime
import io
import re
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import LXML
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

_ESCAPED_IN_TEXT = re.compile(r"[&<>\r]")
_ESCAPED_IN_ATTRIBUTE = re.compile(r'[&<>"\n\r\t]')
_PLAIN_TYPES = {"s", "n", "b", "e"}  # cell types written here; dates and formulas have their own rules


def workbook_bytes(wb) -> bytes:
    """``wb.save`` into memory (openpyxl's ``save_workbook``), with the fast sheet writer."""
    out = io.BytesIO()
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    _WorkbookWriter(wb, archive).save()
    return out.getvalue()


class _WorkbookWriter(ExcelWriter):
    def write_worksheet(self, ws):
        if self.workbook.write_only or not LXML or not _writable(ws):
            return super().write_worksheet(ws)
        # As ExcelWriter.write_worksheet in normal mode, with the sheet writer below.
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


def _writable(ws) -> bool:
    """Whether every cell is of a kind this module writes itself."""
    for cell in ws._cells.values():
        if cell.data_type not in _PLAIN_TYPES or cell._comment is not None or cell.hyperlink is not None:
            return False
        if cell.data_type == "s" and not isinstance(cell._value, (str, type(None))):
            return False  # rich text
    return True


class _SheetWriter(WorksheetWriter):
    """openpyxl's WorksheetWriter, whose ``<sheetData>`` is written as text into the same file."""

    def get_stream(self):
        # As WorksheetWriter.get_stream, but into a file object of ours, so that the rows can be
        # written into it between lxml's flushes.
        with open(self.out, "wb") as self._file, xmlfile(self._file) as xf:
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

    def write_rows(self):
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            xf.flush()
            self._file.write(sheet_data(self.ws))
        self.xf.send(None)


def sheet_data(ws) -> bytes:
    """The rows of a sheet, as openpyxl's WorksheetWriter.write_rows writes them."""
    by_row: dict[int, list] = {}
    for (row, _column), cell in sorted(ws._cells.items()):
        by_row.setdefault(row, []).append(cell)
    for row in ws.row_dimensions.keys() - by_row.keys():
        by_row[row] = []  # a row with only a height or a style
    dimensions = ws.row_dimensions
    letters: dict[int, str] = {}
    parts: list[str] = []
    append = parts.append
    for index, cells in sorted(by_row.items()):
        attributes = f'r="{index}"'
        dimension = dimensions.get(index)
        if dimension is not None:
            # A RowDimension yields its attributes; kpi.reports.write_only keeps them as a dict.
            for name, value in (dimension.items() if isinstance(dimension, dict) else dimension):
                attributes += f' {name}="{_attribute(value)}"'
        append(f"<row {attributes}>")
        for cell in cells:
            styled = cell.has_style
            value = cell._value
            if value is None and not styled:
                continue
            letter = letters.get(cell.column)
            if letter is None:
                letter = letters[cell.column] = get_column_letter(cell.column)
            data_type = cell.data_type
            style_id = f' s="{cell.style_id}"' if styled else ""
            kind = "inlineStr" if data_type == "s" else data_type
            head = f'<c r="{letter}{index}"{style_id} t="{kind}">'
            if value is None or value == "":
                append(f"{head}</c>")
            elif data_type == "s":
                space = ' xml:space="preserve"' if value != value.strip() else ""
                append(f"{head}<is><t{space}>{_text(value)}</t></is></c>")
            else:
                append(f"{head}<v>{_text(safe_string(value))}</v></c>")
        append("</row>")
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
