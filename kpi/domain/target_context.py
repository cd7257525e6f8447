"""A target read with its row: the indicator's name, the table's year and 金额单位 (docs/rules/targets.md §8).

Published tables leave things out that their row makes plain, and ``parse_target`` alone would
read them wrong:
- a zero target for something to avoid (``0次`` accidents, a ``0%`` dispute rate) is a cap, ≤ 0;
- a month without a year (``9月前``, ``11月底前``) is a deadline in the table's year, and
  ``1-12月`` a period of that year, not a duration of twelve months;
- a bare number takes its unit from the name: …率 is %, an amount in a 万元 table is 万元, a name
  ending in ``(万美元)`` gives 万美元; a unit after a slash with the currency left out is 元/…;
- an Excel date serial printed where a date belongs (``45291``) is that date, never a count;
- a direction column (正向/反向) beside an operator column: ``反向`` with ``=`` is a cap.

``read_target`` and ``read_split_target`` return the Target with a note (Chinese, for the import's
``--dry-run``) for every decision the row made; the text itself is kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kpi.domain import _target_lexicon as lex
from kpi.domain.targets import Comparator, Direction, Target, TargetKind, parse_target, split_target

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug included)


@dataclass(frozen=True)
class TargetContext:
    """What the row and its table say about a target: the 三级指标 name, the table's year and
    its 金额单位 (None where the table names none)."""

    name: str = ""
    year: int | None = None
    money_unit: str | None = None


def read_target(text: str | None, context: TargetContext = TargetContext()) -> Target:
    """parse_target, then what the row decides (never raises, like parse_target)."""
    raw = "" if text is None else str(text)
    try:
        return _in_context(raw, parse_target(raw), context)
    except Exception:  # docs/rules/targets.md §4: an unreadable target never fails the import
        return parse_target(raw)


def read_split_target(
    comparator_text: object,
    value_text: object,
    unit_text: object,
    direction_text: object = None,
    context: TargetContext = TargetContext(),
) -> Target:
    """split_target (指标性质 | 指标值 | 度量单位), a direction column beside it, then the row."""
    target = split_target(comparator_text, value_text, unit_text)
    try:
        target = _in_context(target.text, target, context)
        return _with_direction(target, str(direction_text or "").strip())
    except Exception:  # as read_target
        return target


# --- the rules, in order ----------------------------------------------------------------------
def _in_context(raw: str, target: Target, context: TargetContext) -> Target:
    s = lex.normalise(raw).strip()
    for rule in (_month_without_year, _period_of_months):
        found = rule(raw, s, target, context)
        if found is not None:
            return found
    target = _unit_from_row(target, context)
    target = _date_serial(target, context)
    return _zero_cap(target)


_MONTH_DEADLINE = re.compile(
    r"(?:于|在)?(\d{1,2})月(?:份)?(?:(?:底|末)(?:前|之前)?|(?:上|中|下)旬前|前|之前|以前|内)"
    r"(?:完成|完工|到位|实现|发放|拨付|兑付|验收)?"
)
_MONTH_DAY_DEADLINE = re.compile(r"(?:于|在)?(\d{1,2})月(\d{1,2})日(?:前|之前|以前)(完成|完工|到位|实现)?")
_MONTH_RANGE = re.compile(r"(\d{1,2})(?:月)?[-—–~～至到](\d{1,2})月(?:份)?")


def _month_without_year(raw: str, s: str, target: Target, context: TargetContext) -> Target | None:
    """``9月前`` in a 2023 table is the deadline 2023-09-30, read as ``2023年9月前`` would be."""
    if context.year is None or "年" in s:
        return None
    if not (_MONTH_DEADLINE.fullmatch(s) or _MONTH_DAY_DEADLINE.fullmatch(s)):
        return None
    month = int(re.match(r"\D*(\d{1,2})", s).group(1))
    if not 1 <= month <= 12:
        return None
    dated = parse_target(f"{context.year}年{s}")
    if dated.kind is not TargetKind.DEADLINE:
        return None
    note = f"“{raw.strip()}”未写年份，按本表年度读作截止日期 {dated.date_to.isoformat()}"
    return replace(dated, text=raw, notes=(*target.notes, note))


def _period_of_months(raw: str, s: str, target: Target, context: TargetContext) -> Target | None:
    """``1-12月`` is the period January to December of the table's year, not twelve months."""
    found = _MONTH_RANGE.fullmatch(s)
    if context.year is None or found is None or "年" in s:
        return None
    first, last = int(found.group(1)), int(found.group(2))
    if not 1 <= first <= last <= 12:
        return None
    dated = parse_target(f"{context.year}年{first}月-{context.year}年{last}月")
    if dated.kind is not TargetKind.PERIOD or dated.date_from is None:
        return None
    note = f"“{raw.strip()}”是本表年度的期间（{dated.date_from.isoformat()} 至 {dated.date_to.isoformat()}），不是时长"
    return replace(dated, text=raw, notes=(*target.notes, note))


