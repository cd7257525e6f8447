"""Do the finance desk's files build as background jobs, with progress, for their requester only?

The POST only queues the job; the test then runs the worker's loop once in this process
(kpi.jobs.worker.run_worker with ``once``), as `kpi worker` would. A running job is written to
the table directly. Killed workers: tests/deploy/test_worker_kill.py.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from kpi import db
from kpi.accounts.models import User
from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.finance import jobs
from kpi.finance.consolidated import SUMMARY_SHEET
from kpi.jobs import queue
from kpi.jobs.models import ExportJob
from kpi.jobs.worker import run_worker
from tests import pages
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


def work(app) -> int:
    """What `kpi worker` does, until the queue is empty: how many jobs ran."""
    return run_worker(app, threading.Event(), once=True)


def job_row(app, job_id: int) -> ExportJob:
    with app.app_context(), db.transaction() as session:
        return session.get(ExportJob, job_id)


def refreshes(page) -> list[str]:
    """The content of every http-equiv="refresh" anywhere in the page (job.html puts a <meta> in <main>)."""
    return pages.texts(page, "//*[@http-equiv='refresh']/@content")


def progress_bar(page) -> tuple[str | None, str | None]:
    """The job page's one progress bar: its value and max attributes."""
    bar = pages.one(page, "//main//progress")
    return bar.get("value"), bar.get("max")


def job_status(page) -> str:
    """The job page's status line (job.html, <p role="status">)."""
    return pages.text(pages.one(page, "//main//p[@role='status']"))


def download_links(page) -> list[tuple[str, str]]:
    """Every link anywhere on the (parsed) page that leads to a download: its text and href."""
    return [(pages.text(a), a.get("href")) for a in page.xpath("//a[contains(@href, '/download')]")]


def started_job(client, *, run: bool = True) -> int:
    response = start(client)
    assert response.status_code == 302
    job_id = int(re.fullmatch(r".*/finance/jobs/(\d+)", response.headers["Location"]).group(1))
    if run:
        assert work(client.application) == 1
    return job_id


def test_the_home_page_starts_the_job_with_a_post_form(client, auth, units):
    auth.login("finance")
    form = pages.one(client.get("/finance"), "//main//form[@action='/finance/2023/consolidated']")
    assert form.get("method") == "post"
    assert form.xpath(".//input[@name='csrf_token']")


