"""The finance desk's background jobs: the year's 汇总表 and a zip of units' 自评表 forms.

A 1,000-unit 汇总表 takes about a minute and the forms zip longer: too long for a request. The
page queues a job (kpi.jobs.queue.enqueue) and shows its row; a worker process (`kpi worker`)
builds the file under KPI_EXPORT_DIR/<year>/汇总/, reporting progress in units, and the page
offers the download when the row says done.
"""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session

from kpi.budget.models import FiscalYear
from kpi.finance import service
from kpi.finance.forms_zip import export_forms_zip
from kpi.jobs import queue
from kpi.jobs.models import ExportJob

CONSOLIDATED = "consolidated"
FORMS = "forms"
KIND_LABELS = {CONSOLIDATED: "预算绩效汇总表（Excel）", FORMS: "单位自评表（zip）"}


def register_kinds() -> None:
    """Let workers build the finance desk's files (create_app calls this)."""
    queue.register(CONSOLIDATED, build_consolidated)
    queue.register(FORMS, build_forms)


def start_consolidated(session: Session, fiscal_year: FiscalYear, user_id: int) -> ExportJob:
    """Queue the year's 汇总表 for ``user_id``."""
    return queue.enqueue(session, CONSOLIDATED, year_id=fiscal_year.id, user_id=user_id)


def start_forms(session: Session, fiscal_year: FiscalYear, user_id: int, unit_ids: list[int] | None) -> ExportJob:
    """Queue a zip of the chosen units' 自评表 (every unit of the year when ``unit_ids`` is None)."""
    return queue.enqueue(session, FORMS, year_id=fiscal_year.id, user_id=user_id, params={"unit_ids": unit_ids})


def build_consolidated(session: Session, job: ExportJob, params: dict, progress) -> queue.Built:
    fiscal_year = _year(session, job)
    exported = service.export_consolidated(
        session, fiscal_year, current_app.config["KPI_EXPORT_DIR"], progress=progress
    )
    if exported.copy is None:
        raise queue.JobFailed("无法写入导出目录（KPI_EXPORT_DIR），请联系系统管理员。")
    return queue.Built(exported.copy, exported.filename)


def build_forms(session: Session, job: ExportJob, params: dict, progress) -> queue.Built:
    fiscal_year = _year(session, job)
    tag = f"-任务{job.id}"  # each job its own file: another selection of as many units is another zip
    try:
        path = export_forms_zip(
            session,
            fiscal_year,
            params.get("unit_ids"),
            current_app.config["KPI_EXPORT_DIR"],
            progress=progress,
            tag=tag,
        )
    except ValueError as error:
        raise queue.JobFailed(str(error)) from error
    except OSError as error:
        raise queue.JobFailed("无法写入导出目录（KPI_EXPORT_DIR），请联系系统管理员。") from error
    return queue.Built(path, path.name.replace(tag, ""))


def _year(session: Session, job: ExportJob) -> FiscalYear:
    fiscal_year = session.get(FiscalYear, job.year_id)
    if fiscal_year is None:
        raise queue.JobFailed("该年度已不存在。")
    return fiscal_year
