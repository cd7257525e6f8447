"""Does a 绩效目标调整 walk from proposal through the reviewer's check to finance's approval,
and back through a return by either, with the original target kept and every version listed?"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from kpi.adjustments.models import IndicatorVersion, TargetAdjustment
from kpi.adjustments.service import latest_adjustment_approved_at
from kpi.audit.service import verify_chain
from tests import pages
from tests.adjustments.conftest import COMPLAINTS, LIST_URL, NEW_URL, UNIT_ID, created_id, detail_url, indicator

SATISFACTION = "投诉处理消费者满意度"
SECTION = "//main//section[h2[starts-with(normalize-space(), '{}')]]"


def shown_status(page) -> str:
    """The adjustment's status in the detail page's head (detail.html, the status span)."""
    return pages.text(pages.one(page, "//main//p[@class='meta']/span[contains(@class, 'status')]"))


def proposal(page) -> dict[str, str]:
    """The detail page's card: 调整原因 and 调整依据, by their bold labels."""
    card = pages.one(page, "//main//section[@class='card']")
    return {pages.text(strong).rstrip("："): (strong.tail or "").strip() for strong in card.xpath("./p/strong")}


def return_reason(page) -> list[str]:
    """The return reason the detail page's card shows (a warning paragraph), if any."""
    return pages.texts(page, "//main//section[@class='card']/p[contains(@class, 'flash-warning')]")


def items(page) -> dict[str, list[str]]:
    """The 调整内容 table: each row's cells after 三级指标 (年初、申请时、调整后指标值, 申请时、调整后分值) by indicator."""
    rows = pages.rows(page, SECTION.format("调整内容") + "//table")
    return {row[2].removesuffix(" 版本"): row[3:] for row in rows}


def steps(page) -> list[list[str]]:
    """The 办理记录 table's rows without their time: 操作人、操作、内容、原值、新值、原因."""
    return [row[1:] for row in pages.rows(page, SECTION.format("办理记录") + "//table")]


def handling(page) -> str:
    """What the 办理 box says when the signed-in user has no step to take."""
    return pages.text(pages.one(page, "//main//section[contains(@class, 'review')]/p[@class='muted']"))


def target_cell(row) -> tuple[str, list[str]]:
    """An indicator row's target cell: the target shown, and the small print under it (年初：…)."""
    cell = pages.one(row, "./td[contains(@class, 'target')][not(contains(@class, 'actual'))]")
    return (cell.text or "").strip(), pages.texts(cell, "./small")


def submitted(desks, ids) -> int:
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", ""), SATISFACTION: ("", "4.5")}, action="submit")
    return created_id(response)


def status(db, adjustment_id: int) -> str:
    db.expire_all()
    return db.get(TargetAdjustment, adjustment_id).status


