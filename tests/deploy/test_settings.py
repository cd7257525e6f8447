"""Do gunicorn.conf.py and the PostgreSQL pool take their sizes from the environment?"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.config import ConfigError
from kpi.db import make_engine

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
PG = "postgresql+psycopg://kpi@127.0.0.1:5432/kpi"  # never connected to: engines connect lazily


def test_gunicorn_binds_and_sizes_from_port_host_and_web_concurrency(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    conf = runpy.run_path(str(CONF))
    assert (conf["bind"], conf["workers"], conf["threads"], conf["timeout"]) == ("0.0.0.0:9123", 3, 2, 120)
    assert conf["preload_app"] is False and conf["accesslog"] == "-"


def test_gunicorn_defaults_to_loopback_8000_and_at_most_8_workers(monkeypatch):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == "127.0.0.1:8000"
    assert 3 <= conf["workers"] <= 8


def test_the_postgresql_pool_is_sized_from_the_environment(monkeypatch):
    monkeypatch.setenv("KPI_DB_POOL_SIZE", "7")
    monkeypatch.setenv("KPI_DB_MAX_OVERFLOW", "3")
    engine = make_engine(PG)
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._pre_ping) == (7, 3, True)
    assert engine.pool._recycle == 1800


def test_the_postgresql_pool_defaults_to_5_plus_10(monkeypatch):
    monkeypatch.delenv("KPI_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("KPI_DB_MAX_OVERFLOW", raising=False)
    engine = make_engine(PG)
    assert (engine.pool.size(), engine.pool._max_overflow) == (5, 10)


def test_a_pool_size_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("KPI_DB_POOL_SIZE", "many")
    with pytest.raises(ConfigError, match="KPI_DB_POOL_SIZE"):
        make_engine(PG)


def test_each_worker_hides_its_start_up_objects_from_the_garbage_collector():
    code = (
        f"import gc, runpy; import app; conf = runpy.run_path({str(CONF)!r}); "
        "before = gc.get_freeze_count(); conf['post_worker_init'](None); print(before, gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=CONF.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KPI_SCHEDULER": "off"},
    )
    before, after = map(int, done.stdout.split()[-2:])
    assert before == 0 and after > 10_000, done.stderr
