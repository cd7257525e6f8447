"""Can staff enter a quarter, and does bad input come back with everything they typed?"""

from __future__ import annotations

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


def test_the_form_lists_every_indicator_with_inputs_by_kind(client, auth):
    auth.login("szcc_staff")
    html = client.get(quarter_url(1)).get_data(as_text=True)
    assert "2023年一季度绩效填报" in html
    assert html.count('id="ind-') == 80
    assert 'placeholder="分子"' in html and "（请选择）" in html and 'placeholder="YYYY-MM-DD"' in html
    assert "预算执行（万元）" in html and "基本支出" in html


def test_staff_saves_a_draft_and_the_values_stay(client, auth, poster):
    auth.login("szcc_staff")
    response = poster.post(GOOD, spending={"基本支出": "300.5", "市场监督管理事务": "250"})
    assert response.status_code == 302
    html = poster.page().get_data(as_text=True)
    assert "已保存草稿" in html and "草稿" in html
    assert 'value="5200"' in html and 'value="480"' in html and 'value="300.5"' in html
    assert 'value="achieved" selected' in html


def test_bad_values_are_refused_beside_their_fields_and_nothing_typed_is_lost(client, auth, poster):
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
    html = response.get_data(as_text=True)
    for message in ["不能为负数", "请输入数字", "分子不能大于分母", "百分比应在 0–100 之间", "请选择", "有 "]:
        assert message in html, message
    for typed in ['value="-5"', 'value="十场"', 'value="950"', 'value="120"', 'value="1800"', 'value="abc"']:
        assert typed in html, typed
    assert html.count('role="alert"') >= 6
    fresh = poster.page().get_data(as_text=True)
    assert 'value="1800"' not in fresh and "未填报" in fresh


def test_submit_locks_the_quarter_for_staff(client, auth, poster):
    auth.login("szcc_staff")
    assert poster.post(GOOD, action="submit").status_code == 302
    html = poster.page().get_data(as_text=True)
    assert "已送审" in html and "送审" in html
    assert "disabled" in html and "保存草稿" not in html
    again = poster.post({("投诉调解辅助服务", "value"): "1"})
    assert again.status_code == 302
    assert "已送审，等待审核" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_read_only_roles_cannot_post_results(client, auth, poster):
    for user in ("finance", "szcc_reviewer"):
        auth.login(user)
        html = poster.page().get_data(as_text=True)
        assert "保存草稿" not in html
        assert poster.post(GOOD).status_code == 403
        auth.logout()


def test_history_of_an_indicator_shows_who_changed_what(client, auth, poster, ids):
    auth.login("szcc_staff")
    poster.post({("投诉调解辅助服务", "value"): "100"})
    poster.post({("投诉调解辅助服务", "value"): "150"})
    html = client.get(f"/units/2/indicators/{ids['indicator']['投诉调解辅助服务']}/history").get_data(as_text=True)
    assert "szcc_staff" in html and "2023年一季度 · 完成值" in html
    assert "（空）" in html and ">100<" in html and ">150<" in html


def test_history_of_another_units_indicator_is_not_found(client, auth, ids):
    auth.login("finance")
    assert client.get(f"/units/1/indicators/{ids['indicator']['投诉调解辅助服务']}/history").status_code == 404


def test_unknown_quarter_is_not_found(client, auth):
    auth.login("szcc_staff")
    assert client.get("/units/2/2023/quarters/5").status_code == 404
    assert client.get("/units/2/1999/quarters/1").status_code == 404
