"""Does progress read the same on PostgreSQL, with the same fixed number of queries?"""

from __future__ import annotations

import json

import pytest

from tests.conftest import AuthActions
from tests.progress.gen import UNIT, attach_progress, counting, gen_quarter


@pytest.mark.postgres
def test_progress_command_and_page_work_on_postgres(make_app, pg_url):
    app = attach_progress(make_app(pg_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kpi", "init"]).exit_code == 0
    gen_quarter(app, 1, {"投诉处理总成功率": {"numerator": "45", "denominator": "50"}}, spending={"信息化类": "100.5"})
    gen_quarter(app, 2, {"投诉处理总成功率": {"numerator": "10", "denominator": "150"}})
    result = runner.invoke(args=["kpi", "progress", "--unit", UNIT, "--year", "2023", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert (rows["投诉处理总成功率"]["actual"], rows["投诉处理总成功率"]["status"]) == (27.5, "red")
    assert rows["项目支出金额"]["actual"] == 100.5

    client = app.test_client()
    AuthActions(client).login("finance")
    client.get("/units/2/2023/progress")
    with counting(app.extensions["kpi_engine"]) as statements:
        html = client.get("/units/2/2023/progress").get_data(as_text=True)
    assert "27.50%（55/200）" in html
    assert len(statements) <= 12
