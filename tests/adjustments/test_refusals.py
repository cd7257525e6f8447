"""Is every refused adjustment a clear Chinese message that changes nothing?

No reason, no change, a bad value, a table that is not approved yet, a stale version,
another unit's adjustment, and a role that may not take the step."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from kpi.accounts.service import create_user
from kpi.adjustments.models import TargetAdjustment
from kpi.adjustments.schemas import MAX_REASON
from kpi.audit.models import AuditEvent
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests import pages
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

STALE = "该调整申请已被他人修改或处理（在您打开页面之后），本次操作未执行。请查看最新内容和状态后重试。"
NOT_APPROVED = "该指标表尚未批复，不需要申请调整：批复前可在指标设置中直接修改年度指标值和分值。"


def form_errors(page) -> dict[str, list[str]]:
    """The errors the proposal form shows (adjustments/form.html), by the field each stands beside: an
    indicator's input (i<id>-target, i<id>-points), reason or basis; "items" for the table as a whole."""
    form = pages.one(page, "//main//form[@novalidate]")
    found: dict[str, list[str]] = {}
    for error in form.xpath(f".//*[{pages.has_class('error-text')}]"):
        beside = error.getparent()
        if beside is form:
            name = "items"
        else:
            (name,) = beside.xpath("./input/@name|./textarea/@name|./select/@name")
        found.setdefault(name, []).append(pages.text(error))
    return found


def typed(page, name: str) -> list[str]:
    """What the proposal form's field ``name`` holds (an input's value attribute, a textarea's text)."""
    return pages.texts(page, f"//main//form[@novalidate]//input[@name='{name}']/@value") + pages.texts(
        page, f"//main//form[@novalidate]//textarea[@name='{name}']"
    )


def counts(db) -> tuple[int, int]:
    db.expire_all()
    return (
        db.exec(select(func.count()).select_from(TargetAdjustment)).one(),
        db.exec(select(func.count()).select_from(AuditEvent)).one(),
    )


def test_a_proposal_without_reason_is_refused_and_keeps_what_was_typed(desks, ids, db):
    before = counts(db)
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, reason="   ")
    assert response.status_code == 400
    page = pages.parse(response)
    assert form_errors(page) == {"reason": ["请填写调整原因"]}
    assert typed(page, f"i{ids[COMPLAINTS]}-target") == ["≥1.7万宗"] and typed(page, "basis") == ["深财预〔2023〕88号"]
    assert counts(db) == before


@pytest.mark.parametrize(
    ("changes", "basis", "field", "message"),
    [
        ({}, "深财预〔2023〕88号", "items", "请至少为一项指标填写与现行不同的调整后指标值或分值"),
        (
            {COMPLAINTS: ("≥19000宗", "")},
            "深财预〔2023〕88号",
            "items",
            "请至少为一项指标填写与现行不同的调整后指标值或分值",
        ),
        ({COMPLAINTS: ("≥1.7万宗", "")}, "", "basis", "请填写调整依据"),
        ({COMPLAINTS: ("", "abc")}, "深财预〔2023〕88号", "points", "应为数字"),
        ({COMPLAINTS: ("", "120")}, "深财预〔2023〕88号", "points", "不能大于 100"),
        ({COMPLAINTS: ("", "-1")}, "深财预〔2023〕88号", "points", "不能为负数"),
        ({COMPLAINTS: ("≥" + "9" * 2001, "")}, "深财预〔2023〕88号", "target", "过长（最多 2000 个字符）"),
    ],
    ids=["no-change", "same-as-now", "no-basis", "points-text", "points-over-100", "negative", "too-long"],
)
def test_a_bad_proposal_is_refused_with_its_reason(desks, ids, db, changes, basis, field, message):
    """The reason stands beside its field: an indicator's target or points, the basis, or the table as a whole."""
    before = counts(db)
    response = desks["staff"].propose(ids, changes, basis=basis)
    assert response.status_code == 400
    name = f"i{ids[COMPLAINTS]}-{field}" if field in ("target", "points") else field
    assert form_errors(response) == {name: [message]}
    assert counts(db) == before


def test_the_error_summary_lists_every_fault_in_page_order_each_linking_to_its_field(desks, ids, db):
    """Three faults, one in the table and two below it: the summary names each, so that none is
    left for the user to find by scrolling, and each link leads to a field of the page."""
    before = counts(db)
    changes = {COMPLAINTS: ("", "abc"), "志愿者培训数量": ("", "120")}
    response = desks["staff"].propose(ids, changes, reason=" ", basis="")
    assert response.status_code == 400
    page = pages.parse(response)
    assert pages.error_summary(page) == [
        "志愿者培训数量 · 调整后分值：不能大于 100",  # table order: 志愿者培训数量 comes first
        "投诉调解辅助服务 · 调整后分值：应为数字",
        "调整原因：请填写调整原因",
        "调整依据：请填写调整依据",
    ]
    assert pages.text(pages.one(page, "//*[@id='error-summary']/h2")) == "有 4 处填写有误，请按提示修改。"
    targets = page.xpath("//*[@id='error-summary']//li/a/@href")
    assert targets == [f"#i{ids['志愿者培训数量']}-points", f"#i{ids[COMPLAINTS]}-points", "#reason", "#basis"]
    for target in targets:
        assert len(page.xpath(f"//main//form//*[@id='{target[1:]}']")) == 1, target
    assert page.xpath("//main/div[contains(@class, 'flash-error')]") == []  # said once, in the summary
    assert counts(db) == before


