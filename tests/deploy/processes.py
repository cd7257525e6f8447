"""Real processes for the deployment tests: gunicorn servers, `kpi scheduler`s and `kpi worker`s, a browser-like client.

Each process runs in its own session (process group), so stopping it also stops its
children (gunicorn's workers). Tests get them from the `spawn` fixture
(tests/deploy/conftest.py), which stops whatever is still running when the test ends.
"""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kpi.reminders.scheduler import SCHEDULER_LOCK_KEY
from tests.conftest import DEMO_PASSWORD, csrf_from

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "two-servers-share-this-secret-key-0123456789abcdef"  # README: the same key on every server
LOCK_RETRY = "0.5"  # a stand-by scheduler retries the lock every half second (production: 60 s)


@dataclass
class Started:
    """A process a test started, with the file its output goes to (and, for a server, its address)."""

    process: subprocess.Popen
    log: Path
    base: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _popen(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_server(url: str, port: int, log: Path, workers: int = 1) -> Started:
    """`gunicorn app:app -c gunicorn.conf.py` on 127.0.0.1:port, `workers` workers, no in-process scheduler."""
    env = {
        "KPI_DATABASE_URL": url,
        "KPI_ENV": "development",
        "KPI_SECRET_KEY": SECRET,
        "KPI_SCHEDULER": "off",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
    }
    return Started(
        _popen([str(GUNICORN), "app:app", "-c", "gunicorn.conf.py"], env, log), log, f"http://127.0.0.1:{port}"
    )


def start_scheduler(url: str, log: Path) -> Started:
    """`flask --app app kpi scheduler`, as the kpi-scheduler service runs it, with e-mail off."""
    env = {"KPI_DATABASE_URL": url, "KPI_SMTP_HOST": "", "KPI_SCHEDULER_LOCK_RETRY": LOCK_RETRY}
    return Started(_popen([sys.executable, "-m", "flask", "--app", "app", "kpi", "scheduler"], env, log), log)


def start_worker(url: str, log: Path, export_dir: Path, lease_seconds: float = 2) -> Started:
    """`flask --app app kpi worker`, as the kpi-worker service runs it, with a short lease."""
    env = {"KPI_DATABASE_URL": url, "KPI_EXPORT_DIR": str(export_dir), "KPI_SMTP_HOST": ""}
    command = [sys.executable, "-m", "flask", "--app", "app", "kpi", "worker", "--poll", "0.2"]
    return Started(_popen([*command, "--lease", str(lease_seconds)], env, log), log)


def wait_healthy(server: Started, timeout: float = 60.0) -> str:
    """Wait for GET /healthz to answer; its body ("ok")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.running(), server.output()
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=5) as response:
                return response.read().decode()
        except OSError:  # refused, reset, or a worker still booting (a read timeout)
            time.sleep(0.2)
    raise AssertionError(f"{server.base} not healthy in time:\n{server.output()}")


def wait_for(predicate, timeout: float = 60.0, what: str = "condition", interval: float = 0.2):
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not met within {timeout:.0f} s")


def kill(started: Started) -> None:
    """SIGKILL the process and its children: a crash, nothing gets to clean up."""
    if started.running():
        os.killpg(started.pid, signal.SIGKILL)
    started.process.wait(timeout=10)


def stop(started: Started) -> None:
    """SIGTERM (gunicorn finishes its requests), then SIGKILL if it takes more than 20 s."""
    if started.running():
        os.killpg(started.pid, signal.SIGTERM)
        try:
            started.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    kill(started)


def lock_holder_pid(engine: sa.Engine) -> int | None:
    """The OS pid of the scheduler holding the lock, from its connection's application_name."""
    with engine.connect() as conn:
        name = conn.scalar(
            sa.text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
            ),
            {"key": SCHEDULER_LOCK_KEY},
        )
    return int(name.split("pid=")[1]) if name else None


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

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        token = csrf_from(self.get("/login"))
        self.post("/login", {"username": username, "password": password, "csrf_token": token})
