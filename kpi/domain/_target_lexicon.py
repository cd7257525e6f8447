"""The vocabulary of target values (年度指标值): signs, operator words, units, Chinese numerals.

Private helper of :mod:`kpi.domain.targets`. Comparators are given as the string values of
``targets.Comparator`` (">=", "<=", ...) so that this module needs nothing from it.
Pure: no I/O. See docs/rules/targets.md §2 for what published tables contain.
"""

import re
import unicodedata

# NFKC already folds ＝ ﹦ ＞ ＜ ％ ～ － and full-width digits; these look-alikes it leaves alone.
# ≮ ("not less than") and ≯ ("not greater than") occasionally appear in Word-typed tables.
_LOOKALIKES = str.maketrans(
    {
        "≧": "≥",
        "⩾": "≥",
        "≮": "≥",
        "≦": "≤",
        "⩽": "≤",
        "≯": "≤",
        "〉": ">",
        "〈": "<",
        "—": "-",
        "–": "-",
        "−": "-",
        "─": "-",
    }
)
# Two-character spellings typed on ASCII keyboards, folded to one sign before anything else.
_TWO_CHAR_SIGNS = (("≥=", "≥"), ("≤=", "≤"), (">=", "≥"), ("=>", "≥"), ("<=", "≤"), ("=<", "≤"))
# The seed comes from a PDF with stray spaces ("≥18000 宗", "2023 年 12 月"): drop every space
# except one between two Latin letters, so that "on time" keeps its meaning.
_SPACE_RUN = re.compile(r"\s+")
_LONE_SPACE = re.compile(r"(?<![A-Za-z]) | (?![A-Za-z])")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")

# Sign -> comparator. "±5%" is a tolerance, i.e. at most 5% either way, so it reads as <=.
SIGNS = {"≥": ">=", "≤": "<=", "=": "=", ">": ">", "<": "<", "±": "<="}
# Words before the number. "控制在" ("kept within") caps a value, hence <=.
PREFIX_WORDS = {
    "大于或等于": ">=",
    "大于等于": ">=",
    "不少于": ">=",
    "不低于": ">=",
    "不小于": ">=",
    "至少": ">=",
    "最少": ">=",
    "达到": ">=",
    "达": ">=",
    "小于或等于": "<=",
    "小于等于": "<=",
    "不超过": "<=",
    "不超出": "<=",
    "不高于": "<=",
    "不多于": "<=",
    "不大于": "<=",
    "最多": "<=",
    "控制在": "<=",
    "大于": ">",
    "高于": ">",
    "超过": ">",
    "多于": ">",
    "小于": "<",
    "低于": "<",
    "少于": "<",
    "不足": "<",
}
# Words after the number or unit ("1000家以上", "30个工作日以内").
SUFFIX_WORDS = {
    "及以上": ">=",
    "或以上": ">=",
    "以上": ">=",
    "及以下": "<=",
    "或以下": "<=",
    "以下": "<=",
    "以内": "<=",
    "之内": "<=",
    "内": "<=",
}


def _alternation(words):
    # Longest first, so that 不超过 wins over 超过 and 及以上 over 以上.
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


PREFIX_AT_END = re.compile(f"(?:{_alternation(PREFIX_WORDS)})$")
# At the very start a word may be separated from its number ("不少于深圳市5个行政区"); one-character
# words are left out there because 达 also starts ordinary words (达标率95%).
PREFIX_AT_START = re.compile(f"^(?:{_alternation(w for w in PREFIX_WORDS if len(w) > 1)})")
PREFIX_ANYWHERE = re.compile(_alternation(PREFIX_WORDS))
SUFFIX_AT = re.compile(_alternation(SUFFIX_WORDS))
# A trailing word far from the number ("5家企业以上"); the bare 内 is too common for that.
SUFFIX_AT_END = re.compile(f"(?:{_alternation(w for w in SUFFIX_WORDS if len(w) > 1)})$")
SIGN_ANYWHERE = re.compile("[" + re.escape("".join(SIGNS)) + "]")

