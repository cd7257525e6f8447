"""Can the admin manage accounts and units in the browser, audited, and nobody else? (issue #17)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi import db
from kpi.accounts.models import User
from kpi.audit.models import AuditEvent
from kpi.budget.models import Unit
from tests import pages
from tests.conftest import AuthActions, csrf_from

SEED_UNIT = "深圳市消费者委员会秘书处"
SEED_PARENT = "深圳市市场监督管理局"
ADMIN_ID, STAFF_ID = 4, 1
GOOD_PASSWORD = "Temp#2024pw"
PAGES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", f"/admin/users/{STAFF_ID}"),
    ("POST", f"/admin/users/{STAFF_ID}"),
    ("POST", f"/admin/users/{STAFF_ID}/active"),
    ("POST", f"/admin/users/{STAFF_ID}/password"),
    ("GET", "/admin/units"),
    ("GET", "/admin/units/new"),
    ("POST", "/admin/units/new"),
    ("GET", "/admin/units/2"),
    ("POST", "/admin/units/2"),
]


def signed_in(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


@pytest.fixture
def admin(app):
    return signed_in(app, "admin")


def token(client, url: str = "/admin/users/new") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def post(client, url: str, data: dict, page: str | None = None):
    return client.post(url, data={"csrf_token": token(client, page or url), **data})


def one_user(app, username: str) -> User | None:
    with app.app_context(), db.transaction() as session:
        user = session.scalars(sa.select(User).where(User.username == username)).first()
        if user is not None:
            session.expunge(user)
        return user


def events(app, entity: str, entity_id: int) -> list[AuditEvent]:
    with app.app_context(), db.transaction() as session:
        rows = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def usernames(page) -> list[str]:
    """The usernames in the account list, in order (the first column's links)."""
    return pages.texts(page, "//main//table//tbody/tr/td[1]/a")


def link_texts(page) -> list[str]:
    """The text of every link anywhere on the page."""
    return pages.texts(page, "//a")


def user_row(page, username: str) -> list[str]:
    """The account list's row of ``username``: 用户名、姓名、角色、所属单位、状态、创建时间、操作."""
    (row,) = [row for row in pages.rows(page) if row[0] == username]
    return row


def new_user_data(**overrides) -> dict:
    data = {
        "username": "new_staff",
        "display_name": "赵新（填报人）",
        "email": "new@example.com",
        "role": "staff",
        "unit": SEED_UNIT,
        "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD,
        "must_change": "y",
    }
    return {**data, **overrides}


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["szcc_staff", "szcc_reviewer", "finance"])
def test_every_other_role_is_refused_every_admin_page(app, username):
    client = signed_in(app, username)
    csrf = csrf_from(client.get("/account/password").get_data(as_text=True))
    for method, url in PAGES:
        response = client.open(url, method=method, data={"csrf_token": csrf, **new_user_data()})
        assert response.status_code == 403, (method, url)
    assert one_user(app, "new_staff") is None


def test_anonymous_visitors_are_sent_to_login(client):
    for method, url in PAGES:
        response = client.open(url, method=method)
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_admin_sees_every_page(admin):
    for url in [url for method, url in PAGES if method == "GET"]:
        assert admin.get(url).status_code == 200, url


ADMIN_ROOMS = {"账号管理": "/admin/users", "单位管理": "/admin/units", "年度结转": "/admin/years/roll"}


def nav_links(page) -> dict[str, str]:
    """The top bar's links: text -> href."""
    return {a.text_content().strip(): a.get("href") for a in page.xpath("//header//nav/a")}


def test_the_admin_reaches_every_room_from_the_top_bar(admin):
    links = nav_links(pages.parse(admin.get("/")))
    assert {text: links.get(text) for text in ADMIN_ROOMS} == ADMIN_ROOMS
    for href in ADMIN_ROOMS.values():
        assert admin.get(href).status_code == 200, href


@pytest.mark.parametrize("username", ["szcc_staff", "szcc_reviewer", "finance"])
def test_nobody_else_is_shown_the_admin_rooms(app, username):
    links = nav_links(pages.parse(signed_in(app, username).get("/")))
    assert links and not set(links) & set(ADMIN_ROOMS)


def test_a_post_without_csrf_token_is_refused(admin):
    response = admin.post("/admin/users/new", data=new_user_data())
    assert response.status_code == 400
    page = pages.parse(response)
    assert pages.heading(page) == "出错了（400）"
    assert "页面已过期" in pages.text(pages.one(page, "//main//section[" + pages.has_class("notice") + "]/p[1]"))


