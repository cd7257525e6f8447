"""Can someone with write access to the database, but not the audit key, still fool `verify`?

Each attack of issue #13 item 6 is tried for real: the public SHA-256 chain alone passes
it (`problems` is empty), and the full check (MACs and checkpoints) names it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from kpi.audit.checkpoints import checkpoint_path
from kpi.audit.models import AuditEvent
from kpi.audit.service import event_hash
from kpi.audit.verify import seal
from tests.audit.gen import (
    KEY,
    checkpoint,
    event_ids,
    full_check,
    gen_events,
    problems,
    recompute_chain,
    tamper,
)
from tests.conftest import build_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, make_app, export_dir):
    if request.param == "sqlite":
        return request.getfixturevalue("app").extensions["kpi_engine"]
    url = request.getfixturevalue("pg_url")
    build_database(url)
    built = make_app(url, KPI_AUDIT_KEY=KEY, KPI_EXPORT_DIR=export_dir).extensions["kpi_engine"]
    with Session(built) as session, session.begin():  # the seed was written without an app: unsigned
        seal(session, KEY, checkpoint_path(export_dir))
    return built


def test_a_signed_and_checkpointed_trail_verifies(engine, export_dir):
    gen_events(engine, 10)
    checkpoint(engine, export_dir)
    gen_events(engine, 4)
    report = full_check(engine, export_dir)
    assert report.all_problems() == [] and report.warnings == []
    assert report.after_latest == 4


def test_deleting_the_newest_rows_is_detected_by_the_checkpoint(engine, export_dir):
    gen_events(engine, 10)
    checkpoint(engine, export_dir)
    ids = event_ids(engine)
    tamper(engine, "DELETE FROM audit_event WHERE id >= :id", id=ids[-3])
    assert problems(engine) == []  # the public chain alone is fooled
    found = full_check(engine, export_dir).all_problems()
    assert any(f"现在只有 {len(ids) - 3} 条审计记录，少于最新检查点" in p for p in found)
    assert any(f"（第 {ids[-1]} 号）不存在了：最新的记录（或全部记录）被删除了" in p for p in found)


def test_deleting_every_row_is_detected_by_the_checkpoint(engine, export_dir):
    gen_events(engine, 5)
    checkpoint(engine, export_dir)
    tamper(engine, "DELETE FROM audit_event")
    assert problems(engine) == []
    found = full_check(engine, export_dir).all_problems()
    assert any("现在只有 0 条审计记录" in p for p in found)


def test_an_edit_with_the_public_chain_recomputed_is_detected_by_the_macs(engine, export_dir):
    gen_events(engine, 10)
    ids = event_ids(engine)
    victim = ids[-6]
    tamper(engine, "UPDATE audit_event SET old_value = '9999' WHERE id = :id", id=victim)
    recompute_chain(engine, victim)
    assert problems(engine) == []
    assert full_check(engine, export_dir).all_problems() == [
        (
            f"第 {victim}–{ids[-1]} 号记录（共 6 条）的签名（MAC）不符：记录被修改并重新计算了哈希链，"
            "或不是用本系统的审计密钥（KPI_AUDIT_KEY）写入的"
        )
    ]


def test_a_recomputed_chain_also_breaks_the_checkpoints_head(engine, export_dir):
    gen_events(engine, 6)
    checkpoint(engine, export_dir)
    ids = event_ids(engine)
    tamper(engine, "UPDATE audit_event SET new_value = '0' WHERE id = :id", id=ids[-3])
    recompute_chain(engine, ids[-3])
    found = full_check(engine, export_dir).all_problems()
    assert any(f"第 {ids[-1]} 号记录的哈希与检查点" in p and "重新计算" in p for p in found)


def test_a_row_appended_without_the_key_is_detected(engine, export_dir):
    gen_events(engine, 3)
    table = AuditEvent.__table__
    with engine.begin() as conn:
        tail = conn.execute(sa.select(table).order_by(table.c.id.desc()).limit(1)).mappings().one()
        fields = {
            **{name: tail[name] for name in tail if name not in ("id", "prev_hash", "hash", "mac")},
            "new_value": "伪造的值",
        }
        for forged_mac in (None, "ab" * 32):
            prev = conn.execute(sa.select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar_one()
            conn.execute(table.insert().values(**fields, prev_hash=prev, hash=event_hash(prev, fields), mac=forged_mac))
    assert problems(engine) == []
    first, second = event_ids(engine)[-2:]
    found = full_check(engine, export_dir).all_problems()
    assert any(p.startswith(f"第 {second} 号记录的签名（MAC）不符") for p in found)
    assert any(p.startswith(f"第 {first} 号记录没有签名，却在已签名的记录之后") for p in found)


def test_another_key_fails_every_row_in_one_line_and_the_checkpoints(engine, export_dir):
    gen_events(engine, 5)
    checkpoint(engine, export_dir)
    found = full_check(engine, export_dir, key=b"another-key-another-key-another-key!").all_problems()
    assert any("签名（MAC）不符" in p for p in found)
    assert any("检查点文件第 1 行的签名不符" in p for p in found)
    assert len(found) == 2


def test_a_copy_of_the_rows_verifies_under_the_same_key(app, export_dir, tmp_path, make_app):
    """What `kpi restore` does (rows copied verbatim, MACs included), into another deployment."""
    source = app.extensions["kpi_engine"]
    gen_events(source, 8)
    checkpoint(source, export_dir)
    url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    build_database(url, seed=False)
    target = make_app(url, KPI_AUDIT_KEY=KEY, KPI_EXPORT_DIR=export_dir).extensions["kpi_engine"]
    table = AuditEvent.__table__
    with source.connect() as read, target.begin() as write:
        write.execute(sa.text("PRAGMA foreign_keys=OFF"))  # users and units are not copied here
        write.execute(table.insert(), [dict(row) for row in read.execute(sa.select(table)).mappings()])
    report = full_check(target, export_dir)
    assert report.all_problems() == [] and report.after_latest == 0


def delete_newest(engine) -> str:
    newest = event_ids(engine)[-1]
    tamper(engine, "DELETE FROM audit_event WHERE id >= :id", id=event_ids(engine)[-3])
    return f"（第 {newest} 号）不存在了"


def delete_all(engine) -> str:
    tamper(engine, "DELETE FROM audit_event")
    return "现在只有 0 条审计记录"


def edit_and_recompute(engine) -> str:
    victim = event_ids(engine)[-4]
    tamper(engine, "UPDATE audit_event SET new_value = '100' WHERE id = :id", id=victim)
    recompute_chain(engine, victim)
    return f"第 {victim}–"


@pytest.mark.parametrize("attack", [delete_newest, delete_all, edit_and_recompute])
def test_kpi_audit_verify_exits_1_on_each_attack_that_the_public_chain_misses(app, runner, attack):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 10)
    assert runner.invoke(args=["kpi", "audit", "checkpoint"]).exit_code == 0
    expected = attack(engine)
    assert problems(engine) == []
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 1
    assert "审计记录被篡改或缺失" in result.stderr and expected in result.stderr
    assert "审计记录完整" not in result.stdout