# Units, grouped by the kind of target they make. Percent spellings map to one canonical unit.
PERCENT_UNITS = {"%": "%", "百分比": "%", "百分率": "%", "‰": "‰", "个百分点": "个百分点", "百分点": "个百分点"}
MONEY_UNITS = frozenset({"亿元", "万元", "千元", "元"})
DURATION_UNITS = frozenset(
    {
        "个工作日",
        "工作日",
        "个自然日",
        "自然日",
        "个小时",
        "小时",
        "分钟",
        "秒",
        "个月",
        "个星期",
        "星期",
        "周",
        "天",
        "日",
        "月",
        "年",
    }
)
COUNT_UNITS = frozenset(
    {
        "篇次",
        "场次",
        "人次",
        "户次",
        "车次",
        "架次",
        "批次",
        "台次",
        "件次",
        "课时",
        "学时",
        "人天",
        "人日",
        "人月",
        "台套",
        "平方米",
        "立方米",
        "平方公里",
        "公里",
        "千米",
        "米",
        "公顷",
        "亩",
        "吨",
        "千克",
        "公斤",
        "家",
        "场",
        "个",
        "宗",
        "次",
        "篇",
        "人",
        "台",
        "支",
        "条",
        "项",
        "份",
        "件",
        "所",
        "套",
        "期",
        "批",
        "本",
        "册",
        "部",
        "间",
        "处",
        "名",
        "辆",
        "户",
        "座",
        "栋",
        "张",
        "块",
        "类",
        "种",
        "组",
        "对",
        "例",
        "位",
        "轮",
        "届",
        "版",
        "款",
        "门",
        "节",
        "课",
        "首",
        "幅",
        "集",
        "只",
        "头",
        "株",
        "棵",
        "盏",
        "层",
        "床",
        "字",
        "页",
        "分",
    }
)
_KNOWN_UNIT = re.compile(_alternation(set(PERCENT_UNITS) | MONEY_UNITS | DURATION_UNITS | COUNT_UNITS))
# Units written in Latin letters: M, GB, TB, Mbps, m2 (NFKC turns ㎡ into m2).
LATIN_UNIT = re.compile(r"[A-Za-z]+[23]?")
# Characters that never start an unknown unit: they begin operator words or plain grammar.
NOT_A_UNIT = frozenset("以及或内之前后左右上下至到的和与每为余多第")


def match_unit(s: str, pos: int) -> str | None:
    """The longest known measure word at ``s[pos:]``, as written (None when there is none)."""
    m = _KNOWN_UNIT.match(s, pos)
    return m.group(0) if m else None


def canonical_unit(unit: str) -> str:
    return PERCENT_UNITS.get(unit, unit)


def normalise(text: str) -> str:
    """Fold widths, look-alike signs, spaces and thousands separators; then write Chinese numerals
    that plainly count something as digits. The result is only for parsing, never shown."""
    s = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    for two, one in _TWO_CHAR_SIGNS:
        s = s.replace(two, one)
    s = _LONE_SPACE.sub("", _SPACE_RUN.sub(" ", s))
    s = _THOUSANDS.sub("", s)
    s = _PERCENT_WORDS.sub(_percent_words_as_digits, s)
    return _CN_RUN.sub(_numeral_as_digits, s)


# --- Chinese numerals -----------------------------------------------------------------------
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_TENS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_TENS)
# Runs are capped at 12 characters: enough for 一万五千, and no giant integers from junk input.
_CN_RUN = re.compile(f"[{_CN_CHARS}万亿]{{1,12}}")
_PERCENT_WORDS = re.compile(f"百分之([0-9]+(?:\\.[0-9]+)?|[{_CN_CHARS}]{{1,8}})")


def chinese_numeral(run: str) -> int:
    """一 -> 1, 十二 -> 12, 两百 -> 200, 一万五千 -> 15000, 二〇二三 -> 2023."""
    if all(ch in _CN_DIGITS for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
    total = section = digit = 0
    for ch in run:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_TENS:
            section += (digit or 1) * _CN_TENS[ch]
            digit = 0
        else:
            total = (total + section + digit) * _CN_BIG[ch]
            section = digit = 0
    return total + section + digit


def _percent_words_as_digits(m: re.Match) -> str:
    number = m.group(1)
    return (number if number[0].isdigit() else str(chinese_numeral(number))) + "%"


def _numeral_as_digits(m: re.Match) -> str:
    """Only numerals that plainly count something become digits (至少一场, 两次, 三个月内), so that
    words such as 一般, 统一, 十分满意 or 一次性 stay words."""
    run, s = m.group(0), m.string
    if not any(ch in _CN_DIGITS or ch in _CN_TENS for ch in run):
        return run
    before, after = s[: m.start()], s[m.end() :]
    unit = match_unit(after, 0)
    rest = after[len(unit) :] if unit else after
    ends_here = rest == "" or SUFFIX_AT.fullmatch(rest) is not None
    after_operator = bool(before) and (before[-1] in SIGNS or PREFIX_AT_END.search(before[-6:]))
    if after_operator:
        plain = bool(unit) or ends_here
    else:
        plain = before == "" and ends_here
    if not plain:
        return run
    if run[-1] in _CN_BIG and len(run) > 1 and after.startswith("元"):
        # 十万元 is 10 万元: keep the amount in the unit it was written in.
        return f"{chinese_numeral(run[:-1])}{run[-1]}"
    return str(chinese_numeral(run))
