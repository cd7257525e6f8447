"""Are the charts self-contained, accessible SVG with every text escaped?"""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from kpi.domain.progress import Status
from kpi.progress.charts import Bar, budget_bars, completion_bars, status_donut

D = Decimal
CHARTS = [
    lambda: completion_bars([Bar("产出指标", D("45.5"), D("50"), Status.GREEN, "55 项"), Bar("效益指标", None, None)]),
    lambda: budget_bars([Bar("市场监督管理事务", D("21.88"), D("50"), Status.RED)]),
    lambda: status_donut({Status.GREEN: 3, Status.YELLOW: 1, Status.RED: 2, Status.NONE: 61}),
]


@pytest.mark.parametrize("make", CHARTS)
def test_every_chart_is_well_formed_svg_with_a_chinese_label_title_and_description(make):
    svg = str(make())
    root = ElementTree.fromstring(svg)  # well-formed XML, so the markup cannot break the page
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    assert re.search(r"[\u4e00-\u9fff]", root.get("aria-label"))
    assert root.find(f"{ns}title").text and root.find(f"{ns}desc").text
    assert "<script" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_text_is_escaped_in_labels_titles_and_descriptions():
    svg = str(completion_bars([Bar('<script>alert("x")</script>&', D("10"), D("20"))], title="A<B"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    assert "<title>A&lt;B</title>" in svg
    ElementTree.fromstring(svg)


def test_bars_use_the_fixed_status_colours_and_print_their_figures():
    svg = str(
        completion_bars(
            [
                Bar("产出", D("45.5"), D("50"), Status.GREEN),
                Bar("效益", D("10"), D("50"), Status.RED),
                Bar("满意度", D("50"), D("100"), Status.YELLOW),
            ]
        )
    )
    assert 'fill="#16a34a"' in svg and 'fill="#dc2626"' in svg and 'fill="#ca8a04"' in svg
    assert "完成 45.5% / 应完成 50%" in svg


def test_bar_length_is_proportional_and_pinned_to_the_scale():
    svg = str(
        budget_bars(
            [
                Bar("超支", D("150"), D("50"), Status.RED),
                Bar("未支", D("0"), D("50"), Status.RED),
                Bar("一半", D("50"), D("25"), Status.GREEN),
            ]
        )
    )
    widths = re.findall(r'<rect x="150" y="\d+" width="([\d.]+)" height="14" fill="#(?:dc2626|16a34a)"', svg)
    assert widths == ["360.00", "0.00", "180.00"]
    assert "执行 150% / 时间 50%" in svg  # the figure is printed as it is, only the bar is pinned


def test_marker_line_sits_at_expected_by_now():
    svg = str(completion_bars([Bar("产出", D("30"), D("75"), Status.RED)]))
    assert '<line x1="420.00" y1="26" x2="420.00" y2="48" stroke="#1f2933"' in svg


def test_missing_figures_draw_no_bar_and_read_as_a_dash():
    svg = str(completion_bars([Bar("效益指标", None, None)]))
    assert 'fill="#9ca3af"' not in svg and "完成 — / 应完成 —" in svg


def test_empty_bar_chart_says_there_is_no_data():
    svg = str(budget_bars([]))
    assert "暂无数据" in svg
    ElementTree.fromstring(svg)


def test_donut_segments_add_up_to_the_whole_ring_and_the_legend_names_every_count():
    svg = str(status_donut({Status.GREEN: 3, Status.YELLOW: 0, Status.RED: 2, Status.NONE: 62}))
    dashes = [D(first) for first in re.findall(r'stroke-dasharray="([\d.]+) [\d.]+"', svg)]
    assert len(dashes) == 3  # no segment for a zero count
    assert abs(sum(dashes) - 100) <= D("0.02")
    for text in ("绿（正常）　3 项", "黄（关注）　0 项", "红（预警）　2 项", "未填报　62 项", "67 项"):
        assert text in svg


def test_donut_without_indicators_is_an_empty_ring():
    svg = str(status_donut({}))
    assert "stroke-dasharray" not in svg and "共 0 项" in svg
