"""Does `kpi audit verify` confirm a whole trail, and list each broken link with exit 1?"""

from __future__ import annotations

from tests.audit.gen import event_ids, gen_events, tamper
from tests.backup.gen import attach_backup


def test_audit_verify_confirms_a_whole_trail_with_its_size(app, runner):
    gen_events(app.extensions["kpi_engine"], 20)
    total = len(event_ids(app.extensions["kpi_engine"]))
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"审计记录完整：共 {total} 条"


def test_audit_verify_without_checkpoints_warns_that_a_trimmed_tail_would_go_unseen(app, runner):
    gen_events(app.extensions["kpi_engine"], 3)
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 0
    assert "注意：没有找到检查点文件" in result.stderr and "kpi audit checkpoint" in result.stderr


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


def test_audit_checkpoint_then_verify_names_the_checkpoint_and_what_came_after(app, runner, export_dir):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 5)
    result = runner.invoke(args=["kpi", "audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert f"共 {len(event_ids(engine))} 条" in result.stdout and str(export_dir) in result.stdout
    gen_events(engine, 2)
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "与 1 个检查点相符" in result.stdout and "之后新增 2 条" in result.stdout
    assert result.stderr == ""


def test_audit_verify_on_a_database_without_the_schema_fails_in_chinese(make_app, empty_sqlite_url, tmp_path):
    bare = attach_backup(make_app(empty_sqlite_url, KPI_EXPORT_DIR=tmp_path))
    result = bare.test_cli_runner().invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 1 and "无法读取审计记录" in result.stderr
    assert "Traceback" not in result.output


def test_audit_verify_reports_mangled_rows_and_a_garbled_checkpoint_file_without_a_traceback(app, runner, export_dir):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 8)
    assert runner.invoke(args=["kpi", "audit", "checkpoint"]).exit_code == 0
    ids = event_ids(engine)
    # SQLite keeps whatever it is given, whatever the column's type.
    for sql in (
        "UPDATE audit_event SET occurred_at = 'not a time' WHERE id = :id",
        "UPDATE audit_event SET hash = X'00ff' WHERE id = :id",
        "UPDATE audit_event SET mac = 12345 WHERE id = :id",
        "UPDATE audit_event SET entity_id = 'abc' WHERE id = :id",
        "UPDATE audit_event SET new_value = X'ff' WHERE id = :id",
        "UPDATE audit_event SET mac = '签名' WHERE id = :id",
    ):
        tamper(engine, sql, id=ids.pop())
    with (export_dir / "audit-checkpoints.jsonl").open("ab") as out:
        out.write(b'\x00\xff{"count": 1e999}\n')
    result = runner.invoke(args=["kpi", "audit", "verify"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert "检查点文件第 2 行无法读取" in result.stderr
    assert result.stderr.count("内容与其哈希不符") >= 4 and "签名（MAC）不符" in result.stderr


def test_audit_verify_checks_against_a_copy_of_the_checkpoints_kept_elsewhere(app, runner, export_dir, tmp_path):
    engine = app.extensions["kpi_engine"]
    gen_events(engine, 4)
    assert runner.invoke(args=["kpi", "audit", "checkpoint"]).exit_code == 0
    copy = tmp_path / "offsite.jsonl"
    copy.write_bytes((export_dir / "audit-checkpoints.jsonl").read_bytes())
    # Someone with the database and the export folder trims both; the copy still knows.
    tamper(engine, "DELETE FROM audit_event WHERE id = :id", id=event_ids(engine)[-1])
    (export_dir / "audit-checkpoints.jsonl").unlink()
    assert runner.invoke(args=["kpi", "audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["kpi", "audit", "verify", "--checkpoints", str(copy)])
    assert result.exit_code == 1 and "不存在了" in result.stderr
    missing = runner.invoke(args=["kpi", "audit", "verify", "--checkpoints", str(tmp_path / "nowhere.jsonl")])
    assert missing.exit_code == 1 and "检查点文件不存在" in missing.stderr
