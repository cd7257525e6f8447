"""Do two saves fired at the same instant lose nothing, behind gunicorn with 2 workers?

Two staff sessions open the same quarter, wait at a barrier and post at once, 20 rounds per
case and engine. On the same row exactly one wins and the other gets the conflict page (409)
with both values; on different rows both are kept (a merge). After every round the stored
values are what the winners sent, and the audit trail's latest entry for each row says so.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import lxml.html
import pytest
import sqlalchemy as sa

from kpi.results.service import display
from tests.conftest import build_database
from tests.deploy.processes import Browser, wait_healthy

ROUNDS = 20
UNIT_ID, YEAR, QUARTER = 2, 2023, 1
PAGE = f"/units/{UNIT_ID}/{YEAR}/quarters/{QUARTER}"
ROWS = ("投诉工单审核辅助服务", "志愿者活动数量")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 after a save is the answer itself


class Staff(Browser):
    """A staff session that opens the quarter and posts one row's figure, as the form does."""

    def __init__(self, base: str):
        super().__init__(base)
        self.raw = urllib.request.build_opener(
            NoRedirect, *[h for h in self.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)]
        )

    def open_form(self) -> dict:
        form = lxml.html.fromstring(self.get(PAGE)).xpath("//form[contains(@class, 'quarter-form')]")[0]
        return {field.get("name"): field.get("value") or "" for field in form.xpath(".//input[@type='hidden']")}

    def save(self, fields: dict, indicator_id: int, value: str) -> tuple[int, str]:
        data = {**fields, "action": "save", f"i{indicator_id}-value": value}
        try:
            with self.raw.open(self.base + PAGE, data=urllib.parse.urlencode(data).encode(), timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode()


def stored_and_audited(engine: sa.Engine, ids: dict[str, int]) -> dict[str, tuple[Decimal | None, str | None]]:
    """Each row's stored Q1 value and the new value of its latest audit entry."""
    found = {}
    with engine.connect() as conn:
        for name, indicator_id in ids.items():
            value = conn.scalar(
                sa.text(
                    "SELECT r.value FROM indicator_result r JOIN quarter_report q ON q.id = r.report_id "
                    "WHERE q.unit_id = :unit AND q.quarter = :quarter AND r.indicator_id = :id"
                ),
                {"unit": UNIT_ID, "quarter": QUARTER, "id": indicator_id},
            )
            audited = conn.scalar(
                sa.text(
                    "SELECT new_value FROM audit_event WHERE entity = 'indicator' AND entity_id = :id "
                    "AND field LIKE '%完成值' ORDER BY id DESC LIMIT 1"
                ),
                {"id": indicator_id},
            )
            found[name] = (None if value is None else Decimal(str(value)), audited)
    return found


def audit_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM audit_event WHERE entity = 'indicator'"))


def fire_together(staff: list[Staff], posts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Open the form in both sessions, then post both at the same instant."""
    forms = [member.open_form() for member in staff]
    barrier, answers = threading.Barrier(len(staff)), [None] * len(staff)

    def post(index: int) -> None:
        barrier.wait(timeout=30)
        answers[index] = staff[index].save(forms[index], *posts[index])

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(staff))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def run_rounds(url: str, spawn) -> None:
    build_database(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = {
            name: conn.scalar(
                sa.text("SELECT id FROM indicator WHERE unit_id = :unit AND scope = 'unit' AND name = :name"),
                {"unit": UNIT_ID, "name": name},
            )
            for name in ROWS
        }
    server = spawn.server(url, "web", workers=2)
    wait_healthy(server)
    staff = [Staff(server.base), Staff(server.base)]
    for member in staff:
        member.login("szcc_staff")
    try:
        for round_ in range(ROUNDS):
            # The same row, two different values: one wins, the other is told (409) with both values.
            first, second = str(1000 + 2 * round_), str(1001 + 2 * round_)
            before = audit_count(engine)
            answers = fire_together(staff, [(ids[ROWS[0]], first), (ids[ROWS[0]], second)])
            codes = sorted(code for code, _ in answers)
            assert codes == [302, 409], (round_, codes)
            winner = first if answers[0][0] == 302 else second
            loser_page = next(body for code, body in answers if code == 409)
            assert "其他人已在您打开页面后" in loser_page
            assert display(Decimal(winner)) in loser_page  # the other's value, beside the user's own
            value, audited = stored_and_audited(engine, ids)[ROWS[0]]
            assert value == Decimal(winner) and audited == display(value), (round_, value, audited)
            assert audit_count(engine) == before + 1  # one change stored, one change audited

            # Different rows: both saves are kept, each against the row as committed.
            a, b = str(3000 + round_), str(50 + round_)
            before = audit_count(engine)
            answers = fire_together(staff, [(ids[ROWS[0]], a), (ids[ROWS[1]], b)])
            assert [code for code, _ in answers] == [302, 302], (round_, [code for code, _ in answers])
            found = stored_and_audited(engine, ids)
            assert found[ROWS[0]] == (Decimal(a), display(Decimal(a))), (round_, found)
            assert found[ROWS[1]] == (Decimal(b), display(Decimal(b))), (round_, found)
            assert audit_count(engine) == before + 2
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_simultaneous_saves_on_postgresql_lose_nothing(pg_url, spawn):
    run_rounds(pg_url, spawn)


def test_simultaneous_saves_on_sqlite_lose_nothing(tmp_path, spawn):
    run_rounds(f"sqlite:///{tmp_path / 'kpi.sqlite3'}", spawn)
