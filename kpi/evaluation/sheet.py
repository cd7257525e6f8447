"""The self-evaluation (绩效自评) of one unit and year, scored: what the page, the workbook and the CLI read.

``evaluate(session, unit, fiscal_year)`` loads the year's quarters (kpi.results.sheet: indicators,
budget lines, every quarter's figures and spending), the goals, the 主管部门 and the stored
self-evaluation with its goals and items: a fixed number of queries, whatever the number of
indicators. It then scores one table per 绩效目标表 through kpi.domain.scoring, with the year's
ScoringSettings:

- 单位整体: the unit-wide indicators; the money is every budget line (基本支出 + 项目支出);
- each project with indicators of its own: its table; the money is that project's line.

Every score and 执行率 comes from the domain; nothing here or downstream computes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.budget.models import BudgetLine, FiscalYear, Unit
from kpi.domain.aggregation import Aggregation
from kpi.domain.entries import Band
from kpi.domain.progress import YearToDate, year_to_date
from kpi.domain.scoring import (
    Evaluation,
    IndicatorInput,
    IndicatorScore,
    ScoringSettings,
    check_qualitative_ratio,
    score_budget,
    score_self_evaluation,
)
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.indicators.models import Indicator
from kpi.results import basis
from kpi.results.sheet import QuarterSheet, load_sheet
from kpi.workflow import EDITABLE_STATUSES
from kpi.workflow.history import Step, approval_history

YEAR_END = 4  # the self-evaluation scores the whole year: quarters 1–4
UNIT_KEY = "unit"
ZERO = Decimal(0)


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


def scoring_settings(fiscal_year: FiscalYear) -> tuple[ScoringSettings, str | None]:
    """The year's settings, or the docs/rules/scoring.md §12 defaults and a Chinese warning when what is stored is invalid."""
    try:
        return ScoringSettings.from_dict((fiscal_year.settings or {}).get("scoring")), None
    except ValueError as error:
        return ScoringSettings(), f"已保存的计分设置无效（{error}），暂按默认设置计分。"


def evaluate(
    session: Session, unit: Unit, fiscal_year: FiscalYear, *, ratios: dict[int, Decimal | None] | None = None
) -> EvaluationResult:
    """The unit's self-evaluation for the year, every table scored (a report not started: no report).

    ``ratios`` (by indicator id) replaces stored qualitative scores: what a save would score."""
    quarters = load_sheet(session, unit, fiscal_year, YEAR_END)
    report = session.exec(
        select(SelfEvaluation).where(SelfEvaluation.unit_id == unit.id, SelfEvaluation.year_id == fiscal_year.id)
    ).first()
    goals: dict[int | None, SelfEvaluationGoal] = {}
    items: dict[int, SelfEvaluationItem] = {}
    if report is not None:
        goals = {
            row.budget_line_id: row
            for row in session.exec(select(SelfEvaluationGoal).where(SelfEvaluationGoal.evaluation_id == report.id))
        }
        items = {
            row.indicator_id: row
            for row in session.exec(select(SelfEvaluationItem).where(SelfEvaluationItem.evaluation_id == report.id))
        }
    parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    settings, warning = scoring_settings(fiscal_year)
    goal_texts = budget.goals(session, unit, fiscal_year)
    notice = None
    approved = report.approved_basis if report is not None and report.status == "approved" else None
    frozen = basis.thaw(approved["sheet"], unit, fiscal_year, YEAR_END, quarters.reports) if approved else None
    if frozen is not None:
        # Approved: exactly what it was approved on (docs/workflow.md), until it is reopened.
        if basis.targets_changed(approved["sheet"], quarters):
            notice = TARGETS_ADJUSTED
        quarters, warning = frozen, None
        settings = ScoringSettings.from_dict(approved["settings"])
        goal_texts = {_goal_key(key): text for key, text in approved["goals"].items()}
    result = EvaluationResult(
        unit=unit,
        year=fiscal_year,
        parent=parent,
        settings=settings,
        report=report,
        tables=[],
        goals=goals,
        items=items,
        quarters=quarters,
        settings_warning=warning,
        basis_notice=notice,
        history=approval_history(session, "self_evaluation", report.id if report else None),
    )
    result.tables = score_tables(result, goal_texts, ratios or {})
    return result


