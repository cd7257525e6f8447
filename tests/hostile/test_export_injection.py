"""Does every workbook keep user text that looks like a formula as plain text?

Text starting with "=", "+", "-", "@", a tab or a CR goes in through the forms (and so the
services) as notes, assessments, causes, measures and explanations; every workbook the system
builds is then read back, and each cell carrying that text must be a text cell, never a formula.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import AuthActions, csrf_from
from tests.hostile.conftest import form_fields
from tests.monitoring.conftest import attach_monitoring

MARK = "注入"
PAYLOADS = [
    f"=1+2{MARK}",
    f"+1{MARK}",
    f"-1{MARK}",
    f"@SUM(A1){MARK}",
    f"\t=1{MARK}",
    f"\r=1{MARK}",
    f'=HYPERLINK("http://evil.example","{MARK}")',
]
UNIT = "/units/2/2023"


def _version(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html).group(1)


def post_texts(client, url: str, suffixes: tuple[str, ...], extra=None, limit: int = 14) -> None:
    """Put the payloads into the page's text fields ending in ``suffixes``, and save a draft."""
    html = client.get(url).get_data(as_text=True)
    names = [name for name in form_fields(html) if name.endswith(suffixes)][:limit]
    assert names, f"no text fields on {url}"
    data = {
        "csrf_token": csrf_from(html),
        "version": _version(html),
        "action": "save",
        "reason": "核对",
        **(extra or {}),
    }
    data.update({name: PAYLOADS[i % len(PAYLOADS)] for i, name in enumerate(names)})
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


@pytest.fixture
def workbooks(make_app, sqlite_url, tmp_path):
    app = attach_monitoring(make_app(sqlite_url))
    app.config.update(KPI_EXPORT_DIR=tmp_path / "exports", KPI_UPLOAD_DIR=tmp_path / "uploads")
    staff = app.test_client()
    AuthActions(staff).login("szcc_staff")
    quarter = f"{UNIT}/quarters/1"
    html = staff.get(quarter).get_data(as_text=True)
    values = {name: "1" for name in form_fields(html) if name.endswith("-value")}
    post_texts(staff, quarter, ("-note", "-assessment"), extra=values, limit=40)
    post_texts(staff, f"{UNIT}/monitoring", ("summary", "-cause", "-corrective_measures"))
    post_texts(staff, f"{UNIT}/self-evaluation", ("-explanation",))
    finance = app.test_client()
    AuthActions(finance).login("finance")
    downloads = {
        "fill_in": staff.get(f"{quarter}/workbook"),
        "monitoring": staff.get(f"{UNIT}/monitoring/workbook"),
        "self_evaluation": staff.get(f"{UNIT}/self-evaluation/workbook"),
        "progress": staff.get(f"{UNIT}/progress.xlsx"),
        "consolidated": finance.get("/finance/2023/consolidated.xlsx"),
    }
    for name, response in downloads.items():
        assert response.status_code == 200, (name, response.status_code)
    return {name: load_workbook(io.BytesIO(response.data)) for name, response in downloads.items()}


# Workbooks that show the unit's own words must show the payloads; the others must merely be safe.
SHOWS_USER_TEXT = {"fill_in", "monitoring", "self_evaluation"}


@pytest.mark.parametrize("name", ["fill_in", "monitoring", "self_evaluation", "progress", "consolidated"])
def test_formula_like_user_text_is_stored_as_text_in_every_workbook(workbooks, name):
    marked = [
        cell
        for ws in workbooks[name].worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and MARK in cell.value
    ]
    if name in SHOWS_USER_TEXT:
        assert marked, f"the {name} workbook shows none of the entered text"
    formulas = [(cell.parent.title, cell.coordinate, cell.value) for cell in marked if cell.data_type != "s"]
    assert not formulas, formulas
