"""Do two gunicorn servers on one PostgreSQL database serve the same data (README, "Deployment")?"""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import Session, select

from kpi.db import make_engine
from kpi.indicators.models import Indicator
from tests.conftest import DEMO_PASSWORD, build_database, csrf_from

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
QUARTER = "/units/2/2023/quarters/1"
SECRET = "two-servers-share-this-secret-key-0123456789abcdef"
pytestmark = pytest.mark.postgres


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KPI_DATABASE_URL": url, "KPI_ENV": "development", "KPI_SECRET_KEY": SECRET,
           "KPI_SCHEDULER": "off", "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1"}
    with log.open("w") as out:
        return subprocess.Popen([str(GUNICORN), "app:app", "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{base} not healthy in time:\n{log.read_text()}")


class Browser:
    """A cookie-keeping client for one server; follows redirects like a browser."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.read().decode()

    def login(self, username: str) -> None:
        token = csrf_from(self.get("/login"))
        self.post("/login", {"username": username, "password": DEMO_PASSWORD, "csrf_token": token})


def indicator_id(url: str, name: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(Indicator.id).where(Indicator.scope == "unit", Indicator.name == name)).first()
    finally:
        engine.dispose()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_quarter_value_saved_through_one_server_is_seen_through_the_other(pg_url, tmp_path):
    build_database(pg_url)
    field = f"i{indicator_id(pg_url, '投诉调解辅助服务')}-value"
    servers, processes = [], []
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"{name}.log"
            processes.append(start_server(pg_url, port, log))
            servers.append((f"http://127.0.0.1:{port}", processes[-1], log))
        assert [wait_healthy(*server) for server in servers] == ["ok", "ok"]

        a, b = Browser(servers[0][0]), Browser(servers[1][0])
        a.login("szcc_staff")
        form = a.get(QUARTER)
        version = re.search(r'name="version" value="(\d+)"', form).group(1)
        saved = a.post(QUARTER, {"csrf_token": csrf_from(form), "action": "save", "version": version, field: "5217"})
        assert "已保存草稿" in saved

        b.login("szcc_staff")
        seen = b.get(QUARTER)
        assert re.search(rf'name="{field}"[^>]*value="5217"|value="5217"[^>]*name="{field}"', seen)
    finally:
        for process in processes:
            stop(process)