def test_proposal_check_and_approval_adjust_the_indicator_and_keep_the_original(desks, ids, db):
    staff, reviewer, finance = desks["staff"], desks["reviewer"], desks["finance"]
    before = indicator(db, ids[COMPLAINTS])
    assert (before.target_text, before.target_value, before.original_target_text) == (
        "≥19000宗",
        Decimal("19000.0000"),
        None,
    )
    old_version, old_points = before.version, indicator(db, ids[SATISFACTION]).points

    adjustment_id = submitted(desks, ids)
    page = pages.parse(staff.page(detail_url(adjustment_id)))
    assert shown_status(page) == "待初审"
    assert items(page)[COMPLAINTS] == ["≥19000宗", "≥19000宗", "≥1.7万宗", "—", "不调整"]
    assert proposal(page) == {"调整原因": "预算调剂后任务量减少", "调整依据": "深财预〔2023〕88号"}
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"  # nothing changes before approval

    checked = reviewer.step(adjustment_id, "review/check")
    assert pages.flashes(checked, "success") == ["已通过初审，等待财政局批复。"]
    assert status(db, adjustment_id) == "checked"
    queue = pages.one(finance.page("/adjustments/pending"), f"//main//table//tr[@data-adjustment-id='{adjustment_id}']")
    assert pages.texts(queue, "./td")[:2] == [f"第 {adjustment_id} 号", "深圳市消费者委员会秘书处"]
    assert pages.links(finance.page("/finance"))["待批复的绩效目标调整"] == "/adjustments/pending"

    approved = finance.step(adjustment_id, "approval/approve")
    assert pages.flashes(approved, "success") == ["已批复：调整后的指标值和分值自即日起用于进度和评分。"]
    assert status(db, adjustment_id) == "approved"
    queue = pages.parse(finance.page("/adjustments/pending"))
    assert queue.xpath(f"//*[@data-adjustment-id='{adjustment_id}']") == []
    assert f"第 {adjustment_id} 号" not in pages.text(queue)

    after = indicator(db, ids[COMPLAINTS])
    assert (after.target_text, after.comparator, after.target_value, after.unit) == (
        "≥1.7万宗",
        ">=",
        Decimal("17000.0000"),
        "宗",
    )
    assert (after.original_target_text, after.initial_target_text, after.is_adjusted) == ("≥19000宗", "≥19000宗", True)
    assert after.version == old_version + 1  # a settings form opened before approval is now stale
    points = indicator(db, ids[SATISFACTION])
    assert (points.points, points.initial_points, points.target_text) == (
        Decimal("4.50"),
        old_points,
        points.initial_target_text,
    )

    versions = db.exec(
        select(IndicatorVersion)
        .where(IndicatorVersion.indicator_id == ids[COMPLAINTS])
        .order_by(IndicatorVersion.number)
    ).all()
    assert [(v.number, v.target_text, v.adjustment_id) for v in versions] == [
        (1, "≥19000宗", None),
        (2, "≥1.7万宗", adjustment_id),
    ]
    listing = pages.parse(staff.page(f"/units/{UNIT_ID}/indicators/{ids[COMPLAINTS]}/versions"))
    assert [(row[0], row[1], row[4]) for row in pages.rows(listing, "//main//table[contains(@class, 'versions')]")] == [
        ("第 1 版（年初）", "≥19000宗", "年初批复"),
        ("第 2 版（现行）", "≥1.7万宗", f"调整申请第 {adjustment_id} 号"),
    ]
    assert pages.links(listing, "//main//table")[f"调整申请第 {adjustment_id} 号"] == detail_url(adjustment_id)

    table = pages.one(
        staff.page(f"/units/{UNIT_ID}/2023/indicators"),
        f"//main//table[contains(@class, 'indicators')]//tr[@data-name='{COMPLAINTS}']",
    )
    assert target_cell(table) == ("≥1.7万宗", ["年初：≥19000宗 · 版本"])
    history = pages.parse(staff.page(detail_url(adjustment_id)))
    done = [(row[0], row[1]) for row in steps(history)]
    for step, actor in (("提交初审", "szcc_staff"), ("通过初审", "szcc_reviewer"), ("批复", "finance")):
        assert [who for who, what in done if what == step and who.endswith(f"（{actor}）")], (step, actor)
    assert handling(history) == "已批复：调整后的指标值和分值已生效。"
    trail = pages.rows(staff.page(f"/units/{UNIT_ID}/indicators/{ids[COMPLAINTS]}/history"))
    ((item, old, reason),) = [(row[2], row[3], row[5]) for row in trail if row[4] == "≥1.7万宗"]
    assert (item, old) == ("年度指标值", "≥19000宗") and reason.startswith(
        f"绩效目标调整（第 {adjustment_id} 号）已批复"
    )

    year_id = after.year_id
    assert latest_adjustment_approved_at(db, UNIT_ID, year_id) is not None
    assert verify_chain(db) == []


def test_progress_monitoring_and_the_self_evaluation_use_the_adjusted_target(desks, ids):
    adjustment_id = submitted(desks, ids)
    desks["reviewer"].step(adjustment_id, "review/check")
    desks["finance"].step(adjustment_id, "approval/approve")
    row = f"//main//tr[@id='ind-{ids[COMPLAINTS]}']"
    evaluation = pages.one(desks["staff"].page(f"/units/{UNIT_ID}/2023/self-evaluation"), row)
    assert target_cell(evaluation) == ("≥1.7万宗", ["年初：≥19000宗"])
    monitoring = pages.one(desks["staff"].page(f"/units/{UNIT_ID}/2023/monitoring"), row)
    assert target_cell(monitoring) == ("≥1.7万宗", ["年初：≥19000宗"])
    progress = pages.parse(desks["staff"].page(f"/units/{UNIT_ID}/2023/progress"))
    unit_wide = pages.one(progress, SECTION.format("单位整体绩效指标") + f"//tr[@data-name='{COMPLAINTS}']")
    assert target_cell(unit_wide)[0] == "≥1.7万宗"  # the project table keeps its own ≥19000宗 row


def test_the_reviewer_returns_with_a_reason_and_staff_resubmit(desks, ids, db):
    staff, reviewer = desks["staff"], desks["reviewer"]
    adjustment_id = submitted(desks, ids)
    refused = reviewer.step(adjustment_id, "review/return", reason="  ")
    assert pages.flashes(refused, "error") == ["退回必须填写原因。"] and status(db, adjustment_id) == "submitted"

    reviewer.step(adjustment_id, "review/return", reason="调整依据文号有误")
    assert status(db, adjustment_id) == "returned"
    page = pages.parse(staff.page(detail_url(adjustment_id)))
    assert shown_status(page) == "已退回" and return_reason(page) == ["退回原因：调整依据文号有误"]
    who, *step = steps(page)[-1]
    assert who.endswith("（szcc_reviewer）") and step == ["退回", "状态", "待初审", "已退回", "调整依据文号有误"]

    edit_url = detail_url(adjustment_id) + "/edit"
    typed = pages.parse(staff.page(edit_url))  # the returned proposal comes back as it was
    assert pages.texts(typed, f"//main//form//input[@name='i{ids[COMPLAINTS]}-target']/@value") == ["≥1.7万宗"]
    response = staff.propose(
        ids, {COMPLAINTS: ("≥18000宗", "")}, basis="深财预〔2023〕89号", action="submit", url=edit_url
    )
    assert response.status_code == 302
    assert status(db, adjustment_id) == "submitted"
    page = pages.parse(staff.page(detail_url(adjustment_id)))
    assert items(page) == {COMPLAINTS: ["≥19000宗", "≥19000宗", "≥18000宗", "—", "不调整"]}
    assert proposal(page)["调整依据"] == "深财预〔2023〕89号"
    assert SATISFACTION not in pages.text(pages.one(page, SECTION.format("调整内容")))
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"


