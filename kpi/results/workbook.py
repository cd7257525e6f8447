"""The quarterly fill-in workbook (季度填报表): download, fill in offline, upload.

Two sheets: "季度填报" (one row per indicator) and "预算执行" (one row per budget
line). Both carry their record ids in a hidden first column, and a very hidden
sheet "填报信息" names the unit, year, quarter and data version the file was
made for, so `workbook_upload` can refuse a file for another quarter. The sheets
are protected without a password: that guards against accidents only, and the
upload checks everything again. Input cells are unlocked and yellow; inputs that
do not apply to an indicator's aggregation rule are grey and locked, and so are those of a
unit-table row that is a project's indicator (同一指标): it shows that project's figure.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from kpi.core.text import clean_text
from kpi.core.time import beijing_now
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, INPUTS, MAX_TEXT
from kpi.domain.progress import YearToDate
from kpi.formatting import format_number
from kpi.indicators.links import SAME_AS_MESSAGE
from kpi.indicators.models import Indicator
from kpi.indicators.views import AGGREGATION_LABELS
from kpi.reports import sizing, style
from kpi.results.sheet import QUARTER_LABELS, QuarterSheet

FORMAT_VERSION = 1
ENTRY_SHEET, SPENDING_SHEET, META_SHEET = "季度填报", "预算执行", "填报信息"
ID_HEADER = "编号"
KEY_HEADERS = [ID_HEADER, "一级指标", "二级指标", "三级指标", "指标值", "汇总方式", "截至上季度累计"]
# Input columns in sheet order, by the field names of kpi.domain.entries.
INPUT_HEADERS = {
    "value": "本季度完成值",
    "numerator": "分子",
    "denominator": "分母",
    "band": "完成等级",
    "achieved_on": "完成日期",
    "assessment": "完成情况",
    "note": "说明",
}
SPENDING_HEADERS = [ID_HEADER, "预算项目", "全年预算数", "截至上季度执行数", "本季度执行数（万元）"]
SPENT_HEADER = SPENDING_HEADERS[-1]
HEADER_ROW = 4  # title, header line, instructions, then the column headers
META_KEYS = {
    "文件类型": "kind",
    "格式版本": "format",
    "单位编号": "unit_id",
    "单位名称": "unit",
    "年度": "year",
    "季度": "quarter",
    "数据版本": "version",
    "导出时间": "exported_at",
}
FILE_KIND = "季度填报表"

_INSTRUCTIONS = (
    "填写说明：黄色单元格为填报项，灰色单元格不适用于该指标。比率类指标填百分数（如 95 表示 95%），"
    "或同时填写分子和分母；定性指标从下拉列表选择完成等级；时限指标填写完成日期。"
    "请勿修改编号、指标名称等其他内容，也不要增删行。"
)
_INPUT_STYLES = {
    "value": style.INPUT_NUMBER,
    "numerator": style.INPUT_NUMBER,
    "denominator": style.INPUT_NUMBER,
    "band": style.INPUT_TEXT,
    "achieved_on": style.INPUT_DATE,
    "assessment": style.INPUT_TEXT,
    "note": style.INPUT_TEXT,
}
_PREFERRED_WIDTHS = {
    "value": 12,
    "numerator": 10,
    "denominator": 10,
    "band": 11,
    "achieved_on": 13,
    "assessment": 30,
    "note": 30,
}


def applies(aggregation: str, field: str) -> bool:
    """Whether an indicator with this aggregation rule takes ``field`` ("note" is open to all)."""
    return field == "note" or field in INPUTS[Aggregation(aggregation)]


def input_column(field: str) -> int:
    """1-based column of an input field on the entry sheet."""
    return len(KEY_HEADERS) + list(INPUT_HEADERS).index(field) + 1


def build_fill_in_workbook(sheet: QuarterSheet) -> bytes:
    """The quarter's fill-in workbook, prefilled with what is stored now, as .xlsx bytes."""
    wb = Workbook()
    style.add_styles(wb)
    _entry_sheet(wb.active, sheet)
    _spending_sheet(wb.create_sheet(SPENDING_SHEET), sheet)
    _meta_sheet(wb.create_sheet(META_SHEET), sheet)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)  # sheets cannot be deleted, renamed or unhidden
    wb.properties.title = clean_text(
        f"{sheet.unit.name} {sheet.label}绩效指标填报表"
    )  # a unit name is text from outside
    wb.properties.creator = "预算绩效指标跟踪系统"
    return style.workbook_bytes(wb)


def _title(sheet: QuarterSheet, what: str) -> str:
    return f"{sheet.unit.name} {sheet.year.year}年{QUARTER_LABELS[sheet.quarter]}{what}"


