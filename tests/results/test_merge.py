"""When two people save the same quarter, are different rows merged and only real clashes refused?"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.budget.models import Unit
from kpi.domain.entries import Band, Entry
from kpi.results import service
from kpi.results.merge import fingerprint, merge
from kpi.results.sheet import load_sheet
from tests.results.conftest import UNIT_ID, YEAR, quarter_url

A, B, LINE = ("indicator", 1), ("indicator", 2), ("line", 7)


def test_equal_numbers_have_equal_fingerprints_and_different_values_different_ones():
    assert fingerprint(Entry(value=Decimal("5000"))) == fingerprint(Entry(value=Decimal("5000.0000")))
    assert fingerprint(Decimal("0.00")) == fingerprint(Decimal("0"))
    assert fingerprint(Entry(value=Decimal("5000"))) != fingerprint(Entry(value=Decimal("5001")))
    assert fingerprint(Entry(note="甲")) != fingerprint(Entry(assessment="甲"))  # the field counts, not just the text
    assert fingerprint(Entry(band=Band.ACHIEVED)) != fingerprint(Entry(band=Band.PARTIAL))
    assert fingerprint(Entry(achieved_on=date(2023, 3, 1))) != fingerprint(Entry(achieved_on=date(2023, 3, 2)))
    assert fingerprint(None) != fingerprint(Decimal("0"))  # no 执行数 is not 0万元


def entry(value: str) -> Entry:
    return Entry(value=Decimal(value))


@pytest.mark.parametrize(
    "stored, sent, seen, saved, clashes",
    [
        # nobody else touched A: mine applies (changed or not)
        ({A: entry("1")}, {A: entry("2")}, {A: entry("1")}, {A: entry("2")}, []),
        # someone else changed A, I did not: theirs stays
        ({A: entry("9")}, {A: entry("1")}, {A: entry("1")}, {}, []),
        # both changed A the same way: nothing to do
        ({A: entry("5")}, {A: entry("5")}, {A: entry("1")}, {}, []),
        # both changed A differently: a clash on A only; B still merges
        (
            {A: entry("9"), B: entry("1")},
            {A: entry("5"), B: entry("2")},
            {A: entry("1"), B: entry("1")},
            {B: entry("2")},
            [A],
        ),
        # a row sent without a fingerprint clashes unless it changes nothing
        ({A: entry("9"), LINE: Decimal("3")}, {A: entry("5"), LINE: Decimal("3.00")}, {}, {}, [A]),
    ],
)
def test_each_row_is_merged_on_its_own(stored, sent, seen, saved, clashes):
    to_save, conflicts = merge(stored, sent, {row: fingerprint(values) for row, values in seen.items()})
    assert (to_save, conflicts) == (saved, clashes)


# --- the service ---------------------------------------------------------------------------------------
class Desk:
    """One person's open quarter page: the version and the fingerprints they saw."""

    def __init__(self, app, username: str):
        self.app, self.username = app, username
        with self._session() as session:
            sheet = self._sheet(session)
            self.version = sheet.version
            self.seen = {
                ("indicator", indicator.id): fingerprint(sheet.current(indicator.id)) for indicator in sheet.indicators
            }
            # A unit-table row that is a project's indicator (同一指标) is entered on the project's row.
            self.ids = {
                indicator.name: indicator.same_as_id or indicator.id
                for indicator in sheet.indicators
                if indicator.scope == "unit"
            }

    def _session(self):
        return Session(db.engine(), expire_on_commit=False)

    def _sheet(self, session):
        return load_sheet(session, session.get(Unit, UNIT_ID), budget.get_year(session, YEAR), 1)

    def save(self, values: dict[str, str]):
        with self.app.app_context(), self._session() as session:
            sheet = self._sheet(session)
            raw = {self.ids[name]: {"value": value} for name, value in values.items()}
            data = service.validate_input(sheet, raw, {})
            data.seen = self.seen
            user = type("User", (), {"username": self.username, "id": None})()
            service.save(session, sheet, data, user=user, expected_version=self.version)
            session.commit()

    def stored(self, name: str) -> Decimal | None:
        with self.app.app_context(), self._session() as session:
            return self._sheet(session).current(self.ids[name]).value


@pytest.fixture
def desks(app):
    with app.app_context():
        return Desk(app, "szcc_staff"), Desk(app, "szcc_reviewer")