# --- the list ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("", ["szcc_staff", "finance", "admin"], []),
        ("szcc", ["szcc_staff", "szcc_reviewer"], ["finance", "admin"]),
        ("王强", ["finance"], ["szcc_staff", "admin"]),
        ("消费者委员会", ["szcc_staff", "szcc_reviewer"], ["finance"]),
        ("%", [], ["szcc_staff", "finance"]),  # a wildcard is a character, not "anything"
    ],
)
def test_users_are_searched_by_username_name_or_unit(admin, query, shown, hidden):
    page = pages.parse(admin.get("/admin/users", query_string={"q": query}))
    listed, linked = usernames(page), link_texts(page)
    for name in shown:
        assert name in listed
    for name in hidden:
        assert name not in linked


def test_a_long_list_is_paged(app, admin):
    with app.app_context(), db.transaction() as session:
        for k in range(60):
            session.add(User(username=f"bulk{k:02d}", display_name="批量", password_hash="x", role="finance"))
    first = pages.parse(admin.get("/admin/users"))
    pager = "//main//nav[" + pages.has_class("pager") + "]"
    assert "第 1 / 2 页" in pages.texts(first, pager + "/span")
    assert pages.links(first, pager)["下一页"] == "/admin/users?page=2"
    second = pages.parse(admin.get("/admin/users?page=2"))
    assert "szcc_staff" in usernames(second) and "bulk00" not in link_texts(second)
    assert admin.get("/admin/users?page=abc").status_code == 200


# --- creating an account -----------------------------------------------------------------------


def test_admin_creates_an_account_that_must_change_its_password_and_is_audited(app, admin):
    response = post(admin, "/admin/users/new", new_user_data())
    assert response.status_code == 302
    user = one_user(app, "new_staff")
    assert user.role == "staff" and user.unit_id == 2 and user.must_change_password
    assert user.display_name == "赵新（填报人）" and user.email == "new@example.com"
    (event,) = events(app, "user", user.id)
    assert (event.action, event.actor, event.user_id) == ("create", "admin", ADMIN_ID)
    assert GOOD_PASSWORD not in (event.new_value or "")


def test_unticking_the_box_creates_an_account_that_keeps_its_password(app, admin):
    data = new_user_data()
    del data["must_change"]
    post(admin, "/admin/users/new", data)
    assert one_user(app, "new_staff").must_change_password is False


@pytest.mark.parametrize(
    ("overrides", "field", "field_error"),
    [
        ({"username": "szcc_staff"}, "username", "用户名已存在：szcc_staff"),
        ({"username": "bad name!"}, "username", "无效的用户名"),
        ({"username": "x"}, "username", "用户名为 2–100 位"),
        ({"username": "a" * 101}, "username", "用户名为 2–100 位"),
        ({"username": ""}, "username", "请输入用户名"),
        ({"role": "boss"}, "role", "无效的角色"),
        ({"role": ""}, "role", "请选择角色"),
        ({"unit": ""}, "unit", "填报人必须指定所属单位"),
        ({"role": "reviewer", "unit": ""}, "unit", "审核人必须指定所属单位"),
        ({"unit": "不存在的单位"}, "unit", "单位不存在：不存在的单位"),
        ({"role": "finance"}, "unit", "财政局不属于某个单位"),
        ({"password": "short", "confirm": "short"}, "password", "密码至少 8 位"),
        ({"password": "alllowercase1", "confirm": "alllowercase1"}, "password", "至少三类"),
        ({"password": "New_staff#1", "confirm": "New_staff#1"}, "password", "密码不能包含用户名"),
        ({"confirm": "Other#2024pw"}, "confirm", "两次输入的密码不一致"),
        ({"email": "not-an-address"}, "email", "无效的邮箱格式"),
        ({"email": "a@b.cn" + "x" * 260}, "email", "最多 254 个字符"),
        ({"display_name": "名" * 101}, "display_name", "最多 100 字"),
        ({"display_name": "第一行\n第二行"}, "display_name", "不能换行"),
    ],
)
def test_a_refused_account_shows_each_error_beside_its_field_and_keeps_what_was_typed(
    app, admin, overrides, field, field_error
):
    data = new_user_data(**overrides)
    response = post(admin, "/admin/users/new", data)
    html = response.get_data(as_text=True)
    page = pages.parse(html)
    assert response.status_code == 400
    assert any(field_error in error for error in pages.field_errors(page, field)), pages.field_errors(page)
    if data["username"] and len(data["username"]) <= 100:
        assert pages.one(page, "//main//form//input[@name='username']").get("value") == data["username"]
    assert one_user(app, data["username"]) is None or data["username"] == "szcc_staff"
    assert GOOD_PASSWORD not in html  # a password is never sent back


