"""Does an approved self-evaluation keep its total, page and workbook when targets change later?

A 目标调整 approved after the self-evaluation changes the indicator row itself (its target,
its points); a quarter reopened and corrected changes the figures. Neither may move an
approved report until it is reopened and approved again (docs/workflow.md).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from kpi import db
from kpi.indicators.models import Indicator
from kpi.results.models import IndicatorResult, QuarterReport
from tests import pages
from tests.conftest import AuthActions
from tests.evaluation.gen import ONE_SHORT, REPORT_URL, completed_form, import_a_year, scored

pytestmark = pytest.mark.usefixtures("year")
BASIS_NOTICE = f"//main//div[{pages.has_class('basis-notice')}]"


@pytest.fixture
def year(app, tmp_path):
    import_a_year(app, tmp_path)


def missed_count(app) -> int:
    """A unit-wide count target the year missed: the id of its indicator."""
    return next(
        row.indicator.id
        for row in scored(app).unit_table.rows
        if row.indicator.kind == "count"
        and row.indicator.direction == "positive"
        and row.actual.value is not None
        and row.actual.value < row.indicator.target_value
    )


def lower_the_target(app, indicator_id: int) -> None:
    """A 目标调整 of the missed target to half, proposed, checked and approved (批复) through the pages."""
    from tests.adjustments.conftest import Desk, created_id

    with app.app_context(), Session(db.engine()) as session:
        indicator = session.get(Indicator, indicator_id)
        name, half = indicator.name, (indicator.target_value / 2).quantize(Decimal(1))
        target = f"≥{half}{indicator.unit or ''}"
    desks = {}
    for role, user in (("staff", "szcc_staff"), ("reviewer", "szcc_reviewer"), ("finance", "finance")):
        client = app.test_client()
        AuthActions(client).login(user)
        desks[role] = Desk(client)
    adjustment = created_id(desks["staff"].propose({name: indicator_id}, {name: (target, "")}, action="submit"))
    checked = desks["reviewer"].step(adjustment, "review/check")
    assert pages.flashes(checked, "success") == ["已通过初审，等待财政局批复。"]
    approved = desks["finance"].step(adjustment, "approval/approve")
    assert pages.flashes(approved, "success") == ["已批复：调整后的指标值和分值自即日起用于进度和评分。"]
    with app.app_context(), Session(db.engine()) as session:
        assert session.get(Indicator, indicator_id).target_text == target  # the adjustment took effect


def workbook_total(response) -> str:
    """The 总分 row's score on the unit sheet, as printed."""
    sheet = load_workbook(BytesIO(response.data)).worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == "总分":
            return next(str(value) for value in row[1:] if value not in (None, ""))
    raise AssertionError("no 总分 row")


def approve(app, staff, reviewer) -> None:
    assert staff.post(extra=completed_form(scored(app)), action="submit").status_code == 302
    assert pages.flashes(reviewer.review("approve"), "success") == ["已审核通过。"]


def test_a_later_target_change_moves_nothing_until_reopened_and_approved_again(app, ids, staff, reviewer):
    missed = missed_count(app)
    approve(app, staff, reviewer)
    approved = scored(app).total
    workbook = workbook_total(staff.client.get(REPORT_URL + "/workbook"))

    lower_the_target(app, missed)
    assert scored(app).total == approved
    page = pages.parse(staff.page())
    assert pages.text(pages.one(page, "//main//p[@id='unit-total']/strong[1]")) in (f"{approved}", f"{approved:,}")
    assert pages.text(pages.one(page, BASIS_NOTICE)).startswith("目标已调整，重新打开后按调整后目标计分")
    assert workbook_total(staff.client.get(REPORT_URL + "/workbook")) == workbook

    assert pages.flashes(reviewer.review("reopen", "目标已调整，按调整后目标重新计分"), "success") == ["已重新打开。"]
    reopened = scored(app).total
    assert reopened > approved  # scored live again: the halved target is now met
    approve(app, staff, reviewer)
    assert scored(app).total == reopened
    again = pages.parse(staff.page())
    assert "重新打开后按调整后目标计分" not in pages.text(again)
    assert again.xpath(BASIS_NOTICE) == []


def test_a_reopened_and_corrected_quarter_does_not_move_an_approved_self_evaluation(app, ids, staff, reviewer):
    from tests.results.conftest import QuarterPoster

    approve(app, staff, reviewer)
    approved = scored(app)
    with app.app_context(), Session(db.engine()) as session:  # the reviewer reopens Q4 and staff correct it
        for report in session.exec(select(QuarterReport)).all():
            report.status = "reopened"
            session.add(report)
        session.commit()
    quarter = QuarterPoster(staff.client, ids)
    assert quarter.post({(ONE_SHORT, "value"): "99999"}, quarter=4).status_code == 302
    with app.app_context(), Session(db.engine()) as session:  # the correction is stored ...
        stored = session.exec(
            select(IndicatorResult.value)
            .join(QuarterReport)
            .where(QuarterReport.quarter == 4, IndicatorResult.indicator_id == ids["indicator"][ONE_SHORT])
        ).one()
    assert stored == Decimal("99999")
    after = scored(app)  # ... and the approved report still reads the figures it was approved on
    assert after.total == approved.total
    assert (
        after.indicators[ids["indicator"][ONE_SHORT]].actual == approved.indicators[ids["indicator"][ONE_SHORT]].actual
    )
    assert after.unit_table.evaluation.total == Decimal(approved.unit_table.evaluation.total)


def test_the_workbook_carries_the_final_approval(app, staff, reviewer):
    from kpi.core.time import beijing_today

    def sign_off(response) -> dict[str, str]:
        """The sign-off block's fields (label → what follows the colon)."""
        sheet = load_workbook(BytesIO(response.data)).worksheets[0]
        texts = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str) and "：" in v]
        start = next(index for index, text in enumerate(texts) if text.startswith("填报人："))
        return dict(text.split("：", 1) for text in texts[start : start + 6])

    assert sign_off(staff.client.get(REPORT_URL + "/workbook"))["审核人"] == ""  # not approved: blank
    approve(app, staff, reviewer)
    fields = sign_off(staff.client.get(REPORT_URL + "/workbook"))
    today = beijing_today().isoformat()
    assert fields == {
        "填报人": "张敏（填报人）",
        "联系电话": "",
        "审核人": "李华（审核人）",
        "填报日期": today,
        "审核日期": today,
        "单位（盖章）": "",
    }
    reviewer.review("reopen", "补充说明")
    assert sign_off(staff.client.get(REPORT_URL + "/workbook"))["审核人"] == ""  # reopened: no final approval
