"""Can staff enter a quarter, and does bad input come back with everything they typed?"""

from __future__ import annotations

from lxml.html import HtmlElement

from tests import pages
from tests.results.conftest import quarter_url

GOOD = {
    ("投诉调解辅助服务", "value"): "5200",
    ("投诉处理总成功率", "numerator"): "480",
    ("投诉处理总成功率", "denominator"): "900",
    ("办公设备购置的验收情况", "band"): "achieved",
    ("办公设备购置的验收情况", "assessment"): "已验收",
    ("项目完成时间", "achieved_on"): "",
    ("志愿者活动数量", "note"): "首季度集中开展",
}
FORM = f"//main//form[{pages.has_class('quarter-form')}]"
HEADING = "深圳市消费者委员会秘书处 · 2023年一季度绩效填报"


def field(ids, indicator: str, part: str) -> str:
    """The name (and id) of an indicator's input in the quarter form (results/_row.html)."""
    return f"i{ids['indicator'][indicator]}-{part}"


def spent(ids, line: str) -> str:
    """The name (and id) of a budget line's 本季度执行数 input."""
    return f"b{ids['line'][line]}-spent"


def value_of(page, name: str) -> str | None:
    """The value attribute of the form's input called ``name``."""
    return pages.one(page, f"{FORM}//input[@name='{name}']").get("value")


def selected(page, name: str) -> list[str]:
    """The values of the selected options of the form's select called ``name``."""
    return pages.texts(page, f"{FORM}//select[@name='{name}']/option[@selected]/@value")


def error_beside(page, name: str) -> list[str]:
    """The error text of the form's input called ``name``: the one its aria-describedby names, in its cell."""
    control = pages.one(page, f"{FORM}//*[@name='{name}'][not(@type='hidden')]")
    assert control.get("aria-invalid") == "true", name
    cell = control.xpath("./ancestor::td[1]")[0]
    return pages.texts(cell, f".//span[contains(@class, 'error-text')][@id='{control.get('aria-describedby')}']")


def absent(page, words: str) -> None:
    """``words`` are nowhere on the whole page: not in its text, an attribute or a comment."""
    root = page if isinstance(page, HtmlElement) else pages.parse(page)
    assert words not in pages.text(root), words
    assert root.xpath("//@*[contains(., $w)] | //comment()[contains(., $w)]", w=words) == [], words


def test_the_form_lists_every_indicator_with_inputs_by_kind(client, auth, ids):
    auth.login("szcc_staff")
    page = pages.parse(client.get(quarter_url(1)))
    assert pages.heading(page) == HEADING
    assert len(page.xpath(f"{FORM}//table[contains(@class, 'entry')]/tbody/tr[starts-with(@id, 'ind-')]")) == 80
    assert (
        pages.one(page, f"{FORM}//input[@name='{field(ids, '投诉处理总成功率', 'numerator')}']").get("placeholder")
        == "分子"
    )
    band = pages.one(page, f"{FORM}//select[@name='{field(ids, '办公设备购置的验收情况', 'band')}']")
    assert [(option.get("value"), pages.text(option)) for option in band.xpath("./option")][0] == ("", "（请选择）")
    date = pages.one(page, f"{FORM}//input[@name='{field(ids, '项目完成时间', 'achieved_on')}']")
    assert date.get("placeholder") == "YYYY-MM-DD"
    budget = pages.one(page, f"{FORM}/section[normalize-space(h2)='预算执行（万元）']")
    assert "基本支出" in [row[0] for row in pages.rows(budget, ".//table")]
    assert budget.xpath(f".//tr[td[1]='基本支出']//input[@name='{spent(ids, '基本支出')}']")


def test_staff_saves_a_draft_and_the_values_stay(client, auth, poster, ids):
    auth.login("szcc_staff")
    response = poster.post(GOOD, spending={"基本支出": "300.5", "市场监督管理事务": "250"})
    assert response.status_code == 302
    page = pages.parse(poster.page())
    assert pages.flashes(page, "success") == ["已保存草稿。"]
    assert pages.status(page) == ("草稿", "status status-draft")
    assert value_of(page, field(ids, "投诉调解辅助服务", "value")) == "5200"
    assert value_of(page, field(ids, "投诉处理总成功率", "numerator")) == "480"
    assert value_of(page, spent(ids, "基本支出")) == "300.5"
    assert selected(page, field(ids, "办公设备购置的验收情况", "band")) == ["achieved"]


