"""预算数 in the browser: the amounts of a year whose target tables are still drafts.

A year rolled over (年度结转, kpi.budget.carry_over) has its budget lines with 0 and the mark
【预算数待填】, because the new budget is not known when the drafts are made. Once it is, the
unit's 填报人 types each line's 年初预算数 (and 调整后预算数, where the budget was adjusted) on this
page instead of importing a table. The rules:

- only while every target table of the unit's year is a draft: an approved budget changes only
  with the finance bureau (docs/rules/lifecycle.md §1);
- every amount is read as the quarterly 执行数 are (kpi.domain.entries.parse_amount: ≥ 0, at most
  12 integer digits and 4 decimals, in 万元); 年初预算数 is required, 调整后预算数 may stay blank;
- all or nothing: one fault refuses the page with every fault named by line and field, what was
  typed kept, nothing written;
- what a save overwrites must be what the page showed: each line is locked and compared with the
  amounts the page was drawn with, so a second person's save in between is never lost silently;
- each changed amount is audited; a line filled loses its 【预算数待填】 mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from kpi.audit.service import record
from kpi.budget.carry_over import amounts_to_fill, without_mark
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.rows import lock_row
from kpi.domain.entries import EntryError, parse_amount
from kpi.domain.numbers import plain_number
from kpi.indicators.tables import tables_of_year

FIELDS = {"initial": "年初预算数", "adjusted": "调整后预算数"}
AUDIT_FIELD = "预算数"
NOT_DRAFT = "本年度指标表已提交或已批复，预算数不能在此修改；如需调整请联系财政局。"
CONFLICT = "其他人已在您打开页面后修改了下列预算数，您的修改尚未保存：{names}。请核对最新数值后重新填写。"


@dataclass(frozen=True)
class Amounts:
    initial: Decimal
    adjusted: Decimal | None

    @classmethod
    def of(cls, line: BudgetLine) -> Amounts:
        return cls(line.initial_budget, line.adjusted_budget)

    @property
    def texts(self) -> dict[str, str]:
        """Each field (FIELDS) as its input shows it: blank for no amount."""
        return {
            name: "" if value is None else plain_number(value)
            for name, value in zip(FIELDS, (self.initial, self.adjusted))
        }

    @property
    def shown(self) -> str:
        """The amounts as the page carries them back (``b<id>-was``), to detect a save in between."""
        return "|".join(self.texts.values())


class AmountsRejected(ValueError):
    """Nothing was saved; ``errors`` by (line id, field), in Chinese."""

    def __init__(self, errors: dict[tuple[int, str], str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


class AmountsConflict(ValueError):
    """Nothing was saved: the named lines changed since the page was drawn."""

    def __init__(self, names: list[str]):
        super().__init__(CONFLICT.format(names="、".join(names)))
        self.names = names


def editable(session: Session, unit: Unit, fiscal_year: FiscalYear) -> bool:
    """Whether the unit's year is still drafts (no table submitted or approved)."""
    return all(table.status == "draft" for table in tables_of_year(session, unit.id, fiscal_year.id).values())


def read_amounts(lines: list[BudgetLine], form: Mapping[str, str]) -> dict[int, tuple[Amounts, str | None]]:
    """Each line's typed amounts and the amounts its page showed; AmountsRejected lists every fault."""
    errors: dict[tuple[int, str], str] = {}
    typed = {}
    for line in lines:
        values = {}
        for name in FIELDS:
            text = form.get(f"b{line.id}-{name}")
            try:
                values[name] = parse_amount(text)
            except EntryError as error:
                errors[(line.id, name)] = next(iter(error.errors.values()))
        if (line.id, "initial") not in errors and values.get("initial") is None:
            errors[(line.id, "initial")] = "请填写年初预算数"
        typed[line.id] = (values, form.get(f"b{line.id}-was"))
    if errors:
        raise AmountsRejected(errors)
    return {line_id: (Amounts(v["initial"], v["adjusted"]), was) for line_id, (v, was) in typed.items()}


def save_amounts(session: Session, unit: Unit, lines: list[BudgetLine], typed: dict, *, actor) -> list[str]:
    """Store what changed; the names of the lines changed. The caller commits, or rolls back on
    AmountsConflict (raised before anything is written)."""
    locked = {line.id: lock_row(session, BudgetLine, line.id) for line in sorted(lines, key=lambda row: row.id)}
    moved = [line.name for line in lines if typed[line.id][1] not in (None, Amounts.of(locked[line.id]).shown)]
    if moved:
        raise AmountsConflict(moved)
    changed = []
    for line in lines:
        row, (amounts, _) = locked[line.id], typed[line.id]
        before = Amounts.of(row)
        if before == amounts and not amounts_to_fill(row):
            continue
        for name, label in FIELDS.items():
            old, new = getattr(before, name), getattr(amounts, name)
            if old != new:
                record(
                    session,
                    actor=actor.username,
                    user_id=actor.id,
                    unit_id=unit.id,
                    entity="budget_line",
                    entity_id=row.id,
                    action="update",
                    field=f"{AUDIT_FIELD} · {label}",
                    old_value=None if old is None else plain_number(old),
                    new_value=None if new is None else plain_number(new),
                )
        row.initial_budget, row.adjusted_budget = amounts.initial, amounts.adjusted
        row.description = without_mark(row.description)
        session.add(row)
        changed.append(row.name)
    return changed
