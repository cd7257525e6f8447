"""Does the job queue hand each job to one worker, take up a dead worker's job, and let only
one run finish it? On SQLite and PostgreSQL, with real threads racing for real rows.

The handlers here are registered through the queue's own ``register``, under kinds of their
own ("test-…"), so that what they do (stall, fail, count their runs) is up to the test.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.budget import service as budget
from kpi.db import make_engine, transaction, utcnow
from kpi.jobs import queue
from kpi.jobs.models import ExportJob
from tests.conftest import build_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path, seeded_sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "jobs.sqlite3"
        path.write_bytes(seeded_sqlite_template.read_bytes())
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        build_database(url)
    built = make_engine(url)
    yield built
    built.dispose()


@pytest.fixture
def runs(tmp_path):
    """Kinds "test-ok" (writes a file, counts its runs), "test-stall" (waits for the test),
    "test-broken" and "test-refused"; removed again after the test."""
    counted: list[str] = []
    gate = threading.Event()

    def ok(session, job, params, progress):
        counted.append(job.claimed_by)
        for done in range(params.get("units", 3) + 1):
            progress(done, params.get("units", 3))
        path = tmp_path / f"job-{job.id}.txt"
        path.write_text("built")
        return queue.Built(path, "结果.txt")

    def stall(session, job, params, progress):
        progress(0, 2)
        gate.wait(10)
        progress(1, 2)  # LeaseLost here if another worker took the job over meanwhile
        progress(2, 2)
        path = tmp_path / f"stalled-{job.id}.txt"
        path.write_text("late")
        return queue.Built(path, "迟到.txt")

    def broken(session, job, params, progress):
        progress(0, 3)
        progress(1, 3)
        raise RuntimeError("磁盘已满")

    def refused(session, job, params, progress):
        raise queue.JobFailed("所选单位不属于该年度。")

    kinds = {"test-ok": ok, "test-stall": stall, "test-broken": broken, "test-refused": refused}
    for kind, handler in kinds.items():
        queue.register(kind, handler)
    yield counted, gate
    for kind in kinds:
        queue.HANDLERS.pop(kind, None)


def enqueue(engine, kind: str = "test-ok", **params) -> int:
    with Session(engine, expire_on_commit=False) as session:
        year = budget.get_year(session, 2023)
        return queue.enqueue(session, kind, year_id=year.id, user_id=1, params=params).id


def row(engine, job_id: int) -> ExportJob:
    with Session(engine) as session:
        job = session.get(ExportJob, job_id)
        session.expunge(job)
        return job


def expire_lease(engine, job_id: int) -> None:
    """What the clock does to a dead worker's lease."""
    with transaction(engine) as session:
        session.execute(
            sa.update(ExportJob).where(ExportJob.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1))
        )


def test_a_job_is_queued_and_a_worker_builds_it_with_progress(engine, runs):
    counted, _ = runs
    job_id = enqueue(engine, units=25)
    assert row(engine, job_id).status == "queued"
    assert queue.work_once(engine, "w1") == "done"
    job = row(engine, job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 1, "w1")
    assert (job.progress_done, job.progress_total) == (25, 25)
    assert job.download_name == "结果.txt" and Path(job.file_path).read_text() == "built"
    assert job.finished_at is not None and job.started_at is not None and job.lease_until is None
    assert counted == ["w1"]
    assert queue.work_once(engine, "w1") is None  # nothing left


def test_an_unknown_kind_is_refused_when_queued(engine):
    with Session(engine) as session, pytest.raises(ValueError):
        queue.enqueue(session, "no-such-kind", year_id=1, user_id=1)
    with Session(engine) as session:
        assert session.exec(select(ExportJob)).all() == []


def test_jobs_are_claimed_oldest_first_and_a_held_job_is_not_claimed_twice(engine, runs):
    first, second = enqueue(engine), enqueue(engine)
    assert queue.claim(engine, "w1") == first
    assert queue.claim(engine, "w2") == second
    assert queue.claim(engine, "w3") is None  # both held, leases running


def test_a_dead_workers_job_is_taken_up_again_and_runs_once(engine, runs):
    counted, _ = runs
    job_id = enqueue(engine)
    assert queue.claim(engine, "dead") == job_id  # claimed, then the worker died: no heartbeat
    assert queue.work_once(engine, "w2") is None  # its lease still runs
    expire_lease(engine, job_id)
    assert queue.work_once(engine, "w2") == "done"
    job = row(engine, job_id)
    assert (job.status, job.attempts, job.claimed_by) == ("done", 2, "w2")
    assert counted == ["w2"]


