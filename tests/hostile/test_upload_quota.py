"""Are the uploads waiting for confirmation bounded, and removed on confirm and cancel?

The attack (issue: hardening, round two, item 9): every preview kept its file for two
hours, so one staff account wrote 94 MB in 1.4 s with 20 previews.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from kpi.results import pending
from tests.conftest import AuthActions, csrf_from
from tests.hostile import test_uploads as uploads
from tests.hostile.test_uploads import confirm, count_id, upload
from tests.results_excel.helpers import edit_workbook

QUARTER = "/units/2/2023/quarters/{}"
staff = uploads.staff  # the fixture: szcc_staff signed in, once per module


def _waiting(app) -> list:
    folder = Path(app.config["KPI_UPLOAD_DIR"])
    return sorted(folder.glob("*.xlsx")) if folder.exists() else []


def _changed_workbook(client, app, quarter: int, value: int) -> bytes:
    data = client.get(QUARTER.format(quarter) + "/workbook").data
    return edit_workbook(data, {count_id(app): {"value": value}})


def _preview(client, quarter: int, data: bytes):
    url = QUARTER.format(quarter) + "/upload"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url, data={"csrf_token": token, "file": (io.BytesIO(data), "填报表.xlsx")}, content_type="multipart/form-data"
    )


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_twenty_previews_of_one_quarter_keep_one_file(module_app, staff):
    data = _changed_workbook(staff, module_app, 1, 777)
    for _ in range(20):
        assert upload(staff, data).status_code == 200
    assert len(_waiting(module_app)) == 1


def test_previews_across_quarters_keep_at_most_the_per_user_limit(module_app, staff):
    for quarter in (1, 2, 3, 4):
        response = _preview(staff, quarter, _changed_workbook(staff, module_app, quarter, 700 + quarter))
        assert response.status_code == 200, quarter
    assert len(_waiting(module_app)) == pending.MAX_PER_USER


def test_confirm_and_cancel_remove_the_file_at_once(module_app, staff):
    preview = upload(staff, _changed_workbook(staff, module_app, 1, 881))
    assert len(_waiting(module_app)) >= 1
    html = preview.get_data(as_text=True)
    token = _token(html)
    response = staff.post(QUARTER.format(1) + "/upload/cancel", data={"csrf_token": csrf_from(html), "token": token})
    assert response.status_code == 302
    assert not any(path.stem == token for path in _waiting(module_app))

    preview = upload(staff, _changed_workbook(staff, module_app, 1, 882))
    token = _token(preview.get_data(as_text=True))
    assert confirm(staff, preview.get_data(as_text=True)).status_code == 302
    assert not any(path.stem == token for path in _waiting(module_app))


def test_another_users_cancel_leaves_the_upload_alone(module_app, staff):
    preview = upload(staff, _changed_workbook(staff, module_app, 1, 883))
    html = preview.get_data(as_text=True)
    token = _token(html)
    reviewer = module_app.test_client()
    AuthActions(reviewer).login("szcc_reviewer")
    page = reviewer.get(QUARTER.format(1)).get_data(as_text=True)
    reviewer.post(QUARTER.format(1) + "/upload/cancel", data={"csrf_token": csrf_from(page), "token": token})
    assert any(path.stem == token for path in _waiting(module_app))


def test_a_full_folder_refuses_a_preview_in_chinese_and_writes_no_file(module_app, staff, monkeypatch):
    data = _changed_workbook(staff, module_app, 2, 991)
    monkeypatch.setattr(pending, "MAX_TOTAL_BYTES", 1)  # our own limit, made tiny: the folder is "full"
    before = _waiting(module_app)
    response = _preview(staff, 2, data)
    assert response.status_code == 429
    assert "待确认的上传文件过多" in response.get_data(as_text=True)
    assert len(_waiting(module_app)) <= len(before)


@pytest.fixture(autouse=True)
def _empty_folder(module_app):
    for path in _waiting(module_app):
        pending.discard(path.parent, path.stem)