def test_finance_returns_a_checked_adjustment_and_nothing_changes(desks, ids, db):
    adjustment_id = submitted(desks, ids)
    desks["reviewer"].step(adjustment_id, "review/check")
    refused = desks["finance"].step(adjustment_id, "approval/return")
    assert pages.flashes(refused, "error") == ["退回必须填写原因。"] and status(db, adjustment_id) == "checked"
    desks["finance"].step(adjustment_id, "approval/return", reason="请附预算调剂批复文件")
    assert status(db, adjustment_id) == "returned"
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"
    assert not db.exec(select(IndicatorVersion).where(IndicatorVersion.indicator_id == ids[COMPLAINTS])).all()
    page = pages.parse(desks["staff"].page(detail_url(adjustment_id)))
    assert return_reason(page) == ["退回原因：请附预算调剂批复文件"]
    who, *step = steps(page)[-1]
    assert who.endswith("（finance）") and step == ["退回", "状态", "待批复", "已退回", "请附预算调剂批复文件"]


def test_steps_out_of_order_are_refused(desks, ids, db):
    draft = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}))
    assert pages.flashes(desks["staff"].page(detail_url(draft)), "success") == ["已保存调整申请草稿。"]
    page = desks["reviewer"].step(draft, "review/check")
    assert pages.flashes(page, "error") == ["当前状态为“草稿”，不能通过初审。"] and status(db, draft) == "draft"
    desks["staff"].step(draft, "submit")
    page = desks["finance"].step(draft, "approval/approve")
    assert pages.flashes(page, "error") == ["当前状态为“待初审”，不能批复。"] and status(db, draft) == "submitted"


def test_the_unit_lists_its_tables_and_adjustments(desks, ids):
    adjustment_id = submitted(desks, ids)
    page = pages.parse(desks["staff"].page(LIST_URL))
    tables = pages.rows(page, SECTION.format("绩效目标表") + "//table")
    assert (tables[0][:2], tables[0][3]) == (["单位整体支出绩效目标表", "已批复"], "申请调整")
    assert pages.links(page, SECTION.format("绩效目标表") + "//tbody/tr[1]") == {"申请调整": NEW_URL}
    (listed,) = page.xpath(SECTION.format("调整申请") + f"//tbody/tr[@data-adjustment-id='{adjustment_id}']")
    assert pages.texts(listed, "./td")[0] == f"第 {adjustment_id} 号"
    assert pages.texts(listed, "./td/span[contains(@class, 'status')]") == ["待初审"]
    quarters = desks["staff"].page(f"/units/{UNIT_ID}/2023/quarters")
    assert pages.links(quarters, "//main//nav[@class='subnav']")["目标调整"] == LIST_URL


def test_the_proposal_form_merges_the_levels_and_can_be_filtered(desks, ids):
    page = pages.parse(desks["staff"].page(NEW_URL))
    rows = page.xpath("//main//table[contains(@class, 'adjustment')]/tbody/tr")
    assert len(rows) == len(ids) == 67
    # Each 一级 and each 二级 group is one merged cell spanning its rows, as on the published table.
    level1 = page.xpath("//main//table[contains(@class, 'adjustment')]//th[@class='level1']")
    assert [pages.text(cell) for cell in level1] == ["产出指标", "效益指标", "满意度指标"]
    assert sum(int(cell.get("rowspan")) for cell in level1) == 67
    level2 = page.xpath("//main//table[contains(@class, 'adjustment')]//th[@class='level2']")
    assert sum(int(cell.get("rowspan")) for cell in level2) == 67
    # The row filter (kpi/static/js/forms.js) finds every row by its name and levels.
    assert page.xpath("//main//div[@class='row-filter']/@data-rows") == ["table.adjustment tr[data-l1]"]
    assert sorted(row.get("data-name") for row in rows) == sorted(ids)
    assert {row.get("data-l1") for row in rows} == {"产出指标", "效益指标", "满意度指标"}
    assert page.xpath("//main//div[contains(@class, 'actions') and contains(@class, 'sticky')]//button/text()") == [
        "保存草稿",
        "保存并提交初审",
    ]
