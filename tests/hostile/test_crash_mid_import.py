"""Does a crash in the middle of an import leave the database exactly as it was?

Something inside each importer's write loop is made to raise on its N-th call, after earlier
rows have already been written to the session. The command must fail with a Chinese message
and a non-zero exit, no traceback, and every table must be as before.
"""

from __future__ import annotations

import pytest

import kpi.indicators.importer as target_importer
import kpi.results.bulk_import as results_importer
from tests.hostile.conftest import fingerprint
from tests.indicators.xlsx_factory import gen_single_layout_table
from tests.results_excel.test_import_results_command import gen_results_xlsx

UNIT = "深圳市消费者委员会秘书处"


class SimulatedCrash(RuntimeError):
    """Stands for a disk, network or programming fault halfway through a loop."""


def crash_on_call(function, n: int):
    calls = {"count": 0}

    def wrapper(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise SimulatedCrash(f"第 {n} 次调用时模拟故障")
        return function(*args, **kwargs)

    return wrapper


def assert_failed_cleanly(result):
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "未写入任何数据" in result.output


@pytest.mark.parametrize("n", [1, 3, 7])
def test_a_crash_while_importing_targets_leaves_the_database_as_it_was(app, runner, tmp_path, monkeypatch, n):
    engine = app.extensions["kpi_engine"]
    path = gen_single_layout_table(tmp_path)
    before = fingerprint(engine)
    monkeypatch.setattr(target_importer, "build_indicator", crash_on_call(target_importer.build_indicator, n))
    result = runner.invoke(args=["kpi", "import-targets", str(path), "--unit", UNIT, "--year", "2023", "--replace"])
    assert_failed_cleanly(result)
    assert fingerprint(engine) == before


def gen_three_quarters(tmp_path):
    rows, spending = [], []
    for quarter in (1, 2, 3):
        rows += [
            [UNIT, 2023, f"Q{quarter}", "投诉工单审核辅助服务", 1000 * quarter, "导入"],
            [UNIT, 2023, f"Q{quarter}", "志愿者活动数量", 3 * quarter, None],
        ]
        spending.append([UNIT, 2023, f"Q{quarter}", "基本支出", 100 * quarter])
    return gen_results_xlsx(tmp_path / "results.xlsx", rows, spending)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_crash_while_importing_results_leaves_the_database_as_it_was(app, runner, tmp_path, monkeypatch, n):
    engine = app.extensions["kpi_engine"]
    path = gen_three_quarters(tmp_path)
    before = fingerprint(engine)
    monkeypatch.setattr(results_importer, "save", crash_on_call(results_importer.save, n))
    result = runner.invoke(args=["kpi", "import-results", str(path)])
    assert_failed_cleanly(result)
    assert fingerprint(engine) == before


def test_the_same_results_import_without_a_crash_writes_every_quarter(app, runner, tmp_path):
    engine = app.extensions["kpi_engine"]
    before = fingerprint(engine)
    result = runner.invoke(args=["kpi", "import-results", str(gen_three_quarters(tmp_path))])
    assert result.exit_code == 0, result.output
    assert fingerprint(engine) != before
