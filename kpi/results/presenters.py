"""How entries and year-to-date figures read on screen (Chinese, with units)."""
from __future__ import annotations

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, Entry
from kpi.domain.progress import YearToDate
from kpi.formatting import format_money, format_number
from kpi.indicators.models import Indicator

# Which inputs each aggregation rule shows (mirrors kpi.domain.entries).
INPUTS = {
    "cumulative": ("value",),
    "level": ("value",),
    "rate": ("numerator", "denominator", "value"),
    "qualitative": ("band", "assessment"),
    "deadline": ("achieved_on",),
    "budget": (),
}
INPUT_HINTS = {
    "cumulative": "本季度新增数",
    "level": "季末时点数",
    "rate": "填分子/分母，或直接填百分比",
    "qualitative": "选择完成等级并说明",
    "deadline": "完成日期（未完成留空）",
    "budget": "按预算执行数自动计算",
}


def ytd_text(indicator: Indicator, ytd: YearToDate) -> str:
    """The year-to-date figure as a person reads it: '9,500宗', '52.3%（523/1,000）', '达成'."""
    aggregation = indicator.aggregation
    if aggregation == Aggregation.QUALITATIVE:
        return BAND_LABELS.get(ytd.band, "") if ytd.band else ""
    if aggregation == Aggregation.DEADLINE:
        return f"已于 {ytd.achieved_on.isoformat()} 完成" if ytd.achieved_on else ""
    if ytd.value is None:
        return ""
    if aggregation == Aggregation.BUDGET:
        return f"{format_money(ytd.value)} 万元"
    if aggregation == Aggregation.RATE:
        ratio = f"（{format_number(ytd.numerator)}/{format_number(ytd.denominator)}）" if ytd.denominator else ""
        return f"{format_number(ytd.value)}%{ratio}"
    return f"{format_number(ytd.value)}{indicator.unit or ''}"


def entry_inputs(entry: Entry) -> dict[str, str]:
    """An entry as the strings its form inputs show."""
    values = {}
    for name in ("value", "numerator", "denominator", "achieved_on", "assessment", "note"):
        value = getattr(entry, name)
        if value is None:
            values[name] = ""
        elif hasattr(value, "isoformat"):
            values[name] = value.isoformat()
        elif name in ("assessment", "note"):
            values[name] = value
        else:
            values[name] = format_number(value).replace(",", "")
    values["band"] = entry.band.value if entry.band else ""
    return values
