"""Does the top bar lead home and say where the user is? (the brand and 待办 go to the home page,
and the link of the room a page belongs to is marked aria-current)."""

from __future__ import annotations

import pytest

from tests import pages
from tests.conftest import AuthActions

UNIT = 2  # the seed unit


def signed_in(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def current(page) -> list[str]:
    return pages.texts(page, "//header//nav/a[@aria-current='page']")


def nav(page) -> list[str]:
    return pages.texts(page, "//header//nav/a")


@pytest.mark.parametrize("username", ["szcc_staff", "szcc_reviewer", "finance", "admin"])
def test_the_brand_and_the_first_link_go_to_the_home_page(app, username):
    page = pages.parse(signed_in(app, username).get("/"))
    assert page.xpath("//header/a[@class='brand']/@href") == ["/"]
    assert nav(page)[0] == "待办" and current(page) == ["待办"]


@pytest.mark.parametrize(
    "path",
    [f"/units/{UNIT}/2023/indicators", f"/units/{UNIT}/2023/quarters/1", f"/units/{UNIT}/2023/self-evaluation"],
)
def test_every_page_of_a_users_own_unit_marks_its_indicators_link(app, path):
    page = pages.parse(signed_in(app, "szcc_staff").get(path))
    assert nav(page) == ["待办", "本单位指标", "通知"]
    assert current(page) == ["本单位指标"]


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        ("/finance", "财政局工作台"),
        ("/finance/recheck", "财政局工作台"),
        ("/adjustments/pending", "财政局工作台"),  # linked from the desk, the bureau's own list
        ("/units", "单位列表"),
        (f"/units/{UNIT}/2023/progress", None),  # a unit's page is no room of the bar's
        ("/admin/users", "账号管理"),
        ("/admin/users/1", "账号管理"),
        ("/admin/units/new", "单位管理"),
        ("/admin/years/roll", "年度结转"),
        ("/notifications", "通知"),
    ],
)
def test_the_admins_rooms_are_marked_on_their_pages(app, path, marked):
    response = signed_in(app, "admin").get(path)
    assert response.status_code == 200
    assert current(pages.parse(response)) == ([marked] if marked else [])