def _entry_sheet(ws, sheet: QuarterSheet) -> None:
    ws.title = ENTRY_SHEET
    headers = KEY_HEADERS + list(INPUT_HEADERS.values())
    width = len(headers) - 1  # the hidden id column is left out of the merged lines
    style.write_title(ws, _title(sheet, "绩效指标填报表"), width, first_col=2)
    style.write_header_lines(
        ws,
        sheet.unit.name,
        sheet.year.year,
        width_cols=width,
        first_col=2,
        period=QUARTER_LABELS[sheet.quarter],
        extra=_INSTRUCTIONS,
    )
    style.write_header_row(ws, HEADER_ROW, headers)
    validations = _entry_validations(sheet.year.year)
    row = HEADER_ROW + 1
    tables = sheet.tables()
    for title, indicators in tables:
        if len(tables) > 1:
            _section_row(ws, row, title, len(headers))
            row += 1
        for indicator in indicators:
            _indicator_row(ws, row, sheet, indicator, validations)
            row += 1
    for validation in validations.values():
        if validation.sqref.ranges:
            ws.add_data_validation(validation)
    sizing.fit_columns(ws, 6, 40, skip_rows=HEADER_ROW - 1)
    for field, preferred in _PREFERRED_WIDTHS.items():
        dimension = ws.column_dimensions[get_column_letter(input_column(field))]
        dimension.width = max(dimension.width or 0, preferred)
    ws.column_dimensions["A"].hidden = True
    sizing.fit_rows(ws, HEADER_ROW)  # long names wrap: without a height they print over the next row
    style.setup_print(ws, HEADER_ROW, repeat_from=HEADER_ROW, freeze_columns=4)
    _protect(ws)


def _section_row(ws, row: int, title: str, columns: int) -> None:
    style.write_text(ws.cell(row=row, column=2), title)
    for column in range(1, columns + 1):
        ws.cell(row=row, column=column).style = style.SECTION
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)


def _indicator_row(ws, row: int, sheet: QuarterSheet, indicator: Indicator, validations) -> None:
    ws.cell(row=row, column=1, value=indicator.id).style = style.NUMBER
    # 同一指标 (kpi/indicators/links.py): the row shows its project's figure in grey, locked cells,
    # as inputs that do not apply are; the upload takes that figure back as no entry, anything else is refused.
    linked = sheet.source_of(indicator) is not None
    rule = AGGREGATION_LABELS.get(indicator.aggregation, indicator.aggregation)
    if linked:
        rule = f"{rule}；{SAME_AS_MESSAGE.format(project=sheet.source_project(indicator))}"
    for column, text in enumerate(
        (indicator.level1, indicator.level2, indicator.name, indicator.target_text, rule),
        start=2,
    ):
        style.write_text(ws.cell(row=row, column=column), text).style = style.TEXT
    _year_to_date_cell(ws.cell(row=row, column=len(KEY_HEADERS)), indicator, sheet.before(indicator))
    entry = sheet.current(indicator.id)
    for field in INPUT_HEADERS:
        cell = ws.cell(row=row, column=input_column(field))
        if not applies(indicator.aggregation, field):
            cell.style = style.NOT_APPLICABLE
            continue
        value = getattr(entry, field)
        if field == "band":
            style.write_text(cell, BAND_LABELS[value] if value else None)
        elif field in ("assessment", "note"):
            style.write_text(cell, value)
        else:
            cell.value = value
        if linked:
            cell.style = style.NOT_APPLICABLE
            if field == "achieved_on":
                cell.number_format = style.DATE_FORMAT  # read back as the date, not its serial number
            continue
        is_rate = field == "value" and indicator.aggregation == Aggregation.RATE
        cell.style = style.INPUT_PERCENT if is_rate else _INPUT_STYLES[field]
        validations["percent" if is_rate else _VALIDATION_OF[field]].add(cell.coordinate)


def _year_to_date_cell(cell, indicator: Indicator, before: YearToDate) -> None:
    """截至上季度累计, as the quarter page shows it; blank before the first quarter is entered."""
    cell.style = style.TEXT
    aggregation = Aggregation(indicator.aggregation)
    if aggregation in (Aggregation.CUMULATIVE, Aggregation.LEVEL, Aggregation.BUDGET):
        if before.value is not None:
            cell.value = before.value
            cell.style = style.MONEY if aggregation is Aggregation.BUDGET else style.NUMBER
            if aggregation is not Aggregation.BUDGET:
                cell.number_format = style.number_format_for(before.value)
        return
    text = None
    if aggregation is Aggregation.RATE and before.value is not None:
        text = f"{format_number(before.value)}%"
        if before.numerator is not None:
            text += f"（{format_number(before.numerator)}/{format_number(before.denominator)}）"
    elif aggregation is Aggregation.QUALITATIVE and before.band is not None:
        text = BAND_LABELS[before.band]
    elif aggregation is Aggregation.DEADLINE and before.achieved_on is not None:
        text = f"已完成（{before.achieved_on.isoformat()}）"
    style.write_text(cell, text)


