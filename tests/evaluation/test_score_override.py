"""Can a reviewer replace a computed score (人工调整), only with a reason, and is it shown and audited everywhere?"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from kpi import db
from kpi.audit.models import AuditEvent
from kpi.evaluation.models import SelfEvaluation
from kpi.evaluation.workbook import NOTES_SHEET
from kpi.formatting import format_number
from tests import pages
from tests.evaluation.gen import REPORT_URL, completed_form, import_a_year, scored

ERROR = f"span[{pages.has_class('error-text')}]"


@pytest.fixture
def submitted(app, tmp_path, staff):
    import_a_year(app, tmp_path)
    assert staff.post(extra=completed_form(scored(app)), action="submit").status_code == 302


def short_numeric_row(app):
    """A numeric row that lost points: the kind of shortfall a unit explains."""
    return next(r for r in scored(app).unit_table.rows if not r.is_qualitative and r.score.score < r.score.points)


def row_on(page, indicator_id: int):
    """The indicator's row of the self-evaluation table (evaluation/report.html)."""
    return pages.one(page, f"//main//table//tr[@id='ind-{indicator_id}']")


def error_beside(page, name: str) -> list[str]:
    """The error text right after the override field called ``name`` (after its label, for the score)."""
    control = pages.one(page, f"//main//div[@class='override']//*[@name='{name}']")
    anchor = control.getparent() if control.getparent().tag == "label" else control
    return pages.texts(anchor, f"./following-sibling::*[1][self::{ERROR}]")


def override(poster, indicator_id: int, score: str, reason: str):
    fields = {f"i{indicator_id}-override": score, f"i{indicator_id}-override-reason": reason}
    return poster.post(url=REPORT_URL + "/ratios", extra=fields)


def test_a_reviewer_gives_full_points_to_an_explained_shortfall_with_a_reason(app, reviewer, submitted):
    row = short_numeric_row(app)
    before = scored(app)
    points = row.score.points
    assert override(reviewer, row.indicator.id, str(points), "单位已说明：因疫情延期，年底前补足").status_code == 302
    after = scored(app)
    changed = after.indicators[row.indicator.id]
    assert changed.score.score == points and "人工调整：单位已说明：因疫情延期，年底前补足" in changed.score.working
    assert after.total == before.total + (points - row.score.score)
    with app.app_context(), Session(db.engine()) as session:
        report = session.exec(select(SelfEvaluation)).one()
        assert report.total_score == after.total  # the finance desk's snapshot follows
        assert report.indicator_scores[str(row.indicator.id)] == [str(points), str(points)]
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == row.indicator.id)).all()
    fields = {event.field.split(" · ")[-1]: event for event in events if event.entity == "indicator"}
    assert fields["人工调整得分"].new_value == format_number(points) and fields["人工调整得分"].old_value == "（空）"
    assert fields["人工调整理由"].new_value == "单位已说明：因疫情延期，年底前补足"
    shown = row_on(reviewer.page(), row.indicator.id)
    assert pages.one(shown, f".//input[@name='i{row.indicator.id}-override']").get("value") == format_number(points)
    reason = pages.one(shown, f".//textarea[@name='i{row.indicator.id}-override-reason']")
    assert pages.text(reason) == "单位已说明：因疫情延期，年底前补足"
    assert "人工调整：单位已说明：因疫情延期，年底前补足" in pages.text(pages.one(shown, "./td[@class='working']"))


def test_the_workbook_shows_the_adjustment_in_the_working(app, reviewer, staff, submitted):
    row = short_numeric_row(app)
    override(reviewer, row.indicator.id, str(row.score.points), "已说明原因")
    data = staff.client.get(REPORT_URL + "/workbook").data
    notes = load_workbook(io.BytesIO(data))[NOTES_SHEET]
    texts = [str(cell.value) for line in notes.iter_rows() for cell in line if cell.value]
    assert any("人工调整：已说明原因" in text for text in texts)
    shown = row_on(staff.page(), row.indicator.id)  # staff see it, read-only
    adjusted = pages.one(shown, ".//div[@class='override']")
    assert pages.texts(adjusted, "./span[contains(@class, 'status')]") == ["人工调整"]
    assert pages.text(adjusted) == "人工调整 已说明原因"
    assert shown.xpath(".//*[contains(@name, 'override')]") == []
    assert "人工调整：已说明原因" in pages.text(pages.one(shown, "./td[@class='working']"))


@pytest.mark.parametrize(
    "score, reason, field, message",
    [
        ("points", "", "override-reason", "人工调整得分须填写调整理由"),
        ("", "有理由", "override", "填写了调整理由，请同时填写调整后的得分"),
        ("999", "理由", "override", "之间的得分"),
        ("-1", "理由", "override", "之间的得分"),
        ("0.125", "理由", "override", "最多两位小数"),
        ("abc", "理由", "override", "之间的得分"),
    ],
)
def test_an_adjustment_without_a_reason_or_out_of_range_is_refused_and_nothing_is_saved(
    app, reviewer, submitted, score, reason, field, message
):
    row = short_numeric_row(app)
    score = str(row.score.points) if score == "points" else score
    response = override(reviewer, row.indicator.id, score, reason)
    assert response.status_code == 400
    page = pages.parse(response)
    beside = error_beside(page, f"i{row.indicator.id}-{field}")
    assert len(beside) == 1 and message in beside[0], beside
    assert pages.texts(page, f"//main//{ERROR}") == beside  # the only fault on the page
    assert pages.texts(page, "//*[@id='error-summary']//a/@href") == [f"#i{row.indicator.id}-{field}"]
    assert scored(app).indicators[row.indicator.id].score == row.score


def test_clearing_both_fields_takes_the_adjustment_back(app, reviewer, submitted):
    row = short_numeric_row(app)
    override(reviewer, row.indicator.id, str(row.score.points), "先给满分")
    assert override(reviewer, row.indicator.id, "", "").status_code == 302
    assert scored(app).indicators[row.indicator.id].score.score == row.score.score


def test_staff_cannot_adjust_a_score(app, staff, submitted):
    row = short_numeric_row(app)
    assert override(staff, row.indicator.id, "1", "自己改").status_code == 403
    assert scored(app).indicators[row.indicator.id].score.score == row.score.score
    assert Decimal(0) <= row.score.score
