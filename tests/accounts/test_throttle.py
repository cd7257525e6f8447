"""Can an attacker enumerate accounts, lock their owners out, or out-guess the failure counter?

Each test performs the attack of issue #13: it times and compares the answers for known and
unknown names, fresh and throttled; it keeps failing from one address while the owner signs
in from another; it sends parallel guesses at a real database and counts them.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from kpi.accounts import passwords, service, throttle
from kpi.accounts.models import LoginThrottle
from kpi.audit.models import AuditEvent
from tests.conftest import DEMO_PASSWORD, AuthActions, build_database, csrf_from

KNOWN, UNKNOWN = "szcc_reviewer", "szcc_nobody"


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, username: str, password: str = "wrong-password"):
    """One login POST (the page is fetched first for its CSRF token); the response and the
    work it cost.

    The work is this process's CPU time (Argon2's own threads included), not the wall clock:
    the test client runs the request in this process, so the time is what the server spent on
    the answer, which is what a difference between names would show in, while another process
    busy on the same cores (a parallel test run) cannot stretch one case and not the other."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    started = time.process_time()
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return response, time.process_time() - started


def page_text(response, username: str) -> str:
    """The page with what differs by construction (the CSRF token, the echoed name) masked."""
    html = response.get_data(as_text=True).replace(username, "NAME")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "TOKEN", html)


def throttle_rows(engine, subject: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(LoginThrottle.source, LoginThrottle.failures).where(LoginThrottle.subject == subject)
        ).all()
    return dict(rows)


def test_known_and_unknown_names_get_the_same_page_fresh_and_throttled(app):
    attacker = client_at(app, "203.0.113.7")
    for state in ("fresh", "throttled"):
        tries = 1 if state == "fresh" else throttle.MAX_ATTEMPTS + 2
        known = [attempt(attacker, KNOWN)[0] for _ in range(tries)][-1]
        unknown = [attempt(attacker, UNKNOWN)[0] for _ in range(tries)][-1]
        assert known.status_code == unknown.status_code == 200
        assert page_text(known, KNOWN) == page_text(unknown, UNKNOWN), state
        expected = service.WRONG if state == "fresh" else service.THROTTLED
        assert expected in known.get_data(as_text=True)
        assert "锁定" not in known.get_data(as_text=True)


@pytest.fixture
def real_hashing_app(make_app, sqlite_url):
    """An app hashing with the production parameters, and a known account hashed with them.

    The suite hashes with argon2's cheapest profile (tests/conftest.py), under which one
    verification more or less would vanish in the noise; timing must be measured on the real
    cost. The account is made here because the demo accounts were hashed cheaply."""
    app = make_app(sqlite_url, KPI_PASSWORD_PROFILE="default")
    with app.app_context(), Session(app.extensions["kpi_engine"]) as session:
        service.create_user(
            session,
            {"username": TIMED, "password": TIMED_PASSWORD, "role": "reviewer", "unit": "深圳市消费者委员会秘书处"},
        )
        session.commit()
    yield app
    passwords.configure(os.environ["KPI_PASSWORD_PROFILE"])


TIMED, TIMED_PASSWORD = "timed_reviewer", "Timed#Pass2023"


def test_known_and_unknown_names_take_the_same_time_fresh_and_throttled(real_hashing_app):
    app = real_hashing_app
    throttled = client_at(app, "203.0.113.8")
    for name in (TIMED, UNKNOWN):
        for _ in range(throttle.MAX_ATTEMPTS + 2):
            attempt(throttled, name)
    times: dict[str, list[float]] = {case: [] for case in ("known", "unknown", "known throttled", "unknown throttled")}
    for round_ in range(7):  # interleaved, so a busy machine slows every case alike
        fresh = client_at(app, f"198.51.100.{round_ + 1}")  # a new address: never throttled
        times["known"].append(attempt(fresh, TIMED)[1])
        times["unknown"].append(attempt(fresh, UNKNOWN)[1])
        times["known throttled"].append(attempt(throttled, TIMED)[1])
        times["unknown throttled"].append(attempt(throttled, UNKNOWN)[1])
    medians = {case: statistics.median(values) for case, values in times.items()}
    assert max(medians.values()) < 1.5 * min(medians.values()), medians


def test_the_owner_signs_in_from_another_address_while_an_attacker_keeps_failing(app):
    attacker, owner = client_at(app, "203.0.113.9"), client_at(app, "192.0.2.44")
    for _ in range(3 * throttle.MAX_ATTEMPTS):
        response, _ = attempt(attacker, KNOWN)
    assert service.THROTTLED in response.get_data(as_text=True)
    assert attempt(attacker, KNOWN, DEMO_PASSWORD)[0].status_code == 200, "the throttle let the right password through"
    assert attempt(owner, KNOWN, DEMO_PASSWORD)[0].status_code == 302
    assert owner.get("/units").status_code == 200
    engine = app.extensions["kpi_engine"]
    assert throttle_rows(engine, throttle.login_subject(KNOWN)) == {"203.0.113.9": 3 * throttle.MAX_ATTEMPTS + 1}


