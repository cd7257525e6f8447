"""e. HTTP under load: gunicorn on PostgreSQL, driven from this process over loopback.

Every page is compared with the trivial health-check route on the same server in the same run.
The load generator is a few threads with http.client, bounded in time and in requests. The
scale figure runs two servers at once (10 units and 1,000 units in their databases) and
alternates requests between them, so that whatever else the machine does falls on both alike.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.timing import percentile

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
USER_AGENT = "kpi-bench/1"
STARTUP_SECONDS = 60


@dataclass
class Load:
    path: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def record(self, elapsed: float, problem: str | None) -> None:
        if problem:
            self.errors.append(problem)
        else:
            self.latencies.append(elapsed)

    def p(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000 if self.latencies else float("nan")

    def add(self, other: Load) -> None:
        """Count another run of the same path in: its requests, errors and time."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int, log: Path) -> Iterator[int]:
    """A gunicorn serving app:app on a free loopback port against ``database_url``; yields the port."""
    port = free_port()
    env = {
        **os.environ,
        "KPI_DATABASE_URL": database_url,
        "KPI_ENV": "development",
        "KPI_SCHEDULER": "off",
        "KPI_SECRET_KEY": secrets.token_hex(32),
        "KPI_EXPORT_DIR": str(log.parent / "exports"),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "120",
        "app:app",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(port, server, log)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: the group this Popen started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}): {log.read_text()[-500:]}")
        try:
            status, _, _ = request(port, "GET", "/login")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s")


def request(port: int, method: str, path: str, cookies: dict | None = None, body: dict | None = None):
    """(status, headers, body text) of one request on a new connection (sync workers close it anyway)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"User-Agent": USER_AGENT, "Host": f"127.0.0.1:{port}"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def timed_get(port: int, path: str, cookies: dict, follow: bool = False) -> tuple[float, str | None]:
    """(seconds, None) for a 200 answer, else (seconds, what went wrong). With ``follow``, redirects
    to this server are followed (up to five) and the time is the whole way to the page."""
    started = time.perf_counter()
    try:
        status, headers, _ = request(port, "GET", path, cookies)
        hops = 0
        while follow and status in (301, 302, 303, 307, 308) and hops < 5:
            location = _location(headers, port)
            if location is None:
                break
            status, headers, _ = request(port, "GET", location, cookies)
            hops += 1
        problem = None if status == 200 else f"HTTP {status}"
    except OSError as error:
        problem = f"{type(error).__name__}: {error}"
    return time.perf_counter() - started, problem


def _location(headers, port: int) -> str | None:
    """The path of a redirect's Location when it points at this server, else None."""
    location = next((value for name, value in headers if name.lower() == "location"), None)
    if location is None:
        return None
    for prefix in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        if location.startswith(prefix):
            location = location[len(prefix) :] or "/"
    return location if location.startswith("/") and not location.startswith("//") else None


def final_path(port: int, path: str, cookies: dict) -> str:
    """Where GET ``path`` ends up after this server's redirects (the path itself when none)."""
    for _ in range(5):
        status, headers, _ = request(port, "GET", path, cookies)
        location = _location(headers, port) if status in (301, 302, 303, 307, 308) else None
        if location is None:
            return path
        path = location
    return path


def login(port: int, username: str, password: str) -> dict:
    """The session cookies of a user signed in through the real login form (CSRF included)."""
    cookies: dict = {}
    status, headers, html = request(port, "GET", "/login")
    _keep(cookies, headers)
    match = CSRF.search(html)
    if status != 200 or not match:
        raise RuntimeError(f"/login answered {status} without a CSRF token")
    status, headers, _ = request(
        port,
        "POST",
        "/login",
        cookies,
        {"username": username, "password": password, "csrf_token": match.group(1) or match.group(2)},
    )
    _keep(cookies, headers)
    if status != 302:
        raise RuntimeError(f"signing in as {username} answered {status}")
    return cookies


def _keep(cookies: dict, headers) -> None:
    for name, value in headers:
        if name.lower() == "set-cookie":
            for morsel in SimpleCookie(value).values():
                cookies[morsel.key] = morsel.value


def reachable(port: int, path: str, cookies: dict) -> bool:
    try:
        return request(port, "GET", path, cookies)[0] == 200
    except OSError:
        return False


def drive(port: int, path: str, cookies: dict, *, threads: int, seconds: float, limit: int, warmup: int = 5) -> Load:
    """GET ``path`` from ``threads`` clients until ``seconds`` pass or ``limit`` requests are made."""
    for _ in range(warmup):
        request(port, "GET", path, cookies)
    load = Load(path)
    lock = threading.Lock()
    issued = [0]
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            with lock:
                if issued[0] >= limit:
                    return
                issued[0] += 1
            elapsed, problem = timed_get(port, path, cookies)
            with lock:
                load.record(elapsed, problem)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    load.seconds = time.perf_counter() - started
    return load


def alternate(
    first: tuple[int, str, dict],
    second: tuple[int, str, dict],
    rounds: int,
    warmup: int = 10,
    follow: bool = False,
) -> tuple[Load, Load]:
    """One client alternating between two servers, one request at a time; (first, second).
    Both get ``warmup`` untimed requests, then exactly ``rounds`` timed ones each."""
    loads = (Load(first[1]), Load(second[1]))
    pairs = ((first, loads[0]), (second, loads[1]))
    for index in range(warmup + rounds):
        for (port, path, cookies), load in pairs if index % 2 else pairs[::-1]:  # neither always goes first
            elapsed, problem = timed_get(port, path, cookies, follow)
            if index >= warmup:
                load.record(elapsed, problem)
                load.seconds += elapsed
    return loads
