"""The error summary at the top of a long form (issue 17): every fault, with a link to its field.

The validators name a fault by (kind, id, field) (kpi.workflow.changes.InputRejected); a page names
its rows and fields, and gives each field an id. The monitoring and self-evaluation pages build
their summaries here, and so does the 预算数 page (kpi.indicators.budget_routes); the quarter's entry form
reads its faults from its rows (results/quarter.html). A core helper, so that every feature may use it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

ErrorKey = tuple[str, object, str]  # (kind, id, field), as the validators name a fault


class ErrorLink(NamedTuple):
    """One line of a form's error summary: the id of the field at fault ("" when the page has no
    such field) and what to say, e.g. '投诉调解辅助服务 · 7月完成值：不能为负数'."""

    target: str
    text: str


def error_links(
    errors: Mapping[ErrorKey, str],
    *,
    order: Iterable[tuple[str, object]],
    labels: Mapping[tuple[str, object], str],
    fields: Mapping[str, str],
    target: Callable[[ErrorKey], str],
) -> list[ErrorLink]:
    """Every fault, in the order of the rows on the page (``order``, as (kind, id)), each linking
    to its field by ``target``. A fault of a row the page does not show comes last, without a link."""
    rank = {row: index for index, row in enumerate(order)}
    keys = sorted(errors, key=lambda key: rank.get(key[:2], len(rank)))  # stable: a row's fields keep their order
    links = []
    for key in keys:
        label = " · ".join(part for part in (labels.get(key[:2], ""), fields.get(key[2], "")) if part)
        text = f"{label}：{errors[key]}" if label else errors[key]
        links.append(ErrorLink(target(key) if key[:2] in rank else "", text))
    return links