TARGETS_ADJUSTED = "目标已调整，重新打开后按调整后目标计分。本自评仍按审核通过时的目标、数据和计分设置显示。"


def approval_basis(result: EvaluationResult) -> dict:
    """What an approval of ``result`` is scored on, to keep with the report (kpi.results.basis)."""
    goals = {
        ("unit" if table.goal_key is None else str(table.goal_key)): table.goal for table in result.tables if table.goal
    }
    return {"sheet": basis.freeze(result.quarters), "settings": result.settings.to_dict(), "goals": goals}


def _goal_key(key: str) -> int | None:
    return None if key == "unit" else int(key)


def rescored(result: EvaluationResult, ratios: dict[int, Decimal | None]) -> EvaluationResult:
    """The same result scored with ``ratios`` in place of the stored qualitative scores (no query)."""
    goals = {table.goal_key: table.goal for table in result.tables if table.goal}
    return replace(result, tables=score_tables(result, goals, ratios))


def score_tables(
    result: EvaluationResult, goals: dict[int | None, str], ratios: dict[int, Decimal | None]
) -> list[EvaluationTable]:
    lines = result.quarters.lines
    unit_rows, own = _by_table(result.quarters.indicators)
    tables = [_table(result, UNIT_KEY, "单位整体", None, goals.get(None), unit_rows, lines, ratios)]
    for line in lines:
        if line.kind == "project" and own.get(line.id):
            tables.append(
                _table(result, f"project-{line.id}", line.name, line, goals.get(line.id), own[line.id], [line], ratios)
            )
    return tables


def _by_table(indicators: list[Indicator]) -> tuple[list[Indicator], dict[int, list[Indicator]]]:
    """The unit-wide indicators, and each project's own by budget line id (in their order)."""
    unit_rows: list[Indicator] = []
    own: dict[int, list[Indicator]] = {}
    for indicator in indicators:
        if indicator.scope == "unit":
            unit_rows.append(indicator)
        elif indicator.scope == "project":
            own.setdefault(indicator.budget_line_id, []).append(indicator)
    return unit_rows, own


def _table(
    result: EvaluationResult,
    key: str,
    title: str,
    line: BudgetLine | None,
    goal: str | None,
    indicators: list[Indicator],
    lines: list[BudgetLine],
    ratios: dict[int, Decimal | None],
) -> EvaluationTable:
    quarters, settings = result.quarters, result.settings
    prepared = [_prepare(result, indicator, ratios) for indicator in indicators]
    amount = sum((item.full_year_budget for item in lines), ZERO)
    spent = sum((quarters.spent_to_date(item.id, YEAR_END) for item in lines), ZERO)
    evaluation = score_self_evaluation([p[0] for p in prepared], budget=amount, spent=spent, settings=settings)
    # Evaluation.indicators are in the order given: zipped, not looked up one by one (by_key scans).
    rows = tuple(
        ScoredIndicator(
            indicator=indicator,
            actual=actual,
            score=score,
            band=inputs.band,
            chosen_ratio=inputs.chosen_ratio,
            explanation=_explanation(result, indicator.id),
            stale_ratio=stale,
        )
        for indicator, (inputs, actual, stale), score in zip(indicators, prepared, evaluation.indicators, strict=True)
    )
    stored_goal = result.goals.get(line.id if line is not None else None)
    return EvaluationTable(
        key=key,
        title=title,
        line=line,
        goal=goal,
        goal_actual=stored_goal.actual_text if stored_goal else "",
        money=_money(result, line, lines, evaluation),
        rows=rows,
        evaluation=evaluation,
    )


def _explanation(result: EvaluationResult, indicator_id: int) -> str | None:
    item = result.items.get(indicator_id)
    return item.explanation if item else None


