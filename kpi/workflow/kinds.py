"""The registry of report kinds: what each kind of reviewed report brings to the workflow.

The workflow, the reminders and the finance desk never name a report table: they look a kind
up here (a registry like CTFd's challenge types). A feature registers its kind once, in its
models module, beside the table it describes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportKind:
    entity: str  # its table, and its entity in the audit trail: "quarter_report"
    model: type
    keys: tuple[str, ...]  # the UNIQUE columns that identify one report
    label: str  # 季度填报, 绩效运行监控, 绩效自评
    what: str  # how messages name one: 本季度, 本报告, 本自评
    reminder: str  # the reminder kind that chases it (kpi.reminders): quarterly, monitoring, self_evaluation
    period: str | None = None  # the column holding its period within the year ("quarter"), if any

    def period_of(self, report) -> int:
        return getattr(report, self.period) if self.period else 0


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    KINDS[kind.entity] = kind
    return kind


def kind_of(report) -> ReportKind:
    """The kind of a report row (by its table)."""
    return KINDS[report.__tablename__]


def chased_by(reminder: str) -> ReportKind:
    """The kind a reminder kind chases."""
    return next(kind for kind in KINDS.values() if kind.reminder == reminder)
