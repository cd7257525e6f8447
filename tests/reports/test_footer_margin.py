"""Does "第 N 页，共 M 页" print whole, inside the bottom margin, on every sheet of every workbook?

A footer sits between the paper's edge and the footer margin's line; the body starts at the bottom
margin. With Excel's default footer margin (0.5") under a 0.6" bottom margin the footer line had
0.1" and printed cut in half (issue 16). One line of 9–11 pt text needs about 0.2".
"""

from __future__ import annotations

import pytest

from tests.hostile.test_export_injection import workbooks  # noqa: F401  (the fixture: every workbook)

LINE = 0.2  # inches one footer line needs


@pytest.mark.parametrize("name", ["fill_in", "monitoring", "self_evaluation", "progress", "consolidated"])
def test_every_printed_sheet_has_room_for_its_page_number_footer(workbooks, name):  # noqa: F811
    for ws in workbooks[name].worksheets:
        if not ws.oddFooter.center.text:
            continue  # a sheet that prints no footer (the fill-in workbook's hidden lists)
        margins = ws.page_margins
        assert margins.footer + LINE <= margins.bottom, (ws.title, margins.footer, margins.bottom)
        assert margins.header + LINE <= margins.top, (ws.title, margins.header, margins.top)
