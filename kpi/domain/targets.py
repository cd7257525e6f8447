"""Target values (年度指标值 / 指标值 / 目标值) parsed from the free text of published tables.

``parse_target("≥5万宗")`` gives ``Target(kind=COUNT, comparator=GE, value=50000, unit="宗")``.
The rules are in docs/rules/targets.md. Pure: no Flask, no database, no I/O.
"""

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from kpi.domain import _target_lexicon as lex
from kpi.domain._target_dates import find_date


class TargetKind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    MONEY = "money"
    BUDGET_RELATIVE = "budget_relative"
    DEADLINE = "deadline"
    PERIOD = "period"
    QUALITATIVE = "qualitative"


class Comparator(StrEnum):
    GE = ">="
    LE = "<="
    EQ = "="
    GT = ">"
    LT = "<"


class Direction(StrEnum):
    POSITIVE = "positive"  # 正向: more is better, up to the target
    REVERSE = "reverse"  # 反向: less is better


@dataclass(frozen=True)
class Target:
    """One parsed target. ``text`` is the input verbatim: it is never altered or dropped."""

    text: str
    kind: TargetKind
    comparator: Comparator | None
    value: Decimal | None
    unit: str | None
    direction: Direction
    upper: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None
    qualifier: str | None = None
    explicit_operator: bool = False
    notes: tuple[str, ...] = ()  # how the table's context decided what the text left open (Chinese)

    @property
    def is_numeric(self) -> bool:
        return self.value is not None


def direction_of(comparator: Comparator | None) -> Direction:
    # docs/rules/targets.md §3: ≤ (and <) are reverse indicators; ≥, = and no operator are positive.
    return Direction.REVERSE if comparator in (Comparator.LE, Comparator.LT) else Direction.POSITIVE


def parse_target(text: str | None) -> Target:
    """Parse a target value. Never raises: what cannot be read is kept verbatim as qualitative."""
    raw = ""
    try:
        raw = "" if text is None else text if isinstance(text, str) else str(text)
        return _parse(raw)
    except Exception:  # docs/rules/targets.md §4: an unreadable target must never fail the whole import
        return _qualitative(raw)


def split_target(comparator_text: object, value_text: object, unit_text: object) -> Target:
    """Parse the three-column layout 指标性质 | 指标值 | 度量单位, e.g. ("≥", "95", "%").

    The columns are joined into the form a person would write ("≥95%", "1000家以上"), which
    becomes the target's ``text``. Like parse_target, it never raises."""
    try:
        return parse_target(_joined(comparator_text, value_text, unit_text))
    except Exception:  # a cell whose str() fails: keep what can be kept, as qualitative
        return _qualitative("")


def _joined(comparator_text: object, value_text: object, unit_text: object) -> str:
    op, value, unit = (_cell_text(c) for c in (comparator_text, value_text, unit_text))
    op = _NATURE_WORDS.get(op, op)
    unit = lex.PERCENT_UNITS.get(unit, unit)
    if unit and unit not in value:
        value += unit
    has_number = bool(re.search(r"[0-9]", lex.normalise(value)))
    if not has_number and op in ("=", "＝"):
        op = ""  # "=合格" says no more than "合格"
    if op and parse_target(value).explicit_operator:
        op = ""  # the value column already carries its operator
    return value + op if op in lex.SUFFIX_WORDS else op + value


# 指标性质 sometimes names the indicator type instead of an operator: 正向 means "at least the
# target", 反向 "at most", and 定性/定量 say nothing about the comparison.
_NATURE_WORDS = {
    "正向": "≥",
    "正向指标": "≥",
    "反向": "≤",
    "反向指标": "≤",
    "定性": "",
    "定性指标": "",
    "定量": "",
    "定量指标": "",
}


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):  # spreadsheets store 95 as 95.0
        cell = Decimal(repr(cell))
    if isinstance(cell, Decimal):
        cell = format(cell.to_integral_value() if cell == cell.to_integral_value() else cell, "f")
    return str(cell).strip()


