"""Is every route protected, for every role? (A new route without a rule fails here.)

For each URL rule and method, each role gets the outcome its access rule promises:
anonymous users are sent to login; a unit they may not read is 404; a unit they may
read but not change is 403; and an allowed request is neither.
"""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from kpi.accounts.roles import can
from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests.conftest import AuthActions, _make_app, csrf_from

OWN_UNIT = 2  # 深圳市消费者委员会秘书处 in the seeded database
ROLES = {
    "anonymous": None,
    "szcc_staff": ("staff", OWN_UNIT),
    "szcc_reviewer": ("reviewer", OWN_UNIT),
    "other_staff": ("staff", "other"),
    "finance": ("finance", None),
    "admin": ("admin", None),
}
PASSWORDS = {"other_staff": "Other#Pass1"}
# Example values for URL variables; a new variable must be added here (the test says so).
SAMPLE_VALUES = {
    "unit_id": OWN_UNIT,
    "year": 2023,
    "quarter": 1,
    "action": "approve",
    "indicator_id": 25,
    "notification_id": 1,
    "job_id": 1,
    "adjustment_id": 1,
    "user_id": 4,  # the admin: posting only a CSRF token to their own account changes nothing
    "name": "1-00000000000000000000000000000000.xlsx",
}
# Routes on the user's own records: a sample id nobody owns is "not found" for everyone signed in.
OWN_RECORD_ENDPOINTS = {"reminders.mark_read", "finance.job", "finance.job_download", "recheck.download"}
SAFE_METHODS = {"GET"}


# What the finance bureau may post: its own session, password and notifications, the consolidated
# export and the forms zip it reads, and approving or returning a 绩效目标调整 (its only write to a unit's data).
FINANCE_WRITES = {
    "accounts.login",
    "accounts.logout",
    "accounts.change_password",
    "reminders.mark_read",
    "reminders.mark_all_read",
    "finance.start_consolidated",
    "finance.start_forms",
    "recheck.page",  # uploads re-checked in memory; only the result workbook is kept, for its owner
    "adjustments.approve",
    "adjustments.approval_return",
}


@pytest.fixture
def other_unit_id(sqlite_url) -> int:
    return _add_other_unit(sqlite_url)


def _add_other_unit(url: str) -> int:
    """A second unit with its own staff member, and a sample adjustment of the own unit."""
    engine = make_engine(url)
    with transaction(engine) as session:
        unit = budget.get_or_create_unit(session, "深圳市其他单位")
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": "深圳市其他单位"}
        )
        unit_id = unit.id
        _sample_adjustment(session)
    engine.dispose()
    return unit_id


def _sample_adjustment(session) -> None:
    """Adjustment 1 of the own unit, so its routes answer rather than "not found"."""
    from kpi.accounts.models import User
    from kpi.adjustments.models import TargetAdjustment
    from kpi.indicators.tables import find_table

    year = budget.get_year(session, SAMPLE_VALUES["year"])
    table = find_table(session, OWN_UNIT, year.id, None)
    staff = session.exec(sa.select(User).where(User.username == "szcc_staff")).scalar_one()
    session.add(
        TargetAdjustment(
            id=SAMPLE_VALUES["adjustment_id"],
            unit_id=OWN_UNIT,
            year_id=year.id,
            target_table_id=table.id,
            reason="样例",
            basis="样例",
            created_by_id=staff.id,
        )
    )


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def build_url(rule) -> str:
    missing = set(rule.arguments) - set(SAMPLE_VALUES)
    assert not missing, f"add sample values for {missing} (route {rule.rule}) to SAMPLE_VALUES"
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(SAMPLE_VALUES[name]), url)
        url = re.sub(rf"<any\([^)]*\):{name}>", str(SAMPLE_VALUES[name]), url)
    return url


