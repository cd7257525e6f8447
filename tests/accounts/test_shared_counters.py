"""Do the documented production settings for the login limit start, and count across workers?

The README and deploy/kpi.env.example set KPI_RATELIMIT_STORAGE=redis://…; that must build
the app without a Redis server running, survive one that is down, and (with a real server)
count every worker's attempts together. Several workers on per-process memory:// counters
must be refused at start-up (issue #13, item 5).
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from kpi.accounts.limits import limiter
from tests.conftest import AuthActions, csrf_from
from tests.deploy.processes import (
    GUNICORN,
    Browser,
    free_port,
    start_server,
    stop,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def gunicorn_hook(name: str):
    return runpy.run_path(str(CONF))[name]


def test_production_with_several_workers_on_memory_counters_does_not_start(tmp_path):
    env = {
        **os.environ,
        "KPI_ENV": "production",
        "KPI_PASSWORD_PROFILE": "default",
        "WEB_CONCURRENCY": "3",
        "PORT": str(free_port()),
    }
    env.pop("KPI_RATELIMIT_STORAGE", None)
    done = subprocess.run(
        [str(GUNICORN), "app:app", "-c", str(CONF)],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "refusing to start 3 workers with KPI_RATELIMIT_STORAGE=memory://" in done.stderr
    assert "redis://" in done.stderr


@pytest.mark.parametrize(
    ("env", "storage", "workers"),
    [
        ("production", "memory://", 1),  # one worker: its counters are the only ones
        ("production", "redis://127.0.0.1:6379/0", 4),
        ("development", "memory://", 4),
    ],
)
def test_one_worker_a_shared_store_or_development_starts(monkeypatch, env, storage, workers):
    monkeypatch.setenv("KPI_ENV", env)
    monkeypatch.setenv("KPI_RATELIMIT_STORAGE", storage)
    gunicorn_hook("on_starting")(SimpleNamespace(cfg=SimpleNamespace(workers=workers)))


@pytest.mark.parametrize("workers", [2, 8])
def test_the_refusal_sees_workers_however_they_were_set(monkeypatch, workers):
    monkeypatch.setenv("KPI_ENV", "production")
    monkeypatch.setenv("KPI_PASSWORD_PROFILE", "default")  # the cheap test hashing is refused there
    monkeypatch.setenv("KPI_RATELIMIT_STORAGE", "memory://")
    with pytest.raises(RuntimeError, match=f"refusing to start {workers} workers"):
        gunicorn_hook("on_starting")(SimpleNamespace(cfg=SimpleNamespace(workers=workers)))


def test_redis_storage_builds_the_app_and_a_redis_that_is_down_fails_no_login(make_app, sqlite_url):
    port = free_port()  # nothing listens there
    app = make_app(sqlite_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0")
    assert type(limiter.storage).__name__ == "RedisStorage"
    started = time.monotonic()
    assert AuthActions(app.test_client()).login("szcc_staff").status_code == 302
    assert time.monotonic() - started < 10


def _post_logins(base: str, count: int) -> list[int]:
    browser = Browser(base)
    token = csrf_from(browser.get("/login"))
    statuses = []
    for i in range(count):
        body = urllib.parse.urlencode({"username": f"sprayed_{i}", "password": "x", "csrf_token": token}).encode()
        try:
            with browser.opener.open(base + "/login", data=body, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_two_workers_on_redis_count_login_attempts_together(sqlite_url, tmp_path, monkeypatch):
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    monkeypatch.setenv("KPI_RATELIMIT_STORAGE", f"redis://127.0.0.1:{redis_port}/0")
    server = start_server(sqlite_url, free_port(), tmp_path / "web.log", workers=2)
    try:
        wait_healthy(server)
        statuses = _post_logins(server.base, 24)
    finally:
        stop(server)
        redis.terminate()
        redis.wait(timeout=10)
    assert statuses == [200] * 20 + [429] * 4, server.output()[-2000:]
