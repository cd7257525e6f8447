"""The shared workbook layer (报表): the house style every workbook builder shares (`style`) and
where exported workbooks are kept (`storage`). It imports no feature: each feature owns its own
workbooks (kpi/<feature>/workbook.py, kpi/finance/consolidated.py) and builds them on this."""
