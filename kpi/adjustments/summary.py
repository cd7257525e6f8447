"""The proposal form's error summary: every fault of a refused 调整申请, each linking to its field.

A proposal lists some 70 indicators above its 调整原因 and 调整依据, so a message "有 3 处填写有误"
alone left the user scrolling for the other two. The faults come from kpi.adjustments.schemas
(keyed (indicator id, "target"|"points"), "reason", "basis" or "items") and from the form's own
length checks; the summary lists them in the page's order, as the other long forms do
(kpi.core.error_summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpi.core.error_summary import ErrorLink, error_links

ITEM_FIELDS = {"target": "调整后指标值", "points": "调整后分值"}
FORM_FIELDS = {"items": "", "reason": "调整原因", "basis": "调整依据"}
TABLE_ID = "adjustment-items"  # the table of indicators: where a fault of the whole list points


def proposal_error_links(indicators: Sequence, errors: Mapping, form) -> list[ErrorLink]:
    """The summary's lines: the indicators' faults in table order, then the whole list's, then
    调整原因 and 调整依据 as their fields show them (the route has already put the proposal's
    faults of those two beside the form's own checks, kpi.adjustments.routes._form_page)."""
    faults = {("indicator", key[0], key[1]): message for key, message in errors.items() if isinstance(key, tuple)}
    if "items" in errors:
        faults[("form", None, "items")] = errors["items"]
    for name in ("reason", "basis"):
        if getattr(form, name).errors:
            faults[("form", None, name)] = "；".join(getattr(form, name).errors)
    return error_links(
        faults,
        order=[*(("indicator", row.id) for row in indicators), ("form", None)],
        labels={("indicator", row.id): row.name for row in indicators},
        fields={**ITEM_FIELDS, **FORM_FIELDS},
        target=_target,
    )


def _target(key) -> str:
    kind, indicator_id, field = key
    if kind == "indicator":
        return f"i{indicator_id}-{field}"
    return TABLE_ID if field == "items" else field
