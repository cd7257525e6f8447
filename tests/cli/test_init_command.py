"""Can `kpi init` be run on an empty database, and again, safely?"""

from __future__ import annotations

import json

import pytest


def test_init_migrates_and_loads_the_dataset_once(make_app, empty_sqlite_url):
    app = make_app(empty_sqlite_url)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["kpi", "init"])
    assert first.exit_code == 0, first.output
    assert "已载入默认数据集" in first.output
    second = runner.invoke(args=["kpi", "init"])
    assert second.exit_code == 0, second.output
    assert "未重复载入" in second.output
    listing = runner.invoke(
        args=["kpi", "indicators", "--unit", "深圳市消费者委员会秘书处", "--year", "2023", "--json"]
    )
    assert len(json.loads(listing.output)) == 67


@pytest.mark.postgres
def test_init_works_on_postgres(make_app, pg_url):
    app = make_app(pg_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kpi", "init"]).exit_code == 0
    assert runner.invoke(args=["kpi", "init"]).exit_code == 0
    listing = runner.invoke(
        args=["kpi", "indicators", "--unit", "深圳市消费者委员会秘书处", "--year", "2023", "--json"]
    )
    rows = json.loads(listing.output)
    assert len(rows) == 67
    assert {row["name"]: row for row in rows}["投诉调解辅助服务"]["target_value"] == 19000