def test_a_throttled_episode_is_audited_once_for_known_and_unknown_names(app):
    attacker = client_at(app, "203.0.113.10")
    for name in (KNOWN, UNKNOWN):
        for _ in range(throttle.MAX_ATTEMPTS + 4):
            attempt(attacker, name)
    with Session(app.extensions["kpi_engine"]) as session:
        events = session.exec(
            sa.select(AuditEvent.actor, AuditEvent.reason).where(AuditEvent.action == "throttle")
        ).all()
    assert sorted(actor for actor, _ in events) == sorted([KNOWN, UNKNOWN])
    assert all("203.0.113.10" in reason for _, reason in events)


def test_a_correct_password_clears_the_count_and_a_reset_lifts_every_throttle(app, runner):
    client = client_at(app, "203.0.113.11")
    for _ in range(throttle.MAX_ATTEMPTS - 1):
        attempt(client, "szcc_staff")
    assert attempt(client, "szcc_staff", DEMO_PASSWORD)[0].status_code == 302
    engine = app.extensions["kpi_engine"]
    assert throttle_rows(engine, throttle.login_subject("szcc_staff")) == {}
    other = client_at(app, "203.0.113.12")
    for _ in range(throttle.MAX_ATTEMPTS + 1):
        attempt(other, KNOWN)
    with app.app_context(), Session(engine) as session:
        service.set_password(session, KNOWN, "Reset#Pass42", actor="test")
        session.commit()
    assert throttle_rows(engine, throttle.login_subject(KNOWN)) == {}
    assert attempt(other, KNOWN, "Reset#Pass42")[0].status_code == 302


def test_an_ipv6_client_is_one_address_across_its_slash_64():
    from flask import Flask

    from kpi.accounts.limits import client_address

    app = Flask(__name__)
    for raw, seen in [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.5", "192.0.2.5"),
        ("192.0.2.5", "192.0.2.5"),
    ]:
        with app.test_request_context(environ_base={"REMOTE_ADDR": raw}):
            assert client_address() == seen


def _parallel_wrong_guesses(engine, username: str, guesses: int) -> list[str]:
    """`guesses` threads, released together, each one wrong login from one address; their messages."""
    barrier = threading.Barrier(guesses)
    messages: list[str] = []

    def guess():
        with Session(engine) as session:
            barrier.wait()
            try:
                service.authenticate(session, username, "wrong-password", "203.0.113.50")
            except service.LoginFailed as failure:
                messages.append(failure.message)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return messages


def _assert_every_guess_counted(engine, username: str, guesses: int = 12) -> None:
    messages = _parallel_wrong_guesses(engine, username, guesses)
    assert len(messages) == guesses
    assert throttle_rows(engine, throttle.login_subject(username)) == {"203.0.113.50": guesses}
    # Counted before checking: exactly MAX_ATTEMPTS guesses were checked, however parallel.
    assert messages.count(service.WRONG) == throttle.MAX_ATTEMPTS
    assert messages.count(service.THROTTLED) == guesses - throttle.MAX_ATTEMPTS


def test_parallel_wrong_guesses_count_exactly_on_sqlite(app):
    _assert_every_guess_counted(app.extensions["kpi_engine"], KNOWN)


@pytest.mark.postgres
def test_parallel_wrong_guesses_count_exactly_on_postgres(pg_url, make_app):
    build_database(pg_url, seed=False)
    app = make_app(pg_url)
    engine = app.extensions["kpi_engine"]
    with app.app_context(), Session(engine) as session:
        service.create_user(
            session, {"username": "pg_admin", "password": "Strong#Pass42", "role": "admin"}, actor="test"
        )
        session.commit()
    _assert_every_guess_counted(engine, "pg_admin")
    _assert_every_guess_counted(engine, "pg_nobody")


def test_the_current_password_check_on_password_change_is_throttled(client, auth, app):
    auth.login("szcc_staff")
    statuses = []
    for guess in range(throttle.MAX_ATTEMPTS + 3):
        token = csrf_from(client.get("/account/password").get_data(as_text=True))
        response = client.post(
            "/account/password",
            data={"current": f"Guess#{guess}x", "new": "Better#Pass9", "confirm": "Better#Pass9", "csrf_token": token},
        )
        statuses.append("过多" in response.get_data(as_text=True))
    assert statuses == [False] * throttle.MAX_ATTEMPTS + [True] * 3
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    right = client.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "new": "Better#Pass9", "confirm": "Better#Pass9", "csrf_token": token},
    )
    assert right.status_code == 200 and "过多" in right.get_data(as_text=True), (
        "the right password got through a throttle"
    )
    assert AuthActions(app.test_client()).login("szcc_staff").status_code == 302  # signing in is not affected
