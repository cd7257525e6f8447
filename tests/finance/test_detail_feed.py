"""Does the feed process lay out the consolidated export's unit sheets exactly as the exporter
would, fail loudly, and never outlive an exporter that stops early?"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import service
from kpi.finance.detail_feed import FeedFailed, Request, feed_details
from tests.conftest import build_database
from tests.finance.gen import gen_unit
from tests.progress.gen import gen_quarter


@pytest.fixture
def units(app):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"}, submit=True)
    gen_unit(app, "甲单位", budget_amount="200", quarters={1: "approved", 2: "returned"}, spent={1: "50", 2: "30"})
    gen_unit(app, '=HYPERLINK("http://example.com","点我")', budget_amount="100", evaluation="draft")


def cells_of(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [
        (
            ws.title,
            [
                (cell.coordinate, cell.value, cell.data_type, cell.number_format, repr(cell.fill), repr(cell.font))
                for row in ws.iter_rows()
                for cell in row
            ],
            {row: dims.height for row, dims in ws.row_dimensions.items()},
        )
        for ws in wb.worksheets
    ]


def export(app, tmp_path: Path, feed: bool) -> bytes:
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return service.export_consolidated(session, budget.get_year(session, 2023), tmp_path, feed=feed).data


def test_the_workbook_is_the_same_whether_the_sheets_come_from_a_feed_or_not(app, units, tmp_path):
    assert cells_of(export(app, tmp_path, feed=True)) == cells_of(export(app, tmp_path, feed=False))


@pytest.mark.postgres
def test_a_feed_reads_postgresql_too(make_app, pg_url, tmp_path):
    build_database(pg_url)
    app = make_app(pg_url)
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"}, submit=True)
    assert cells_of(export(app, tmp_path, feed=True)) == cells_of(export(app, tmp_path, feed=False))


def test_a_unit_deleted_since_the_request_gets_no_rows(app, units):
    with app.app_context(), Session(db.engine()) as session:
        year = budget.get_year(session, 2023)
        ids = [row.unit.id for row in service.unit_statuses(session, year)]
    url = app.config["KPI_DATABASE_URL"]
    details = list(feed_details(Request(url, 2023, [*ids, 999_999], None)))
    assert len(details) == len(ids) + 1 and details[-1] is None and all(details[:-1])


def test_a_feed_that_fails_says_why(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'kpi.sqlite3'}"
    with pytest.raises(FeedFailed, match="unable to open database file"):
        list(feed_details(Request(missing, 2023, [1], None)))


def test_an_exporter_that_stops_early_leaves_no_feed_running(app, units):
    url = app.config["KPI_DATABASE_URL"]
    before = children()  # other tests' processes may still be winding down
    details = feed_details(Request(url, 2023, [1] * 100, None))
    next(details)
    assert children() - before != set()
    details.close()  # as when the workbook fails half-way, or the job is abandoned
    assert children() - before == set()


def children() -> set[int]:
    """This process's living (not zombie) child processes, from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry))
    return found


def test_an_in_memory_database_is_not_shared_with_a_feed(make_app):
    app = make_app("sqlite://")
    with app.app_context(), Session(db.engine()) as session:
        assert service._shareable_url(session) is None
