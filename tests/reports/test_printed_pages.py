"""Do the printed workbooks show the 一级/二级 labels on every page, and does no text overflow its row?

Every workbook with an indicator grid is rendered to PDF by LibreOffice (as tests/reports/
test_print_pdf.py does) and read back page by page with pypdf: each 三级指标 found on a page must
have its 一级 and 二级 labels on that same page, and page 1 those of the grid's first rows. A
merged label block printed once in its middle fails this as soon as it crosses a page.

The row heights are checked on the workbooks themselves, against the lines each wrapped text needs
at its column's width (counted here, independently of kpi.reports.style).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from tests.reports.books import build_workbooks
from tests.reports.test_print_pdf import soffice, to_pdf  # noqa: F401  (soffice is a fixture)

LEVEL_HEADERS = ("一级指标", "二级指标", "三级指标")


@pytest.fixture(scope="module")
def workbooks(seeded_sqlite_template, tmp_path_factory) -> dict[str, bytes]:
    return build_workbooks(seeded_sqlite_template, tmp_path_factory.mktemp("printed"))


def grid_sheets(data: bytes):
    """(sheet, header row, {column: header}) of each sheet with a 一级/二级/三级 grid."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows(max_row=min(ws.max_row, 30)):
            texts = {cell.value: cell.column for cell in row if isinstance(cell.value, str)}
            if all(header in texts for header in LEVEL_HEADERS):
                yield ws, row[0].row, texts
                break


def labelled_rows(ws, header_row: int, columns: dict) -> list[tuple[str, str, str]]:
    """(一级, 二级, 三级) of every grid row, reading a merged label from its block's top cell."""
    top = {}
    for merged in ws.merged_cells.ranges:
        for row in range(merged.min_row, merged.max_row + 1):
            top[(row, merged.min_col)] = ws.cell(row=merged.min_row, column=merged.min_col).value
    level1, level2, name = (columns[header] for header in LEVEL_HEADERS)
    rows = []
    for row in range(header_row + 1, ws.max_row + 1):
        text = ws.cell(row=row, column=name).value
        if not isinstance(text, str) or (row, name) in top:
            continue
        labels = [top.get((row, column), ws.cell(row=row, column=column).value) for column in (level1, level2)]
        if all(isinstance(label, str) and label for label in labels):
            rows.append((labels[0], labels[1], text))
    return rows


def squashed_pages(pdf: bytes) -> list[str]:
    """Each page's text without whitespace: a wrapped name reads whole again."""
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("name", ["monitoring", "self_evaluation", "progress"])
def test_every_printed_page_shows_the_labels_of_its_rows(workbooks, soffice, tmp_path, name):  # noqa: F811
    data = workbooks[name]
    sheets = list(grid_sheets(data))
    assert sheets, "no indicator grid found"
    pages = squashed_pages(to_pdf(soffice, data, tmp_path, name))
    assert len(pages) >= 3  # the seed unit's 67 indicators take several pages
    expected = {}
    for ws, header_row, columns in sheets:
        for level1, level2, indicator in labelled_rows(ws, header_row, columns):
            expected.setdefault(re.sub(r"\s+", "", indicator), set()).add((level1, level2))
    first_rows = labelled_rows(*sheets[0])[:3]
    assert first_rows and all(level1 in pages[0] and level2 in pages[0] for level1, level2, _ in first_rows), (
        f"page 1 lacks the labels of its first rows {first_rows}"
    )
    seen = set()
    for number, page in enumerate(pages, start=1):
        if not all(header in page for header in LEVEL_HEADERS):
            continue  # not a page of an indicator grid (计分说明, the budget sheet …)
        for indicator in shown(page, expected):
            seen.add(indicator)
            assert any(level1 in page and level2 in page for level1, level2 in expected[indicator]), (
                f"{name} page {number}: {indicator} without its labels {expected[indicator]}"
            )
    assert len(seen) >= 0.9 * len(expected), f"{len(expected) - len(seen)} indicators not found in the PDF text"
    # Excel prints a merged cell's text once, in the middle of the whole block, wherever the page
    # ends: so no label block may cross a page end. The pages end at the sheet's own breaks only
    # (the program added none), and no block spans one.
    grid_pages = sum(1 for page in pages if all(header in page for header in LEVEL_HEADERS))
    assert grid_pages == sum(len(ws.row_breaks.brk) + 1 for ws, _, _ in sheets), "the program cut pages of its own"
    for ws, _, columns in sheets:
        cuts = [brk.id for brk in ws.row_breaks.brk]
        label_columns = {columns["一级指标"], columns["二级指标"]}
        for merged in ws.merged_cells.ranges:
            if merged.min_col in label_columns:
                assert not [cut for cut in cuts if merged.min_row <= cut < merged.max_row], (
                    f"{ws.title}!{merged} crosses a page break"
                )


