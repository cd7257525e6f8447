"""An app whose exports and pending uploads go to tmp_path."""

from __future__ import annotations

import pytest
from sqlmodel import Session


@pytest.fixture
def excel_app(app, tmp_path):
    app.config.update(KPI_EXPORT_DIR=tmp_path / "exports", KPI_UPLOAD_DIR=tmp_path / "uploads")
    return app


@pytest.fixture
def db_session(excel_app):
    with Session(excel_app.extensions["kpi_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def cli(excel_app):
    return excel_app.test_cli_runner()
