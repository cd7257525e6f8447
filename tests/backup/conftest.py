"""Fixtures for the backup tests: the app with `kpi backup`/`kpi restore` attached."""

from __future__ import annotations

import pytest

from tests.backup.gen import attach_backup


@pytest.fixture
def app(make_app, sqlite_url):
    return attach_backup(make_app(sqlite_url))