_VALIDATION_OF = {
    "value": "number",
    "numerator": "number",
    "denominator": "number",
    "band": "band",
    "achieved_on": "achieved_on",
    "assessment": "text",
    "note": "text",
}


def _entry_validations(year: int) -> dict[str, DataValidation]:
    def validation(**kwargs) -> DataValidation:
        return DataValidation(allow_blank=True, showErrorMessage=True, errorTitle="填写有误", **kwargs)

    return {
        "number": validation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", error="请输入不小于 0 的数字"
        ),
        "percent": validation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2="100",
            error="请输入 0–100 之间的百分数（95 表示 95%）",
        ),
        "band": validation(
            type="list",
            formula1='"' + ",".join(BAND_LABELS.values()) + '"',
            error="请从下拉列表选择：" + " / ".join(BAND_LABELS.values()),
        ),
        "achieved_on": validation(
            type="date",
            operator="between",
            formula1=f"DATE({year - 1},1,1)",
            formula2=f"DATE({year + 1},12,31)",
            error=f"请输入 {year} 年度附近的日期，格式 YYYY-MM-DD",
        ),
        "text": validation(
            type="textLength", operator="lessThanOrEqual", formula1=str(MAX_TEXT), error=f"最多 {MAX_TEXT} 字"
        ),
    }


def _spending_sheet(ws, sheet: QuarterSheet) -> None:
    width = len(SPENDING_HEADERS) - 1
    style.write_title(ws, _title(sheet, "预算执行填报表"), width, first_col=2)
    style.write_header_lines(
        ws,
        sheet.unit.name,
        sheet.year.year,
        width_cols=width,
        first_col=2,
        period=QUARTER_LABELS[sheet.quarter],
        extra="填写说明：只填本季度的执行数（万元），不是累计数。",
    )
    style.write_header_row(ws, HEADER_ROW, SPENDING_HEADERS)
    amount = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error="请输入不小于 0 的金额（万元）",
    )
    row = HEADER_ROW + 1
    for line in sheet.lines:
        ws.cell(row=row, column=1, value=line.id).style = style.NUMBER
        style.write_text(ws.cell(row=row, column=2), line.name).style = style.TEXT
        ws.cell(row=row, column=3, value=line.full_year_budget).style = style.MONEY
        ws.cell(row=row, column=4, value=sheet.spent_to_date(line.id, sheet.quarter - 1)).style = style.MONEY
        spent = ws.cell(row=row, column=5, value=sheet.spent(line.id))
        spent.style = style.INPUT_MONEY
        amount.add(spent.coordinate)
        row += 1
    ws.add_data_validation(amount)
    sizing.fit_columns(ws, 8, 40, skip_rows=HEADER_ROW - 1)
    ws.column_dimensions["E"].width = max(ws.column_dimensions["E"].width or 0, 18)
    ws.column_dimensions["A"].hidden = True
    sizing.fit_rows(ws, HEADER_ROW)
    style.setup_print(ws, HEADER_ROW, repeat_from=HEADER_ROW, freeze_columns=2)
    _protect(ws)


def _meta_sheet(ws, sheet: QuarterSheet) -> None:
    values = {
        "kind": FILE_KIND,
        "format": FORMAT_VERSION,
        "unit_id": sheet.unit.id,
        "unit": sheet.unit.name,
        "year": sheet.year.year,
        "quarter": sheet.quarter,
        "version": sheet.version,
        "exported_at": beijing_now().isoformat(timespec="seconds"),
    }  # +08:00: unambiguous and as shown
    for row, (label, key) in enumerate(META_KEYS.items(), start=1):
        style.write_text(ws.cell(row=row, column=1), label)
        value = values[key]
        if isinstance(value, str):
            style.write_text(ws.cell(row=row, column=2), value)
        else:
            ws.cell(row=row, column=2, value=value)
    ws.sheet_state = "veryHidden"
    _protect(ws)


def _protect(ws) -> None:
    ws.protection.sheet = True
    # Resizing rows and columns stays allowed: long texts need it, and it changes no data.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
