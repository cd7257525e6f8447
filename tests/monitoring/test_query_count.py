"""Does the monitoring page run a fixed number of queries, however many indicators a unit has?"""

from __future__ import annotations

from tests.monitoring.conftest import REPORT_URL
from tests.progress.gen import gen_quarter
from tests.progress.test_query_count import double_the_unit_table, queries_for


def test_the_report_page_and_workbook_run_as_many_queries_for_134_indicators_as_for_67(app, staff):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"信息化类": "10"})
    staff.post(
        {("投诉调解辅助服务", "value"): "1500", ("志愿者活动数量", "value"): "3"}, lines={("信息化类", "july"): "5"}
    )
    urls = [REPORT_URL, REPORT_URL + "/workbook"]
    before = {url: queries_for(app, staff.client, url) for url in urls}
    assert double_the_unit_table(app) == 134
    after = {url: queries_for(app, staff.client, url) for url in urls}
    assert after == before
    assert staff.page().get_data(as_text=True).count('data-aggregation="') == 134 + 13
    assert all(count <= 15 for count in before.values()), (
        before
    )  # 12 for the report, 1 banner, 1 approval history, 1 year switcher
