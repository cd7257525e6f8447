"""Reading the monitoring form: every typed string checked, every fault listed at once.

July figures and projections go through kpi.domain.entries (one validation path for the whole
system: a negative count, a numerator above its denominator, a percentage over 100 or a
malformed date read the same everywhere). Lists come from kpi.domain.monitoring. Faults are
keyed ("indicator"|"line"|"report", id, field) with a Chinese message, like quarterly results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import BAND_LABELS, MAX_TEXT, Entry, EntryError, parse_amount, parse_band, parse_entry
from kpi.domain.monitoring import CAUSE_CATEGORIES, EXPLAIN_OVER_COMPLETION, LIKELIHOODS, Projection
from kpi.domain.numbers import plain_number
from kpi.formatting import format_number
from kpi.indicators.links import SAME_AS_MESSAGE
from kpi.monitoring.sheet import UNIT_TABLE, MonitoringSheet
from kpi.results.presenters import entry_inputs
from kpi.workflow import changes as workflow_changes

# The July inputs each aggregation rule takes (a subset of kpi.domain.entries.INPUTS).
JULY_FIELDS: dict[str, tuple[str, ...]] = {
    "cumulative": ("value",),
    "level": ("value",),
    "rate": ("numerator", "denominator", "value"),
    "qualitative": ("band",),
    "deadline": ("achieved_on",),
    "budget": (),
}
# The projection's input by aggregation rule.
FORECAST_FIELD = {"qualitative": "forecast_band", "deadline": "forecast_date"}
TEXT_LIMITS = {"cause": "原因说明", "corrective_measures": "纠偏措施", "remark": "备注"}

FIELD_LABELS = {
    "july_value": "7月完成值",
    "july_numerator": "7月分子",
    "july_denominator": "7月分母",
    "july_band": "7月完成等级",
    "july_achieved_on": "完成日期",
    "forecast": "全年预计完成值",
    "forecast_band": "全年预计完成值",
    "forecast_date": "预计完成日期",
    "deviation": "偏差",
    "cause_category": "偏差原因类别",
    "cause": "原因说明",
    "likelihood": "完成目标可能性",
    "corrective_measures": "纠偏措施",
    "remark": "备注",
}
LINE_LABELS = {
    "spent_july": "7月执行数（万元）",
    "forecast_spent": "全年预计执行数（万元）",
    "cause": "偏差说明",
    "spent_to_july": "1–7月执行数（万元）",
}
SUMMARY_LABEL = "总体情况说明"

MISSING = {
    "cause_category": "有偏差，请选择偏差原因类别",
    "cause": "有偏差，请说明原因",
    "likelihood": "有偏差，请选择完成目标可能性",
    "corrective_measures": "有偏差，请填写纠偏措施",
}
MISSING_OVER_COMPLETION = "超额完成（达到目标的130%以上），请说明原因"
MISSING_LINE_CAUSE = "预计执行率不是100%，请填写偏差说明"


InputRejected = workflow_changes.InputRejected  # faults by (kind, id, field), or on submit what is missing


@dataclass(frozen=True)
class ItemInput:
    july: Entry = Entry()
    forecast: Projection = Projection()  # as typed (empty: follow the trend)
    cause_category: str | None = None
    cause: str | None = None
    likelihood: str | None = None
    corrective_measures: str | None = None
    remark: str | None = None  # 备注: never required


@dataclass(frozen=True)
class LineInput:
    july: Decimal | None = None
    forecast: Decimal | None = None
    cause: str | None = None


@dataclass
class MonitoringInput:
    """Validated values; only the indicators and lines present are changed."""

    items: dict[int, ItemInput] = field(default_factory=dict)
    lines: dict[int, LineInput] = field(default_factory=dict)
    summary: str | None = None
    summary_posted: bool = False


def parse_input(
    sheet: MonitoringSheet,
    raw_items: Mapping[int, Mapping[str, str | None]],
    raw_lines: Mapping[int, Mapping[str, str | None]],
    raw_summary: str | None = None,
) -> MonitoringInput:
    """Check every typed string; raise InputRejected listing all faults, or return the values."""
    by_id = {indicator.id: indicator for indicator in sheet.indicators}
    line_ids = {line.id for line in sheet.budget_lines}
    data, errors = MonitoringInput(), {}
    linked = {}
    for indicator_id, raw in raw_items.items():
        indicator = by_id.get(indicator_id)
        if indicator is None:
            errors[("indicator", indicator_id, "forecast")] = "指标不属于本单位本年度"
            continue
        if sheet.source_of(indicator) is not None:
            linked[indicator_id] = raw  # checked once the project rows sent with it are read
            continue
        found: dict[str, str] = {}
        item = _item(indicator.aggregation, {**stored_inputs(sheet, indicator_id), **raw}, sheet.year.year, found)
        errors.update({("indicator", indicator_id, name): message for name, message in found.items()})
        data.items[indicator_id] = item
    for indicator_id, raw in linked.items():
        if not _entered_once(sheet, by_id[indicator_id], raw, data):
            indicator = by_id[indicator_id]
            first = (JULY_FIELDS.get(indicator.aggregation) or ("forecast",))[0]
            errors[("indicator", indicator_id, first)] = SAME_AS_MESSAGE.format(project=sheet.source_project(indicator))
    for line_id, raw in raw_lines.items():
        if line_id not in line_ids:
            errors[("line", line_id, "july")] = "预算项目不属于本单位本年度"
            continue
        found = {}
        raw = {**stored_line_inputs(sheet, line_id), **raw}
        july = _read(found, "july", lambda: parse_amount(raw.get("july")))  # noqa: B023  (called at once)
        forecast = _read(found, "forecast", lambda: parse_amount(raw.get("forecast")))  # noqa: B023
        cause = _text(found, "cause", raw.get("cause"), "偏差说明")
        errors.update({("line", line_id, name): message for name, message in found.items()})
        data.lines[line_id] = LineInput(july, forecast, cause)
    if raw_summary is not None:
        found = {}
        data.summary, data.summary_posted = _text(found, "summary", raw_summary, SUMMARY_LABEL), True
        errors.update({("report", 0, name): message for name, message in found.items()})
    if errors:
        raise InputRejected(errors)
    return data


def _entered_once(sheet: MonitoringSheet, indicator, raw: Mapping[str, str | None], data: MonitoringInput) -> bool:
    """同一指标: a unit-table row repeating a project's row is entered on the project's row only.
    Sending it nothing, or exactly what it shows (the project row's values, as stored or as sent
    now), is no entry; anything else is refused."""
    if all(not (value or "").strip() for value in raw.values()):
        return True
    source, year = sheet.source_of(indicator), sheet.year.year
    found: dict[str, str] = {}
    sent = _item(indicator.aggregation, {**stored_inputs(sheet, indicator.id), **raw}, year, found)
    stored = _item(source.aggregation, stored_inputs(sheet, source.id), year, {})
    return not found and sent in (stored, data.items.get(source.id))


def stored_inputs(sheet: MonitoringSheet, indicator_id: int) -> dict[str, str]:
    """An indicator's stored values as the strings its inputs hold: a field that is not posted
    keeps its stored value (a blank projection follows the trend)."""
    july = {
        name: value
        for name, value in entry_inputs(sheet.july(indicator_id)).items()
        if name not in ("assessment", "note")
    }
    texts = {name: value or "" for name, value in sheet.texts(indicator_id).items()}
    return {**july, **projection_inputs(sheet.forecast(indicator_id)), **texts}


def stored_line_inputs(sheet: MonitoringSheet, line_id: int) -> dict[str, str]:
    return {
        "july": plain(sheet.line_july(line_id)),
        "forecast": plain(sheet.line_forecast(line_id)),
        "cause": sheet.line_cause(line_id) or "",
    }


def projection_inputs(projection: Projection) -> dict[str, str]:
    return {
        "forecast": "" if projection.value is None else plain(projection.value),
        "forecast_band": projection.band.value if projection.band else "",
        "forecast_date": projection.on.isoformat() if projection.on else "",
    }


def plain(amount: Decimal | None) -> str:
    return "" if amount is None else plain_number(amount)


def _item(aggregation: str, raw: Mapping[str, str | None], year: int, errors: dict[str, str]) -> ItemInput:
    july = Entry()
    july_raw = {name: raw[name] for name in ("value", "numerator", "denominator", "band", "achieved_on") if name in raw}
    try:
        july = parse_entry(Aggregation(aggregation), july_raw, year=year)
    except EntryError as error:
        errors.update(error.errors)
    forecast = _forecast(aggregation, raw, year, errors)
    category = _choice(errors, "cause_category", raw.get("cause_category"), CAUSE_CATEGORIES, "偏差原因类别")
    likelihood = _choice(errors, "likelihood", raw.get("likelihood"), LIKELIHOODS, "完成目标可能性")
    texts = {name: _text(errors, name, raw.get(name), label) for name, label in TEXT_LIMITS.items()}
    return ItemInput(
        july, forecast, category, texts["cause"], likelihood, texts["corrective_measures"], texts["remark"]
    )


def _forecast(aggregation: str, raw: Mapping[str, str | None], year: int, errors: dict[str, str]) -> Projection:
    name = FORECAST_FIELD.get(aggregation, "forecast")
    text = raw.get(name)
    if aggregation == "qualitative":
        return Projection(band=_read(errors, name, lambda: parse_band(text)))
    if aggregation == "deadline":
        return Projection(
            on=_read(
                errors, name, lambda: parse_entry(Aggregation.DEADLINE, {"achieved_on": text}, year=year).achieved_on
            )
        )
    if aggregation == "budget":
        return Projection(value=_read(errors, name, lambda: parse_amount(text)))
    # Rates are projected as a percentage (0–100); counts and levels as a number ≥ 0.
    rule = Aggregation.RATE if aggregation == "rate" else Aggregation.LEVEL
    return Projection(value=_read(errors, name, lambda: parse_entry(rule, {"value": text}).value))


def _read(errors: dict[str, str], name: str, parse):
    try:
        return parse()
    except EntryError as error:
        errors[name] = next(iter(error.errors.values()))
        return None


def _choice(errors: dict[str, str], name: str, text: str | None, allowed: tuple[str, ...], label: str) -> str | None:
    value = (text or "").strip()
    if value and value not in allowed:
        errors[name] = f"请从列表中选择{label}：" + " / ".join(allowed)
        return None
    return value or None


def _text(errors: dict[str, str], name: str, text: str | None, label: str) -> str | None:
    value = (text or "").strip()
    if len(value) > MAX_TEXT:
        errors[name] = f"{label}过长（最多 {MAX_TEXT} 字）"
        return None
    return value or None


def missing_message(required: tuple[str, ...], name: str) -> str:
    return MISSING_OVER_COMPLETION if required == EXPLAIN_OVER_COMPLETION else MISSING[name]


def incomplete(sheet: MonitoringSheet) -> dict[tuple[str, int, str], str]:
    """What the stored report still lacks before it can be submitted (empty: complete)."""
    missing = {}
    for row in sheet.lines():
        source = sheet.source_of(row.indicator)
        for name in row.missing:
            message = missing_message(row.monitoring.required, name)
            if source is None:
                missing[("indicator", row.indicator.id, name)] = message
            else:  # 同一指标: explained on the project's row, which it shows
                missing.setdefault(("indicator", source.id, name), f"{message}（{UNIT_TABLE}表中的同一指标）")
    for row in sheet.budget_rows():
        for name in row.missing:
            missing[("line", row.line.id, name)] = MISSING_LINE_CAUSE
    return missing


def display(value: object) -> str:
    """How a stored value reads in messages and the audit trail."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_number(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value in BAND_LABELS:
        return BAND_LABELS[value]
    return str(value)
