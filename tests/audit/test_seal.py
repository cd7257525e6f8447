"""Can the rows from before migration 0012 be signed once, and only those, and only once?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from kpi.audit.checkpoints import checkpoint_path
from kpi.audit.verify import SealRefused, seal
from tests.audit.gen import KEY, checkpoint, event_ids, full_check, gen_events, tamper
from tests.backup.gen import attach_backup
from tests.conftest import build_database


@pytest.fixture
def legacy(make_app, tmp_path, export_dir):
    """An app whose trail was written before rows were signed (as an upgraded deployment's)."""
    url = f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
    build_database(url, signed=False)
    built = attach_backup(make_app(url, KPI_AUDIT_KEY=KEY, KPI_EXPORT_DIR=export_dir))
    gen_events(built.extensions["kpi_engine"], 5, key=None)
    return built


def sealing(engine, export_dir) -> int:
    with Session(engine) as session, session.begin():
        return seal(session, KEY, checkpoint_path(export_dir))


def test_unsigned_old_rows_fail_verify_with_the_way_out(legacy, export_dir):
    ids = event_ids(legacy.extensions["kpi_engine"])
    assert full_check(legacy.extensions["kpi_engine"], export_dir).all_problems() == [
        (
            f"第 {ids[0]}–{ids[-1]} 号记录（共 {len(ids)} 条）没有签名：若是升级（迁移 0012）之前写入的旧记录，"
            "确认无误后运行 flask --app app kpi audit seal 补签"
        )
    ]


def test_seal_signs_the_old_rows_writes_a_checkpoint_and_then_has_nothing_to_do(legacy, export_dir):
    engine, runner = legacy.extensions["kpi_engine"], legacy.test_cli_runner()
    result = runner.invoke(args=["kpi", "audit", "seal"])
    assert result.exit_code == 0, result.output
    assert f"已为 {len(event_ids(engine))} 条升级前写入的旧记录补签" in result.stdout
    assert checkpoint_path(export_dir).exists()
    gen_events(engine, 2)  # the app carries on, signing
    verified = runner.invoke(args=["kpi", "audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert runner.invoke(args=["kpi", "audit", "seal"]).stdout.strip() == "没有需要补签的记录。"


def test_seal_refuses_once_a_checkpoint_saw_the_rows_signed(legacy, export_dir):
    engine = legacy.extensions["kpi_engine"]
    assert sealing(engine, export_dir) == len(event_ids(engine))
    checkpoint(engine, export_dir)
    # Someone clears every MAC, perhaps to have an edited, recomputed chain signed anew.
    tamper(engine, "UPDATE audit_event SET mac = NULL")
    with pytest.raises(SealRefused) as refused:
        sealing(engine, export_dir)
    assert "签名被清除了，不能补签" in refused.value.message


def test_seal_refuses_unsigned_rows_that_follow_signed_ones(app, export_dir):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 2)
    gen_events(engine, 2, key=None)
    with pytest.raises(SealRefused) as refused:
        sealing(engine, export_dir)
    assert "在已签名的记录之后" in refused.value.problems[0]


def test_seal_refuses_a_trail_with_any_other_problem(legacy, export_dir):
    engine = legacy.extensions["kpi_engine"]
    tamper(engine, "UPDATE audit_event SET old_value = 'x' WHERE id = :id", id=event_ids(engine)[2])
    result = legacy.test_cli_runner().invoke(args=["kpi", "audit", "seal"])
    assert result.exit_code == 1 and "审计记录有问题，不能补签" in result.stderr
    assert "内容与其哈希不符" in result.stderr
    assert all(row is None for row in _macs(engine))


def _macs(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT mac FROM audit_event")).scalars())