def test_bad_values_are_refused_beside_their_fields_and_nothing_typed_is_lost(client, auth, poster, ids):
    auth.login("szcc_staff")
    bad = {
        ("投诉调解辅助服务", "value"): "-5",
        ("志愿者活动数量", "value"): "十场",
        ("投诉处理总成功率", "numerator"): "950",
        ("投诉处理总成功率", "denominator"): "900",
        ("消费教育活动满意度", "value"): "120",
        ("办公设备购置的验收情况", "band"): "excellent",
        ("投诉工单审核辅助服务", "value"): "1800",
    }
    response = poster.post(bad, spending={"基本支出": "abc"})
    assert response.status_code == 400
    page = pages.parse(response)
    assert pages.text(pages.one(page, "//*[@id='error-summary']/h2")) == "有 6 处填写有误，请按提示修改。"
    assert pages.error_summary(page) == [
        "志愿者活动数量 · 本季度完成值：请输入数字",
        "办公设备购置的验收情况 · 完成等级：请选择：达成 / 部分达成 / 未达成",
        "投诉处理总成功率 · 分子：分子不能大于分母",
        "消费教育活动满意度 · 本季度完成值：百分比应在 0–100 之间",
        "市场监督管理事务·投诉调解辅助服务 · 本季度完成值：不能为负数",
        "基本支出 · 本季度执行数：请输入数字",
    ]
    beside = [
        (field(ids, "投诉调解辅助服务", "value"), "不能为负数"),
        (field(ids, "志愿者活动数量", "value"), "请输入数字"),
        (field(ids, "投诉处理总成功率", "numerator"), "分子不能大于分母"),
        (field(ids, "消费教育活动满意度", "value"), "百分比应在 0–100 之间"),
        (field(ids, "办公设备购置的验收情况", "band"), "请选择：达成 / 部分达成 / 未达成"),
        (spent(ids, "基本支出"), "请输入数字"),
    ]
    for name, message in beside:
        assert error_beside(page, name) == [message], name
    typed = [
        (field(ids, "投诉调解辅助服务", "value"), "-5"),
        (field(ids, "志愿者活动数量", "value"), "十场"),
        (field(ids, "投诉处理总成功率", "numerator"), "950"),
        (field(ids, "消费教育活动满意度", "value"), "120"),
        (field(ids, "投诉工单审核辅助服务", "value"), "1800"),
        (spent(ids, "基本支出"), "abc"),
    ]
    for name, value in typed:
        assert value_of(page, name) == value, name
    assert selected(page, field(ids, "办公设备购置的验收情况", "band")) == ["excellent"]
    assert len(page.xpath(f"{FORM}//span[contains(@class, 'error-text')][@role='alert']")) == 6
    assert pages.one(page, "//main//*[@id='error-summary']").get("role") == "alert"
    fresh = pages.parse(poster.page())
    assert pages.status(fresh) == ("未填报", "status status-none")
    assert value_of(fresh, field(ids, "投诉工单审核辅助服务", "value")) == ""
    assert fresh.xpath("//*[@value='1800']") == []


def test_submit_locks_the_quarter_for_staff(client, auth, poster):
    auth.login("szcc_staff")
    assert poster.post(GOOD, action="submit").status_code == 302
    page = pages.parse(poster.page())
    assert pages.flashes(page, "success") == ["已送审，等待审核人审核。"]
    assert pages.status(page) == ("已送审", "status status-submitted")
    form = pages.one(page, FORM)
    fields = form.xpath(".//input[not(@type='hidden')]|.//select|.//textarea")
    assert fields and all(one.get("disabled") is not None for one in fields)
    assert form.xpath(".//button") == []
    absent(page, "保存草稿")
    assert page.xpath("//button[@value='save']") == []
    again = poster.post({("投诉调解辅助服务", "value"): "1"})
    assert again.status_code == 302
    assert pages.flashes(client.get(again.headers["Location"]), "error") == [
        "本季度已送审，等待审核；如需修改，请审核人退回。"
    ]


def test_read_only_roles_cannot_post_results(client, auth, poster):
    for user in ("finance", "szcc_reviewer"):
        auth.login(user)
        page = pages.parse(poster.page())
        assert pages.heading(page) == HEADING
        absent(page, "保存草稿")
        assert page.xpath("//button[@value='save']") == []
        assert poster.post(GOOD).status_code == 403
        auth.logout()


def test_history_of_an_indicator_shows_who_changed_what(client, auth, poster, ids):
    auth.login("szcc_staff")
    poster.post({("投诉调解辅助服务", "value"): "100"})
    poster.post({("投诉调解辅助服务", "value"): "150"})
    page = client.get(f"/units/2/indicators/{ids['indicator']['投诉调解辅助服务']}/history")
    # 操作人、项目、原值、新值 of each change
    changes = [row[1:5] for row in pages.rows(page)]
    assert ["张敏（填报人）（szcc_staff）", "2023年一季度 · 完成值", "（空）", "100"] in changes
    assert ["张敏（填报人）（szcc_staff）", "2023年一季度 · 完成值", "100", "150"] in changes


def test_history_of_another_units_indicator_is_not_found(client, auth, ids):
    auth.login("finance")
    assert client.get(f"/units/1/indicators/{ids['indicator']['投诉调解辅助服务']}/history").status_code == 404


def test_unknown_quarter_is_not_found(client, auth):
    auth.login("szcc_staff")
    assert client.get("/units/2/2023/quarters/5").status_code == 404
    assert client.get("/units/2/1999/quarters/1").status_code == 404
