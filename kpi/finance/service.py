"""The finance bureau's year (财政局): every unit's reports and money, and the workbooks it downloads.

``unit_statuses`` loads the units of a year (all of them, or the desk's page) in **six queries,
whatever the number of units**: the units (with their 主管部门), the budget lines, the spending,
and the three report tables (季度填报, 绩效运行监控, 绩效自评); kpi.finance.desk filters, counts and
pages them in the database. 执行率 comes from the domain (``budget_progress``) exactly as the progress page computes its 合计
row: spending up to the latest reported quarter over 全年预算数. 自评总分 and 评价等级 are the
snapshot the self-evaluation writes on every save; nothing is scored here.

The consolidated workbook adds every unit's indicators and budget lines from ``sheet_progress``
(kpi.progress) and each indicator's score from the self-evaluation's snapshot. The sheets are
loaded DETAIL_BATCH units at a time by ``load_sheets`` (five queries per batch, and one for the
scores: 120 for 1,000 units), so memory stays bounded by the batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.core.decimals import sums_by
from kpi.core.time import to_beijing
from kpi.domain.progress import BudgetProgress, budget_progress
from kpi.domain.scoring_results import read_score_snapshot
from kpi.finance.consolidated import UnitDetail, build_consolidated_workbook, consolidated_name
from kpi.indicators.models import Indicator
from kpi.reports.contributions import UNIT_PROGRESSES, provided
from kpi.reports.storage import ExportedWorkbook, keep_copy
from kpi.results.models import BudgetExecution, QuarterReport
from kpi.workflow import STATUS_LABELS
from kpi.workflow.kinds import KINDS

SUBMITTED = ("submitted", "approved")
QUARTERS = (1, 2, 3, 4)
CONSOLIDATED_FOLDER = "汇总"
GRADES = ("优", "良", "中", "差")
NO_GRADE = "未评分"


@dataclass(frozen=True)
class ReportState:
    """One report's status and when it was (last) submitted, in Asia/Shanghai."""

    status: str | None = None  # None: not started
    submitted_at: datetime | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status or "")

    @property
    def submitted(self) -> bool:
        """送审 and not sent back: submitted or approved."""
        return self.status in SUBMITTED

    @property
    def submitted_on(self) -> date | None:
        return self.submitted_at.date() if self.submitted_at else None


NOT_STARTED = ReportState()


@dataclass(frozen=True)
class UnitStatus:
    """One unit's year as the finance bureau lists it."""

    unit: Unit
    parent_name: str | None  # 主管部门
    budget: BudgetProgress  # 全年预算数, 执行数 to date, 执行率
    quarters: dict[int, ReportState]
    monitoring: ReportState
    evaluation: ReportState
    total_score: Decimal | None  # the self-evaluation's snapshot
    grade: str | None

    @property
    def quarters_submitted(self) -> int:
        return sum(state.submitted for state in self.quarters.values())

    @property
    def reports(self) -> list[ReportState]:
        return [*self.quarters.values(), self.monitoring, self.evaluation]

    @property
    def has_returned(self) -> bool:
        return any(state.status == "returned" for state in self.reports)


# Status filters (?status=…), by the label the page shows; kpi.finance.desk.unit_filter says what each keeps.
STATUS_FILTERS = (
    "季度填报未齐",
    "未提交运行监控",
    "运行监控未审核",
    "未提交自评",
    "自评未审核",
    "自评已审核",
    "有退回",
)


@dataclass(frozen=True)
class Filters:
    q: str = ""  # unit name contains
    status: str = ""  # a key of STATUS_FILTERS
    grade: str = ""  # 优/良/中/差, or 未评分

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters of a query string; an unknown status or grade is ignored, not an error."""
        status, grade = args.get("status", ""), args.get("grade", "")
        return cls(
            q=(args.get("q") or "").strip()[:100],
            status=status if status in STATUS_FILTERS else "",
            grade=grade if grade in (*GRADES, NO_GRADE) else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.grade)


@dataclass(frozen=True)
class Totals:
    """Counts and money over every unit of the year (the summary's 合计 row and the page's tiles)."""

    units: int
    budget: BudgetProgress
    quarters_submitted: dict[int, int]
    quarters_complete: int  # units with all four quarters submitted
    monitoring_submitted: int
    evaluations_submitted: int
    evaluations_approved: int
    returned: int


class YearNotFound(LookupError):
    """The asked year does not exist."""


def monitoring_table():
    """The mid-year monitoring report's table, from the registry of report kinds (kpi.workflow.kinds):
    the desk lists every kind's status without importing the features that own them."""
    return KINDS["monitoring_report"].model


