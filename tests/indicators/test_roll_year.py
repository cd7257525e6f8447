"""Does `kpi roll-year` (and its admin page) copy a year's target tables into the next as drafts,
refuse a year that has tables without changing anything, and replace only when asked?"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from kpi.audit.models import AuditEvent
from kpi.audit.service import verify_chain
from kpi.budget import service as budget
from kpi.budget.carry_over import AMOUNTS_TO_FILL
from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal
from kpi.db import make_engine, transaction
from kpi.indicators.commands import ImportActor
from kpi.indicators.models import Indicator, TargetTable
from kpi.indicators.rollover import RolloverRejected, roll_year
from kpi.indicators.tables import mark_year
from kpi.results.models import IndicatorResult, QuarterReport
from tests import pages
from tests.conftest import csrf_from
from tests.indicators.xlsx_factory import gen_single_layout_table

SEED_UNIT = "深圳市消费者委员会秘书处"
OTHER_UNIT = "深圳市测试局"
URL = "/admin/years/roll"
# What defines a target, compared between a 2023 row and its 2024 copy.
TARGET_FIELDS = (
    "scope",
    "level1",
    "level2",
    "name",
    "level1_points",
    "target_text",
    "comparator",
    "target_value",
    "target_upper",
    "unit",
    "qualifier",
    "kind",
    "direction",
    "target_date_from",
    "target_date_to",
    "aggregation",
    "points",
    "plan_q1",
    "plan_q2",
    "plan_q3",
    "plan_q4",
    "display_order",
)


def roll(runner, *extra, source="2023", target="2024"):
    return runner.invoke(args=["kpi", "roll-year", "--from", source, "--to", target, *extra])


@pytest.fixture
def db(sqlite_url):
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a refused run changed nothing at all."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: sorted(map(tuple, connection.execute(sa.select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }
    engine.dispose()
    return rows


def indicators_of(session: Session, year: int, unit: str = SEED_UNIT) -> list[Indicator]:
    session.expire_all()
    found = budget.find_year(session, year)
    if found is None:
        return []
    query = select(Indicator).where(
        Indicator.unit_id == budget.get_unit(session, unit).id, Indicator.year_id == found.id
    )
    return list(session.exec(query.order_by(Indicator.scope, Indicator.display_order, Indicator.id)))


def defining(row: Indicator, lines: dict[int | None, str]) -> tuple:
    return (*(getattr(row, name) for name in TARGET_FIELDS), lines.get(row.budget_line_id))


def line_names(session: Session) -> dict[int | None, str]:
    return {line.id: line.name for line in session.exec(select(BudgetLine))}


def add_other_unit(runner, tmp_path, year: str = "2023") -> None:
    args = ["kpi", "import-targets", str(gen_single_layout_table(tmp_path)), "--unit", OTHER_UNIT, "--year", year]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


# --- the command ---------------------------------------------------------------------------------


def test_the_seed_unit_gets_its_67_unit_indicators_with_2023s_targets_as_2024_drafts(runner, db):
    result = roll(runner)

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        f"{SEED_UNIT}：已复制 67 个单位整体指标、4 个项目（13 个指标）为 2024 年草稿，5 条预算的金额待填；"
        "其中 5 个指标值写有往年（2023 年）的日期，请审核时修改。"
    ]
    old, new = indicators_of(db, 2023), indicators_of(db, 2024)
    assert len([row for row in new if row.scope == "unit"]) == 67
    names = line_names(db)
    assert [defining(row, names) for row in new] == [defining(row, names) for row in old]
    year = budget.get_year(db, 2024)
    tables = list(db.exec(select(TargetTable).where(TargetTable.year_id == year.id)))
    assert len(tables) == 5 and {table.status for table in tables} == {"draft"}
    assert all(row.original_target_text is None and row.version == 1 for row in new)


def test_a_unit_row_that_measures_a_project_points_at_the_new_years_project(runner, db):
    roll(runner)
    new_lines = {line.id: line for line in db.exec(select(BudgetLine).where(BudgetLine.year_id != 1))}
    row = next(row for row in indicators_of(db, 2024) if row.name == "投诉调解辅助服务" and row.scope == "unit")
    assert new_lines[row.budget_line_id].name == "市场监督管理事务"
    assert new_lines[row.budget_line_id].year_id == budget.get_year(db, 2024).id


def test_a_unit_row_that_is_a_projects_indicator_is_the_copied_project_rows_again(runner, db):
    def links(year: int) -> set[tuple]:
        rows = indicators_of(db, year)
        by_id = {row.id: row for row in rows}
        names = line_names(db)
        return {
            (row.name, by_id[row.same_as_id].name, names[by_id[row.same_as_id].budget_line_id])
            for row in rows
            if row.same_as_id is not None
        }

    assert links(2023)  # the seed links 投诉调解辅助服务 and others to their projects (同一指标)
    roll(runner)
    new_year = budget.get_year(db, 2024).id
    assert links(2024) == links(2023)
    linked = [row for row in indicators_of(db, 2024) if row.same_as_id is not None]
    assert {db.get(Indicator, row.same_as_id).year_id for row in linked} == {new_year}


def test_budget_lines_come_over_with_their_amounts_to_fill_and_goals_with_their_text(runner, db):
    roll(runner)
    old_year, new_year = budget.get_year(db, 2023), budget.get_year(db, 2024)
    unit = budget.get_unit(db, SEED_UNIT)
    old, new = budget.budget_lines(db, unit, old_year), budget.budget_lines(db, unit, new_year)
    assert [(line.kind, line.name) for line in new] == [(line.kind, line.name) for line in old]
    assert [line.description for line in new] == [AMOUNTS_TO_FILL + line.description for line in old]
    assert {line.initial_budget for line in new} == {Decimal(0)}
    assert all(
        line.adjusted_budget is None and line.fiscal_appropriation is None and line.other_funds is None for line in new
    )
    old_goals, new_goals = budget.goals(db, unit, old_year), budget.goals(db, unit, new_year)
    by_name = {line.id: line.name for line in old + new}
    assert {by_name.get(key): text for key, text in new_goals.items()} == {
        by_name.get(key): text for key, text in old_goals.items()
    }


def test_the_year_is_created_when_missing_and_2023_is_left_as_it_was(runner, db, sqlite_url):
    before = snapshot(sqlite_url)
    assert budget.find_year(db, 2024) is None
    roll(runner)
    after = snapshot(sqlite_url)
    assert budget.find_year(db, 2024) is not None
    for name in ("indicator", "budget_line", "performance_goal", "target_table"):
        assert set(before[name]) <= set(after[name])  # every 2023 row still there, unchanged


def test_every_created_row_is_audited_and_the_chain_still_holds(runner, db):
    count_before = len(list(db.exec(select(AuditEvent))))
    roll(runner)
    db.expire_all()
    events = list(db.exec(select(AuditEvent)))[count_before:]
    year = budget.get_year(db, 2024)
    created = {
        "fiscal_year": [year.id],
        "indicator": [row.id for row in indicators_of(db, 2024)],
        "budget_line": [row.id for row in db.exec(select(BudgetLine).where(BudgetLine.year_id == year.id))],
        "performance_goal": [
            row.id for row in db.exec(select(PerformanceGoal).where(PerformanceGoal.year_id == year.id))
        ],
        "target_table": [row.id for row in db.exec(select(TargetTable).where(TargetTable.year_id == year.id))],
    }
    audited = {}
    for event in events:
        assert (event.action, event.actor, event.field) == ("create", "import", "年度结转")
        assert event.reason == "年度结转：由 2023 年复制为 2024 年草稿"
        audited.setdefault(event.entity, []).append(event.entity_id)
    assert {entity: sorted(ids) for entity, ids in audited.items()} == {
        entity: sorted(ids) for entity, ids in created.items()
    }
    assert verify_chain(db) == []


def test_a_second_run_without_replace_is_refused_and_changes_nothing(runner, sqlite_url):
    assert roll(runner).exit_code == 0
    before = snapshot(sqlite_url)

    result = roll(runner)

    assert result.exit_code != 0
    assert "未复制，未写入任何数据" in result.output
    assert f"{SEED_UNIT} 2024 年已有 5 张指标表（80 个指标）、5 条预算" in result.output
    assert "--replace" in result.output
    assert snapshot(sqlite_url) == before


def test_replace_replaces_the_draft_tables_with_a_fresh_copy(runner, db, sqlite_url):
    roll(runner)
    edited = next(row for row in indicators_of(db, 2024) if row.name == "投诉调解辅助服务")
    edited.target_text, edited.points = "≥1宗", Decimal(1)
    db.add(edited)
    db.commit()

    result = roll(runner, "--replace")

    assert result.exit_code == 0, result.output
    assert "（已替换原有 80 个指标）" in result.output
    names = line_names(db)
    assert [defining(row, names) for row in indicators_of(db, 2024)] == [
        defining(row, names) for row in indicators_of(db, 2023)
    ]
    year = budget.get_year(db, 2024)
    assert len(list(db.exec(select(BudgetLine).where(BudgetLine.year_id == year.id)))) == 5
    deleted = db.exec(select(AuditEvent).where(AuditEvent.action == "delete", AuditEvent.entity == "indicator"))
    assert len(list(deleted)) == 80
    assert verify_chain(db) == []


def test_replace_never_removes_an_approved_table(runner, db, sqlite_url):
    roll(runner)
    with transaction(make_engine(sqlite_url)) as session:
        mark_year(session, budget.get_unit(session, SEED_UNIT).id, budget.get_year(session, 2024).id, "approved")
    before = snapshot(sqlite_url)

    result = roll(runner, "--replace")

    assert result.exit_code != 0
    assert "有 5 张指标表已批复，不能覆盖" in result.output
    assert snapshot(sqlite_url) == before


def test_replace_never_removes_tables_with_entered_figures(runner, db, sqlite_url):
    roll(runner)
    year = budget.get_year(db, 2024)
    report = QuarterReport(unit_id=budget.get_unit(db, SEED_UNIT).id, year_id=year.id, quarter=1)
    db.add(report)
    db.flush()
    db.add(IndicatorResult(report_id=report.id, indicator_id=indicators_of(db, 2024)[0].id, value=Decimal(3)))
    db.commit()
    before = snapshot(sqlite_url)

    result = roll(runner, "--replace")

    assert result.exit_code != 0
    assert "已有 1 条填报、监控、自评或调整记录引用这些指标或预算，不能覆盖" in result.output
    assert snapshot(sqlite_url) == before


def test_unit_copies_only_that_unit(runner, db, tmp_path):
    add_other_unit(runner, tmp_path)

    result = roll(runner, "--unit", OTHER_UNIT)

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{OTHER_UNIT}：已复制 7 个单位整体指标、0 个项目（0 个指标）为 2024 年草稿")
    assert len(indicators_of(db, 2024, OTHER_UNIT)) == 7
    assert indicators_of(db, 2024, SEED_UNIT) == []


def test_without_unit_every_unit_with_tables_is_copied_one_line_each(runner, db, tmp_path):
    add_other_unit(runner, tmp_path)

    result = roll(runner)

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split("：")[0] for line in lines] == sorted([SEED_UNIT, OTHER_UNIT])
    assert len(indicators_of(db, 2024, OTHER_UNIT)) == 7 and len(indicators_of(db, 2024, SEED_UNIT)) == 80


def test_one_unit_with_tables_in_the_year_stops_every_unit(runner, tmp_path, sqlite_url):
    add_other_unit(runner, tmp_path)
    (tmp_path / "again").mkdir()
    add_other_unit(runner, tmp_path / "again", year="2024")  # the test unit's 2024 is taken
    before = snapshot(sqlite_url)

    result = roll(runner)

    assert result.exit_code != 0
    assert f"{OTHER_UNIT} 2024 年已有" in result.output and SEED_UNIT not in result.output
    assert snapshot(sqlite_url) == before  # the seed unit, which was free, was not copied either


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2023", "--to", "2023"], "目标年度（2023）必须晚于来源年度（2023）"),
        (["--from", "2023", "--to", "2022"], "目标年度（2022）必须晚于来源年度（2023）"),
        (["--from", "abc", "--to", "2024"], "来源年度（--from）必须是 2000–2100 之间的年份：abc"),
        (["--from", "2023", "--to", "99999"], "目标年度（--to）必须是 2000–2100 之间的年份：99999"),
        (["--from", "2023", "--to", "2024", "--unit", "无此单位"], "单位不存在：无此单位"),
        (["--from", "2023", "--to", "2024", "--unit", "  "], "单位名称不能为空"),
        (["--from", "2019", "--to", "2024"], "2019 年度不存在，没有可复制的指标表"),
        (["--from", "2019", "--to", "2024", "--unit", SEED_UNIT], f"{SEED_UNIT} 2019 年没有指标表，没有可复制的内容"),
        (
            ["--from", "2023", "--to", "2024", "--unit", "深圳市市场监督管理局"],
            "深圳市市场监督管理局 2023 年没有指标表",
        ),
    ],
)
def test_bad_input_gets_a_chinese_error_and_changes_nothing(runner, sqlite_url, args, message):
    before = snapshot(sqlite_url)
    result = runner.invoke(args=["kpi", "roll-year", *args])
    assert result.exit_code != 0
    assert "错误：未复制，未写入任何数据" in result.output
    assert message in result.output
    assert snapshot(sqlite_url) == before


def test_a_year_whose_units_have_no_tables_has_nothing_to_copy(runner, db, sqlite_url):
    budget.get_or_create_year(db, 2022)
    db.commit()
    before = snapshot(sqlite_url)
    result = roll(runner, source="2022", target="2023")
    assert result.exit_code != 0
    assert "2022 年没有任何单位的指标表，没有可复制的内容" in result.output
    assert snapshot(sqlite_url) == before


def test_a_rolled_year_rolls_on_and_is_marked_once(runner, db):
    roll(runner)
    result = roll(runner, source="2024", target="2025")
    assert result.exit_code == 0, result.output
    assert "往年（2023 年）的日期" in result.output  # "2023年12月31日前" is still to be changed
    unit = budget.get_unit(db, SEED_UNIT)
    lines = budget.budget_lines(db, unit, budget.get_year(db, 2025))
    assert all(line.description.count(AMOUNTS_TO_FILL) == 1 for line in lines)


# --- the admin page --------------------------------------------------------------------------------

PROBLEMS = f"//main//div[{pages.has_class('flash-error')}]"
RESULTS = "//main//section[h2[@id='roll-results']]/ul[@class='roll-results']/li"


def problems(page) -> tuple[str, list[str]]:
    """The refusal above the form (roll_year.html): its opening line, and each problem listed."""
    box = pages.one(page, PROBLEMS)
    return pages.text(pages.one(box, "./p")), pages.texts(box, "./ul/li")


def result_lines(page) -> list[str]:
    """The lines of the 已复制 list, one per unit copied (each with its link to the drafts)."""
    return pages.texts(page, RESULTS)


def form_data(client, **overrides) -> dict:
    html = client.get(URL).get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "from": "2023", "to": "2024", "unit": "", **overrides}


@pytest.mark.parametrize(("user", "status"), [(None, 302), ("szcc_staff", 403), ("finance", 403), ("admin", 200)])
def test_only_an_admin_may_open_the_page(client, auth, user, status):
    if user:
        auth.login(user)
    assert client.get(URL).status_code == status
    assert client.post(URL, data={"from": "2023", "to": "2024"}).status_code in {status, 400}


def test_the_page_offers_the_latest_year_into_the_next(client, auth):
    auth.login("admin")
    page = pages.parse(client.get(URL))
    form = pages.one(page, "//main//form[contains(@class, 'roll-year')]")
    assert pages.texts(form, ".//input[@name='from']/@value") == ["2023"]
    assert pages.texts(form, ".//input[@name='to']/@value") == ["2024"]
    option = pages.one(form, f".//select[@name='unit']/option[@value='{SEED_UNIT}']")
    assert pages.text(option) == SEED_UNIT and option.get("selected") is None
    replace = pages.one(form, ".//input[@name='replace']")
    assert replace.get("type") == "checkbox" and replace.get("checked") is None


def test_a_post_without_its_csrf_token_is_refused_and_writes_nothing(client, auth, sqlite_url):
    auth.login("admin")
    before = snapshot(sqlite_url)
    response = client.post(URL, data={"from": "2023", "to": "2024"})
    assert response.status_code == 400
    assert snapshot(sqlite_url) == before


def test_the_page_copies_and_shows_one_line_per_unit(client, auth, db):
    auth.login("admin")
    response = client.post(URL, data=form_data(client))
    page = pages.parse(response)
    assert response.status_code == 200
    (line,) = [li for li in page.xpath(RESULTS) if pages.text(li).startswith(f"{SEED_UNIT}：")]
    assert pages.text(line).startswith(f"{SEED_UNIT}：已复制 67 个单位整体指标、4 个项目（13 个指标）为 2024 年草稿")
    assert pages.links(line, ".") == {"查看 2024 年草稿": "/units/2/2024/indicators"}
    assert len(indicators_of(db, 2024)) == 80
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "indicator", AuditEvent.action == "create"))
    assert {event.actor for event in events} == {"admin"}


def test_the_page_refuses_a_second_copy_and_replaces_when_asked(client, auth, db, sqlite_url):
    auth.login("admin")
    client.post(URL, data=form_data(client))
    before = snapshot(sqlite_url)

    refused = client.post(URL, data=form_data(client))
    assert refused.status_code == 400
    opening, listed = problems(refused)
    assert opening == "未复制，未写入任何数据："
    assert any("如需覆盖请勾选“覆盖已有草稿”" in problem for problem in listed), listed
    assert result_lines(refused) == []
    assert snapshot(sqlite_url) == before

    replaced = client.post(URL, data=form_data(client, replace="on"))
    assert replaced.status_code == 200
    assert any("（已替换原有 80 个指标）" in line for line in result_lines(replaced))
    assert len(indicators_of(db, 2024)) == 80


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to": "2023"}, "目标年度（2023）必须晚于来源年度（2023）"),
        ({"from": "二〇二三"}, "来源年度必须是 2000–2100 之间的年份：二〇二三"),
        ({"unit": "无此单位"}, "单位不存在：无此单位"),
        ({"from": "2019"}, "2019 年度不存在，没有可复制的指标表"),
    ],
)
def test_the_page_gives_the_commands_errors_and_writes_nothing(client, auth, sqlite_url, overrides, message):
    auth.login("admin")
    data = form_data(client, **overrides)
    before = snapshot(sqlite_url)
    response = client.post(URL, data=data)
    assert response.status_code == 400
    opening, listed = problems(response)
    assert opening == "未复制，未写入任何数据：" and message in listed, listed
    assert result_lines(response) == []
    assert snapshot(sqlite_url) == before


def test_the_copied_drafts_show_on_the_target_table_with_their_amounts_to_fill(client, auth, runner):
    roll(runner)
    auth.login("szcc_staff")
    page = pages.parse(client.get("/units/2/2024/indicators"))
    assert pages.texts(page, "//main//section/h2/span[@class='count']") == ["共 67 项"]
    descriptions = [row[1] for row in pages.rows(page, "//main//table[contains(@class, 'budget')]")]
    assert descriptions and all(description.startswith(AMOUNTS_TO_FILL) for description in descriptions)


def test_fiscal_year_count_grows_by_one(runner, db):
    before = len(list(db.exec(select(FiscalYear))))
    roll(runner)
    db.expire_all()
    assert len(list(db.exec(select(FiscalYear)))) == before + 1


# --- all or nothing, under attack --------------------------------------------------------------


def test_a_fault_after_the_first_unit_was_copied_leaves_nothing_behind(runner, db, tmp_path, sqlite_url):
    add_other_unit(runner, tmp_path)  # 深圳市测试局 sorts first, so it is copied before the seed unit
    broken = indicators_of(db, 2023)[-1]
    broken.target_text = "≥1" + "0" * 2000  # longer than any table may hold: refused when it is copied
    db.add(broken)
    db.commit()
    before = snapshot(sqlite_url)

    result = roll(runner)

    assert result.exit_code != 0
    assert f"{SEED_UNIT} 的指标“{broken.name}”无法复制" in result.output
    assert snapshot(sqlite_url) == before


def test_two_copies_at_once_make_one_copy(sqlite_url):
    # The service in two threads, each with its own engine (CliRunner's output capture is per
    # process, so two commands at once would mix their output): both pass the checks, one commits.
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        engine = make_engine(sqlite_url)
        try:
            with Session(engine) as session:
                barrier.wait()
                try:
                    roll_year(session, source_year=2023, target_year=2024, actor=ImportActor())
                    session.commit()
                    outcomes.append("copied")
                except (RolloverRejected, sa.exc.DBAPIError) as error:
                    session.rollback()
                    outcomes.append(type(error).__name__)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # The other is refused by the unique keys (IntegrityError, which the command and the page
    # report as "未写入任何数据"), or by the checks if it began after the first had committed.
    assert sorted(outcomes) in (["IntegrityError", "copied"], ["RolloverRejected", "copied"]), outcomes
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        assert len(indicators_of(session, 2024)) == 80
        assert verify_chain(session) == []
    engine.dispose()
