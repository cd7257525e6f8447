"""Small builders of .xlsx files (good and hostile) for importer and CLI tests.

Every ``gen_*`` writes into the directory it is given and returns the path.
Rows are lists of cell values; ``None`` leaves a cell blank.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from openpyxl import Workbook

PERCENT = "0%"


def gen_workbook(
    directory: Path,
    rows: list[list],
    *,
    name: str = "targets.xlsx",
    sheet: str = "绩效目标表",
    merges: tuple[str, ...] = (),
    formats: dict[str, str] | None = None,
    sheets_before: dict[str, list[list]] | None = None,
) -> Path:
    """One sheet of ``rows`` from A1, after any ``sheets_before``; ``formats`` maps "D7" -> number format."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, other_rows in (sheets_before or {}).items():
        _fill(wb.create_sheet(title), other_rows)
    ws = wb.create_sheet(sheet)
    _fill(ws, rows)
    for cell_range in merges:
        ws.merge_cells(cell_range)
    for coordinate, number_format in (formats or {}).items():
        ws[coordinate].number_format = number_format
    path = Path(directory) / name
    wb.save(path)
    return path


def _fill(ws, rows: list[list]) -> None:
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)


def gen_single_layout_table(directory: Path) -> Path:
    """单位整体 table: title lines, header at row 4, merged 一级/二级, "(50分)" labels, one 指标值 column."""
    rows = [
        ["2023年度单位整体支出绩效目标表"],
        ["单位名称：深圳市消费者委员会秘书处", None, None, "金额单位：万元"],
        [],
        ["一级指标", "二级指标", "三级指标", "年度指标值（含单位）"],
        ["产出指标(50分)", "数量指标", "志愿者活动数量", "≥20场"],  # 5
        [None, None, "投诉调解辅助服务", "≥5万宗"],
        [None, "质量指标", "投诉处理总成功率", 0.95],  # D7: percent
        [None, "时效指标", "项目完成时间", dt.datetime(2023, 12, 31)],
        [],
        ["效益指标（30分）", "社会效益指标", "消费维权宣传报道", "≥10家新闻媒体报道"],  # 10
        [None, None, "消费环境改善情况", "效果明显"],
        ["满意度指标 10分", "服务对象满意度指标", "投诉人满意度", "≥85%"],
        ["合计", None, None, None],
    ]
    return gen_workbook(
        directory, rows, merges=("A1:D1", "A5:A8", "B5:B6", "A10:A11", "B10:B11"), formats={"D7": PERCENT}
    )


def gen_split_layout_table(directory: Path) -> Path:
    """项目 table split into 指标性质|指标值|度量单位, with 项目名称 and 分值 columns; header at row 2."""
    rows = [
        ["2023年度项目支出绩效目标表"],
        ["项目名称", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "分值（分）"],
        ["市场监督管理事务", "产出指标", "数量指标", "年处理投诉数量", "≥", 50000, "宗", 10],  # 3
        [None, None, None, "宣传活动场次", "≥", 20.0, "场", 7.5],
        [None, None, "质量指标", "投诉处理总成功率", "≥", 0.95, "%", None],  # F5: percent
        [None, "成本指标", "经济成本指标", "项目支出金额", "≤", "预算金额", None, "10"],
        ["信息化类", "产出指标", "质量指标", "系统可用率", "≥", 99.5, "%", 20],  # 7
        [None, None, "时效指标", "系统上线验收", None, "合格", None, 10],
    ]
    return gen_workbook(directory, rows, merges=("A3:A6", "B3:B5", "C3:C4", "A7:A8", "B7:B8"), formats={"F5": PERCENT})


def gen_text_file(directory: Path, name: str, content: bytes) -> Path:
    """Any non-workbook upload: random bytes, a .txt, a .csv renamed or not."""
    path = Path(directory) / name
    path.write_bytes(content)
    return path


def gen_truncated_xlsx(directory: Path, fraction: float = 0.6) -> Path:
    """A valid workbook cut short, as an interrupted upload would be."""
    data = gen_single_layout_table(directory).read_bytes()
    return gen_text_file(directory, "truncated.xlsx", data[: int(len(data) * fraction)])


def gen_xlsm(directory: Path) -> Path:
    """A workbook carrying a VBA project, i.e. an .xlsm saved under any name."""
    source = gen_single_layout_table(directory)
    path = Path(directory) / "macro.xlsx"
    shutil.copy(source, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return path


def gen_zip_bomb(directory: Path, megabytes: int = 120) -> Path:
    """A zip whose one sheet declares ``megabytes`` MB of zeros, deflated to a few hundred KB."""
    path = Path(directory) / "bomb.xlsx"
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _ in range(megabytes):
                entry.write(chunk)
    return path


def gen_zip_of_entries(directory: Path, count: int) -> Path:
    """A zip with ``count`` tiny entries, for the entry-count limit."""
    path = Path(directory) / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(count):
            archive.writestr(f"part{i}.xml", "<x/>")
    return path


def gen_wrong_dimension(directory: Path, rows: list[list]) -> Path:
    """A workbook whose sheet declares <dimension ref="A1"/>, as some exporters write."""
    source = gen_workbook(directory, rows, name="source.xlsx")
    path = Path(directory) / "wrong_dimension.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                start = text.index('<dimension ref="')
                end = text.index('"', start + len('<dimension ref="'))
                data = (text[:start] + '<dimension ref="A1' + text[end:]).encode()
            dst.writestr(item, data)
    return path
