"""Worker faults (issue 14): a `kpi worker` killed in the middle of a job, is the job taken up and built once?

The finance bureau queues the 汇总表; a worker process claims it and starts building. To
catch it reliably in the middle, the test holds a lock on the unit table, which the build
reads right after the claim, so the worker is seen waiting inside the job (its database
session waits on the lock while its heartbeat renews the lease). Then it is killed with
SIGKILL: no clean-up, no final write. A second worker takes the job up once the dead one's
lease has run out, and the job ends done, on its second attempt, by the second worker, with
a workbook that opens.

`python app.py` (what `make run` serves) runs a worker inside its one process: the last test
queues a job against it and waits for the file.
"""

from __future__ import annotations

import io
import sys

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import Session

from kpi.budget import service as budget
from kpi.db import make_engine
from kpi.finance import jobs
from kpi.finance.consolidated import SUMMARY_SHEET
from kpi.jobs.models import ExportJob
from tests.conftest import build_database
from tests.deploy.processes import Started, _popen, free_port, kill, stop, wait_for, wait_healthy

LEASE = 2  # seconds: the dead worker's job is up for grabs this long after its last heartbeat


def queue_consolidated(engine: sa.Engine) -> int:
    jobs.register_kinds()
    with Session(engine, expire_on_commit=False) as session:
        user_id = session.scalar(sa.text("SELECT id FROM \"user\" WHERE role = 'finance' ORDER BY id LIMIT 1"))
        return jobs.start_consolidated(session, budget.get_year(session, 2023), user_id).id


def job(engine: sa.Engine, job_id: int) -> ExportJob:
    with Session(engine) as session:
        row = session.get(ExportJob, job_id)
        session.expunge(row)
        return row


def waiting_on_a_lock(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
        )


@pytest.mark.postgres
def test_a_killed_workers_job_is_taken_up_by_the_next_worker_and_built_once(pg_url, spawn):
    build_database(pg_url)
    engine = make_engine(pg_url)
    try:
        job_id = queue_consolidated(engine)
        with engine.connect() as holder:
            holder.execute(sa.text("LOCK TABLE unit IN ACCESS EXCLUSIVE MODE"))
            first = spawn.worker(pg_url, "first", LEASE)
            wait_for(lambda: job(engine, job_id).status == "running", 60, "the first worker claims the job")
            wait_for(lambda: waiting_on_a_lock(engine), 30, "the first worker is inside the build")
            dead = job(engine, job_id)
            kill(first)
            holder.rollback()  # releases the lock
        assert (dead.attempts, dead.finished_at) == (1, None)
        second = spawn.worker(pg_url, "second", LEASE)
        done = wait_for(lambda: (row := job(engine, job_id)).finished and row, 90, "the second worker finishes the job")
        assert done.status == "done", (done.error, second.output())
        assert done.attempts == 2 and done.claimed_by != dead.claimed_by
        assert done.progress_done == done.progress_total > 0
        with open(done.file_path, "rb") as built:
            assert load_workbook(io.BytesIO(built.read()), read_only=True).sheetnames[0] == SUMMARY_SHEET
        stop(second)
        assert "共完成 1 个任务" in second.output()
    finally:
        engine.dispose()


def test_make_run_serves_and_works_jobs_in_its_one_process(tmp_path, seeded_sqlite_template):
    path = tmp_path / "run.sqlite3"
    path.write_bytes(seeded_sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    port = free_port()
    env = {
        "KPI_DATABASE_URL": url,
        "KPI_EXPORT_DIR": str(tmp_path / "exports"),
        "KPI_SCHEDULER": "off",
        "KPI_SMTP_HOST": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    log = tmp_path / "run.log"
    served = Started(_popen([sys.executable, "app.py"], env, log), log, f"http://127.0.0.1:{port}")
    engine = make_engine(url)
    try:
        assert wait_healthy(served) == "ok"
        job_id = queue_consolidated(engine)
        done = wait_for(lambda: (row := job(engine, job_id)).finished and row, 60, "the in-process worker")
        assert done.status == "done", (done.error, served.output())
    finally:
        engine.dispose()
        stop(served)
