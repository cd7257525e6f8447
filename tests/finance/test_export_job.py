"""Does the consolidated workbook build as a background job, with progress, for its requester only?

Under TESTING the job runs inline (KPI_EXPORT_JOBS_INLINE defaults to app.testing), so the POST
returns once it is done or failed; a running job is written to the table directly.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from kpi import db
from kpi.accounts.models import User
from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.finance import jobs
from kpi.finance.consolidated import SUMMARY_SHEET
from kpi.finance.models import ExportJob
from tests.conftest import AuthActions, csrf_from
from tests.finance.gen import gen_unit


@pytest.fixture
def units(app):
    return [
        gen_unit(app, "甲单位", quarters={1: "approved"}, score="95", grade="优"),
        gen_unit(app, "乙单位", quarters={1: "submitted"}),
    ]


def start(client, year: int = 2023):
    token = csrf_from(client.get("/finance").get_data(as_text=True))
    return client.post(f"/finance/{year}/consolidated", data={"csrf_token": token})


def job_row(app, job_id: int) -> ExportJob:
    with app.app_context(), db.transaction() as session:
        return session.get(ExportJob, job_id)


def started_job(client) -> int:
    response = start(client)
    assert response.status_code == 302
    return int(re.fullmatch(r".*/finance/jobs/(\d+)", response.headers["Location"]).group(1))


def test_the_home_page_starts_the_job_with_a_post_form(client, auth, units):
    auth.login("finance")
    html = client.get("/finance").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/finance/2023/consolidated"', html)
    assert 'name="csrf_token"' in html


def test_starting_a_job_builds_the_workbook_and_the_page_offers_it(app, client, auth, units):
    auth.login("finance")
    job_id = started_job(client)
    job = job_row(app, job_id)
    assert job.status == "done" and job.kind == "consolidated"
    assert job.progress_done == job.progress_total == 3  # the seed unit, 甲, 乙
    assert job.finished_at is not None and "汇总" in job.file_path
    html = client.get(f"/finance/jobs/{job_id}").get_data(as_text=True)
    assert re.search(r'<progress value="3" max="3"', html) and "已完成 3 / 3 个单位" in html
    assert 'http-equiv="refresh"' not in html
    assert f'href="/finance/jobs/{job_id}/download"' in html
    download = client.get(f"/finance/jobs/{job_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(download.data))
    assert wb.sheetnames[0] == SUMMARY_SHEET and len(wb.sheetnames) == 4


def test_a_running_job_shows_its_progress_and_refreshes_itself(app, client, auth, units):
    auth.login("finance")
    with app.app_context(), db.transaction() as session:
        finance_id = session.exec(select(User).where(User.username == "finance")).one().id
        year = budget.get_year(session, 2023)
        job = ExportJob(
            year_id=year.id, requested_by_id=finance_id, status="running", progress_done=40, progress_total=1000
        )
        session.add(job)
        session.flush()
        job_id = job.id
    html = client.get(f"/finance/jobs/{job_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert re.search(r'<progress value="40" max="1000"', html) and "已完成 40 / 1000 个单位" in html
    assert "/download" not in html
    assert client.get(f"/finance/jobs/{job_id}/download").status_code == 404  # not done yet


def test_another_finance_user_cannot_see_someone_elses_job_but_an_admin_can(app, client, auth, units):
    with app.app_context(), db.transaction() as session:
        create_user(session, {"username": "finance2", "password": "Other#Pass1", "role": "finance"})
    auth.login("finance")
    job_id = started_job(client)
    other = app.test_client()
    AuthActions(other).login("finance2", "Other#Pass1")
    assert other.get(f"/finance/jobs/{job_id}").status_code == 404
    assert other.get(f"/finance/jobs/{job_id}/download").status_code == 404
    admin = app.test_client()
    AuthActions(admin).login("admin")
    assert admin.get(f"/finance/jobs/{job_id}").status_code == 200
    assert admin.get(f"/finance/jobs/{job_id}/download").status_code == 200


def test_staff_get_403(app, client, auth, units):
    auth.login("finance")
    job_id = started_job(client)
    staff = app.test_client()
    AuthActions(staff).login("szcc_staff")
    token = csrf_from(staff.get("/account/password").get_data(as_text=True))
    assert staff.post("/finance/2023/consolidated", data={"csrf_token": token}).status_code == 403
    assert staff.get(f"/finance/jobs/{job_id}").status_code == 403
    assert staff.get(f"/finance/jobs/{job_id}/download").status_code == 403


def test_without_csrf_or_for_an_unknown_year_no_job_starts(app, client, auth, units):
    auth.login("finance")
    assert client.post("/finance/2023/consolidated").status_code == 400
    token = csrf_from(client.get("/finance").get_data(as_text=True))
    assert client.post("/finance/2031/consolidated", data={"csrf_token": token}).status_code == 404
    with app.app_context(), db.transaction() as session:
        assert session.exec(select(ExportJob)).all() == []


def test_a_failing_build_marks_the_job_failed_with_a_message(app, client, auth, units, monkeypatch):
    def broken(*args, progress=None, **kwargs):
        progress(0, 3)
        progress(1, 3)
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(jobs.service, "export_consolidated", broken)
    auth.login("finance")
    job_id = started_job(client)
    job = job_row(app, job_id)
    assert job.status == "failed" and "磁盘已满" in job.error and job.finished_at is not None
    assert (job.progress_done, job.progress_total) == (1, 3)
    html = client.get(f"/finance/jobs/{job_id}").get_data(as_text=True)
    assert "导出失败" in html and "磁盘已满" in html and 'http-equiv="refresh"' not in html
    assert client.get(f"/finance/jobs/{job_id}/download").status_code == 404


def test_progress_is_committed_every_few_units(app, units, monkeypatch):
    seen = []
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    real_update = jobs._update
    monkeypatch.setattr(
        jobs, "_update", lambda engine, job_id, **values: (seen.append(values), real_update(engine, job_id, **values))
    )
    with app.app_context(), db.transaction() as session:
        year = budget.get_year(session, 2023)
        job = ExportJob(year_id=year.id, requested_by_id=1)
        session.add(job)
        session.flush()
        job_id = job.id
    jobs.run_job(app, job_id)
    progress = [values["progress_done"] for values in seen if "progress_done" in values]
    assert progress == [0, 2, 3]
    assert job_row(app, job_id).status == "done"


def test_the_cli_shows_a_progress_bar_on_a_terminal(app, runner, tmp_path, units, monkeypatch):
    from kpi.finance import commands

    monkeypatch.setattr(commands, "_interactive", lambda: True)
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(args=["kpi", "export", "consolidated", "--year", "2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "正在生成汇总表" in result.output and out.is_file()
    monkeypatch.setattr(commands, "_interactive", lambda: False)
    result = runner.invoke(args=["kpi", "export", "consolidated", "--year", "2023", "--out", str(out)])
    assert result.exit_code == 0 and "正在生成汇总表" not in result.output