def test_starting_a_job_builds_the_workbook_and_the_page_offers_it(app, client, auth, units):
    auth.login("finance")
    job_id = started_job(client)
    job = job_row(app, job_id)
    assert job.status == "done" and job.kind == "consolidated"
    assert job.progress_done == job.progress_total == 3  # the seed unit, 甲, 乙
    assert job.finished_at is not None and "汇总" in job.file_path
    page = pages.parse(client.get(f"/finance/jobs/{job_id}"))
    assert progress_bar(page) == ("3", "3") and "已完成 3 / 3 个单位" in pages.texts(page, "//main/p")
    assert refreshes(page) == []
    assert download_links(page) == [(f"下载 {job.download_name}", f"/finance/jobs/{job_id}/download")]
    download = client.get(f"/finance/jobs/{job_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(download.data))
    assert wb.sheetnames[0] == SUMMARY_SHEET
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_post_only_queues_the_job_and_the_page_says_it_waits(app, client, auth, units):
    auth.login("finance")
    job_id = started_job(client, run=False)
    assert job_row(app, job_id).status == "queued"
    page = pages.parse(client.get(f"/finance/jobs/{job_id}"))
    assert job_status(page).startswith("排队中") and refreshes(page) == ["2"]
    assert client.get(f"/finance/jobs/{job_id}/download").status_code == 404
    assert work(app) == 1 and job_row(app, job_id).status == "done"


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
    page = pages.parse(client.get(f"/finance/jobs/{job_id}"))
    assert refreshes(page) == ["2"]
    assert progress_bar(page) == ("40", "1000") and "已完成 40 / 1000 个单位" in pages.texts(page, "//main/p")
    assert page.xpath("//@*[contains(., '/download')]") == [] and "/download" not in pages.text(page)
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

    monkeypatch.setattr(jobs.service, "export_consolidated", broken)  # a full disk cannot be staged here
    auth.login("finance")
    job_id = started_job(client)
    job = job_row(app, job_id)
    assert job.status == "failed" and "磁盘已满" in job.error and job.finished_at is not None
    assert (job.progress_done, job.progress_total) == (1, 3)
    page = pages.parse(client.get(f"/finance/jobs/{job_id}"))
    assert pages.flashes(page, "error") == ["导出失败：生成文件时出错：磁盘已满"]
    assert refreshes(page) == []
    assert client.get(f"/finance/jobs/{job_id}/download").status_code == 404


def test_progress_is_written_every_few_units_while_it_runs(app, units, monkeypatch):
    """Progress reaches the row while the job runs, not only at its end."""
    seen = []
    real = jobs.service.export_consolidated

    def watched(session, fiscal_year, export_dir, *, progress, **kwargs):
        def spy(done, total):
            progress(done, total)
            seen.append(job_row(app, job_id).progress_done)  # read back in another session

        return real(session, fiscal_year, export_dir, progress=spy, **kwargs)

    monkeypatch.setattr(queue, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(jobs.service, "export_consolidated", watched)
    with app.app_context(), db.transaction() as session:
        year = budget.get_year(session, 2023)
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        job_id = jobs.start_consolidated(session, year, 1).id
    assert work(app) == 1
    assert seen[0] == 0 and seen[-1] == 3 and 2 in seen
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


# --- the 自评表 zip -------------------------------------------------------------------------
def start_forms(client, **form):
    token = csrf_from(client.get("/finance").get_data(as_text=True))
    return client.post("/finance/2023/forms", data={"csrf_token": token, **form})


def forms_job(app, response) -> ExportJob:
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(re.fullmatch(r".*/finance/jobs/(\d+)", response.headers["Location"]).group(1))
    assert work(app) == 1
    return job_row(app, job_id)


def zip_members(client, job: ExportJob) -> list[str]:
    download = client.get(f"/finance/jobs/{job.id}/download")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        return [name for name in archive.namelist() if name.endswith(".xlsx")]


def unit_id(app, name: str) -> int:
    with app.app_context(), db.transaction() as session:
        return budget.get_unit(session, name).id


def test_the_home_page_offers_the_zip_with_a_box_per_unit(client, auth, units):
    auth.login("finance")
    page = pages.parse(client.get("/finance"))
    (form,) = page.xpath("//form[@id='forms-zip']")
    assert form.get("method") == "post" and form.get("action") == "/finance/2023/forms"
    assert form.xpath(".//input[@name='csrf_token']")
    boxes = page.xpath("//input[@type='checkbox'][@name='unit'][@form='forms-zip']")
    assert len(boxes) == 3


def test_the_ticked_units_forms_download_as_a_zip(app, client, auth, units):
    auth.login("finance")
    job = forms_job(app, start_forms(client, unit=[str(unit_id(app, "甲单位")), str(unit_id(app, "乙单位"))]))
    assert job.status == "done" and job.kind == "forms" and job.progress_total == 2
    members = zip_members(client, job)
    assert len(members) == 2 and any("甲单位" in name for name in members) and any("乙单位" in name for name in members)
    page = pages.parse(client.get(f"/finance/jobs/{job.id}"))
    assert pages.heading(page) == "2023 年单位自评表（zip） · 导出任务"
    assert download_links(page) == [(f"下载 {job.download_name}", f"/finance/jobs/{job.id}/download")]


def test_with_nothing_ticked_the_filtered_units_or_all_of_them_are_zipped(app, client, auth, units):
    auth.login("finance")
    filtered = forms_job(app, start_forms(client, q="甲"))
    assert filtered.progress_total == 1 and [name for name in zip_members(client, filtered) if "甲单位" in name]
    everyone = forms_job(app, start_forms(client))
    assert everyone.params == '{"unit_ids": null}' and everyone.progress_total == 3
    assert len(zip_members(client, everyone)) == 3


@pytest.mark.parametrize("ticked", [["abc"], ["99999"], ["1" * 12], ["-1"]])
def test_a_forged_selection_is_refused_with_a_message_and_queues_nothing(app, client, auth, units, ticked):
    auth.login("finance")
    response = start_forms(client, unit=ticked)
    assert response.status_code == 302 and response.headers["Location"].endswith("/finance?year=2023")
    (message,) = pages.flashes(client.get(response.headers["Location"]), "error")
    assert message.endswith("，请刷新页面后重新勾选。")
    with app.app_context(), db.transaction() as session:
        assert session.exec(select(ExportJob)).all() == []


def test_the_zip_needs_the_finance_role_and_a_csrf_token(app, client, auth, units):
    auth.login("finance")
    assert client.post("/finance/2023/forms").status_code == 400
    staff = app.test_client()
    AuthActions(staff).login("szcc_staff")
    token = csrf_from(staff.get("/account/password").get_data(as_text=True))
    assert staff.post("/finance/2023/forms", data={"csrf_token": token}).status_code == 403
    with app.app_context(), db.transaction() as session:
        assert session.exec(select(ExportJob)).all() == []


def test_two_selections_of_as_many_units_are_two_files(app, client, auth, units):
    auth.login("finance")
    first = forms_job(app, start_forms(client, unit=[str(unit_id(app, "甲单位"))]))
    second = forms_job(app, start_forms(client, unit=[str(unit_id(app, "乙单位"))]))
    assert first.file_path != second.file_path and first.download_name == second.download_name
    assert [name for name in zip_members(client, first) if "甲单位" in name]
    assert [name for name in zip_members(client, second) if "乙单位" in name]
