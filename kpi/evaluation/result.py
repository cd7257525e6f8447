"""What a scored self-evaluation (绩效自评) is: the tables, their rows and money block, the whole result.

The page, the workbook, the validation and the CLI read these shapes; kpi.evaluation.sheet
loads and scores them, kpi.evaluation.tables fills each 自评表. Apart so that every reader
depends on the shapes alone, and the two builders on them without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band
from kpi.domain.progress import YearToDate
from kpi.domain.scoring import Evaluation, IndicatorScore, ScoringSettings
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.indicators.models import Indicator
from kpi.results.sheet import QuarterSheet
from kpi.workflow import EDITABLE_STATUSES
from kpi.workflow.history import Step

YEAR_END = 4  # the self-evaluation scores the whole year: quarters 1–4


@dataclass(frozen=True)
class MoneyRow:
    """A row of the money block (万元). Only the 年度资金总额 row carries 分值 and 得分."""

    label: str
    initial: Decimal | None  # 年初预算数
    full_year: Decimal | None  # 全年预算数 (调整后)
    spent: Decimal | None  # 全年执行数
    execution_rate: Decimal | None = None  # 执行率 in %, 0–100+
    points: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分


@dataclass(frozen=True)
class ScoredIndicator:
    """One indicator at year end: its figure, its score with the working, what the unit added."""

    indicator: Indicator
    actual: YearToDate  # 实际完成值 (the year's figure; for budget-relative ones the spent amount)
    score: IndicatorScore
    band: Band | None  # the year's qualitative band (the latest quarter's)
    chosen_ratio: Decimal | None  # the stored qualitative score, as a share of 分值, if it fits the band
    explanation: str | None  # 偏差原因分析及改进措施
    stale_ratio: Decimal | None = None  # a stored ratio the band no longer allows (then ignored)
    override: object | None = None  # the reviewer's 人工调整 in effect (kpi.domain.scoring.ScoreOverride)
    # 同一指标 (docs/rules/scoring.md §17): the project row whose explanation this unit-table row
    # shows, and that project's name; None for a row explained on its own.
    source: Indicator | None = None
    source_project: str = ""

    @property
    def is_qualitative(self) -> bool:
        return self.indicator.aggregation == Aggregation.QUALITATIVE

    @property
    def missing_explanation(self) -> bool:
        return self.score.needs_explanation and not self.explanation


@dataclass(frozen=True)
class EvaluationTable:
    """One 自评表: the unit's whole table or a project's."""

    key: str  # "unit" or "project-<line id>"
    title: str  # 单位整体 or the project's name
    line: BudgetLine | None  # the project (None for the unit)
    goal: str | None  # 年度总体目标 · 预期目标
    goal_actual: str  # 年度总体目标 · 实际完成情况
    money: tuple[MoneyRow, ...]
    rows: tuple[ScoredIndicator, ...]
    evaluation: Evaluation

    @property
    def is_unit(self) -> bool:
        return self.line is None

    @property
    def goal_key(self) -> int | None:
        """The budget line id a SelfEvaluationGoal of this table carries (None: the unit)."""
        return None if self.line is None else self.line.id

    @property
    def total(self) -> Decimal:
        return self.evaluation.total

    @property
    def grade(self) -> str:
        return self.evaluation.grade


@dataclass
class EvaluationResult:
    """Everything about one unit's self-evaluation for one year, scored afresh."""

    unit: Unit
    year: FiscalYear
    parent: Unit | None  # 主管部门
    settings: ScoringSettings
    report: SelfEvaluation | None
    tables: list[EvaluationTable]
    goals: dict[int | None, SelfEvaluationGoal]  # stored, by budget line id
    items: dict[int, SelfEvaluationItem]  # stored, by indicator id
    quarters: QuarterSheet
    settings_warning: str | None = None
    basis_notice: str | None = None  # an approved report scored on its basis, while the tables moved on
    history: list[Step] = field(default_factory=list)  # 审批记录 (kpi.workflow.history)

    @property
    def unit_table(self) -> EvaluationTable:
        return self.tables[0]

    @property
    def total(self) -> Decimal:
        """The unit's total: the 单位整体 table's (what SelfEvaluation.total_score snapshots)."""
        return self.unit_table.total

    @property
    def grade(self) -> str:
        return self.unit_table.grade

    @property
    def status(self) -> str | None:
        return self.report.status if self.report else None

    @property
    def version(self) -> int:
        return self.report.version if self.report else 0

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def label(self) -> str:
        return f"{self.year.year}年绩效自评"

    @property
    def indicators(self) -> dict[int, ScoredIndicator]:
        return {row.indicator.id: row for table in self.tables for row in table.rows}

    def table(self, key: str) -> EvaluationTable:
        return next(table for table in self.tables if table.key == key)