def test_two_people_saving_different_indicators_of_one_quarter_both_keep_their_values(desks):
    mine, theirs = desks
    theirs.save({"投诉调解辅助服务": "5000"})
    mine.save({"投诉处理总成功率": "55"})  # an older version, but another row
    assert mine.stored("投诉调解辅助服务") == Decimal("5000") and mine.stored("投诉处理总成功率") == Decimal("55")


def test_the_same_indicator_changed_differently_is_refused_and_nothing_of_mine_is_saved(desks):
    mine, theirs = desks
    theirs.save({"投诉调解辅助服务": "5000"})
    with pytest.raises(service.RowConflict) as refused:
        mine.save({"投诉调解辅助服务": "4000", "投诉处理总成功率": "55"})
    assert refused.value.rows == [("indicator", mine.ids["投诉调解辅助服务"])]
    assert mine.stored("投诉调解辅助服务") == Decimal("5000") and mine.stored("投诉处理总成功率") is None


def test_the_same_change_made_by_both_is_no_conflict(desks):
    mine, theirs = desks
    theirs.save({"投诉调解辅助服务": "5000"})
    mine.save({"投诉调解辅助服务": "5000.00"})
    assert mine.stored("投诉调解辅助服务") == Decimal("5000")


def test_without_fingerprints_a_stale_save_conflicts_as_a_whole(desks):
    mine, theirs = desks
    theirs.save({"投诉调解辅助服务": "5000"})
    mine.seen = {}
    with pytest.raises(service.Conflict):
        mine.save({"投诉处理总成功率": "55"})
    assert mine.stored("投诉处理总成功率") is None


# --- the entry form --------------------------------------------------------------------------------------
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
INPUT = re.compile(r'name="([ib]\d+-[a-z_]+)"[^>]*value="([^"]*)"')


class Tab:
    """An entry form opened now and posted later, as a second browser tab would."""

    def __init__(self, client, ids):
        self.client, self.ids = client, ids
        self.hidden = dict(HIDDEN.findall(client.get(quarter_url()).get_data(as_text=True)))

    def post(self, values: dict[str, str], spending: dict[str, str] | None = None):
        data = {**self.hidden, "action": "save"}
        data.update({f"i{self.ids['indicator'][name]}-value": value for name, value in values.items()})
        data.update({f"b{self.ids['line'][name]}-spent": value for name, value in (spending or {}).items()})
        return self.client.post(quarter_url(), data=data)


def test_the_form_carries_a_fingerprint_of_every_row_it_shows(client, auth, ids):
    auth.login("szcc_staff")
    hidden = Tab(client, ids).hidden
    assert {f"s-i{key}" for key in ids["indicator"].values()} <= set(hidden)
    assert {f"s-b{key}" for key in ids["line"].values()} <= set(hidden)


def test_two_tabs_saving_different_indicators_both_land(client, auth, ids, poster):
    auth.login("szcc_staff")
    first, second = Tab(client, ids), Tab(client, ids)
    assert second.post({"投诉调解辅助服务": "5000"}).status_code == 302
    assert first.post({"投诉处理总成功率": "55"}, spending={"基本支出": "300"}).status_code == 302
    html = poster.page().get_data(as_text=True)
    assert 'value="5000"' in html and 'value="55"' in html and 'value="300"' in html


def test_a_clash_lists_only_the_clashing_indicator_and_saving_again_keeps_the_others_work(client, auth, ids):
    auth.login("szcc_staff")
    first, second = Tab(client, ids), Tab(client, ids)
    assert second.post({"投诉调解辅助服务": "5000", "投诉处理总成功率": "60"}).status_code == 302
    refused = first.post({"投诉调解辅助服务": "4000"}, spending={"基本支出": "300"})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert service.ROWS_CONFLICT in html
    listed = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", html)
    assert [(label.split(" · ")[0], old, new) for label, old, new in listed] == [("投诉调解辅助服务", "5,000", "4,000")]
    form = dict(re.findall(INPUT, html))
    assert form[f"i{ids['indicator']['投诉处理总成功率']}-value"] == "60"  # the other's value, not my stale one
    confirmed = {**dict(HIDDEN.findall(html)), **form, "action": "save"}  # the 409 page, saved as it stands
    assert client.post(quarter_url(), data=confirmed).status_code == 302
    values = dict(re.findall(INPUT, client.get(quarter_url()).get_data(as_text=True)))
    assert values[f"i{ids['indicator']['投诉调解辅助服务']}-value"] == "4000"  # mine, confirmed
    assert values[f"i{ids['indicator']['投诉处理总成功率']}-value"] == "60"  # theirs, kept
    assert values[f"b{ids['line']['基本支出']}-spent"] == "300"  # mine, from the refused save
