"""Do two people saving the same form from the same version at the same moment lose nothing?

Two browsers (test clients) load the form, wait at a barrier, then post together against
PostgreSQL. Exactly one save wins (302); the other is told of the conflict (409) and the stored
value is the winner's. The race is run on a report that does not exist yet (both try to create
it) and on one that does (both try to bump the same version).
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import Session, select

from kpi.monitoring.models import MonitoringReport
from tests.conftest import AuthActions, build_database, csrf_from
from tests.monitoring.conftest import attach_monitoring
from tests.results_excel.helpers import COUNT, quarter_sheet, unit_indicator

pytestmark = pytest.mark.postgres

QUARTER = "/units/2/2023/quarters/1"
MONITORING = "/units/2/2023/monitoring"


@pytest.fixture
def app(make_app, pg_url):
    build_database(pg_url)
    return attach_monitoring(make_app(pg_url))


def signed_in(app):
    client = app.test_client()
    AuthActions(client).login("szcc_staff")
    return client


def _form(client, url: str) -> dict:
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html)
    return {"csrf_token": csrf_from(html), "version": version.group(1) or version.group(2), "action": "save"}


def race(app, url: str, fields: list[dict]) -> list[int]:
    """Both clients load the form, then post their ``fields`` at the same moment; the statuses."""
    clients = [signed_in(app) for _ in fields]
    forms = [_form(client, url) for client in clients]
    assert forms[0]["version"] == forms[1]["version"]
    barrier = threading.Barrier(len(clients))
    statuses: list[int | None] = [None] * len(clients)

    def save(i: int) -> None:
        barrier.wait()
        statuses[i] = clients[i].post(url, data={**forms[i], **fields[i]}).status_code

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def count_field(app) -> str:
    with Session(app.extensions["kpi_engine"]) as session:
        return f"i{unit_indicator(quarter_sheet(session), COUNT).id}-value"


def stored_count(app):
    with Session(app.extensions["kpi_engine"]) as session:
        sheet = quarter_sheet(session)
        entry = sheet.current(unit_indicator(sheet, COUNT).id)
        return sheet.version, entry.value if entry else None


@pytest.mark.parametrize("first_save", [False, True], ids=["creating", "updating"])
def test_two_simultaneous_quarter_saves_keep_exactly_the_winners_value(app, first_save):
    field = count_field(app)
    if first_save:
        client = signed_in(app)
        assert client.post(QUARTER, data={**_form(client, QUARTER), field: "100"}).status_code == 302
    before, _ = stored_count(app)
    values = ["1111", "2222"]
    statuses = race(app, QUARTER, [{field: value} for value in values])
    assert sorted(statuses) == [302, 409], statuses
    version, stored = stored_count(app)
    assert stored == int(values[statuses.index(302)])
    assert version == (before or 0) + 1


def stored_summary(app):
    with Session(app.extensions["kpi_engine"]) as session:
        report = session.exec(select(MonitoringReport)).first()
        return (report.version, report.summary) if report else (0, None)


@pytest.mark.parametrize("first_save", [False, True], ids=["creating", "updating"])
def test_two_simultaneous_monitoring_saves_keep_exactly_the_winners_text(app, first_save):
    if first_save:
        client = signed_in(app)
        assert client.post(MONITORING, data={**_form(client, MONITORING), "summary": "初稿"}).status_code == 302
    before, _ = stored_summary(app)
    texts = ["甲的说明", "乙的说明"]
    statuses = race(app, MONITORING, [{"summary": text} for text in texts])
    assert sorted(statuses) == [302, 409], statuses
    version, summary = stored_summary(app)
    assert summary == texts[statuses.index(302)]
    assert version == before + 1