def shown(page: str, names) -> list[str]:
    """The names printed on ``page``: a name found only inside longer names (开展重点消费领域监督调查
    in 开展重点消费领域监督调查服务项目验收合格率) is not one of them."""
    found = [name for name in names if name in page]
    return [
        name
        for name in found
        if page.count(name) > sum(page.count(longer) for longer in found if name in longer and longer != name)
    ]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    # A column of width w holds about w - 1 narrow characters once the cell padding is taken.
    per_line = max(int(width) - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))


MIN_LINE = 12.5  # points: the least an 11-point line takes


@pytest.mark.parametrize("name", ["monitoring", "self_evaluation", "progress", "fill_in"])
def test_no_text_needs_more_lines_than_its_row_is_tall(workbooks, name):
    wb = load_workbook(io.BytesIO(workbooks[name]))
    checked = 0
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        widths = {c: ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, ws.max_column + 1)}
        spans = {}
        for merged in ws.merged_cells.ranges:
            spans[(merged.min_row, merged.min_col)] = merged
        covered = {cell for merged in ws.merged_cells.ranges for cell in merged.cells} - set(spans)
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or (cell.row, cell.column) in covered:
                    continue
                if not (cell.alignment and cell.alignment.wrap_text):
                    continue  # a cell that does not wrap prints on one line
                merged = spans.get((cell.row, cell.column))
                rows = range(cell.row, (merged.max_row if merged else cell.row) + 1)
                columns = range(cell.column, (merged.max_col if merged else cell.column) + 1)
                width = sum(widths[c] for c in columns)
                lines = lines_needed(cell.value, width)
                if lines < 2:
                    continue
                height = sum(ws.row_dimensions[r].height or 15 for r in rows)
                checked += 1
                assert height >= lines * MIN_LINE, (
                    f"{name} {ws.title}!{cell.coordinate}: {lines} lines of {cell.value[:20]!r} in {height} points"
                )
    assert checked, "no wrapped text found: the check would prove nothing"


def page_font_sizes(page) -> list[float]:
    """The printed size of every text run on ``page``, in points (the font size times the text
    and the page matrices' vertical scale)."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * abs(tm[3]) * abs(cm[3]))

    page.extract_text(visitor_text=visit)
    return sizes


def test_the_consolidated_summary_prints_legibly_in_page_sections(workbooks, soffice, tmp_path):  # noqa: F811
    """19 columns do not fit A4 at a legible size: the 汇总 prints in column sections at 9 pt or
    more, the unit's column repeated on each, every section on A4 landscape."""
    reader = PdfReader(io.BytesIO(to_pdf(soffice, workbooks["consolidated"], tmp_path, "consolidated")))
    texts = [re.sub(r"\s+", "", page.extract_text() or "") for page in reader.pages]
    summary = [index for index, text in enumerate(texts) if "送审日期" in text or "自评总分" in text]
    assert len(summary) >= 2, "the summary does not print in sections"
    assert summary == list(range(len(summary)))  # the first sheet's pages
    for index in summary:
        page = reader.pages[index]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
        assert "深圳市消费者委员会秘书处" in texts[index], f"page {index + 1} without the unit's column"
        body = [size for size in page_font_sizes(page) if size < 13]  # the title is larger
        assert body and min(body) >= 9, f"page {index + 1} prints at {min(body):.2f} pt"
    headers = "".join(texts[index] for index in summary)
    for header in ("全年预算数", "执行率", "自评总分", "评价等级", "运行监控状态", "自评送审日期"):
        assert header in headers
