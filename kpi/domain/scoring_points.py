"""分值 allocation for the self-evaluation (docs/rules/scoring.md §1, docs/rules/scoring.md §2): first-level weights, the equal
split inside a level or the unit's own 分值, and rescaling when a level is empty.

Pure: no Flask, no database, no I/O. Every share is rounded half up to 2 decimals and the
rounding remainder goes to the last item, so each level (and the whole) adds up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from kpi.domain.scoring_inputs import IndicatorInput
from kpi.domain.scoring_numbers import num_text as _num
from kpi.domain.scoring_numbers import round2 as _round
from kpi.domain.scoring_settings import HUNDRED, ScoringSettings, level_key

ZERO = Decimal(0)


def allocate_points(
    indicators: Sequence[IndicatorInput], settings: ScoringSettings = ScoringSettings()
) -> dict[object, Decimal]:
    """分值 of each indicator, by key (docs/rules/scoring.md §2). With at least one indicator they add up, with the
    budget points, to exactly 100 (without them when the budget is left out of 总分, docs/rules/scoring.md §14.1) —
    unless the settings keep a table's printed 分值 as they are (docs/rules/scoring.md §14.2).

    - A first level gets its configured points; one not configured gets 0. When a configured
      level has no indicators, the levels present share 100 − budget points in proportion to
      their weights (equally, if all of them weigh 0).
    - Within a level the points are split equally, unless the unit set 分值. If it set all of
      them, they are used as they are when they add up to the level's points, and scaled in
      proportion when they don't (equally, if all are 0). If it set some, the others share
      what is left; if the set ones exceed the level, they are scaled down to it and the
      others get 0.
    - Points are rounded to 2 decimals; the rounding remainder goes to the last indicator of
      each level (and the last level), so every level adds up exactly."""
    return dict(zip((i.key for i in indicators), allocate(indicators, settings).shares))


def allocate_with_notes(indicators: Sequence[IndicatorInput], settings: ScoringSettings):
    """(level points by label, points by key, notes in Chinese): ``allocate`` as it was first shaped."""
    level_points, shares, _members, notes = allocate(indicators, settings)
    return level_points, dict(zip((i.key for i in indicators), shares)), notes


class Allocation(NamedTuple):
    """The 分值 of one table (docs/rules/scoring.md §2), as score_self_evaluation uses them."""

    level_points: dict[str, Decimal]  # first-level label -> its points
    shares: list[Decimal]  # 分值 of each indicator, in the order given
    members: dict[str, list[int]]  # first-level label -> the positions of its indicators, in order
    notes: list[str]  # how the 分值 were allocated, in Chinese


def allocate(indicators: Sequence[IndicatorInput], settings: ScoringSettings) -> Allocation:
    """The 分值 of every indicator and of every first level (see allocate_points)."""
    levels: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    seen: set[object] = set()
    for position, item in enumerate(indicators):
        key = item.key
        if key in seen:
            raise ValueError(f"指标标识重复：{key!r}")
        seen.add(key)
        k = level_key(item.level1)
        positions = levels.get(k)
        if positions is None:  # the first of its level names it
            levels[k] = positions = []
            labels[k] = item.level1.strip()
        positions.append(position)
    notes: list[str] = []
    if settings.weights == "printed":
        printed = _printed(indicators, levels, labels, settings, notes)
        if printed is not None:
            return printed
    totals = _level_totals(levels, labels, settings, notes)
    shares = [ZERO] * len(seen)  # one per indicator (their keys are unique), all set below
    for k, positions in levels.items():
        level_shares = _split([indicators[p] for p in positions], totals[k], labels[k], notes)
        for position, share in zip(positions, level_shares):
            shares[position] = share
    return Allocation(
        {labels[k]: totals[k] for k in levels}, shares, {labels[k]: positions for k, positions in levels.items()}, notes
    )


def _printed(indicators, levels, labels, settings: ScoringSettings, notes: list[str]) -> Allocation | None:
    """docs/rules/scoring.md §14.2: a table that prints every row's 分值 is scored by them as they
    are, whatever its level totals (70/20/10, 60/40): the publisher's points are never rescaled.
    A table missing some falls back to the level weights (None), with a note saying so."""
    missing = sum(1 for i in indicators if i.points is None)
    if not indicators or missing:
        if missing:
            notes.append(f"{missing} 项指标未列分值，改按一级指标分值分配")
        return None
    shares = [i.points for i in indicators]
    totals = {labels[k]: sum([shares[p] for p in positions], ZERO) for k, positions in levels.items()}
    whole = sum(totals.values(), ZERO)
    budget = settings.budget_points if settings.budget_mode == "counted" else ZERO
    levels_text = "，".join(f"{label} {_num(points)}" for label, points in totals.items())
    note = f"按表中列示的分值计分，不作调整：{levels_text}"
    if whole + budget != HUNDRED:
        counted = f"加预算执行 {_num(budget)} 分共 {_num(whole + budget)}" if budget else f"合计 {_num(whole)}"
        note += f"（{counted}，不是 100）"
    notes.append(note)
    return Allocation(totals, shares, {labels[k]: positions for k, positions in levels.items()}, notes)


def _level_totals(levels, labels, settings: ScoringSettings, notes: list[str]) -> dict[str, Decimal]:
    rest = (
        settings.indicator_points
    )  # 100 − budget points by default (docs/rules/scoring.md §1, docs/rules/scoring.md §14.1)
    weights: dict[str, Decimal] = {}
    for k in levels:
        found = settings.level_weight(labels[k])
        weights[k] = found[1] if found else ZERO
        if not found:
            notes.append(f"一级指标“{labels[k]}”未设定分值，按 0 分计")
    configured = sum(weights.values(), ZERO)
    if not levels or configured == rest:
        return weights
    empty = [name for name in settings.level_points if level_key(name) not in levels]
    if configured > 0:
        raw = [rest * w / configured for w in weights.values()]
    else:
        raw = [rest / len(levels)] * len(levels)
    totals = dict(zip(weights, _add_up_to([_round(r) for r in raw], rest)))
    why = f"{'、'.join(empty)}没有指标" if empty else "各一级指标均未设定分值"
    if configured > 0:
        how = "；".join(
            f"{labels[k]} {_num(rest)} × {_num(w)} ÷ {_num(configured)} = {_num(totals[k])}"
            for k, w in weights.items()
            if w > 0
        )
    else:
        how = f"{_num(rest)} 分由 {len(levels)} 个一级指标平分"
    notes.append(f"{why}：一级指标分值按比例调整，使总分仍为 100：{how}")
    return totals


def _split(items: list[IndicatorInput], total: Decimal, label: str, notes: list[str]) -> list[Decimal]:
    n = len(items)
    given = [i.points for i in items if i.points is not None]
    if not given:  # the usual case: one share, rounded once
        share = _round(total / n)
        if n > 1:
            notes.append(_equal_note(label, total, n, share))
        return _add_up_to([share] * n, total)
    chosen = sum(given, ZERO)
    equal = [total / n] * n
    if len(given) == n:
        if chosen == total:
            raw, note = [i.points for i in items], None
        elif chosen > 0:
            raw = [i.points * total / chosen for i in items]
            note = f"{label}：单位设定的分值合计 {_num(chosen)}，按比例调整为本级的 {_num(total)} 分"
        else:
            raw, note = equal, f"{label}：单位设定的分值均为 0，改为平分本级的 {_num(total)} 分"
    elif chosen <= total:
        share = (total - chosen) / (n - len(given))
        raw = [share if i.points is None else i.points for i in items]
        note = (
            f"{label}：单位设定 {len(given)} 项共 {_num(chosen)} 分，其余 {n - len(given)} 项"
            f"平分剩余的 {_num(total - chosen)} 分"
        )
    else:
        raw = [ZERO if i.points is None else i.points * total / chosen for i in items]
        note = (
            f"{label}：单位设定的分值合计 {_num(chosen)}，超过本级的 {_num(total)} 分，按比例调减；"
            f"未设定分值的 {n - len(given)} 项计 0 分"
        )
    if note:
        notes.append(note)
    return _add_up_to([_round(r) for r in raw], total)


def _equal_note(label: str, total: Decimal, n: int, share: Decimal) -> str:
    each = f"每项 {_num(share)}" if share * n == total else f"每项约 {_num(share)}，尾差计入最后一项"
    return f"{label} {_num(total)} 分由 {n} 项指标平分，{each}"


def _add_up_to(rounded: list[Decimal], total: Decimal) -> list[Decimal]:
    """Shares already rounded to 2 decimals, made to add up to ``total``: the last takes the
    remainder.

    A negative remainder larger than the last share (tiny shares, many items) is taken from
    the ones before it, so that no share goes below 0."""
    remainder = total - sum(rounded, ZERO)
    for i in reversed(range(len(rounded))):
        if remainder == ZERO:
            break
        take = max(remainder, -rounded[i])
        rounded[i] += take
        remainder -= take
    return rounded