def _prepare(result: EvaluationResult, indicator: Indicator, ratios: dict[int, Decimal | None]):
    """(IndicatorInput, the year's figure, a stored ratio the band no longer allows)."""
    quarters = result.quarters
    aggregation = Aggregation(indicator.aggregation)
    budget_actual = budget_target = None
    if aggregation is Aggregation.BUDGET:
        # docs/rules/aggregation.md §5: a budget-relative target follows the linked project, or every project
        # (as kpi.progress.service does).
        budget_actual = quarters.spent_to_date(indicator.budget_line_id, YEAR_END)
        budget_target = sum((line.full_year_budget for line in _lines_of(quarters, indicator.budget_line_id)), ZERO)
    actual = year_to_date(aggregation, quarters.figures.get(indicator.id, []), YEAR_END, budget_actual=budget_actual)
    if indicator.id in ratios:
        ratio = ratios[indicator.id]
    else:
        item = result.items.get(indicator.id)
        ratio = item.chosen_ratio if item else None
    stale = None
    if ratio is not None and (actual.band is None or not _fits(actual.band, ratio)):
        stale, ratio = ratio, None  # the quarters changed the band since: score by the band's default
    inputs = IndicatorInput(
        key=indicator.id,
        level1=indicator.level1,
        level2=indicator.level2,
        name=indicator.name,
        kind=TargetKind(indicator.kind),
        comparator=Comparator(indicator.comparator) if indicator.comparator else None,
        direction=Direction(indicator.direction),
        target_value=indicator.target_value,
        target_date=indicator.target_date_to,
        actual=actual.value,
        actual_date=actual.achieved_on,
        band=actual.band,
        chosen_ratio=ratio,
        points=indicator.points,
        budget_target=budget_target,
    )
    return inputs, actual, stale


def _fits(band: Band, ratio: Decimal) -> bool:
    try:
        check_qualitative_ratio(band, ratio)
    except ValueError:
        return False
    return True


def _lines_of(quarters: QuarterSheet, line_id: int | None) -> list[BudgetLine]:
    """The linked budget line, or every project when the indicator is linked to none."""
    return [line for line in quarters.lines if (line.id == line_id if line_id is not None else line.kind == "project")]


def _money(
    result: EvaluationResult, line: BudgetLine | None, lines: list[BudgetLine], evaluation: Evaluation
) -> tuple[MoneyRow, ...]:
    """docs/rules/layouts.md §2: a project's 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金; the
    unit's 年度资金总额 / 基本支出 / 项目支出 / 其他资金. Sources have no spending of their own."""
    quarters, scored = result.quarters, evaluation.budget
    total = MoneyRow(
        "年度资金总额",
        _sum(lines, "initial_budget"),
        _sum(lines, "full_year_budget"),
        sum((quarters.spent_to_date(item.id, YEAR_END) for item in lines), ZERO),
        scored.execution_rate,
        scored.points,
        scored.score,
    )
    other = MoneyRow("其他资金", _sum(lines, "other_funds"), _unadjusted(lines, "other_funds"), None)
    if line is not None:
        return (
            total,
            MoneyRow(
                "其中：当年财政拨款",
                _sum(lines, "fiscal_appropriation"),
                _unadjusted(lines, "fiscal_appropriation"),
                None,
            ),
            MoneyRow("上年结转资金", None, None, None),
            other,
        )
    rows = [total]
    for label, kind in (("基本支出", "basic"), ("项目支出", "project")):
        members = [item for item in lines if item.kind == kind]
        spent = sum((quarters.spent_to_date(item.id, YEAR_END) for item in members), ZERO)
        amount = _sum(members, "full_year_budget")
        rate = score_budget(amount, spent, result.settings).execution_rate if amount else None  # the domain's 执行率
        rows.append(MoneyRow(label, _sum(members, "initial_budget"), amount, spent, rate))
    rows.append(other)
    return tuple(rows)


def _sum(lines: list[BudgetLine], attribute: str) -> Decimal | None:
    values = [getattr(line, attribute) for line in lines if getattr(line, attribute) is not None]
    return sum(values, ZERO) if values else None


def _unadjusted(lines: list[BudgetLine], attribute: str) -> Decimal | None:
    """A source's 全年预算数 is its 年初预算数 while no line was adjusted; after an adjustment the
    split by source is not recorded, so it is left blank."""
    if any(line.adjusted_budget is not None for line in lines):
        return None
    return _sum(lines, attribute)
