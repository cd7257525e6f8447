"""Does a 绩效目标调整 walk from proposal through the reviewer's check to finance's approval,
and back through a return by either, with the original target kept and every version listed?"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from kpi.adjustments.models import IndicatorVersion, TargetAdjustment
from kpi.adjustments.service import latest_adjustment_approved_at
from kpi.audit.service import verify_chain
from tests.adjustments.conftest import COMPLAINTS, LIST_URL, NEW_URL, UNIT_ID, created_id, detail_url, indicator

SATISFACTION = "投诉处理消费者满意度"


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
    page = staff.page(detail_url(adjustment_id))
    assert "待初审" in page and "≥1.7万宗" in page and "预算调剂后任务量减少" in page and "深财预〔2023〕88号" in page
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"  # nothing changes before approval

    assert "已通过初审" in reviewer.step(adjustment_id, "review/check").get_data(as_text=True)
    assert status(db, adjustment_id) == "checked"
    queue = finance.page("/adjustments/pending")
    assert f'data-adjustment-id="{adjustment_id}"' in queue and "深圳市消费者委员会秘书处" in queue
    assert "待批复的绩效目标调整" in finance.page("/finance")

    assert "已批复" in finance.step(adjustment_id, "approval/approve").get_data(as_text=True)
    assert status(db, adjustment_id) == "approved"
    assert f'data-adjustment-id="{adjustment_id}"' not in finance.page("/adjustments/pending")

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
    listing = staff.page(f"/units/{UNIT_ID}/indicators/{ids[COMPLAINTS]}/versions")
    assert "第 1 版（年初）" in listing and "第 2 版（现行）" in listing and f"调整申请第 {adjustment_id} 号" in listing

    table = staff.page(f"/units/{UNIT_ID}/2023/indicators")
    assert "≥1.7万宗" in table and "年初：≥19000宗" in table
    history = staff.page(detail_url(adjustment_id))
    for step, actor in (("提交初审", "szcc_staff"), ("通过初审", "szcc_reviewer"), ("批复", "finance")):
        assert step in history and actor in history
    assert "已批复：调整后的指标值和分值已生效" in history
    trail = staff.page(f"/units/{UNIT_ID}/indicators/{ids[COMPLAINTS]}/history")
    assert "≥1.7万宗" in trail and f"绩效目标调整（第 {adjustment_id} 号）已批复" in trail

    year_id = after.year_id
    assert latest_adjustment_approved_at(db, UNIT_ID, year_id) is not None
    assert verify_chain(db) == []


def test_progress_monitoring_and_the_self_evaluation_use_the_adjusted_target(desks, ids):
    adjustment_id = submitted(desks, ids)
    desks["reviewer"].step(adjustment_id, "review/check")
    desks["finance"].step(adjustment_id, "approval/approve")
    evaluation = desks["staff"].page(f"/units/{UNIT_ID}/2023/self-evaluation")
    assert "≥1.7万宗" in evaluation and "年初：≥19000宗" in evaluation
    monitoring = desks["staff"].page(f"/units/{UNIT_ID}/2023/monitoring")
    assert "≥1.7万宗" in monitoring and "年初：≥19000宗" in monitoring
    progress = desks["staff"].page(f"/units/{UNIT_ID}/2023/progress")
    assert "≥1.7万宗" in progress  # the project table keeps its own ≥19000宗 row


def test_the_reviewer_returns_with_a_reason_and_staff_resubmit(desks, ids, db):
    staff, reviewer = desks["staff"], desks["reviewer"]
    adjustment_id = submitted(desks, ids)
    refused = reviewer.step(adjustment_id, "review/return", reason="  ").get_data(as_text=True)
    assert "退回必须填写原因" in refused and status(db, adjustment_id) == "submitted"

    reviewer.step(adjustment_id, "review/return", reason="调整依据文号有误")
    assert status(db, adjustment_id) == "returned"
    page = staff.page(detail_url(adjustment_id))
    assert "已退回" in page and "调整依据文号有误" in page and "szcc_reviewer" in page

    edit_url = detail_url(adjustment_id) + "/edit"
    assert "≥1.7万宗" in staff.page(edit_url)  # the returned proposal comes back as it was
    response = staff.propose(
        ids, {COMPLAINTS: ("≥18000宗", "")}, basis="深财预〔2023〕89号", action="submit", url=edit_url
    )
    assert response.status_code == 302
    assert status(db, adjustment_id) == "submitted"
    page = staff.page(detail_url(adjustment_id))
    assert (
        "≥18000宗" in page
        and "深财预〔2023〕89号" in page
        and SATISFACTION not in page.split("调整内容")[1].split("办理")[0]
    )
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"


def test_finance_returns_a_checked_adjustment_and_nothing_changes(desks, ids, db):
    adjustment_id = submitted(desks, ids)
    desks["reviewer"].step(adjustment_id, "review/check")
    refused = desks["finance"].step(adjustment_id, "approval/return").get_data(as_text=True)
    assert "退回必须填写原因" in refused and status(db, adjustment_id) == "checked"
    desks["finance"].step(adjustment_id, "approval/return", reason="请附预算调剂批复文件")
    assert status(db, adjustment_id) == "returned"
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥19000宗"
    assert not db.exec(select(IndicatorVersion).where(IndicatorVersion.indicator_id == ids[COMPLAINTS])).all()
    page = desks["staff"].page(detail_url(adjustment_id))
    assert "请附预算调剂批复文件" in page and "finance" in page


def test_steps_out_of_order_are_refused(desks, ids, db):
    draft = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}))
    assert "已保存调整申请草稿" in desks["staff"].page(detail_url(draft))
    page = desks["reviewer"].step(draft, "review/check").get_data(as_text=True)
    assert "当前状态为“草稿”，不能通过初审" in page and status(db, draft) == "draft"
    desks["staff"].step(draft, "submit")
    page = desks["finance"].step(draft, "approval/approve").get_data(as_text=True)
    assert "当前状态为“待初审”，不能批复" in page and status(db, draft) == "submitted"


def test_the_unit_lists_its_tables_and_adjustments(desks, ids):
    adjustment_id = submitted(desks, ids)
    page = desks["staff"].page(LIST_URL)
    assert "单位整体支出绩效目标表" in page and "已批复" in page and "申请调整" in page
    assert f'data-adjustment-id="{adjustment_id}"' in page and "待初审" in page
    assert "目标调整" in desks["staff"].page(f"/units/{UNIT_ID}/2023/quarters")
    assert NEW_URL in page
