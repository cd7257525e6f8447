"""Merged 一级/二级 label blocks as a reader sees them, across the page breaks that split them.

A block that crosses a page break is written as one merged piece per page, each with the label
(kpi/reports/pages.py). ``label_blocks`` joins the pieces again, and checks on the way that a
block is split only where a page ends.
"""

from __future__ import annotations


def label_blocks(ws, column: int) -> list[tuple[str, int, int]]:
    """(label, first row, last row) of each label block in ``column``, pieces joined."""
    cuts = {brk.id for brk in ws.row_breaks.brk}
    pieces = [
        (merged.min_row, merged.max_row)
        for merged in ws.merged_cells.ranges
        if merged.min_col == merged.max_col == column
    ]
    in_pieces = {row for first, last in pieces for row in range(first, last + 1)}
    # A page that holds one row of a block (its last or its first) has an unmerged piece: the label
    # in a plain cell.
    single = {row for cut in cuts for row in (cut, cut + 1)}
    pieces += [(row, row) for row in sorted(single - in_pieces) if ws.cell(row=row, column=column).value]
    pieces.sort()
    blocks: list[tuple[str, int, int]] = []
    for first, last in pieces:
        label = ws.cell(row=first, column=column).value
        if blocks and blocks[-1][0] == label and blocks[-1][2] == first - 1 and first - 1 in cuts:
            blocks[-1] = (label, blocks[-1][1], last)
        else:
            blocks.append((label, first, last))
    return blocks


def block_ranges(ws, column: int) -> set[str]:
    """The joined blocks as range strings ("A14:A68")."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    return {f"{letter}{first}:{letter}{last}" for _, first, last in label_blocks(ws, column)}
