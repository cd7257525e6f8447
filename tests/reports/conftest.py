"""Fixtures for the workbook tests: the app with the finance blueprint and exports attached.

kpi/__init__.py and kpi/monitoring/commands.py register them once the feature is wired in; until
then (and harmlessly after) the fixture attaches them itself. Exports go to tmp_path.
"""

from __future__ import annotations

import pytest

from tests.finance.gen import attach_finance


@pytest.fixture
def app(make_app, sqlite_url, tmp_path):
    built = attach_finance(make_app(sqlite_url))
    built.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    return built