def _qualitative(raw: str) -> Target:
    return Target(raw, TargetKind.QUALITATIVE, None, None, None, Direction.POSITIVE)


def _parse(raw: str) -> Target:
    s = lex.normalise(raw)
    if not s:
        return _qualitative(raw)
    budget = _budget_relative(raw, s)
    if budget:
        return budget
    span = find_date(s)
    if span:
        rest = s[: span.start] + s[span.end :]
        quantity = _quantity(raw, rest)
        if quantity:  # "2023年底前完成5个项目" measures the 5 projects; the date only qualifies them
            when = _clean(s[span.start : span.end])
            words = quantity.qualifier or ""
            return replace(quantity, qualifier=when + words if span.start == 0 else _join(words, when))
        kind = TargetKind.PERIOD if span.is_range else TargetKind.DEADLINE
        return Target(
            raw,
            kind,
            None,
            None,
            None,
            Direction.POSITIVE,
            date_from=span.date_from,
            date_to=span.date_to,
            qualifier=_join(_DATE_WORDS.sub("", rest)),
        )
    return _quantity(raw, s) or _qualitative(raw)


# Words around a date that only restate "by this date" (不晚于2023年12月31日, 于…前完成).
_DATE_WORDS = re.compile(r"不晚于|不迟于|最迟|截至|截止|于|在|[≥≤=<>]")

# --- budget-relative targets (≤预算金额) -------------------------------------------------------
_BUDGET_TERM = r"(?:项目|年度|全年)?预算(?:金额|总额|资金|数|额|范围)?"
_BUDGET_AFTER_OP = re.compile(rf"(?P<op>[≥≤=<>]|{lex.PREFIX_ANYWHERE.pattern}){_BUDGET_TERM}(?:以内|之内|内|以下)?")
_BUDGET_BEFORE_WORD = re.compile(rf"{_BUDGET_TERM}(?P<op>以内|之内|内|以下)")


def _budget_relative(raw: str, s: str) -> Target | None:
    """A cap set by the project's own budget; the value comes from budget execution (docs/rules/aggregation.md §5)."""
    if "预算" not in s or re.search(r"[0-9]", s):
        return None
    m = _BUDGET_AFTER_OP.search(s) or _BUDGET_BEFORE_WORD.search(s)
    if m:
        word = m["op"]
        comparator = Comparator(lex.SIGNS.get(word) or lex.PREFIX_WORDS.get(word) or lex.SUFFIX_WORDS[word])
        explicit = True
    elif re.fullmatch(_BUDGET_TERM, s):
        comparator, explicit = Comparator.LE, False  # a bare "预算金额" can only mean "within it"
    else:
        return None
    return Target(
        raw,
        TargetKind.BUDGET_RELATIVE,
        comparator,
        None,
        None,
        direction_of(comparator),
        qualifier=_join(s[: m.start()] + s[m.end() :]) if m else None,
        explicit_operator=explicit,
    )


# --- numeric targets ----------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?")
_RANGE_UPPER = re.compile(r"(?:-|~|至|到)([0-9]+(?:\.[0-9]+)?)")
_APPROX = re.compile(r"余|多")  # "5万余宗", "100多家": the stated number is the target
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}
# Characters that, after 内, make a word (内容, 内部, 内涵 …) rather than "within".
_NEI_COMPOUNDS = frozenset("容部涵地外需控业审网勤务")
_PUNCT = " ,.;:!?、。()[]{}<>\"'“”‘’…-~"


