"""Does a backup restore into an empty database on the other engine exactly, ready for new work?"""

from __future__ import annotations

import hashlib
import hmac
import io
import json

import pytest
from sqlmodel import Session, select

from kpi.audit.service import count_events, record, verify_chain
from kpi.backup.format import key_id
from kpi.backup.service import restore
from kpi.budget.models import Unit
from kpi.db import make_engine
from kpi.migrate import head_revision, upgrade_to_head
from kpi.reminders.models import Notification
from kpi.results.models import IndicatorResult
from tests.backup.gen import KEY, assert_same_rows, dump_text, gen_busy_database
from tests.conftest import build_database


@pytest.fixture
def engines():
    built = []

    def factory(url: str):
        built.append(make_engine(url))
        upgrade_to_head(built[-1])
        return built[-1]

    yield factory
    for engine in built:
        engine.dispose()


def round_trip(source, target) -> str:
    text = dump_text(source)
    restore(target, io.StringIO(text), KEY)
    assert_same_rows(source, target)
    return text


def assert_ready_for_new_work(engine) -> None:
    """New rows get fresh ids (sequences moved past the restored ones) and extend the audit chain."""
    with Session(engine) as session:
        top = max(session.exec(select(Unit.id)).all())
        unit = Unit(name="恢复后新建的单位")
        session.add(unit)
        session.flush()
        record(session, actor="cli", entity="unit", entity_id=unit.id, action="create")
        session.commit()
        assert unit.id == top + 1
        assert verify_chain(session) == []


def test_the_dump_keeps_money_as_text_and_ends_with_a_checksummed_signed_trailer(app, make_app):
    gen_busy_database(app)
    text = dump_text(app.extensions["kpi_engine"])
    lines = [json.loads(line) for line in text.splitlines()]
    header, rows, trailer = lines[0], lines[1:-1], lines[-1]
    assert (header["format"], header["format_version"], header["schema_revision"]) == ("kpi-backup", 2, head_revision())
    assert sum(entry["rows"] for entry in header["tables"]) == len(rows) == trailer["rows"]
    signed = text[: text.rindex('{"end"')].encode("utf-8")
    assert trailer["end"] is True and trailer["sha256"] == hashlib.sha256(signed).hexdigest()
    assert trailer["hmac"] == hmac.new(KEY, signed, hashlib.sha256).hexdigest()
    assert KEY.decode() not in text and header["key_id"] == key_id(KEY)
    assert "alembic_version" not in {entry["name"] for entry in header["tables"]}
    assert all(entry["rows"] > 0 for entry in header["tables"]), "the round trips below must cover every table"
    budget = [r["row"] for r in rows if r["table"] == "budget_line"]
    assert "123456789012.3456" in {line["initial_budget"] for line in budget}
    year = next(r["row"] for r in rows if r["table"] == "fiscal_year")
    assert year["settings"]["reminders"]["monitoring"]["escalations"] == [3, 7]
    unit = next(r["row"] for r in rows if r["table"] == "unit" and r["row"]["name"] == "后建上级的下属单位")
    assert unit["created_at"] == "2023-03-01T01:02:03.456789+00:00"


def test_every_table_is_parents_first_so_foreign_keys_hold_while_restoring(app):
    gen_busy_database(app)
    order = [json.loads(line)["table"] for line in dump_text(app.extensions["kpi_engine"]).splitlines()[1:-1]]
    assert order.index("unit") < order.index("user") < order.index("audit_event")
    assert order.index("indicator") < order.index("indicator_result")


def test_a_sqlite_backup_restores_into_another_sqlite_database_row_for_row(app, engines, tmp_path):
    gen_busy_database(app)
    target = engines(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    round_trip(app.extensions["kpi_engine"], target)
    assert_ready_for_new_work(target)


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgres_row_for_row(app, engines, pg_url):
    gen_busy_database(app)
    source, target = app.extensions["kpi_engine"], engines(pg_url)
    round_trip(source, target)
    with Session(target) as session:
        assert session.exec(select(IndicatorResult)).all() and session.exec(select(Notification)).all()
        assert count_events(session) > 10 and verify_chain(session) == []
    assert_ready_for_new_work(target)


@pytest.mark.postgres
def test_a_postgres_backup_restores_into_sqlite_row_for_row(make_app, engines, pg_url, empty_sqlite_url):
    build_database(pg_url)
    source_app = make_app(pg_url)
    gen_busy_database(source_app)
    source, target = source_app.extensions["kpi_engine"], engines(empty_sqlite_url)
    text = round_trip(source, target)
    # The copy dumps to the very same row lines: nothing was reinterpreted on the way.
    assert dump_text(target).splitlines()[1:-1] == text.splitlines()[1:-1]
    with Session(target) as session:
        assert verify_chain(session) == []
    assert_ready_for_new_work(target)


def test_a_restore_reads_a_dump_from_a_pipe(app, engines, tmp_path):
    class Pipe(io.StringIO):
        def seekable(self) -> bool:
            return False

    target = engines(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    restore(target, Pipe(dump_text(app.extensions["kpi_engine"])), KEY)
    assert_same_rows(app.extensions["kpi_engine"], target)
