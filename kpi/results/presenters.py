"""How entries and year-to-date figures read on screen (Chinese, with units)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, FIELDS, Entry
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


def entry_text(indicator: Indicator, entry: Entry) -> str:
    """One quarter's entry as a person reads it ('5,000宗', '52.3%（523/1,000）', '达成：…'); '' when empty."""
    aggregation = indicator.aggregation
    if aggregation == Aggregation.QUALITATIVE:
        band = BAND_LABELS.get(entry.band, "") if entry.band else ""
        return "：".join(part for part in (band, entry.assessment or "") if part)
    if aggregation == Aggregation.DEADLINE:
        return f"已于 {entry.achieved_on.isoformat()} 完成" if entry.achieved_on else ""
    if aggregation == Aggregation.RATE:
        ratio = (
            f"{format_number(entry.numerator)}/{format_number(entry.denominator)}"
            if entry.numerator is not None and entry.denominator is not None
            else ""
        )
        if entry.value is not None:
            return f"{format_number(entry.value)}%" + (f"（{ratio}）" if ratio else "")
        return ratio
    if entry.value is None:
        return ""
    return f"{format_number(entry.value)}{indicator.unit or ''}"


class LinkedFigure(NamedTuple):
    """同一指标: what a unit-table row shows instead of inputs, its project row's figure.

    ``figure`` is this quarter's entry on the project row ('' when none yet), ``url`` goes to that
    row on the same form."""

    project: str
    figure: str
    url: str
    error: str | None = None  # a figure sent for the row anyway (a stale page, a crafted post), refused


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


class EntryInput(NamedTuple):
    """One input of the entry form: the text it shows and the Chinese error beside it."""

    text: str
    error: str | None = None


_UNUSED = EntryInput("")  # the inputs an indicator's aggregation rule does not show
_SHOWN = {aggregation: fields + ("note",) for aggregation, fields in INPUTS.items()}


@dataclass(slots=True)
class EntryRow:
    """One indicator's row of the entry form, every text ready to print.

    The form prints some 80 rows, and Jinja pays for every lookup, call, macro and include
    inside a row; so a row carries plain attributes and the template only prints them.
    ``level1_rows``/``level2_rows`` are the rowspans of the merged 一级/二级 cells, 0 on the
    rows that those cells cover."""

    id: int
    aggregation: str
    name: str
    label: str  # unique among the form's rows (project·name), for screen readers
    target_text: str
    unit: str
    before: str  # year to date up to the previous quarter
    hint: str
    history_url: str
    level1: str
    level2: str
    value: EntryInput
    numerator: EntryInput
    denominator: EntryInput
    band: EntryInput
    achieved_on: EntryInput
    assessment: EntryInput
    note: EntryInput
    has_errors: bool
    linked: LinkedFigure | None = None  # entered on a project's row (kpi/indicators/links.py): no inputs
    level1_rows: int = 0
    level2_rows: int = 0
    html: Markup = Markup("")  # the whole <tr>, as results/_row.html renders it (kpi.results.views)


def entry_row(
    indicator: Indicator,
    *,
    project: str | None,
    before: YearToDate,
    stored: Entry,
    typed: Mapping[str, str],
    errors: Mapping[str, str],
    history_url: str,
    linked: LinkedFigure | None = None,
) -> EntryRow:
    """The row of ``indicator``: what was typed wins over what is stored; errors go beside their fields.

    A ``linked`` row (同一指标) has no inputs: it shows its project row's figure and links there."""
    aggregation, name = indicator.aggregation, indicator.name
    texts = entry_inputs(stored)
    texts.update(typed)
    inputs = dict.fromkeys(FIELDS, _UNUSED)
    for field in _SHOWN.get(aggregation, ("note",)) if linked is None else ():
        inputs[field] = EntryInput(texts.get(field, ""), errors.get(field))
    if linked is not None and errors:
        linked = linked._replace(error=next(iter(errors.values())))
    return EntryRow(
        id=indicator.id,
        aggregation=aggregation,
        name=name,
        label=f"{project}·{name}" if project else name,
        target_text=indicator.target_text,
        unit=indicator.unit or "",
        before=ytd_text(indicator, before),
        hint=INPUT_HINTS.get(aggregation, ""),
        history_url=history_url,
        level1=indicator.level1,
        level2=indicator.level2,
        has_errors=bool(errors),
        linked=linked,
        **inputs,
    )
