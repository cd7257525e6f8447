"""Deadlines and periods inside target values (2023年12月31日前, 2023.07-2024.01, 2023年底前).

Private helper of :mod:`kpi.domain.targets`; it works on text already passed through
``_target_lexicon.normalise`` (no spaces, ASCII digits). Pure: no I/O.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from kpi.domain._target_lexicon import match_unit

_YEAR = r"(?:19|20)[0-9]{2}"
_SEP = r"(?:-|~|至|到)"
# "…前", "…之前", "…为止" close a deadline; they belong to the date, not to the rest of the text.
_TAIL = r"(?:之前|以前|前|为止|止)?"


def _full_date(tag: str) -> str:
    """2023年7月[1日] or 2023.07[.01] / 2023-07[-01] / 2023/07[/01] (same separator twice)."""
    return (
        rf"(?:(?P<{tag}cy>{_YEAR})年(?P<{tag}cm>[0-9]{{1,2}})月(?:(?P<{tag}cd>[0-9]{{1,2}})[日号])?"
        rf"|(?P<{tag}dy>{_YEAR})(?P<{tag}ds>[./-])(?P<{tag}dm>[0-9]{{1,2}})"
        rf"(?:(?P={tag}ds)(?P<{tag}dd>[0-9]{{1,2}}))?(?![0-9]))(?:底|末)?"
    )


_RANGE = re.compile(
    rf"(?<![0-9.]){_full_date('a')}{_SEP}"
    rf"(?:{_full_date('b')}|(?P<bm>[0-9]{{1,2}})月(?:(?P<bd>[0-9]{{1,2}})[日号])?(?:底|末)?)"
)
_YEAR_RANGE = re.compile(rf"(?<![0-9.])(?P<y1>{_YEAR})年?{_SEP}(?P<y2>{_YEAR})年度?")
_DATE = re.compile(rf"(?<![0-9.]){_full_date('s')}{_TAIL}")
_YEAR_END = re.compile(rf"(?<![0-9.])(?P<y>{_YEAR})年(?:年|度)?(?:底|末|终|内){_TAIL}")
_HALF_OR_QUARTER = re.compile(
    rf"(?<![0-9.])(?P<y>{_YEAR})年度?(?:(?P<h>上半年|下半年)|第?(?P<q>[一二三四1-4])季度)(?:末|底)?{_TAIL}"
)
# A bare year is a deadline only when nothing but "前/完成/止" follows ("2023年度", "2025年前完成").
_BARE_YEAR = re.compile(rf"(?<![0-9.])(?P<y>{_YEAR})年度?(?=(?:之|以)?前|完成|止|$){_TAIL}")
# Deadlines without a year (12月31日前, 12月底前, 年底前, 每月10日前): the date stays unknown.
# "3年内" and "半年内" are durations, not "within this year", hence the look-behind.
_YEARLESS = re.compile(
    r"(?:(?<![0-9.])[0-9]{1,2}月[0-9]{1,2}[日号]|(?<![0-9.])[0-9]{1,2}月(?:底|末)"
    rf"|(?<![0-9个半])(?:本|当|今)?(?:年底|年末|年终|年内)|(?<![0-9.])[0-9]{{1,2}}[日号](?:之|以)?前){_TAIL}"
)
_QUARTER_END_MONTH = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}


@dataclass(frozen=True)
class DateSpan:
    """Where a deadline or period was found in the text, and the dates it stands for."""

    start: int
    end: int
    is_range: bool
    date_from: date | None
    date_to: date | None


def _day(year: int, month: int, day: int | None, last: bool) -> date | None:
    """The date, or the first/last day of the month when no day is given; None if impossible."""
    if not 1 <= month <= 12:
        return None
    days_in_month = calendar.monthrange(year, month)[1]
    if day is None:
        day = days_in_month if last else 1
    return date(year, month, day) if 1 <= day <= days_in_month else None


def _ymd(m: re.Match, tag: str) -> tuple[int, int, int | None] | None:
    for style in ("c", "d"):
        year = m.group(f"{tag}{style}y")
        if year:
            day = m.group(f"{tag}{style}d")
            return int(year), int(m.group(f"{tag}{style}m")), int(day) if day else None
    return None


def _looks_like_a_number(s: str, m: re.Match, tag: str) -> bool:
    """2023.12 followed by a unit (2023.12万元, 2023.5个) is an amount, not a month."""
    if not m.group(f"{tag}dy") or m.end() >= len(s):
        return False
    nxt = s[m.end()]
    return bool(match_unit(s, m.end())) or nxt in "%‰万亿千元" or (nxt.isascii() and nxt.isalnum())


def find_date(s: str) -> DateSpan | None:
    """The first deadline or period in ``s``: ranges win over single dates, dated over undated."""
    m = _RANGE.search(s)
    if m and not _looks_like_a_number(s, m, "b"):
        year, month, day = _ymd(m, "a")
        end = _ymd(m, "b")
        if end is None:  # 2023年11月-2月: the end month without a year rolls into the next year
            end_month = int(m.group("bm"))
            bd = m.group("bd")
            end = (year + (end_month < month), end_month, int(bd) if bd else None)
        return DateSpan(m.start(), m.end(), True, _day(year, month, day, last=False), _day(*end, last=True))
    m = _YEAR_RANGE.search(s)
    if m:
        return DateSpan(m.start(), m.end(), True, date(int(m["y1"]), 1, 1), date(int(m["y2"]), 12, 31))
    m = _DATE.search(s)
    if m and not _looks_like_a_number(s, m, "s"):
        return DateSpan(m.start(), m.end(), False, None, _day(*_ymd(m, "s"), last=True))
    for pattern in (_YEAR_END, _HALF_OR_QUARTER, _BARE_YEAR):
        m = pattern.search(s)
        if m:
            return DateSpan(m.start(), m.end(), False, None, _period_end(m))
    m = _YEARLESS.search(s)
    if m:
        return DateSpan(m.start(), m.end(), False, None, None)
    return None


def _period_end(m: re.Match) -> date:
    year = int(m["y"])
    groups = m.groupdict()
    if groups.get("q"):
        return _day(year, _QUARTER_END_MONTH[groups["q"]], None, last=True)
    if groups.get("h") == "上半年":
        return date(year, 6, 30)
    return date(year, 12, 31)
