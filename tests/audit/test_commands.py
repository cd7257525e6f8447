"""Does `kpi audit verify` confirm a whole trail, and list each broken link with exit 1?"""
from __future__ import annotations

from tests.audit.gen import event_ids, gen_events, tamper


def test_audit_verify_confirms_a_whole_trail_with_its_size(app, runner):
    gen_events(app.extensions["kpi_engine"], 20)
    total = len(event_ids(app.extensions["kpi_engine"]))
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"审计记录完整：共 {total} 条"


def test_audit_verify_lists_every_broken_link_and_exits_1(app, runner):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 20)
    ids = event_ids(engine)
    tamper(engine, "UPDATE audit_event SET new_value = '0' WHERE id = :id", id=ids[3])
    tamper(engine, "DELETE FROM audit_event WHERE id = :id", id=ids[10])
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 1
    assert "2 处问题" in result.stderr
    assert f"第 {ids[3]} 号记录：内容与其哈希不符" in result.stderr
    assert f"第 {ids[11]} 号记录：prev_hash 与前一条（第 {ids[9]} 号）的哈希不符" in result.stderr
