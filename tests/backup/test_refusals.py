"""Does a restore refuse what it must (a used target, another schema, a damaged dump) and then write nothing?"""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from kpi.backup import load
from kpi.backup.service import BackupError, dump, restore, row_counts
from kpi.db import make_engine
from kpi.migrate import current_revision, downgrade_to, head_revision, upgrade_to_head
from tests.backup.gen import KEY, dump_text, gen_busy_database


@pytest.fixture
def dump_of_busy(app) -> str:
    gen_busy_database(app)
    return dump_text(app.extensions["kpi_engine"])


@pytest.fixture
def empty_engine(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def refused(engine, text: str) -> str:
    with pytest.raises(BackupError) as caught:
        restore(engine, io.StringIO(text), KEY)
    assert not any(row_counts(engine).values()), "a refused restore wrote rows"
    return caught.value.message


def replace_line(text: str, index: int, change) -> str:
    lines = text.splitlines(keepends=True)
    lines[index] = change(lines[index])
    return "".join(lines)


def test_restore_refuses_a_database_that_already_has_data(app, dump_of_busy):
    engine = app.extensions["kpi_engine"]
    before = row_counts(engine)
    with pytest.raises(BackupError, match="目标数据库不是空库"):
        restore(engine, io.StringIO(dump_of_busy), KEY)
    assert row_counts(engine) == before


def test_restore_refuses_a_dump_made_at_another_schema_revision(empty_engine, dump_of_busy):
    older = replace_line(
        dump_of_busy, 0, lambda line: line.replace(f'"schema_revision":"{head_revision()}"', '"schema_revision":"0004"')
    )
    message = refused(empty_engine, older)
    assert f"备份的数据库结构版本 0004 与当前版本 {head_revision()} 不一致，请先" in message


def test_an_empty_target_left_at_an_older_revision_is_migrated_and_loaded(empty_engine, dump_of_busy):
    downgrade_to(empty_engine, "0005")
    restore(empty_engine, io.StringIO(dump_of_busy), KEY)
    assert current_revision(empty_engine) == head_revision() and row_counts(empty_engine)["indicator"] == 80


def test_restore_refuses_an_empty_target_at_a_revision_it_does_not_know_and_leaves_it_so(empty_engine, dump_of_busy):
    with empty_engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    assert "9999 不是本程序认识的版本" in refused(empty_engine, dump_of_busy)
    assert current_revision(empty_engine) == "9999"


def test_backup_refuses_a_database_behind_the_migrations(empty_sqlite_url):
    engine = make_engine(empty_sqlite_url)
    with pytest.raises(BackupError, match="请先运行 flask --app app kpi init"):
        dump(engine, io.StringIO(), KEY)
    engine.dispose()


DAMAGE = {
    "cut before the trailer": lambda text: text[: text.rindex('{"end"')],
    "cut in the middle of a line": lambda text: text[: len(text) // 2],
    "a row line dropped": lambda text: "".join(text.splitlines(keepends=True)[:5] + text.splitlines(keepends=True)[6:]),
    "a money value edited": lambda text: text.replace('"123456789012.3456"', '"923456789012.3456"'),
    "a line after the trailer": lambda text: text + '{"table":"unit","row":{}}\n',
    "empty": lambda text: "",
    "not a backup": lambda text: "单位,年度\n深圳,2023\n",
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_restore_refuses_a_truncated_or_edited_dump_and_writes_nothing(empty_engine, dump_of_busy, damage):
    assert DAMAGE[damage](dump_of_busy) != dump_of_busy
    message = refused(empty_engine, DAMAGE[damage](dump_of_busy))
    assert "损坏" in message or "截断" in message or "不是本系统的备份文件" in message


def test_a_well_formed_but_altered_row_fails_the_checksum(empty_engine, dump_of_busy):
    lines = dump_of_busy.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith('{"table":"unit"'))
    row = json.loads(lines[index])
    row["row"]["id"] = 999
    lines[index] = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert "校验和不符" in refused(empty_engine, "".join(lines))


def test_a_failure_midway_through_the_inserts_leaves_the_target_empty(empty_engine, dump_of_busy, monkeypatch):
    real_flush, calls = load._TableLoader._flush, []

    def failing_flush(self, conn):
        calls.append(self.table.name)
        if self.table.name == "indicator":  # after units, users and audit events went in
            raise BackupError("模拟的中途故障")
        real_flush(self, conn)

    monkeypatch.setattr(load._TableLoader, "_flush", failing_flush)
    refused(empty_engine, dump_of_busy)
    assert {"unit", "user", "audit_event"} <= set(calls)
