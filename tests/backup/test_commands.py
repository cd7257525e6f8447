"""Do `kpi backup` and `kpi restore` work from the command line, and fail in Chinese with exit 1?"""

from __future__ import annotations

import json

from sqlmodel import Session

from kpi.audit.service import verify_chain
from kpi.backup.service import row_counts
from kpi.migrate import head_revision
from tests.backup.gen import assert_same_rows, attach_backup, gen_busy_database


def backup_to(runner, path):
    result = runner.invoke(args=["kpi", "backup", "--out", str(path)])
    assert result.exit_code == 0, result.output
    return result


def test_backup_writes_the_file_and_prints_each_tables_count(app, runner, tmp_path):
    gen_busy_database(app)
    result = backup_to(runner, tmp_path / "kpi.jsonl")
    assert "已备份" in result.output and f"结构版本 {head_revision()}" in result.output
    assert "  indicator: 80" in result.output
    assert json.loads((tmp_path / "kpi.jsonl").read_text(encoding="utf-8").splitlines()[-1])["end"] is True
    assert not (tmp_path / "kpi.jsonl.part").exists()


def test_backup_to_standard_output_keeps_the_report_off_the_dump(app, runner):
    result = runner.invoke(args=["kpi", "backup", "--out", "-"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert json.loads(lines[0])["format"] == "kpi-backup" and json.loads(lines[-1])["end"] is True
    assert "已备份" in result.stderr


def test_restore_migrates_a_new_database_and_loads_the_backup(app, runner, make_app, empty_sqlite_url, tmp_path):
    gen_busy_database(app)
    backup_to(runner, tmp_path / "kpi.jsonl")
    target = attach_backup(make_app(empty_sqlite_url))
    result = target.test_cli_runner().invoke(args=["kpi", "restore", str(tmp_path / "kpi.jsonl")])
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output and "审计记录完整：共 26 条" in result.output
    assert_same_rows(app.extensions["kpi_engine"], target.extensions["kpi_engine"])
    with Session(target.extensions["kpi_engine"]) as session:
        assert verify_chain(session) == []


def test_restore_reads_standard_input(app, runner, make_app, empty_sqlite_url, tmp_path):
    backup_to(runner, tmp_path / "kpi.jsonl")
    target = attach_backup(make_app(empty_sqlite_url))
    text = (tmp_path / "kpi.jsonl").read_text(encoding="utf-8")
    result = target.test_cli_runner().invoke(args=["kpi", "restore", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert_same_rows(app.extensions["kpi_engine"], target.extensions["kpi_engine"])


def test_restore_into_a_database_with_data_fails_in_chinese_with_exit_1(app, runner, tmp_path):
    backup_to(runner, tmp_path / "kpi.jsonl")
    before = row_counts(app.extensions["kpi_engine"])
    result = runner.invoke(args=["kpi", "restore", str(tmp_path / "kpi.jsonl")])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：目标数据库不是空库")
    assert row_counts(app.extensions["kpi_engine"]) == before


def test_restore_of_a_truncated_file_fails_and_leaves_the_new_database_empty(
    app, runner, make_app, empty_sqlite_url, tmp_path
):
    backup_to(runner, tmp_path / "kpi.jsonl")
    path = tmp_path / "kpi.jsonl"
    path.write_text(path.read_text(encoding="utf-8")[:-200], encoding="utf-8")
    target = attach_backup(make_app(empty_sqlite_url))
    result = target.test_cli_runner().invoke(args=["kpi", "restore", str(path)])
    assert result.exit_code == 1 and "错误：" in result.stderr and "未写入任何数据" in result.stderr
    assert not any(row_counts(target.extensions["kpi_engine"]).values())


def test_restore_of_a_missing_or_binary_file_fails_in_chinese(app, runner, make_app, empty_sqlite_url, tmp_path):
    target = attach_backup(make_app(empty_sqlite_url)).test_cli_runner()
    missing = target.invoke(args=["kpi", "restore", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1 and "文件不存在" in missing.stderr
    (tmp_path / "gbk.txt").write_bytes("备份".encode("gbk"))
    binary = target.invoke(args=["kpi", "restore", str(tmp_path / "gbk.txt")])
    assert binary.exit_code == 1 and "不是 UTF-8 文本" in binary.stderr