def self_evaluation_table():
    """The self-evaluation's table (its status, and the score snapshot each save writes)."""
    return KINDS["self_evaluation"].model


def has_rows_in_year(year_id: int) -> sa.Exists:
    """A unit has indicators or budget lines in the year: the units the desk lists.

    Asked unit by unit, as one EXISTS over both tables, so each unit's first index entry
    answers. "unit ids of every indicator of the year" (or two EXISTS joined by OR, which
    PostgreSQL turns into that) read all 70,000 indicators of a city each time, and made the
    desk's time grow with the city."""
    rows_in_year = sa.union_all(
        select(sa.literal(1)).where(Indicator.unit_id == Unit.id, Indicator.year_id == year_id),
        select(sa.literal(1)).where(BudgetLine.unit_id == Unit.id, BudgetLine.year_id == year_id),
    )
    return sa.exists(rows_in_year)


def unit_statuses(session: Session, fiscal_year: FiscalYear, unit_ids: list[int] | None = None) -> list[UnitStatus]:
    """One UnitStatus per unit with indicators or budget lines in the year (of ``unit_ids`` only,
    when given: the desk's page), by name (six queries)."""
    year_id = fiscal_year.id
    parent = aliased(Unit)
    in_year = has_rows_in_year(year_id)
    chosen = sa.true() if unit_ids is None else Unit.id.in_(unit_ids)
    units = session.exec(
        select(Unit, parent.name)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(in_year, chosen)
        .order_by(Unit.name, Unit.id)
    ).all()

    MonitoringReport, SelfEvaluation = monitoring_table(), self_evaluation_table()  # noqa: N806  (tables)

    def scoped(column) -> sa.ColumnElement[bool]:  # every query below reads the same units only
        return sa.true() if unit_ids is None else column.in_(unit_ids)

    # Summed as plain rows, never as objects: a city's year has some 4,000 budget lines and 16,000
    # spending rows, and making objects of them was most of the finance home's time. Exactly on
    # both engines: in the database on PostgreSQL, with Decimal on SQLite (kpi.core.decimals).
    full_year = sa.func.coalesce(BudgetLine.adjusted_budget, BudgetLine.initial_budget)  # BudgetLine.full_year_budget
    budgets = sums_by(
        session,
        sa.select(BudgetLine.unit_id, full_year).where(BudgetLine.year_id == year_id, scoped(BudgetLine.unit_id)),
    )
    spending: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (unit_id, quarter), spent in sums_by(
        session,
        sa.select(QuarterReport.unit_id, QuarterReport.quarter, BudgetExecution.spent)
        .join(BudgetExecution, BudgetExecution.report_id == QuarterReport.id)
        .where(QuarterReport.year_id == year_id, scoped(QuarterReport.unit_id)),
    ).items():
        spending[unit_id][quarter] = spent
    quarters: dict[int, dict[int, ReportState]] = defaultdict(dict)
    for unit_id, quarter, status, submitted_at in session.exec(
        select(QuarterReport.unit_id, QuarterReport.quarter, QuarterReport.status, QuarterReport.submitted_at).where(
            QuarterReport.year_id == year_id, scoped(QuarterReport.unit_id)
        )
    ):
        quarters[unit_id][quarter] = ReportState(status, to_beijing(submitted_at))
    monitoring = {
        unit_id: ReportState(status, to_beijing(submitted_at))
        for unit_id, status, submitted_at in session.exec(
            select(MonitoringReport.unit_id, MonitoringReport.status, MonitoringReport.submitted_at).where(
                MonitoringReport.year_id == year_id, scoped(MonitoringReport.unit_id)
            )
        )
    }
    evaluations = {
        row[0]: row[1:]
        for row in session.exec(
            select(
                SelfEvaluation.unit_id,
                SelfEvaluation.status,
                SelfEvaluation.submitted_at,
                SelfEvaluation.total_score,
                SelfEvaluation.grade,
            ).where(SelfEvaluation.year_id == year_id, scoped(SelfEvaluation.unit_id))
        )
    }
    rows = []
    for unit, parent_name in units:
        reported = quarters.get(unit.id, {})
        status, submitted_at, score, grade = evaluations.get(unit.id, (None, None, None, None))
        rows.append(
            UnitStatus(
                unit=unit,
                parent_name=parent_name,
                # As the progress page's 合计 row: up to the latest quarter with a report (docs/rules/progress.md §1).
                budget=budget_progress(
                    budgets.get(unit.id, Decimal(0)), spending.get(unit.id, {}), max(reported, default=0)
                ),
                quarters={quarter: reported.get(quarter, NOT_STARTED) for quarter in QUARTERS},
                monitoring=monitoring.get(unit.id, NOT_STARTED),
                evaluation=ReportState(status, to_beijing(submitted_at)),
                total_score=score,
                grade=grade,
            )
        )
    return rows


