"""Fixtures for the deployment tests: processes that are always stopped when the test ends."""

from __future__ import annotations

import pytest

from tests.deploy.processes import Started, free_port, start_scheduler, start_server, start_worker, stop


class Spawner:
    """Starts servers, schedulers and workers, logging each to tmp_path/<name>.log, and remembers them."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started: list[Started] = []

    def server(self, url: str, name: str, workers: int = 1) -> Started:
        return self._keep(start_server(url, free_port(), self.tmp_path / f"{name}.log", workers))

    def scheduler(self, url: str, name: str) -> Started:
        return self._keep(start_scheduler(url, self.tmp_path / f"{name}.log"))

    def worker(self, url: str, name: str, lease_seconds: float = 2) -> Started:
        return self._keep(start_worker(url, self.tmp_path / f"{name}.log", self.tmp_path / "exports", lease_seconds))

    def _keep(self, started: Started) -> Started:
        self.started.append(started)
        return started

    def stop_all(self) -> None:
        errors = []
        for started in reversed(self.started):
            try:
                stop(started)
            except Exception as error:  # stop the others anyway
                errors.append(error)
        if errors:
            raise errors[0]


@pytest.fixture
def spawn(tmp_path):
    """Start real processes for a test; whatever is still running afterwards is stopped (then killed)."""
    spawner = Spawner(tmp_path)
    try:
        yield spawner
    finally:
        spawner.stop_all()