_TIME_NAME = re.compile(r"时间|日期|时限|期限|时点|完成时|截止|工期|竣工|交付")
_COUNT_NAME = re.compile(r"数量|数$|人次|人数|户数|家数|个数|次数|量$|规模|面积|长度")
_NAME_UNIT = re.compile(r"[（(]([^（）()]{1,6})[）)]\s*$")
_RATE_NAME = re.compile(r"率|比例|占比|比重|百分比")
_MONEY_NAME = re.compile(r"金额|资金|经费|成本|预算|支出|费用|投入|补助|补贴|投资|价款|造价|拨付")
_PER_WITHOUT_CURRENCY = re.compile(r"^/(\w{1,3})")


def _unit_from_row(target: Target, context: TargetContext) -> Target:
    """A bare number takes its unit from the name or the table (and a slash's missing currency)."""
    if target.value is None or target.unit is not None or target.kind is not TargetKind.COUNT:
        return target
    qualifier = target.qualifier or ""
    per = _PER_WITHOUT_CURRENCY.match(qualifier)
    if per and lex.match_unit(per.group(1), 0):
        unit = f"元/{per.group(1)}"
        rest = qualifier[per.end() :].strip() or None
        note = f"斜杠前未写币种，按“{unit}”读取"
        return replace(target, unit=unit, kind=TargetKind.MONEY, qualifier=rest, notes=(*target.notes, note))
    if qualifier:
        return target
    name = (context.name or "").strip()
    named = _NAME_UNIT.search(name)
    if named and (lex.match_unit(named.group(1), 0) == named.group(1) or named.group(1).endswith("元")):
        unit = lex.canonical_unit(named.group(1))
        note = f"指标值未写单位，按指标名称中的“{named.group(1)}”读取"
        return replace(target, unit=unit, kind=_kind_of_unit(unit), notes=(*target.notes, note))
    if _RATE_NAME.search(name):
        note = "指标值未写单位，指标名称是比率，按百分比（%）读取"
        return replace(target, unit="%", kind=TargetKind.PERCENT, notes=(*target.notes, note))
    if context.money_unit and _MONEY_NAME.search(name) and not (_COUNT_NAME.search(name) or _TIME_NAME.search(name)):
        unit = context.money_unit
        note = f"指标值未写单位，指标名称是金额，按本表金额单位“{unit}”读取"
        return replace(target, unit=unit, kind=TargetKind.MONEY, notes=(*target.notes, note))
    return target


def _kind_of_unit(unit: str) -> TargetKind:
    if unit == "%":
        return TargetKind.PERCENT
    return TargetKind.MONEY if unit.endswith("元") or "元/" in unit or unit.endswith("美元") else TargetKind.COUNT


def _date_serial(target: Target, context: TargetContext) -> Target:
    """An Excel date serial where a date belongs is that date (with a note), never a count."""
    value = target.value
    if (
        context.year is None
        or value is None
        or target.unit is not None
        or target.kind is not TargetKind.COUNT
        or value != value.to_integral_value()
    ):
        return target
    name = context.name or ""
    if target.explicit_operator and not _TIME_NAME.search(name):
        return target  # "≥45000" counts something; only a row about time reads a serial past an operator
    first, last = _serial(date(context.year - 1, 1, 1)), _serial(date(context.year + 1, 12, 31))
    if not first <= value <= last or (_COUNT_NAME.search(name) and not _TIME_NAME.search(name)):
        return target
    day = EXCEL_EPOCH + timedelta(days=int(value))
    note = f"指标值 {value} 是 Excel 日期序列号，按日期 {day.isoformat()} 读取"
    return Target(
        target.text,
        TargetKind.DEADLINE,
        None,
        None,
        None,
        Direction.POSITIVE,
        date_to=day,
        notes=(*target.notes, note),
    )


def _serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def _zero_cap(target: Target) -> Target:
    """A zero target (``0次``, ``0起``, ``0%``, ``=0``) is something to avoid: at most 0."""
    if target.value != 0 or target.upper is not None or target.comparator not in (None, Comparator.EQ):
        return target
    if target.kind not in (TargetKind.COUNT, TargetKind.PERCENT, TargetKind.MONEY):
        return target
    note = "目标为 0：应避免的事项，按上限（≤0）读取，发生即未达标"
    return replace(target, comparator=Comparator.LE, direction=Direction.REVERSE, notes=(*target.notes, note))


def _with_direction(target: Target, direction_text: str) -> Target:
    """A direction column: 反向 beside ``=`` (or no operator) makes the target a cap."""
    word = direction_text.removesuffix("指标")
    if word == "反向" and target.value is not None and target.comparator in (None, Comparator.EQ):
        note = "方向列为“反向”，按上限（≤）读取"
        return replace(target, comparator=Comparator.LE, direction=Direction.REVERSE, notes=(*target.notes, note))
    return target
