"""Does the self-evaluation score every table by the engine, and keep its workflow, locking and audit?"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.models import User
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.domain.scoring import IndicatorInput, ScoringSettings, score_self_evaluation
from kpi.domain.targets import Comparator, Direction, TargetKind
from kpi.evaluation import service
from kpi.evaluation.models import SelfEvaluation
from kpi.evaluation.settings import save_settings
from kpi.evaluation.validation import EvaluationInput
from kpi.progress.service import unit_progress
from kpi.reminders.service import owes_self_evaluation
from tests.evaluation.gen import UNIT, YEAR, completed_form, import_a_year, scored
from tests.progress.gen import counting, gen_quarter
from tests.progress.test_query_count import double_the_unit_table


@pytest.fixture
def year_imported(app, tmp_path):
    import_a_year(app, tmp_path)
    return app


def run(app, action):
    """``action(session, result, user_of)`` in one committed transaction."""
    with app.app_context(), db.transaction() as session:
        unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)

        def user_of(name: str) -> User:
            return session.exec(select(User).where(User.username == name)).one()

        return action(session, service.evaluate(session, unit, year), user_of)


def stored_report(app) -> SelfEvaluation | None:
    with app.app_context(), Session(db.engine()) as session:
        return session.exec(select(SelfEvaluation)).first()


def test_every_table_is_scored_by_the_engine_from_the_years_figures(year_imported):
    """The figures the progress service computes for Q4, fed to the engine, give the same scores."""
    result = scored(year_imported)
    with year_imported.app_context(), Session(db.engine()) as session:
        progress = unit_progress(
            session,
            budget.get_unit(session, UNIT),
            budget.get_year(session, YEAR),
            as_of_quarter=4,
            today=date(2030, 1, 1),
        )
        actual = {row.indicator.id: row.progress.actual for row in progress.rows}
        money = {row.line.id: row.progress for row in progress.budget if row.line is not None}
        projects = [row.line.id for row in progress.budget if row.line is not None and row.line.kind == "project"]
    for table in result.tables:
        inputs = []
        for row in table.rows:
            indicator, figure = row.indicator, actual[row.indicator.id]
            budget_target = None
            if indicator.kind == "budget_relative":  # the linked project's budget, or every project's
                linked = [indicator.budget_line_id] if indicator.budget_line_id else projects
                budget_target = sum((money[i].budget for i in linked), Decimal(0))
            inputs.append(
                IndicatorInput(
                    key=indicator.id,
                    level1=indicator.level1,
                    level2=indicator.level2,
                    name=indicator.name,
                    kind=TargetKind(indicator.kind),
                    comparator=Comparator(indicator.comparator) if indicator.comparator else None,
                    direction=Direction(indicator.direction),
                    target_value=indicator.target_value,
                    target_date=indicator.target_date_to,
                    actual=figure.value,
                    actual_date=figure.achieved_on,
                    band=figure.band,
                    points=indicator.points,
                    budget_target=budget_target,
                )
            )
        members = list(money) if table.is_unit else [table.line.id]
        expected = score_self_evaluation(
            inputs,
            budget=sum((money[i].budget for i in members), Decimal(0)),
            spent=sum((money[i].spent for i in members), Decimal(0)),
        )
        assert [(s.points, s.score, s.working) for s in table.evaluation.indicators] == [
            (s.points, s.score, s.working) for s in expected.indicators
        ], table.title
        assert (table.total, table.grade) == (expected.total, expected.grade)


def test_the_points_of_every_table_add_up_to_100(year_imported):
    for table in scored(year_imported).tables:
        evaluation = table.evaluation
        assert evaluation.budget.points + sum(s.points for s in evaluation.indicators) == 100, table.title
        assert evaluation.total == evaluation.budget.score + sum(s.score for s in evaluation.indicators)


def test_the_unit_money_block_splits_basic_and_project_spending_and_scores_the_total(year_imported):
    unit = scored(year_imported).unit_table
    assert [row.label for row in unit.money] == ["年度资金总额", "基本支出", "项目支出", "其他资金"]
    total, basic, projects, _other = unit.money
    assert (total.full_year, total.spent) == (Decimal(2939), Decimal("2840.2"))
    assert (basic.spent, basic.execution_rate) == (Decimal(1200), Decimal("94.04"))
    assert (projects.full_year, projects.spent) == (Decimal(1663), Decimal("1640.2"))
    assert (total.points, total.execution_rate, total.score) == (Decimal(10), Decimal("96.64"), Decimal("9.66"))


def test_each_project_is_its_own_table_scored_on_its_own_line(year_imported):
    result = scored(year_imported)
    assert [t.title for t in result.tables] == ["单位整体", "市场监督管理事务", "信息化类", "综合管理类", "修缮维护类"]
    repairs = result.table(result.tables[-1].key)
    assert [row.label for row in repairs.money] == ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert repairs.money[0].execution_rate == Decimal("110.00") and repairs.money[0].score == 10  # capped at 100%
    assert {row.indicator.scope for row in repairs.rows} == {"project"}
    assert "满意度指标没有指标" in result.tables[1].evaluation.notes[0]  # rescaled to 100


def test_the_years_settings_change_the_scores(year_imported):
    before = scored(year_imported)
    settings = ScoringSettings(
        budget_points=20,
        level_points={"产出指标": 40, "效益指标": 30, "满意度指标": 10},
        grade_bands=[(80, "优"), (70, "良"), (60, "中"), (0, "差")],
        reverse_rule="ratio",
    )
    run(
        year_imported,
        lambda session, result, user_of: save_settings(session, result.year, settings, user=user_of("admin")),
    )
    after = scored(year_imported)
    assert after.unit_table.money[0].points == 20
    assert after.unit_table.evaluation.level_points["产出指标"] == 40
    assert after.total != before.total and after.grade == "优"  # 83.x is 优 with 80/70/60
    complaints = next(r for r in after.unit_table.rows if r.indicator.name == "用户针对系统运行的投诉次数")
    assert "目标 10 ÷ 实际 15" in complaints.score.working


def test_submitting_needs_every_explanation_the_engine_asks_for(year_imported):
    def submit(session, result, user_of):
        service.transition(session, result, "submit", user=user_of("szcc_staff"), expected_version=None)

    with pytest.raises(service.InputRejected) as rejected:
        run(year_imported, submit)
    result = scored(year_imported)
    # A 同一指标 unit row is explained on its project's row (docs/rules/scoring.md §17): asked there, once.
    needing = {
        (row.source or row.indicator).id for table in result.tables for row in table.rows if row.score.needs_explanation
    }
    assert any(row.source for table in result.tables for row in table.rows if row.score.needs_explanation)
    explanations = {key for kind, key, _ in rejected.value.errors if kind == "indicator"}
    assert explanations == needing and len(needing) > 10
    assert ("goal", None, "actual_text") in rejected.value.errors
    late = next(row for row in result.unit_table.rows if row.indicator.name == "项目完成时间")
    assert rejected.value.errors[("indicator", late.indicator.id, "explanation")].startswith("未按期完成")


def test_a_complete_submission_snapshots_the_unit_total_and_stops_owing(year_imported):
    def fill_and_submit(session, result, user_of):
        staff = user_of("szcc_staff")
        data = service.validate_input(result, completed_form(result), submitting=True)
        service.save(session, result, data, user=staff, expected_version=0)
        service.transition(session, service.reload(session, result), "submit", user=staff, expected_version=None)
        return result.unit.id, result.year.id

    unit_id, year_id = run(year_imported, fill_and_submit)
    report = stored_report(year_imported)
    result = scored(year_imported)
    assert (report.status, report.total_score, report.grade) == ("submitted", result.total, result.grade)
    with year_imported.app_context(), Session(db.engine()) as session:
        assert owes_self_evaluation(session, year_id, {unit_id, 999}) == {999}


def test_a_qualitative_score_outside_its_band_is_refused_beside_its_field(year_imported):
    result = scored(year_imported)
    partial = next(r for r in result.unit_table.rows if r.is_qualitative and r.band == "partial")
    numeric = result.unit_table.rows[0]
    form = {f"i{partial.indicator.id}-ratio": "85", f"i{numeric.indicator.id}-ratio": "90"}
    with pytest.raises(service.InputRejected) as rejected:
        service.validate_input(result, form)
    assert rejected.value.errors[("indicator", partial.indicator.id, "ratio")].startswith(
        "得分超出“部分达成”档（60%–80%）"
    )
    assert rejected.value.errors[("indicator", numeric.indicator.id, "ratio")] == "只有定性指标可以选定得分"
    for typed, message in (("80", "得分超出"), ("abc", "请填写 0–100"), ("75.555", "最多两位小数")):
        with pytest.raises(service.InputRejected) as rejected:
            service.validate_input(result, {f"i{partial.indicator.id}-ratio": typed})
        assert message in rejected.value.errors[("indicator", partial.indicator.id, "ratio")]


def test_a_ratio_inside_the_band_scores_and_is_audited(year_imported):
    def choose(session, result, user_of):
        partial = next(r for r in result.unit_table.rows if r.is_qualitative and r.band == "partial")
        data = service.validate_input(result, {f"i{partial.indicator.id}-ratio": "75"})
        service.save(session, result, data, user=user_of("szcc_staff"), expected_version=0)
        return partial.indicator.id, partial.score.points

    indicator_id, points = run(year_imported, choose)
    row = scored(year_imported).indicators[indicator_id]
    assert row.chosen_ratio == Decimal("0.75")
    assert row.score.score == (points * Decimal("0.75")).quantize(Decimal("0.01"))
    assert "选定 75%" in row.score.working
    assert stored_report(year_imported).total_score == scored(year_imported).total
    kept = stored_report(year_imported).indicator_scores  # each indicator's [分值, 得分], for the 汇总表
    assert kept[str(indicator_id)] == [str(points), str(row.score.score)]
    fresh = scored(year_imported)
    assert kept == {
        str(item.indicator.id): [str(item.score.points), str(item.score.score)]
        for table in fresh.tables
        for item in table.rows
    }
    with year_imported.app_context(), Session(db.engine()) as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.entity == "indicator",
                AuditEvent.entity_id == indicator_id,
                AuditEvent.field.startswith("2023年绩效自评"),
            )
        ).one()
    assert (event.field, event.old_value, event.new_value) == (
        "2023年绩效自评 · 定性指标得分（占分值%）",
        "（空）",
        "75%",
    )


def test_a_stored_ratio_that_no_longer_fits_the_band_is_set_aside(year_imported):
    def choose(session, result, user_of):
        partial = next(r for r in result.unit_table.rows if r.is_qualitative and r.band == "partial")
        service.save(
            session,
            result,
            EvaluationInput(ratios={partial.indicator.id: Decimal("0.7")}),
            user=user_of("szcc_staff"),
            expected_version=0,
        )
        return partial.indicator.id

    indicator_id = run(year_imported, choose)
    name = scored(year_imported).indicators[indicator_id].indicator.name
    gen_quarter(year_imported, 4, {name: {"band": "达成"}})
    row = scored(year_imported).indicators[indicator_id]
    assert row.band == "achieved" and row.chosen_ratio is None and row.stale_ratio == Decimal("0.7")
    assert row.score.score == row.score.points  # 达成 without a chosen score counts as 100%


def test_a_save_on_a_stale_version_conflicts_and_changes_nothing(year_imported):
    def save_twice(session, result, user_of):
        staff = user_of("szcc_staff")
        service.save(session, result, EvaluationInput(goals={None: "第一次"}), user=staff, expected_version=0)
        fresh = service.reload(session, result)
        with pytest.raises(service.Conflict):
            service.save(session, fresh, EvaluationInput(goals={None: "第二次"}), user=staff, expected_version=0)

    run(year_imported, save_twice)
    assert scored(year_imported).unit_table.goal_actual == "第一次"


def test_a_submitted_report_is_locked_for_staff_and_only_ratios_change_for_the_reviewer(year_imported):
    def flow(session, result, user_of):
        staff, reviewer = user_of("szcc_staff"), user_of("szcc_reviewer")
        with pytest.raises(service.WorkflowError):
            service.save_ratios(session, result, EvaluationInput(), user=reviewer, expected_version=None)
        service.save(
            session, result, service.validate_input(result, completed_form(result)), user=staff, expected_version=0
        )
        service.transition(session, service.reload(session, result), "submit", user=staff, expected_version=None)
        submitted = service.reload(session, result)
        with pytest.raises(service.Locked, match="本自评已送审"):
            service.save(session, submitted, EvaluationInput(goals={None: "改"}), user=staff, expected_version=None)
        partial = next(r for r in submitted.unit_table.rows if r.is_qualitative and r.band == "partial")
        data = EvaluationInput(goals={None: "忽略"}, ratios={partial.indicator.id: Decimal("0.79")})
        service.save_ratios(session, submitted, data, user=reviewer, expected_version=None)
        return partial.indicator.id

    indicator_id = run(year_imported, flow)
    result = scored(year_imported)
    assert result.indicators[indicator_id].chosen_ratio == Decimal("0.79")
    assert result.unit_table.goal_actual == "已按要求说明。"  # the reviewer's form changes ratios only
    assert stored_report(year_imported).total_score == result.total


def test_the_page_data_loads_in_a_fixed_number_of_queries(app):
    def count():
        with app.app_context(), Session(db.engine()) as session:
            unit, year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
            with counting(db.engine()) as statements:
                service.evaluate(session, unit, year)
            return len(statements)

    run(
        app,
        lambda session, result, user_of: service.save(
            session, result, EvaluationInput(goals={None: "x"}), user=user_of("szcc_staff"), expected_version=0
        ),
    )
    before = count()
    assert double_the_unit_table(app) == 134
    assert count() == before <= 12


def test_submitting_closes_the_self_evaluation_reminder_and_a_later_tick_leaves_it_closed(year_imported):
    from kpi.reminders.models import Reminder
    from kpi.reminders.service import run_reminders

    with year_imported.app_context(), db.transaction() as session:
        raised = run_reminders(session, date(2024, 1, 2))
    assert "self_evaluation" in [r.kind for r in raised if r.unit_name == UNIT]

    def fill_and_submit(session, result, user_of):
        staff = user_of("szcc_staff")
        service.save(
            session, result, service.validate_input(result, completed_form(result)), user=staff, expected_version=0
        )
        service.transition(session, service.reload(session, result), "submit", user=staff, expected_version=None)

    run(year_imported, fill_and_submit)
    with year_imported.app_context(), db.transaction() as session:
        assert session.exec(select(Reminder).where(Reminder.kind == "self_evaluation")).one().closed_at is not None
        run_reminders(session, date(2024, 1, 3))
    with year_imported.app_context(), Session(db.engine()) as session:
        assert session.exec(select(Reminder).where(Reminder.kind == "self_evaluation")).one().closed_at is not None


def test_a_refused_submission_counts_what_was_typed_as_written(year_imported):
    result = scored(year_imported)
    partial = next(r for r in result.unit_table.rows if r.is_qualitative and r.band == "partial")
    form = {**completed_form(result), f"i{partial.indicator.id}-ratio": "95"}
    with pytest.raises(service.InputRejected) as rejected:
        service.validate_input(result, form, submitting=True)
    assert list(rejected.value.errors) == [("indicator", partial.indicator.id, "ratio")]
