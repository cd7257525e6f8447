"""Is a forged, unsigned or foreign dump refused before the target is touched, and restorable only on trust?

The attack (issue #13): edit a dump so that szcc_staff is an admin and recompute its
SHA-256 trailer. The HMAC under the deployment's backup key cannot be recomputed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.backup import load
from kpi.backup.service import BackupError, restore
from kpi.db import make_engine
from tests.backup.gen import (
    KEY,
    all_rows,
    as_version_1,
    attach_backup,
    dump_text,
    gen_busy_database,
    promote_to_admin,
)
from tests.conftest import build_database

OTHER_KEY = b"backup-key-of-another-deployment!"


def cli_dump(app) -> str:
    """A dump written by `kpi backup`, so signed with the app's own KPI_BACKUP_KEY."""
    result = app.test_cli_runner().invoke(args=["kpi", "backup", "--out", "-"])
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_restore(app, text: str, *flags: str):
    return app.test_cli_runner().invoke(args=["kpi", "restore", "-", *flags], input=text)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def file_state(path: Path) -> dict[str, bytes]:
    """The database file and any -wal/-shm beside it, byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))}


def role_of(engine, username: str) -> str:
    with Session(engine) as session:
        return session.exec(select(User.role).where(User.username == username)).one()


@pytest.fixture
def forged(app) -> str:
    gen_busy_database(app)
    return promote_to_admin(cli_dump(app))


def test_the_forged_dump_is_refused_and_a_new_sqlite_database_is_not_even_created(make_app, empty_sqlite_url, forged):
    target = attach_backup(make_app(empty_sqlite_url))
    result = cli_restore(target, forged)
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：备份文件的签名与本系统的备份密钥不符：内容在备份之后被修改过")
    assert "--trust-unsigned" in result.stderr and "未写入任何数据" in result.stderr
    assert file_state(sqlite_path(empty_sqlite_url)) == {}, "the refused restore created the database file"


def test_the_forged_dump_leaves_an_empty_migrated_sqlite_target_byte_for_byte(make_app, tmp_path, forged):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    build_database(url, seed=False)
    before = file_state(sqlite_path(url))
    assert cli_restore(attach_backup(make_app(url)), forged).exit_code == 1
    assert file_state(sqlite_path(url)) == before


def test_the_forged_dump_leaves_a_database_with_data_as_it_was(app, forged):
    engine = app.extensions["kpi_engine"]
    before = all_rows(engine)
    result = cli_restore(app, forged)
    assert result.exit_code == 1 and "签名与本系统的备份密钥不符" in result.stderr  # refused on the file, first
    assert all_rows(engine) == before and role_of(engine, "szcc_staff") == "staff"


@pytest.mark.postgres
def test_the_forged_dump_leaves_a_new_postgres_database_without_a_single_table(make_app, pg_url, forged):
    target = attach_backup(make_app(pg_url))
    result = cli_restore(target, forged)
    assert result.exit_code == 1 and "签名与本系统的备份密钥不符" in result.stderr
    assert sa.inspect(target.extensions["kpi_engine"]).get_table_names() == []  # not even alembic_version


def test_trust_unsigned_restores_the_forged_dump_with_a_warning(make_app, empty_sqlite_url, forged):
    target = attach_backup(make_app(empty_sqlite_url))
    result = cli_restore(target, forged, "--trust-unsigned")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("警告：备份文件的签名与本系统的备份密钥不符")
    assert "已按 --trust-unsigned 恢复" in result.stderr and "管理员" in result.stderr
    assert "已恢复" in result.stdout and "审计记录完整" not in result.output
    assert "这不能证明记录未被篡改" in result.stderr
    assert role_of(target.extensions["kpi_engine"], "szcc_staff") == "admin"


def test_a_dump_signed_by_this_deployment_restores_without_a_warning(app, make_app, empty_sqlite_url):
    result = cli_restore(attach_backup(make_app(empty_sqlite_url)), cli_dump(app))
    assert result.exit_code == 0, result.output
    assert "警告" not in result.output


def test_an_unsigned_version_1_dump_is_refused_unless_trusted(app, make_app, empty_sqlite_url):
    old = as_version_1(cli_dump(app))
    target = attach_backup(make_app(empty_sqlite_url))
    refused = cli_restore(target, old)
    assert refused.exit_code == 1 and refused.stderr.startswith("错误：备份文件没有签名（格式版本 1")
    assert file_state(sqlite_path(empty_sqlite_url)) == {}
    trusted = cli_restore(target, old, "--trust-unsigned")
    assert trusted.exit_code == 0, trusted.output
    assert trusted.stderr.startswith("警告：备份文件没有签名")


def test_a_dump_from_a_deployment_with_another_key_is_refused_as_foreign(app, make_app, empty_sqlite_url):
    foreign = cli_dump(attach_backup(make_app(app.config["KPI_DATABASE_URL"], KPI_BACKUP_KEY=OTHER_KEY)))
    result = cli_restore(attach_backup(make_app(empty_sqlite_url)), foreign)
    assert result.exit_code == 1
    assert "不是本系统的备份密钥所签：它来自另一套系统（其 KPI_BACKUP_KEY 不同）" in result.stderr


def test_damage_is_reported_as_damage_not_as_a_bad_signature(app, empty_sqlite_url):
    text = dump_text(app.extensions["kpi_engine"])
    engine = make_engine(empty_sqlite_url)
    with pytest.raises(BackupError, match="校验和不符"):
        restore(engine, io.StringIO(text.replace('"szcc_staff"', '"szcc_staff2"', 1)), KEY)
    with pytest.raises(BackupError, match="不是本系统的备份密钥所签"):
        restore(engine, io.StringIO(text), OTHER_KEY)
    engine.dispose()
    assert file_state(sqlite_path(empty_sqlite_url)) == {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, empty_sqlite_url):
    return request.getfixturevalue("pg_url") if request.param == "postgres" else empty_sqlite_url


def test_a_failure_after_migrating_a_new_target_rolls_the_migration_back_too(app, new_database_url, monkeypatch):
    real_flush = load._TableLoader._flush

    def failing_flush(self, conn):
        if self.table.name == "indicator":  # after the migration, units, users and audit events
            raise BackupError("模拟的中途故障")
        real_flush(self, conn)

    monkeypatch.setattr(load._TableLoader, "_flush", failing_flush)
    text = dump_text(app.extensions["kpi_engine"])
    engine = make_engine(new_database_url)
    with pytest.raises(BackupError, match="模拟的中途故障"):
        restore(engine, io.StringIO(text), KEY)
    assert sa.inspect(engine).get_table_names() == []
    monkeypatch.undo()
    restore(engine, io.StringIO(text), KEY)  # and the same target then takes the dump
    assert role_of(engine, "szcc_staff") == "staff"
    engine.dispose()
