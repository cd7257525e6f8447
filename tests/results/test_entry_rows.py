"""Does the entry form lay out its rows as the published tables do, and read its numbers alike?"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.formatting import format_number
from kpi.results.sheet import load_sheet
from tests.progress.gen import UNIT, YEAR
from tests.results.conftest import quarter_url

CELL = re.compile(r'<th scope="rowgroup" rowspan="(\d+)" class="(level[12])">([^<]*)</th>')


def runs(labels: list) -> list[tuple]:
    """Consecutive equal labels as (label, how many)."""
    merged: list[tuple] = []
    for label in labels:
        if merged and merged[-1][0] == label:
            merged[-1] = (label, merged[-1][1] + 1)
        else:
            merged.append((label, 1))
    return merged


def test_each_run_of_equal_first_and_second_level_labels_is_one_cell_spanning_its_rows(app, client, auth):
    auth.login("szcc_staff")
    html = client.get(quarter_url(1)).get_data(as_text=True)
    tables = html.split('<table class="grid entry">')[1:]
    with app.app_context(), Session(db.engine()) as session:
        sheet = load_sheet(session, budget.get_unit(session, UNIT), budget.get_year(session, YEAR), 1)
        indicator_tables = [rows for _title, rows in sheet.tables()]
    assert len(tables) == len(indicator_tables) > 1
    for table, rows in zip(tables, indicator_tables):
        cells = CELL.findall(table)
        level1 = [(label, int(span)) for span, level, label in cells if level == "level1"]
        level2 = [(label, int(span)) for span, level, label in cells if level == "level2"]
        assert level1 == runs([row.level1 for row in rows])
        # a second-level run ends where its first level does, even if the next label is the same
        assert level2 == [(pair[1], count) for pair, count in runs([(row.level1, row.level2) for row in rows])]
        assert table.count('<tr id="ind-') == len(rows)


def test_equal_numbers_read_alike_and_every_zero_reads_0():
    assert format_number(Decimal("19000.0000")) == format_number(Decimal("19000")) == "19,000"
    assert format_number(Decimal("99.5000")) == "99.5"
    assert format_number(Decimal("0.0000")) == "0"
    assert format_number(Decimal("-0")) == "0"  # one formatter everywhere (kpi.domain.numbers)
    assert format_number(Decimal("0")) == "0"
    assert format_number(5) == "5" and format_number(2.5) == "2.5"
