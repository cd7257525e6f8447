"""Fixtures for the progress tests: the app with the progress blueprint and command attached.

kpi/__init__.py and kpi/cli.py register them once the feature is wired in; until then (and
harmlessly after) the fixture attaches them itself.
"""

from __future__ import annotations

import pytest

from tests.progress.gen import attach_progress


@pytest.fixture
def app(make_app, sqlite_url):
    return attach_progress(make_app(sqlite_url))
