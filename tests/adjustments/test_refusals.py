"""Is every refused adjustment a clear Chinese message that changes nothing?

No reason, no change, a bad value, a table that is not approved yet, a stale version,
another unit's adjustment, and a role that may not take the step."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from kpi.accounts.service import create_user
from kpi.adjustments.models import TargetAdjustment
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests.adjustments.conftest import (
    COMPLAINTS,
    LIST_URL,
    NEW_URL,
    UNIT_ID,
    Desk,
    created_id,
    detail_url,
    draft_unit_table,
    indicator,
)
from tests.conftest import AuthActions, csrf_from


def counts(db) -> tuple[int, int]:
    db.expire_all()
    return (
        db.exec(select(func.count()).select_from(TargetAdjustment)).one(),
        db.exec(select(func.count()).select_from(AuditEvent)).one(),
    )


def test_a_proposal_without_reason_is_refused_and_keeps_what_was_typed(desks, ids, db):
    before = counts(db)
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, reason="   ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写调整原因" in html and 'value="≥1.7万宗"' in html and "深财预〔2023〕88号" in html
    assert counts(db) == before


@pytest.mark.parametrize(
    ("changes", "basis", "message"),
    [
        ({}, "深财预〔2023〕88号", "请至少为一项指标填写与现行不同的调整后指标值或分值"),
        ({COMPLAINTS: ("≥19000宗", "")}, "深财预〔2023〕88号", "请至少为一项指标填写与现行不同的调整后指标值或分值"),
        ({COMPLAINTS: ("≥1.7万宗", "")}, "", "请填写调整依据"),
        ({COMPLAINTS: ("", "abc")}, "深财预〔2023〕88号", "应为数字"),
        ({COMPLAINTS: ("", "120")}, "深财预〔2023〕88号", "不能大于 100"),
        ({COMPLAINTS: ("", "-1")}, "深财预〔2023〕88号", "不能为负数"),
        ({COMPLAINTS: ("≥" + "9" * 2001, "")}, "深财预〔2023〕88号", "过长"),
    ],
    ids=["no-change", "same-as-now", "no-basis", "points-text", "points-over-100", "negative", "too-long"],
)
def test_a_bad_proposal_is_refused_with_its_reason(desks, ids, db, changes, basis, message):
    before = counts(db)
    response = desks["staff"].propose(ids, changes, basis=basis)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(db) == before


def test_control_characters_in_a_proposal_are_cleaned_at_input(desks, ids, db):
    """A NUL or ESC pasted into a target never reaches the database (kpi.core.text)."""
    adjustment_id = created_id(
        desks["staff"].propose(ids, {COMPLAINTS: ("≥1\x00.7\x1b万宗", "")}, basis="深财预\x00〔2023〕88号")
    )
    page = desks["staff"].page(detail_url(adjustment_id))
    assert "≥1.7万宗" in page and "深财预〔2023〕88号" in page and "\x00" not in page


def test_a_table_that_is_not_approved_cannot_be_adjusted(desks, ids, db, sqlite_url):
    draft_unit_table(sqlite_url)
    page = desks["staff"].page(NEW_URL)
    assert "该指标表尚未批复，不需要申请调整" in page
    before = counts(db)
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")})
    assert response.status_code == 409
    assert "该指标表尚未批复" in response.get_data(as_text=True)
    assert counts(db) == before


def test_a_stale_version_is_refused(desks, ids, db):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    seen = desks["reviewer"].version(adjustment_id)
    desks["reviewer"].step(adjustment_id, "review/check")  # moves it on: the version seen is now old
    desks["finance"].step(adjustment_id, "approval/return", reason="请补充依据")
    before = counts(db)
    page = (
        desks["reviewer"].step(adjustment_id, "review/return", reason="重复退回", version=seen).get_data(as_text=True)
    )
    assert "该调整申请已被他人修改或处理" in page
    page = desks["finance"].step(adjustment_id, "approval/approve", version="999999").get_data(as_text=True)
    assert "该调整申请已被他人修改或处理" in page
    assert counts(db) == before
    db.expire_all()
    assert db.get(TargetAdjustment, adjustment_id).status == "returned"


def test_a_stale_proposal_edit_is_refused_and_keeps_what_was_typed(desks, ids, db):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}))
    edit_url = detail_url(adjustment_id) + "/edit"
    first = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.8万宗", "")}, url=edit_url)
    assert first.status_code == 302
    html = desks["staff"].client.get(edit_url).get_data(as_text=True)
    # Post the form as it was opened before the save above (version 1).
    response = desks["staff"].client.post(
        edit_url,
        data={
            "csrf_token": csrf_from(html),
            "version": "1",
            "action": "save",
            "reason": "再改",
            "basis": "深财预〔2023〕90号",
            f"i{ids[COMPLAINTS]}-target": "≥1.6万宗",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "该调整申请已被他人修改或处理" in page and 'value="≥1.6万宗"' in page
    db.expire_all()
    assert db.get(TargetAdjustment, adjustment_id).reason == "预算调剂后任务量减少"


def test_an_approval_refuses_targets_that_moved_on_since_the_proposal(desks, ids, db):
    first = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    second = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.5万宗", "")}, action="submit"))
    for adjustment_id in (first, second):
        desks["reviewer"].step(adjustment_id, "review/check")
    desks["finance"].step(first, "approval/approve")
    page = desks["finance"].step(second, "approval/approve").get_data(as_text=True)
    assert "在本申请提出后已改变" in page
    assert indicator(db, ids[COMPLAINTS]).target_text == "≥1.7万宗"
    db.expire_all()
    assert db.get(TargetAdjustment, second).status == "checked"


@pytest.fixture
def other_staff(app, sqlite_url):
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
    engine.dispose()
    client = app.test_client()
    AuthActions(client).login("other_staff", "Other#Pass1")
    return Desk(client)


def test_another_units_staff_find_nothing(desks, ids, other_staff):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}))
    for url in (
        LIST_URL,
        NEW_URL,
        detail_url(adjustment_id),
        detail_url(adjustment_id) + "/edit",
        f"/units/{UNIT_ID}/indicators/{ids[COMPLAINTS]}/versions",
    ):
        assert other_staff.client.get(url).status_code == 404, url
    token = csrf_from(other_staff.page("/account/password"))
    assert other_staff.client.post(detail_url(adjustment_id) + "/submit", data={"csrf_token": token}).status_code == 404


def test_each_step_belongs_to_its_role(desks, ids, app):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    forbidden = [
        ("staff", "review/check"),
        ("staff", "approval/approve"),
        ("reviewer", "approval/approve"),
        ("reviewer", "submit"),
        ("finance", "review/check"),
        ("finance", "submit"),
        ("finance", "review/return"),
        ("staff", "approval/return"),
    ]
    for role, path in forbidden:
        desk = desks[role]
        html = desk.page(detail_url(adjustment_id))
        response = desk.client.post(
            f"{detail_url(adjustment_id)}/{path}", data={"csrf_token": csrf_from(html), "version": "2"}
        )
        assert response.status_code == 403, (role, path)
    assert desks["finance"].client.get(NEW_URL).status_code == 403
    assert desks["finance"].client.get(detail_url(adjustment_id) + "/edit").status_code == 403


def test_an_id_out_of_range_is_not_found(desks):
    assert desks["staff"].client.get(detail_url(2**40)).status_code == 404
    assert desks["staff"].client.get(NEW_URL + "?project=99999999999999").status_code == 404
    assert desks["staff"].client.get(NEW_URL + "?project=99999").status_code == 404
    assert desks["finance"].client.get("/adjustments/pending").status_code == 200
    assert desks["staff"].client.get("/adjustments/pending").status_code == 403


def test_nothing_in_the_trail_was_lost(desks, ids, db):
    created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}))
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "target_adjustment")).all()
    assert events and all(event.actor == "szcc_staff" for event in events)
    assert (
        db.exec(select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.field.like("%调整后指标值"))).one()
        == 1
    )


def test_a_submitted_adjustment_cannot_be_edited(desks, ids, db):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    edit_url = detail_url(adjustment_id) + "/edit"
    page = desks["staff"].client.get(edit_url, follow_redirects=True).get_data(as_text=True)
    assert "当前状态为“待初审”，不能修改" in page
    html = desks["staff"].page(detail_url(adjustment_id))
    response = desks["staff"].client.post(
        edit_url,
        data={
            "csrf_token": csrf_from(html),
            "version": "2",
            "action": "save",
            "reason": "再改",
            "basis": "文号",
            f"i{ids[COMPLAINTS]}-target": "≥1.6万宗",
        },
    )
    assert response.status_code == 409 and "不能保存调整申请" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(TargetAdjustment, adjustment_id).reason == "预算调剂后任务量减少"
