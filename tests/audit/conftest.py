"""Fixtures for the audit tests: the app with `kpi audit …` attached, its own key and export folder."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from kpi.audit.checkpoints import checkpoint_path
from kpi.audit.verify import seal
from tests.audit.gen import KEY
from tests.backup.gen import attach_backup


@pytest.fixture
def export_dir(tmp_path):
    # Never the project's exports/: one test's checkpoints must not anchor another's trail.
    return tmp_path / "exports"


@pytest.fixture
def app(make_app, sqlite_url, export_dir):
    built = attach_backup(make_app(sqlite_url, KPI_AUDIT_KEY=KEY, KPI_EXPORT_DIR=export_dir))
    # The seeded template's events are signed already (tests/conftest.py); sealing signs nothing
    # and writes the first checkpoint, as an upgraded deployment does once.
    with Session(built.extensions["kpi_engine"]) as session, session.begin():
        seal(session, KEY, checkpoint_path(export_dir))
    return built
