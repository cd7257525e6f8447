"""Is the checkpoint file itself tamper-evident, and does writing one refuse to bury a problem?"""

from __future__ import annotations

import json
import logging
import threading

import pytest

from kpi.audit.checkpoints import CheckpointRefused, checkpoint_path, read_checkpoints
from tests.audit.gen import KEY, checkpoint, event_ids, full_check, gen_events, tamper


@pytest.fixture
def engine(app):
    return app.extensions["kpi_engine"]


def three_checkpoints(engine, export_dir) -> list[str]:
    for _ in range(3):
        gen_events(engine, 2)
        checkpoint(engine, export_dir)
    return checkpoint_path(export_dir).read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(export_dir, lines: list[str]) -> None:
    checkpoint_path(export_dir).write_text("".join(lines), encoding="utf-8")


def test_each_checkpoint_records_the_trail_and_chains_to_the_one_before(engine, export_dir):
    lines = [json.loads(line) for line in three_checkpoints(engine, export_dir)]
    assert [line["count"] for line in lines] == [
        len(event_ids(engine)) - 4,
        len(event_ids(engine)) - 2,
        len(event_ids(engine)),
    ]
    assert lines[-1]["last_id"] == event_ids(engine)[-1] and lines[-1]["unsigned_through"] == 0
    assert lines[0]["prev"] == "" and [line["prev"] for line in lines[1:]] == [line["mac"] for line in lines[:-1]]


def test_an_edited_checkpoint_line_is_detected(engine, export_dir):
    lines = three_checkpoints(engine, export_dir)
    edited = json.loads(lines[1])
    edited["count"] -= 1  # as if to cover for a deleted row
    rewrite(export_dir, [lines[0], json.dumps(edited) + "\n", lines[2]])
    found = read_checkpoints(checkpoint_path(export_dir), KEY)
    assert found.problems == [
        "检查点文件第 2 行的签名不符：这一行是伪造或修改的，或它之前的行被删除、调换了顺序，或密钥不同"
    ]
    assert [c.line for c in found.checkpoints] == [1, 3]


def test_a_removed_or_reordered_middle_line_is_detected(engine, export_dir):
    lines = three_checkpoints(engine, export_dir)
    rewrite(export_dir, [lines[0], lines[2]])
    assert "第 2 行的签名不符" in read_checkpoints(checkpoint_path(export_dir), KEY).problems[0]
    rewrite(export_dir, [lines[1], lines[0], lines[2]])
    assert len(read_checkpoints(checkpoint_path(export_dir), KEY).problems) == 3


def test_a_garbled_file_is_reported_line_by_line_without_raising(engine, export_dir):
    lines = three_checkpoints(engine, export_dir)
    path = checkpoint_path(export_dir)
    path.write_bytes(
        lines[0].encode() + b"\xff\xfe not json\n[1, 2]\n" + b'{"count": true}\n' + b"\n" + b"{" * 100000 + b"\n"
    )
    found = read_checkpoints(path, KEY)
    assert len(found.checkpoints) == 1
    assert [p.split("：")[0] for p in found.problems] == [f"检查点文件第 {n} 行无法读取" for n in (2, 3, 4, 6)]


def test_cutting_the_newest_checkpoint_lines_together_with_the_newest_rows_goes_unseen(engine, export_dir):
    """The limit docs/audit.md states: the file's own tail is only as safe as where it is kept (and the log)."""
    gen_events(engine, 3)
    checkpoint(engine, export_dir)
    first = checkpoint_path(export_dir).read_text(encoding="utf-8")
    gen_events(engine, 3)
    checkpoint(engine, export_dir)
    tamper(engine, "DELETE FROM audit_event WHERE id > :id", id=json.loads(first)["last_id"])
    assert full_check(engine, export_dir).all_problems() != []
    checkpoint_path(export_dir).write_text(first, encoding="utf-8")
    assert full_check(engine, export_dir).all_problems() == []


def test_a_checkpoint_is_refused_once_the_trail_has_lost_its_newest_rows(engine, export_dir):
    gen_events(engine, 5)
    checkpoint(engine, export_dir)
    tamper(engine, "DELETE FROM audit_event WHERE id = :id", id=event_ids(engine)[-1])
    with pytest.raises(CheckpointRefused) as refused:
        checkpoint(engine, export_dir)
    assert "不存在了" in refused.value.problems[0]
    assert len(checkpoint_path(export_dir).read_text(encoding="utf-8").splitlines()) == 1


def test_a_checkpoint_is_refused_over_a_head_signed_with_another_key(engine, export_dir):
    gen_events(engine, 2)
    tamper(engine, "UPDATE audit_event SET mac = :mac WHERE id = :id", mac="0" * 64, id=event_ids(engine)[-1])
    with pytest.raises(CheckpointRefused, match="签名不符"):
        checkpoint(engine, export_dir)
    assert not checkpoint_path(export_dir).exists() or checkpoint_path(export_dir).read_text() == ""


def test_a_checkpoint_is_refused_over_a_damaged_file(engine, export_dir):
    lines = three_checkpoints(engine, export_dir)
    rewrite(export_dir, [lines[0], lines[2]])
    with pytest.raises(CheckpointRefused, match="检查点文件有问题"):
        checkpoint(engine, export_dir)


def test_checkpoints_written_at_once_still_chain(engine, export_dir):
    gen_events(engine, 2)
    start, errors = threading.Barrier(6), []

    def writer() -> None:
        try:
            start.wait()
            for _ in range(5):
                checkpoint(engine, export_dir)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    found = read_checkpoints(checkpoint_path(export_dir), KEY)
    assert errors == [] and found.problems == [] and len(found.checkpoints) == 30


def test_each_checkpoint_is_also_written_to_the_log(engine, export_dir, caplog):
    gen_events(engine, 1)
    with caplog.at_level(logging.INFO, logger="kpi.audit.checkpoints"):
        written = checkpoint(engine, export_dir)
    assert written.mac in caplog.text
    assert checkpoint_path(export_dir).read_text(encoding="utf-8").strip() in caplog.text
