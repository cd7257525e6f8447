"""Fixtures for the audit tests: the app with `kpi audit verify` attached."""
from __future__ import annotations

import pytest

from tests.backup.gen import attach_backup


@pytest.fixture
def app(make_app, sqlite_url):
    return attach_backup(make_app(sqlite_url))
