"""Shared fixtures: an app on a migrated, seeded SQLite file; PostgreSQL; a CLI runner.

The seeded database is built once per run and copied for each test, so every test
starts from the same state without paying for migrations again.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

# Cheap Argon2 for every hash the tests make, in this process and the servers it starts
# (set before kpi is imported); the timing tests ask for the real parameters themselves.
os.environ.setdefault("KPI_PASSWORD_PROFILE", "cheapest")
# One audit key for every app and server the tests start, so the seeded database's audit rows
# (written below, outside any app) are signed with the key the apps verify with.
os.environ.setdefault("KPI_AUDIT_KEY", "test-audit-key-" + "0" * 32)

from kpi.application import create_app
from kpi.audit.signing import KEY_INFO
from kpi.dataset import load_default_dataset_if_empty
from kpi.db import make_engine, transaction
from kpi.migrate import upgrade_to_head

# Properties are checked for what they assert, not for how fast an example runs: speed is measured
# by the benchmarks (bench/), and a per-example deadline only fails on a loaded 2-core machine.
hypothesis_settings.register_profile("kpi", deadline=None)
hypothesis_settings.load_profile("kpi")

PG_ADMIN_URL = os.environ.get("KPI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def build_database(url: str, seed: bool = True, *, signed: bool = True) -> None:
    """Migrate ``url`` and load the default dataset; its audit rows signed with the tests' key,
    or (``signed=False``) unsigned, as a trail from before migration 0012."""
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        if seed:
            with transaction(engine) as session:
                if signed:
                    session.info[KEY_INFO] = os.environ["KPI_AUDIT_KEY"].encode()
                load_default_dataset_if_empty(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "seeded.sqlite3"
    build_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path, seeded_sqlite_template) -> str:
    """A private copy of the migrated, seeded database."""
    path = tmp_path / "kpi.sqlite3"
    shutil.copy(seeded_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_sqlite_url(tmp_path) -> str:
    """A database file that does not exist yet (nothing migrated)."""
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


# Almost every test builds its own app; they share Jinja's compiled templates, so each page is
# compiled once per run rather than once per test (kpi.application._keep_compiled_templates).
TEMPLATE_BYTECODE_DIR = tempfile.mkdtemp(prefix="kpi-test-templates-")
atexit.register(shutil.rmtree, TEMPLATE_BYTECODE_DIR, ignore_errors=True)


def _make_app(url: str, **config):
    settings = {"TESTING": True, "KPI_DATABASE_URL": url, "SECRET_KEY": "test-secret"}
    return create_app({**settings, "KPI_TEMPLATE_BYTECODE_DIR": TEMPLATE_BYTECODE_DIR, **config})


@pytest.fixture
def make_app():
    """Build apps on any database URL; their engines are disposed after the test."""
    apps = []

    def factory(url: str, **config):
        apps.append(_make_app(url, **config))
        return apps[-1]

    yield factory
    for built in apps:
        built.extensions["kpi_engine"].dispose()


@pytest.fixture
def app(make_app, sqlite_url):
    return make_app(sqlite_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server():
    if not _postgres_available():
        if os.environ.get("KPI_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (KPI_REQUIRE_POSTGRES) but {PG_ADMIN_URL} is unreachable")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(postgres_server):
    """A throw-away PostgreSQL database, dropped after the test."""
    name = f"kpi_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


DEMO_PASSWORD = "Demo@2023"
CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign the test client in and out through the real login form (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str = "szcc_staff", password: str = DEMO_PASSWORD, follow: bool = False):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=follow
        )

    def logout(self):
        token = csrf_from(self.client.get("/account/password").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)
