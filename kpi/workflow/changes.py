"""What a save changes, and what a save refuses: the same for every kind of report.

A kind subclasses `Change` only to say how its values read (`show`), and raises
`InputRejected` with its own keys; the fields, the labels and the messages are these.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi.workflow.states import ReportError


@dataclass(frozen=True)
class Change:
    """One stored field that a save changes: audited with both values, listed on a conflict page."""

    entity: str  # "indicator", "budget_line", or the report's own entity
    entity_id: int | None
    subject: str  # the indicator's, budget line's or report's name
    field: str  # Chinese field label
    old: object  # stored now
    new: object  # being saved

    @property
    def label(self) -> str:
        return f"{self.subject} · {self.field}"

    @property
    def old_text(self) -> str:
        return self.show(self.old)

    @property
    def new_text(self) -> str:
        return self.show(self.new)

    def show(self, value: object) -> str:
        """How a value reads in messages and the audit trail; a kind overrides it for its own values."""
        return "（空）" if value is None or value == "" else str(value)


class InputRejected(ReportError):
    """Faults in a report's form (or, on submit, what is still missing); `errors` maps each
    field's key to its Chinese message, shown beside the field."""

    def __init__(self, errors: dict, *, submitting: bool = False):
        if submitting:
            message = f"送审前还有 {len(errors)} 处需要填写或修改，请按提示处理。"
        else:
            message = f"有 {len(errors)} 处{self.wrong}，请按提示{self.fix}。"
        super().__init__(message)
        self.errors = errors

    wrong, fix = "需要填写或修改", "处理"