def test_control_characters_are_dropped_before_validation(app, admin):
    post(admin, "/admin/users/new", new_user_data(username="ctl\x00user", display_name="赵\x1b新"))
    user = one_user(app, "ctluser")
    assert user is not None and user.display_name == "赵新"


# --- changing an account -----------------------------------------------------------------------


def test_admin_changes_role_and_unit_each_audited(app, admin):
    response = post(
        admin,
        f"/admin/users/{STAFF_ID}",
        {"display_name": "张敏", "email": "", "role": "reviewer", "unit": SEED_UNIT},
        f"/admin/users/{STAFF_ID}",
    )
    assert response.status_code == 302
    user = one_user(app, "szcc_staff")
    assert (user.role, user.display_name, user.email) == ("reviewer", "张敏", None)
    changes = {(e.field, e.old_value, e.new_value) for e in events(app, "user", STAFF_ID) if e.action == "update"}
    assert ("role", "填报人", "审核人") in changes
    assert ("display_name", "张敏（填报人）", "张敏") in changes
    assert ("email", "szcc_staff@example.com", None) in changes

    post(admin, f"/admin/users/{STAFF_ID}", {"role": "finance", "unit": ""}, f"/admin/users/{STAFF_ID}")
    user = one_user(app, "szcc_staff")
    assert (user.role, user.unit_id) == ("finance", None)
    unit_change = [e for e in events(app, "user", STAFF_ID) if e.field == "unit_id"]
    assert (unit_change[-1].old_value, unit_change[-1].new_value) == (SEED_UNIT, None)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "staff", "unit": ""}, "unit", "填报人必须指定所属单位"),
        ({"role": "staff", "unit": "不存在的单位"}, "unit", "单位不存在"),
        ({"role": "admin", "unit": SEED_UNIT}, "unit", "管理员不属于某个单位"),
        ({"role": "root", "unit": ""}, "role", "无效的角色"),
        ({"role": "staff", "unit": SEED_UNIT, "email": "x@"}, "email", "无效的邮箱格式"),
    ],
)
def test_a_refused_change_shows_its_error_and_changes_nothing(app, admin, data, field, message):
    before = one_user(app, "finance")
    response = post(admin, "/admin/users/3", data, "/admin/users/3")
    assert response.status_code == 400
    assert any(message in error for error in pages.field_errors(response, field)), pages.field_errors(response)
    after = one_user(app, "finance")
    assert (after.role, after.unit_id, after.email) == (before.role, before.unit_id, before.email)


def test_an_admin_cannot_demote_or_deactivate_themselves(app, admin):
    page = f"/admin/users/{ADMIN_ID}"
    response = post(admin, page, {"role": "finance", "unit": ""}, page)
    assert response.status_code == 400 and pages.field_errors(response, "role") == ["不能取消自己的管理员角色"]
    response = post(admin, f"{page}/active", {"active": "0"}, page)
    assert response.status_code == 303
    assert pages.flashes(admin.get(page), "error") == ["不能停用自己的账号"]
    user = one_user(app, "admin")
    assert user.role == "admin" and user.is_active
    assert admin.get("/admin/users").status_code == 200


def test_unknown_accounts_and_units_are_not_found(admin):
    assert admin.get("/admin/users/999").status_code == 404
    assert admin.get("/admin/units/999").status_code == 404
    assert admin.get(f"/admin/users/{2**40}").status_code == 404


# --- deactivating ------------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in_until_reactivated(app, admin):
    staff = signed_in(app, "szcc_staff")
    assert staff.get("/units/2/2023/indicators").status_code == 200
    page = f"/admin/users/{STAFF_ID}"
    assert post(admin, f"{page}/active", {"active": "0"}, page).status_code == 303
    assert one_user(app, "szcc_staff").is_active is False
    assert staff.get("/units/2/2023/indicators").status_code == 302  # the open session ended
    refused = AuthActions(app.test_client()).login("szcc_staff")
    assert refused.status_code == 200
    assert any("账号已停用" in error for error in pages.field_errors(refused, "password")), pages.field_errors(refused)
    assert user_row(admin.get("/admin/users"), "szcc_staff")[4].startswith("已停用")

    post(admin, f"{page}/active", {"active": "1"}, page)
    assert AuthActions(app.test_client()).login("szcc_staff").status_code == 302
    assert [e.action for e in events(app, "user", STAFF_ID) if e.actor == "admin"] == ["deactivate", "reactivate"]


def test_an_unreadable_activation_post_changes_nothing(app, admin):
    page = f"/admin/users/{STAFF_ID}"
    assert post(admin, f"{page}/active", {"active": "maybe"}, page).status_code == 303
    assert one_user(app, "szcc_staff").is_active


