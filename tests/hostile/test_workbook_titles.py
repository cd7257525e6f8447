"""A unit name with control characters (written past the forms, straight into the database)
must not break any workbook: openpyxl refuses C0 controls in the document title as in cells."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kpi import db
from tests.conftest import AuthActions

HOSTILE_NAME = "深圳市消费者委员会\x01秘书处\x1b\x0b"


@pytest.mark.parametrize(
    "url",
    [
        "/units/{unit}/2023/progress.xlsx",
        "/units/{unit}/2023/monitoring/workbook",
        "/units/{unit}/2023/self-evaluation/workbook",
        "/units/{unit}/2023/quarters/1/workbook",
    ],
)
def test_every_unit_workbook_downloads_whatever_the_unit_is_called(app, client, url):
    with app.app_context(), db.transaction() as session:
        unit_id = session.execute(sa.text("SELECT id FROM unit WHERE name = '深圳市消费者委员会秘书处'")).scalar_one()
        session.execute(sa.text("UPDATE unit SET name = :name WHERE id = :id"), {"name": HOSTILE_NAME, "id": unit_id})
    AuthActions(client).login("szcc_staff")
    response = client.get(url.format(unit=unit_id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    workbook = load_workbook(io.BytesIO(response.data))
    assert "\x01" not in (workbook.properties.title or "") and "秘书处" in workbook.properties.title