def _quantity(raw: str, s: str) -> Target | None:
    """The target number with its comparator, unit and the words around it, or None."""
    numbers = list(_NUMBER.finditer(s))
    if not numbers:
        return None
    found = _anchor_after_operator(s, numbers)
    if found:
        anchor, comparator, prefix, explicit = found
    else:
        candidates = [m for m in numbers if not _is_year_or_code(s, m)]
        if len(candidates) not in (1, 2):
            return None
        anchor, comparator, prefix, explicit = candidates[0], None, s[: candidates[0].start()], False
    value = Decimal(anchor.group(0))
    if prefix.endswith("-") and (explicit or prefix == "-"):
        value, prefix = -value, prefix[:-1]  # ≥-5%: a negative target, not a range
    unit, pos, factor = _read_unit(s, anchor.end())
    upper = None
    m = _RANGE_UPPER.match(s, pos)
    if m:  # 80%-90%, 80-90%: at least the lower bound, at most the upper one
        upper_unit, upper_pos, upper_factor = _read_unit(s, m.end())
        if unit is None or upper_unit == unit:
            upper, pos = Decimal(m.group(1)), upper_pos
            unit, factor = unit or upper_unit, factor if unit else upper_factor
            upper = _scaled(upper, factor)
            comparator = comparator or Comparator.GE
            explicit = True
    if not found and len(candidates) == 2 and upper is None:
        return None  # two unrelated numbers and no operator to pick one: keep it as words
    m = lex.SUFFIX_AT.match(s, pos)
    if m and m.group(0) == "内" and s[m.end() : m.end() + 1] in _NEI_COMPOUNDS:
        m = None  # 内容, 内部 … are words, not "within"
    suffix_word = m.group(0) if m else None
    if m:
        pos = m.end()
    rest = s[pos:]
    if not suffix_word:
        m = lex.SUFFIX_AT_END.search(rest)
        if m:
            suffix_word, rest = m.group(0), rest[: m.start()]
    if suffix_word and not comparator:
        comparator, explicit = Comparator(lex.SUFFIX_WORDS[suffix_word]), True
    if unit is None and (explicit or not _clean(prefix)):
        unit, rest = _unknown_unit(rest)
    if unit is None and not explicit and _clean(rest):
        return None  # "符合2008标准": a number in a sentence, with no unit and no operator
    if unit is None and ("百分比" in s or "百分率" in s):
        unit = "%"
    comparator = comparator or Comparator.EQ
    return Target(
        raw,
        _kind_of(unit),
        comparator,
        _scaled(value, factor),
        unit,
        direction_of(comparator),
        upper=upper,
        qualifier=_join(_clean(prefix), _clean(rest)),
        explicit_operator=explicit,
    )


def _anchor_after_operator(s: str, numbers: list[re.Match]):
    """(number, comparator, text before the number, True) for the number an operator governs."""
    sign = lex.SIGN_ANYWHERE.search(s)
    if sign:
        after = [m for m in numbers if m.start() >= sign.end()]
        if after:  # ≥深圳市5个行政区: words may sit between the sign and its number
            prefix = s[: sign.start()] + s[sign.end() : after[0].start()]
            return after[0], Comparator(lex.SIGNS[sign.group(0)]), prefix, True
    for m in numbers:  # 满意度不低于90%
        word = lex.PREFIX_AT_END.search(s[max(0, m.start() - 6) : m.start()])
        if word:
            return m, Comparator(lex.PREFIX_WORDS[word.group(0)]), s[: m.start() - len(word.group(0))], True
    word = lex.PREFIX_AT_START.match(s)
    if word:  # 不少于深圳市5个行政区
        first = next((m for m in numbers if m.start() >= word.end()), None)
        if first:
            return first, Comparator(lex.PREFIX_WORDS[word.group(0)]), s[word.end() : first.start()], True
    return None


def _is_year_or_code(s: str, m: re.Match) -> bool:
    """2023年 is a calendar year, GB50300 / ISO9001 a code and 第1 an ordinal, not targets."""
    before = s[m.start() - 1] if m.start() else ""
    if before == "第" or (before.isascii() and before.isalpha()):
        return True
    text = m.group(0)
    return len(text) == 4 and text[:2] in ("19", "20") and s.startswith("年", m.end())