def test_every_view_declares_an_access_rule(app):
    for rule, _method in routes(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access_rule", None), f"{rule.endpoint} ({rule.rule}) has no @access rule"


def expected(role_spec, access_rule: str, other_unit: int) -> str:
    """'login', 'allowed', 'forbidden' (403) or 'hidden' (404)."""
    if access_rule == "public":
        return "allowed"
    if role_spec is None:
        return "login"
    role, unit = role_spec
    unit = other_unit if unit == "other" else unit
    if access_rule == "login":
        return "allowed"
    if access_rule in ("admin", "finance"):
        return "allowed" if can(role, unit, access_rule) else "forbidden"
    permission = access_rule.split(":", 1)[1]
    if not can(role, unit, "view", OWN_UNIT):
        return "hidden"
    return "allowed" if can(role, unit, permission, OWN_UNIT) else "forbidden"


class RoleWalk:
    """One signed-in client per role for the whole walk: a login per role, not per request.

    A request that ends or replaces the session (SESSION_ENDPOINTS) makes that role sign in
    again before its next request. Should any other route lose the session, the roles after it
    would be sent to login and fail here loudly rather than pass.
    """

    def __init__(self, app, other_unit: int):
        self.app, self.other_unit = app, other_unit
        self._clients: dict[str, tuple] = {}

    def client(self, username: str):
        if username not in self._clients:
            client = self.app.test_client()
            if ROLES[username] is not None:
                AuthActions(client).login(username, PASSWORDS.get(username, "Demo@2023"))
            page = "/login" if ROLES[username] is None else "/account/password"
            self._clients[username] = (client, csrf_from(client.get(page).get_data(as_text=True)))
        return self._clients[username]

    def request(self, username: str, endpoint: str, method: str, url: str):
        client, token = self.client(username)
        if method in SAFE_METHODS:
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        if endpoint in SESSION_ENDPOINTS:
            del self._clients[username]
        return response


SESSION_ENDPOINTS = {"accounts.login", "accounts.logout"}


@pytest.fixture(scope="module")
def walk(tmp_path_factory, seeded_sqlite_template):
    """One database and app for every route of the walk, as one user session would meet them."""
    path = tmp_path_factory.mktemp("route-walk") / "kpi.sqlite3"
    shutil.copy(seeded_sqlite_template, path)
    other_unit = _add_other_unit(f"sqlite:///{path}")
    app = _make_app(f"sqlite:///{path}")
    yield RoleWalk(app, other_unit)
    app.extensions["kpi_engine"].dispose()


def _route_cases():
    """Every URL rule and method, read from an app built at collection time (it opens no database)."""
    app = _make_app("sqlite://")
    cases = [pytest.param(rule, method, id=f"{method} {rule.rule}") for rule, method in routes(app)]
    app.extensions["kpi_engine"].dispose()
    return cases


@pytest.mark.parametrize(("rule", "method"), _route_cases())
def test_every_route_gives_each_role_what_its_rule_promises(walk, rule, method):
    access_rule = walk.app.view_functions[rule.endpoint].access_rule
    url = build_url(rule)
    failures = []
    for username, role_spec in ROLES.items():
        response = walk.request(username, rule.endpoint, method, url)
        want = expected(role_spec, access_rule, walk.other_unit)
        status = response.status_code
        ok = {
            "login": status == 302 and "/login" in response.headers.get("Location", ""),
            "hidden": status == 404,
            "forbidden": status == 403,
            "allowed": status not in (401, 403)
            and (status != 404 or rule.endpoint in OWN_RECORD_ENDPOINTS)
            and not (status == 302 and "/login?" in response.headers.get("Location", "")),
        }[want]
        if not ok:
            failures.append(f"{method} {url} as {username}: expected {want}, got {status}")
    assert not failures, "\n".join(failures)


def test_finance_writes_nothing_but_adjustment_approvals(app, other_unit_id):
    """Every other write answers 403 to the finance bureau, whatever the unit (docs/rules/lifecycle.md §6)."""
    client = app.test_client()
    AuthActions(client).login("finance")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    failures = []
    for rule, method in routes(app):
        if method in SAFE_METHODS or rule.endpoint in FINANCE_WRITES:
            continue
        response = client.open(build_url(rule), method=method, data={"csrf_token": token})
        if response.status_code != 403:
            failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert not failures, "finance may write here:\n" + "\n".join(failures)
    for endpoint in ("adjustments.approve", "adjustments.approval_return"):
        assert can("finance", None, app.view_functions[endpoint].access_rule.split(":")[1], OWN_UNIT)