# --- resetting a password ----------------------------------------------------------------------


def reset(admin, user_id: int, password: str = GOOD_PASSWORD, confirm: str | None = None):
    page = f"/admin/users/{user_id}"
    return post(admin, f"{page}/password", {"password": password, "confirm": confirm or password}, page)


def test_a_reset_password_ends_sessions_and_forces_a_change_before_any_other_page(app, admin):
    staff = signed_in(app, "szcc_staff")
    assert reset(admin, STAFF_ID).status_code == 302
    assert one_user(app, "szcc_staff").must_change_password
    assert staff.get("/units/2/2023/indicators").status_code == 302
    assert "/login" in staff.get("/units/2/2023/indicators").headers["Location"]  # signed out everywhere

    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("szcc_staff").status_code == 200  # the old password no longer works
    assert auth.login("szcc_staff", GOOD_PASSWORD).status_code == 302
    for url in ["/units/2/2023/indicators", "/units/2/2023/quarters/1", "/notifications", "/units"]:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), url
    page = client.get("/account/password").get_data(as_text=True)
    assert pages.heading(page) == "修改密码"
    assert any("临时密码" in message for message in pages.flashes(page, "warning")), pages.flashes(page)
    csrf = csrf_from(page)
    posted = client.post("/notifications/read-all", data={"csrf_token": csrf})
    assert posted.headers["Location"].endswith("/account/password")  # a form elsewhere is not a way round

    same = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current": GOOD_PASSWORD, "new": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
    )
    assert pages.field_errors(same, "new") == ["新密码不能与当前密码相同"]
    changed = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current": GOOD_PASSWORD, "new": "Mine#2024own", "confirm": "Mine#2024own"},
    )
    assert changed.status_code == 302
    assert client.get("/units/2/2023/indicators").status_code == 200
    assert one_user(app, "szcc_staff").must_change_password is False
    actions = [e.action for e in events(app, "user", STAFF_ID)]
    assert "reset_password" in actions and actions[-1] == "change_password"


def test_a_forced_user_may_still_sign_out(app, admin):
    reset(admin, STAFF_ID)
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("szcc_staff", GOOD_PASSWORD)
    assert auth.logout().headers["Location"].endswith("/login")


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("short", None, "password", "密码至少 8 位"),
        ("szcc_staff#A1", None, "password", "密码不能包含用户名"),
        (GOOD_PASSWORD, "Different#1", "confirm", "两次输入的密码不一致"),
        ("", None, "password", "请输入密码"),
        ("A#1" + "a" * 200, None, "password", "密码不能超过 128 位"),
    ],
)
def test_a_reset_is_held_to_the_password_policy(app, admin, password, confirm, field, message):
    response = reset(admin, STAFF_ID, password, confirm)
    assert response.status_code == 400
    reset_form = "//main//form[substring(@action, string-length(@action) - 8) = '/password']"
    errors = pages.field_errors(pages.one(response, reset_form), field)
    assert any(message in error for error in errors), pages.field_errors(response)
    assert not one_user(app, "szcc_staff").must_change_password
    assert AuthActions(app.test_client()).login("szcc_staff").status_code == 302


# --- units -------------------------------------------------------------------------------------


def unit_named(app, name: str) -> Unit | None:
    with app.app_context(), db.transaction() as session:
        unit = session.scalars(sa.select(Unit).where(Unit.name == name)).first()
        if unit is not None:
            session.expunge(unit)
        return unit


def test_admin_creates_renames_and_reparents_units_each_audited(app, admin):
    assert post(admin, "/admin/units/new", {"name": "  深圳市新单位  ", "parent": "1"}).status_code == 302
    unit = unit_named(app, "深圳市新单位")
    assert unit.parent_id == 1
    assert ["深圳市新单位", SEED_PARENT] in [row[:2] for row in pages.rows(admin.get("/admin/units"))]

    page = f"/admin/units/{unit.id}"
    assert post(admin, page, {"name": "深圳市更名单位", "parent": ""}).status_code == 302
    renamed = unit_named(app, "深圳市更名单位")
    assert renamed.id == unit.id and renamed.parent_id is None
    trail = [(e.action, e.field, e.old_value, e.new_value) for e in events(app, "unit", unit.id)]
    assert trail[0][:2] == ("create", None) and SEED_PARENT in trail[0][3]
    assert ("update", "name", "深圳市新单位", "深圳市更名单位") in trail
    assert ("update", "parent_id", SEED_PARENT, None) in trail