def totals_of(rows: Sequence[UnitStatus]) -> Totals:
    # Each unit's 执行数 is already cut at its own latest quarter; their sum is booked as one amount,
    # so only budget, spent and execution_rate of the total mean anything (time progress does not).
    spent = sum((row.budget.spent for row in rows), Decimal(0))
    budget = sum((row.budget.budget for row in rows), Decimal(0))
    return Totals(
        units=len(rows),
        budget=budget_progress(budget, {4: spent}, 4),
        quarters_submitted={q: sum(row.quarters[q].submitted for row in rows) for q in QUARTERS},
        quarters_complete=sum(row.quarters_submitted == len(QUARTERS) for row in rows),
        monitoring_submitted=sum(row.monitoring.submitted for row in rows),
        evaluations_submitted=sum(row.evaluation.submitted for row in rows),
        evaluations_approved=sum(row.evaluation.status == "approved" for row in rows),
        returned=sum(row.has_returned for row in rows),
    )


# --- workbooks --------------------------------------------------------------------------------
def export_consolidated(
    session: Session,
    fiscal_year: FiscalYear,
    export_dir: Path | str,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportedWorkbook:
    """The year's 汇总表 for the finance bureau, with a copy under export_dir/<year>/汇总/.

    ``progress(done, total)`` counts units: called with 0 first, then after each unit's rows."""
    rows = unit_statuses(session, fiscal_year)
    details = unit_details(session, fiscal_year, [row.unit for row in rows], today=today)
    data = build_consolidated_workbook(
        rows, year=fiscal_year.year, totals=totals_of(rows), details=details, progress=progress
    )
    name = consolidated_name(fiscal_year.year)
    return ExportedWorkbook(data, name, keep_copy(data, Path(export_dir), fiscal_year.year, CONSOLIDATED_FOLDER, name))


def unit_details(
    session: Session, fiscal_year: FiscalYear, units: Sequence[Unit], *, today: date | None = None
) -> Iterator[UnitDetail]:
    """Each unit's progress (lent by kpi.progress: kpi.reports.contributions) and self-evaluation
    scores, in turn; a UnitDetail without progress for a unit with nothing in the year. The
    scores are read for the same units a batch at a time."""
    progresses = provided(UNIT_PROGRESSES)(session, fiscal_year, units, today=today)
    for first in range(0, len(units), SCORE_BATCH):
        batch = units[first : first + SCORE_BATCH]
        scores = _scores(session, fiscal_year, [unit.id for unit in batch])
        for unit, progress in zip(batch, progresses):
            yield UnitDetail(progress, scores.get(unit.id, {}))


SCORE_BATCH = 50  # units whose scores are read together


def _scores(session: Session, fiscal_year: FiscalYear, unit_ids: list[int]) -> dict[int, dict[int, tuple]]:
    """Each unit's self-evaluation (分值, 得分) as last saved (SelfEvaluation.indicator_scores), by indicator id."""
    evaluation = self_evaluation_table()
    found = session.exec(
        select(evaluation.unit_id, evaluation.indicator_scores).where(
            evaluation.year_id == fiscal_year.id, evaluation.unit_id.in_(unit_ids)
        )
    )
    return {unit_id: read_score_snapshot(scores) for unit_id, scores in found}
