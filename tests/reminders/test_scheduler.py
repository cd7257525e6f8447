"""Does the scheduler start exactly where it should, tick at once and then every 15 minutes, in Shanghai time?"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from kpi.reminders import scheduler as clock
from kpi.reminders.models import OutboxEmail
from kpi.reminders.notify import SHANGHAI
from tests.reminders.gen import all_rows, configure_smtp, tick


@pytest.fixture
def served(app, monkeypatch):
    """The app as `python app.py` runs it: not testing, no debug, no reloader."""
    app.testing = False
    app.debug = False
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    return app


def test_it_runs_in_the_process_that_serves(served):
    assert clock.should_run_in_process(served)


def test_it_never_runs_under_tests(app):
    assert app.testing and not clock.should_run_in_process(app)
    assert clock.start_in_process(app) is None


def test_kpi_scheduler_off_turns_it_off(served):
    served.config["KPI_SCHEDULER"] = "off"
    assert not clock.should_run_in_process(served)


def test_in_debug_mode_only_the_reloaders_child_runs_it(served, monkeypatch):
    served.debug = True
    assert not clock.should_run_in_process(served)  # the watcher process
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert clock.should_run_in_process(served)  # the process that serves


def test_the_tick_runs_now_then_every_15_minutes_without_dropping_misfires(app):
    scheduler = clock.configure(clock.new_scheduler(), app)
    clock.configure(scheduler, app)  # configuring again adds nothing
    assert len(scheduler.get_jobs()) == 2
    job = scheduler.get_job(clock.JOB_ID)
    assert job.trigger.interval == timedelta(minutes=15)
    assert job.coalesce is True and job.misfire_grace_time is None and job.max_instances == 1
    assert abs((job.next_run_time - datetime.now(SHANGHAI)).total_seconds()) < 5
    assert str(scheduler.timezone) == "Asia/Shanghai"
    assert str(job.next_run_time.tzinfo) == "Asia/Shanghai"


def test_start_in_process_starts_one_background_scheduler(served):
    served.config["KPI_SCHEDULER"] = "on"
    try:
        scheduler = clock.start_in_process(served)
        assert isinstance(scheduler, BackgroundScheduler) and scheduler.running
        assert clock.start_in_process(served) is scheduler  # a second call does not start another
    finally:
        served.extensions["kpi_scheduler"].shutdown(wait=True)


def test_a_tick_delivers_what_is_due_and_never_raises(app, smtp_server):
    configure_smtp(app, smtp_server.port)
    tick(app, date(2023, 8, 1))
    clock.tick(app)
    assert len(smtp_server.inbox.envelopes) == 2
    assert {d.status for d in all_rows(app, OutboxEmail)} == {"sent"}


def test_a_failing_tick_is_logged_not_raised(app, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(clock, "run_reminders", broken)
    clock.tick(app)
    assert "提醒任务出错" in caplog.text and "database went away" in caplog.text


def test_the_audit_checkpoint_runs_every_hour_and_appends_a_signed_line(app, tmp_path):
    from kpi.audit.checkpoints import checkpoint_path, read_checkpoints

    job = clock.configure(clock.new_scheduler(), app).get_job(clock.CHECKPOINT_JOB_ID)
    assert job.trigger.interval == timedelta(hours=1) and job.max_instances == 1
    app.config["KPI_EXPORT_DIR"] = tmp_path
    clock.checkpoint(app)
    clock.checkpoint(app)
    found = read_checkpoints(checkpoint_path(tmp_path), app.config["KPI_AUDIT_KEY"])
    assert not found.problems and len(found.checkpoints) == 2


def test_a_refused_checkpoint_is_logged_not_raised(app, tmp_path, caplog):
    from kpi.audit.checkpoints import checkpoint_path

    app.config["KPI_EXPORT_DIR"] = tmp_path
    checkpoint_path(tmp_path).write_text("garbage\n", encoding="utf-8")
    clock.checkpoint(app)
    assert "审计检查点未写入" in caplog.text