def test_a_renamed_unit_keeps_its_accounts(app, admin):
    post(admin, "/admin/units/2", {"name": "深圳市消费者委员会", "parent": "1"})
    assert one_user(app, "szcc_staff").unit_id == 2
    found = admin.get("/admin/users?q=深圳市消费者委员会")
    assert user_row(found, "szcc_staff")[3] == "深圳市消费者委员会"


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        ("/admin/units/new", {"name": SEED_UNIT, "parent": ""}, "name", f"单位名称已存在：{SEED_UNIT}"),
        ("/admin/units/new", {"name": "", "parent": ""}, "name", "请填写单位名称"),
        ("/admin/units/new", {"name": "   ", "parent": ""}, "name", "请填写单位名称"),
        ("/admin/units/new", {"name": "单" * 201, "parent": ""}, "name", "单位名称不能超过 200 字"),
        ("/admin/units/new", {"name": "两行\n名称", "parent": ""}, "name", "不能换行"),
        ("/admin/units/new", {"name": "新单位", "parent": "999"}, "parent", "主管部门不存在"),
        ("/admin/units/new", {"name": "新单位", "parent": "abc"}, "parent", "主管部门不存在"),
        ("/admin/units/new", {"name": "新单位", "parent": str(2**40)}, "parent", "主管部门不存在"),
        ("/admin/units/1", {"name": SEED_PARENT, "parent": "1"}, "parent", "不能是本单位或其下属单位"),
        ("/admin/units/1", {"name": SEED_PARENT, "parent": "2"}, "parent", "不能是本单位或其下属单位"),  # a loop
        ("/admin/units/1", {"name": SEED_UNIT, "parent": ""}, "name", "单位名称已存在"),
    ],
)
def test_a_refused_unit_shows_its_error_and_changes_nothing(app, admin, url, data, field, message):
    before = {(u.id, u.name, u.parent_id) for u in all_units(app)}
    response = post(admin, url, data)
    assert response.status_code == 400
    assert any(message in error for error in pages.field_errors(response, field)), pages.field_errors(response)
    assert {(u.id, u.name, u.parent_id) for u in all_units(app)} == before


def all_units(app) -> list[Unit]:
    with app.app_context(), db.transaction() as session:
        return [Unit(id=u.id, name=u.name, parent_id=u.parent_id) for u in session.scalars(sa.select(Unit))]


# --- the CLI still works -----------------------------------------------------------------------


def test_the_cli_still_creates_users_and_sets_passwords(app, runner, monkeypatch):
    monkeypatch.setenv("KPI_PASSWORD", GOOD_PASSWORD)
    result = runner.invoke(args=["kpi", "create-user", "cli_user", "--role", "staff", "--unit", SEED_UNIT])
    assert result.exit_code == 0, result.output
    assert one_user(app, "cli_user").must_change_password is False
    refused = runner.invoke(args=["kpi", "create-user", "cli_user2", "--role", "staff"])
    assert refused.exit_code == 1 and "必须指定所属单位" in refused.output
    monkeypatch.setenv("KPI_PASSWORD", "Other#2024pw")
    assert runner.invoke(args=["kpi", "set-password", "cli_user"]).exit_code == 0
    assert AuthActions(app.test_client()).login("cli_user", "Other#2024pw").status_code == 302


# --- two admins at once ------------------------------------------------------------------------


def test_a_name_taken_a_moment_ago_is_refused_not_a_server_error(app, admin, monkeypatch):
    """Both checks passed before either wrote: the UNIQUE constraint decides, and says so in Chinese."""
    from kpi.accounts import service
    from kpi.budget import service as budget

    monkeypatch.setattr(service, "find_user", lambda session, name: None)
    response = post(admin, "/admin/users/new", new_user_data(username="szcc_staff"))
    assert response.status_code == 400 and pages.field_errors(response, "username") == ["用户名已存在：szcc_staff"]

    monkeypatch.setattr(budget, "find_unit", lambda session, name: None)
    response = post(admin, "/admin/units/new", {"name": SEED_UNIT, "parent": ""})
    assert response.status_code == 400
    assert any("刚被其他操作修改" in error for error in pages.field_errors(response, "name")), pages.field_errors(
        response
    )
    assert admin.get("/admin/users").status_code == 200


def test_an_admin_changes_their_own_password_on_the_password_page_not_by_a_reset(app, admin):
    response = reset(admin, ADMIN_ID)
    assert response.status_code == 400 and pages.flashes(response, "error") == ["请在“修改密码”页面修改自己的密码"]
    assert not one_user(app, "admin").must_change_password
    assert admin.get("/admin/users").status_code == 200  # still signed in
