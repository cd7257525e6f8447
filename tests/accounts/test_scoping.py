"""Can a unit's users reach only their unit, and the finance bureau every unit?"""

from __future__ import annotations

from kpi.accounts.service import create_user
from kpi.budget import service as budget
from kpi.db import make_engine, transaction
from tests import pages

OTHER_UNIT = "深圳市其他单位"


def nowhere(response, words: str) -> None:
    """``words`` are nowhere in the response: not in the bytes sent, nor the page's text, attributes or comments."""
    assert words not in response.get_data(as_text=True), words
    page = pages.parse(response)
    assert words not in pages.text(page), words
    assert page.xpath("//@*[contains(., $w)] | //comment()[contains(., $w)]", w=words) == [], words


def no_link_into_unit(page, unit_id: int) -> None:
    """No link anywhere on the page leads into the unit's pages."""
    assert page.xpath("//@href[starts-with(., $prefix)]", prefix=f"/units/{unit_id}/") == []


def add_other_unit(sqlite_url) -> int:
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        unit = budget.get_or_create_unit(session, OTHER_UNIT)
        create_user(
            session, {"username": "other_staff", "password": "Other#Pass1", "role": "staff", "unit": OTHER_UNIT}
        )
        unit_id = unit.id
    engine.dispose()
    return unit_id


def test_staff_of_another_unit_gets_404_for_a_guessed_url(client, auth, sqlite_url):
    add_other_unit(sqlite_url)
    auth.login("other_staff", "Other#Pass1")
    response = client.get("/units/2/2023/indicators")
    assert response.status_code == 404
    nowhere(response, "投诉调解辅助服务")
    nowhere(response, "深圳市消费者委员会秘书处")
    page = pages.parse(response)
    assert pages.heading(page) == "出错了（404）"
    no_link_into_unit(page, 2)
    units = client.get("/units")
    nowhere(units, "深圳市消费者委员会秘书处")
    page = pages.parse(units)
    assert pages.heading(page) == "单位列表"
    no_link_into_unit(page, 2)


def test_finance_bureau_reads_every_unit(client, auth):
    auth.login("finance")
    assert client.get("/units/2/2023/indicators").status_code == 200


def test_cli_creates_a_user_with_the_password_from_the_environment(runner, monkeypatch):
    monkeypatch.setenv("KPI_PASSWORD", "Strong#Pass1")
    result = runner.invoke(
        args=[
            "kpi",
            "create-user",
            "new_staff",
            "--role",
            "staff",
            "--unit",
            "深圳市消费者委员会秘书处",
            "--email",
            "a@b.cn",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "已创建用户 new_staff（填报人）" in result.output


def test_cli_refuses_bad_users_with_a_message(runner, monkeypatch):
    monkeypatch.setenv("KPI_PASSWORD", "Strong#Pass1")
    cases = [
        (["new1", "--role", "staff"], "必须指定所属单位"),
        (["new2", "--role", "staff", "--unit", "不存在"], "单位不存在"),
        (["szcc_staff", "--role", "finance"], "用户名已存在"),
        (["new3", "--role", "finance", "--email", "not-an-email"], "邮箱格式"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["kpi", "create-user", *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    monkeypatch.setenv("KPI_PASSWORD", "weak")
    result = runner.invoke(args=["kpi", "create-user", "new4", "--role", "finance"])
    assert result.exit_code != 0 and "密码至少 8 位" in result.output


def test_cli_prompts_for_the_password_when_the_variable_is_absent(runner, monkeypatch):
    monkeypatch.delenv("KPI_PASSWORD", raising=False)
    result = runner.invoke(
        args=["kpi", "create-user", "prompted", "--role", "finance"], input="Strong#Pass1\nStrong#Pass1\n"
    )
    assert result.exit_code == 0, result.output
