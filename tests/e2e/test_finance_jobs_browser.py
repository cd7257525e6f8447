"""The finance bureau in a real browser: queue the 汇总表 and a zip of ticked units' 自评表,
watch the page wait for the worker, refresh itself to the finished file, and download both.

The worker is the real loop (kpi.jobs.worker.run_worker) in a thread of the test process,
started only after the page has shown the queued job, so the waiting state is really seen.
"""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from openpyxl import load_workbook

from kpi.jobs.worker import run_worker
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def worker(app, tmp_path):
    """Starts the worker loop on demand; stopped when the test ends."""
    app.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    stop = threading.Event()
    threads = []

    def start() -> None:
        threads.append(threading.Thread(target=run_worker, args=(app, stop), kwargs={"poll_seconds": 0.2}))
        threads[-1].start()

    yield start
    stop.set()
    for thread in threads:
        thread.join(30)


def test_finance_queues_both_files_watches_them_finish_and_downloads_them(live_server, page, worker):
    login(page, live_server, "finance")
    page.goto(live_server + "/finance?year=2023")
    page.get_by_label("选择深圳市消费者委员会秘书处").check()
    page.get_by_role("button", name="打包下载单位自评表（zip）").click()
    page.wait_for_load_state()
    assert "排队中" in page.get_by_role("status").inner_text()
    forms_job = page.url

    page.goto(live_server + "/finance?year=2023")
    page.get_by_role("button", name="生成 2023 年预算绩效汇总表（Excel）").click()
    page.wait_for_load_state()
    assert "排队中" in page.get_by_role("status").inner_text()
    worker()
    # The page refreshes itself every 2 s until the worker is done.
    page.locator("a[href$='/download']").wait_for(timeout=60_000)
    assert "已生成" in page.get_by_role("status").inner_text()
    assert page.locator("progress").get_attribute("value") == page.locator("progress").get_attribute("max")
    with page.expect_download() as download:
        page.locator("a[href$='/download']").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    assert workbook.sheetnames[0] == "汇总"

    page.goto(forms_job)
    page.locator("a[href$='/download']").wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.locator("a[href$='/download']").click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        forms = [name for name in archive.namelist() if name.endswith(".xlsx")]
    assert len(forms) == 1 and "深圳市消费者委员会秘书处" in forms[0]
