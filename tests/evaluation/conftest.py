"""Fixtures for the self-evaluation tests: the app with the blueprint and `kpi export self-evaluation` attached.

kpi/__init__.py and kpi/cli.py register them once the feature is wired in; until then (and
harmlessly after) the fixture attaches them itself. Results go in through tests/evaluation/gen.py.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import AuthActions, csrf_from
from tests.evaluation.gen import REPORT_URL, attach_evaluation, ids_of


@pytest.fixture
def app(make_app, sqlite_url, tmp_path):
    built = attach_evaluation(make_app(sqlite_url))
    built.config["KPI_EXPORT_DIR"] = tmp_path / "exports"
    return built


@pytest.fixture
def ids(sqlite_url):
    return ids_of(sqlite_url)


class EvaluationPoster:
    """Posts the self-evaluation form like the browser: a fresh CSRF token and the version on the page.

    ``goals`` maps a table ("unit" or a project name) to 实际完成情况; ``explanations`` and ``ratios``
    map an indicator name (unit table; "项目名:指标名" for a project's) to text."""

    def __init__(self, client, ids):
        self.client = client
        self.ids = ids

    def page(self):
        return self.client.get(REPORT_URL)

    def form(self, goals=None, explanations=None, ratios=None) -> dict:
        data = {}
        for table, text in (goals or {}).items():
            data["g-unit" if table == "unit" else f"g-{self.ids['line'][table]}"] = text
        for name, text in (explanations or {}).items():
            data[f"i{self.ids['indicator'][name]}-explanation"] = text
        for name, text in (ratios or {}).items():
            data[f"i{self.ids['indicator'][name]}-ratio"] = text
        return data

    def post(
        self,
        goals=None,
        explanations=None,
        ratios=None,
        *,
        action: str = "save",
        version: int | None = None,
        reason: str | None = None,
        url: str = REPORT_URL,
        extra: dict | None = None,
    ):
        html = self.page().get_data(as_text=True)
        data = {
            "csrf_token": csrf_from(html),
            "action": action,
            "version": str(version) if version is not None else version_in(html),
        }
        data.update(extra or {})
        data.update(self.form(goals, explanations, ratios))
        if reason:
            data["reason"] = reason
        return self.client.post(url, data=data)

    def set_ratios(self, ratios, *, version: int | None = None):
        return self.post(ratios=ratios, url=REPORT_URL + "/ratios", version=version)

    def review(self, action: str, reason: str | None = None):
        html = self.page().get_data(as_text=True)
        data = {"csrf_token": csrf_from(html), "version": ""}
        if reason is not None:
            data["reason"] = reason
        return self.client.post(f"{REPORT_URL}/review/{action}", data=data, follow_redirects=True)


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    return match.group(1) if match else ""


def signed_in(app, ids, username: str) -> EvaluationPoster:
    client = app.test_client()
    AuthActions(client).login(username)
    return EvaluationPoster(client, ids)


@pytest.fixture
def staff(app, ids) -> EvaluationPoster:
    return signed_in(app, ids, "szcc_staff")


@pytest.fixture
def reviewer(app, ids) -> EvaluationPoster:
    return signed_in(app, ids, "szcc_reviewer")