def test_a_change_to_no_indicator_links_to_the_table(desks, ids):
    page = pages.parse(desks["staff"].propose(ids, {}))
    assert pages.error_summary(page) == ["请至少为一项指标填写与现行不同的调整后指标值或分值"]
    (target,) = page.xpath("//*[@id='error-summary']//li/a/@href")
    assert page.xpath(f"//main//form//table[@id='{target[1:]}']")


def test_control_characters_in_a_proposal_are_cleaned_at_input(desks, ids, db):
    """A NUL or ESC pasted into a target never reaches the database (kpi.core.text)."""
    adjustment_id = created_id(
        desks["staff"].propose(ids, {COMPLAINTS: ("≥1\x00.7\x1b万宗", "")}, basis="深财预\x00〔2023〕88号")
    )
    html = desks["staff"].page(detail_url(adjustment_id))
    page = pages.parse(html)
    adjusted = f"//main//table[contains(@class, 'adjustment')]//tr[@data-indicator-id='{ids[COMPLAINTS]}']/td[6]"
    assert pages.texts(page, adjusted) == ["≥1.7万宗"]
    assert pages.texts(page, "//main//section[@class='card']/p[strong = '调整依据：']") == [
        "调整依据：深财预〔2023〕88号"
    ]
    assert "\x00" not in html and "\x1b" not in html  # the bytes sent: a parser may drop a NUL itself


def test_a_table_that_is_not_approved_cannot_be_adjusted(desks, ids, db, sqlite_url):
    draft_unit_table(sqlite_url)
    assert pages.flashes(desks["staff"].page(NEW_URL), "error") == [NOT_APPROVED]
    before = counts(db)
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")})
    assert response.status_code == 409
    assert pages.flashes(response, "error") == [NOT_APPROVED]
    assert counts(db) == before


def test_a_stale_version_is_refused(desks, ids, db):
    adjustment_id = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    seen = desks["reviewer"].version(adjustment_id)
    desks["reviewer"].step(adjustment_id, "review/check")  # moves it on: the version seen is now old
    desks["finance"].step(adjustment_id, "approval/return", reason="请补充依据")
    before = counts(db)
    page = desks["reviewer"].step(adjustment_id, "review/return", reason="重复退回", version=seen)
    assert pages.flashes(page, "error") == [STALE]
    page = desks["finance"].step(adjustment_id, "approval/approve", version="999999")
    assert pages.flashes(page, "error") == [STALE]
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
    assert response.status_code == 409 and pages.flashes(response, "error") == [STALE]
    assert typed(pages.parse(response), f"i{ids[COMPLAINTS]}-target") == ["≥1.6万宗"]
    db.expire_all()
    assert db.get(TargetAdjustment, adjustment_id).reason == "预算调剂后任务量减少"


def test_an_approval_refuses_targets_that_moved_on_since_the_proposal(desks, ids, db):
    first = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, action="submit"))
    second = created_id(desks["staff"].propose(ids, {COMPLAINTS: ("≥1.5万宗", "")}, action="submit"))
    for adjustment_id in (first, second):
        desks["reviewer"].step(adjustment_id, "review/check")
    desks["finance"].step(first, "approval/approve")
    (message,) = pages.flashes(desks["finance"].step(second, "approval/approve"), "error")
    assert message.startswith(f"指标“{COMPLAINTS}”的现行指标值或分值在本申请提出后已改变")
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
    page = desks["staff"].client.get(edit_url, follow_redirects=True)
    assert pages.flashes(page, "error") == ["该调整申请当前状态为“待初审”，不能修改。"]
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
    assert response.status_code == 409 and pages.flashes(response, "error") == [
        "当前状态为“待初审”，不能保存调整申请。"
    ]
    db.expire_all()
    assert db.get(TargetAdjustment, adjustment_id).reason == "预算调剂后任务量减少"


def test_a_reason_too_long_for_the_form_is_in_the_summary_too(desks, ids, db):
    before = counts(db)
    response = desks["staff"].propose(ids, {COMPLAINTS: ("≥1.7万宗", "")}, reason="长" * (MAX_REASON + 1))
    assert response.status_code == 400
    (line,) = pages.error_summary(pages.parse(response))
    assert line.startswith("调整原因：") and str(MAX_REASON) in line
    assert counts(db) == before