def test_a_stalled_worker_that_was_taken_over_writes_nothing_more(engine, runs):
    """Worker A stalls past its lease; B takes the job up and finishes it; when A wakes, its
    next progress report finds it no longer holds the job, and it stops without a trace."""
    counted, gate = runs
    job_id = enqueue(engine, "test-stall")
    assert queue.claim(engine, "A", lease_seconds=30) == job_id
    outcome = {}
    stalled = threading.Thread(target=lambda: outcome.setdefault("A", queue.run_claimed(engine, job_id, "A", 30)))
    stalled.start()
    deadline = time.monotonic() + 10
    while row(engine, job_id).progress_total != 2 and time.monotonic() < deadline:
        time.sleep(0.02)  # A is inside its handler, waiting at the gate
    expire_lease(engine, job_id)
    assert queue.claim(engine, "B", lease_seconds=30) == job_id
    gate.set()  # A wakes first or B runs first: either way only B's run may land
    assert queue.run_claimed(engine, job_id, "B", 30) == "done"
    stalled.join(10)
    assert outcome["A"] == "lost"
    job = row(engine, job_id)
    assert (job.status, job.claimed_by, job.attempts) == ("done", "B", 2)
    assert Path(job.file_path).name == f"stalled-{job_id}.txt"


def test_the_heartbeat_keeps_a_long_jobs_lease(engine, runs):
    counted, gate = runs
    job_id = enqueue(engine, "test-stall")
    assert queue.claim(engine, "w1", lease_seconds=0.6) == job_id
    threading.Timer(1.5, gate.set).start()  # the handler stalls 1.5 s: two and a half leases
    assert queue.run_claimed(engine, job_id, "w1", 0.6) == "done"
    assert row(engine, job_id).attempts == 1


def test_a_heartbeat_renews_the_lease_while_the_handler_waits(engine, runs):
    _, gate = runs
    job_id = enqueue(engine, "test-stall")
    assert queue.claim(engine, "w1", lease_seconds=0.6) == job_id
    first_lease = row(engine, job_id).lease_until
    done = threading.Thread(target=queue.run_claimed, args=(engine, job_id, "w1", 0.6))
    done.start()
    time.sleep(1.0)
    renewed = row(engine, job_id).lease_until
    assert queue.claim(engine, "w2", lease_seconds=0.6) is None  # renewed: not up for grabs
    gate.set()
    done.join(10)
    assert _aware(renewed) > _aware(first_lease)


def _aware(moment):
    """SQLite hands back naive UTC, PostgreSQL aware: compare them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def test_a_failing_build_fails_the_job_with_what_went_wrong(engine, runs):
    broken, refused = enqueue(engine, "test-broken"), enqueue(engine, "test-refused")
    assert queue.work_once(engine, "w1") == "failed"
    assert queue.work_once(engine, "w1") == "failed"
    job = row(engine, broken)
    assert job.status == "failed" and "磁盘已满" in job.error and job.error.startswith("生成文件时出错")
    assert (job.progress_done, job.progress_total) == (1, 3) and job.finished_at is not None
    assert row(engine, refused).error == "所选单位不属于该年度。"


def test_a_job_that_kills_its_workers_is_given_up_after_max_attempts(engine, runs):
    counted, _ = runs
    job_id = enqueue(engine)
    for attempt in range(queue.MAX_ATTEMPTS):
        assert queue.claim(engine, f"dies-{attempt}") == job_id
        expire_lease(engine, job_id)
    assert queue.work_once(engine, "last") == "failed"
    job = row(engine, job_id)
    assert job.status == "failed" and f"{queue.MAX_ATTEMPTS} 次" in job.error
    assert counted == []


def test_racing_workers_claim_every_job_exactly_once(engine, runs):
    counted, _ = runs
    job_ids = {enqueue(engine) for _ in range(12)}
    claims: list[tuple[str, int]] = []
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while (job_id := queue.claim(engine, name)) is not None:
            claims.append((name, job_id))

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(job_id for _, job_id in claims) == sorted(job_ids)
    with Session(engine) as session:
        assert set(session.exec(select(ExportJob.attempts)).all()) == {1}