def _read_unit(s: str, pos: int) -> tuple[str | None, int, Decimal]:
    """(unit, position after it, multiplier) for the text right after a number."""
    pos = _skip_approx(s, pos)
    factor = Decimal(1)
    unit = None
    known = lex.match_unit(s, pos)
    if known and known[0] in _MULTIPLIERS:  # 万元, 千克, 千米 are units, not multipliers
        unit, pos = known, pos + len(known)
    elif pos < len(s) and s[pos] in _MULTIPLIERS:
        after = _skip_approx(s, pos + 1)
        known = lex.match_unit(s, after)
        rest = s[after:]
        if not known and s[pos] in "万亿" and (not _clean(rest) or lex.SUFFIX_AT.fullmatch(rest)):
            unit, pos = s[pos] + "元", after  # docs/rules/targets.md §2: a bare 250万 is money, 250 万元
        else:  # ≥5万宗 is 50 000 宗
            factor = _MULTIPLIERS[s[pos]]
            unit, pos = (lex.canonical_unit(known), after + len(known)) if known else (None, after)
    else:
        known = lex.match_unit(s, pos) or _latin(s, pos)
        if known:
            unit, pos = lex.canonical_unit(known), pos + len(known)
    if unit and s.startswith("/", pos):  # compound units: 元/人, 次/年
        per = lex.match_unit(s, pos + 1) or _latin(s, pos + 1)
        if per:
            unit, pos = f"{unit}/{per}", pos + 1 + len(per)
            # docs/rules/targets.md §2: 元/人·月 stays whole, however the dot is printed (元/人*月, 元/人、天).
            joined = _PER_PERIOD.match(s, pos)
            if joined:
                unit, pos = f"{unit}·{joined.group(1)}", joined.end()
    return unit, pos, factor


_PER_PERIOD = re.compile(r"[·•∙*×xX、.]([月天日年周次])")


def _scaled(value: Decimal, factor: Decimal) -> Decimal:
    """value × factor; 1.5万 gives 15000 rather than 15000.0. Unscaled values keep their digits."""
    if factor == 1:
        return value
    with localcontext() as ctx:  # exact, however many digits were typed
        ctx.prec = len(value.as_tuple().digits) + 12
        scaled = value * factor
        return scaled.quantize(Decimal(1)) if scaled == scaled.to_integral_value() else scaled.normalize()


def _skip_approx(s: str, pos: int) -> int:
    m = _APPROX.match(s, pos)
    return m.end() if m else pos


def _latin(s: str, pos: int) -> str | None:
    m = lex.LATIN_UNIT.match(s, pos)
    return m.group(0) if m else None


def _unknown_unit(rest: str) -> tuple[str | None, str]:
    """A short word right after the number that is no known unit still reads as one (10例 -> 例);
    anything longer is the qualifier, so that "10街道办事处" does not yield the unit 街."""
    word = _clean(rest)
    if word and len(word) <= 2 and word == rest and word.isalpha() and word[0] not in lex.NOT_A_UNIT:
        return word, ""
    return None, rest


def _kind_of(unit: str | None) -> TargetKind:
    base = (unit or "").split("/")[0]
    if base in ("%", "‰", "个百分点"):
        return TargetKind.PERCENT
    if base in lex.MONEY_UNITS:
        return TargetKind.MONEY
    if base in lex.DURATION_UNITS:
        return TargetKind.PERIOD  # 30个工作日内, ≤15天: a duration, scored like a count
    return TargetKind.COUNT


def _clean(text: str) -> str:
    return text.strip(_PUNCT)


def _join(*parts: str | None) -> str | None:
    """The words around the number, with … where the number stood: "深圳市…行政区"."""
    kept = [p for p in (_clean(p or "") for p in parts) if p]
    return "…".join(kept) or None
