"""The one report workflow (docs/workflow.md): states, claiming a report, its transitions, its history.

Every reviewed report (季度填报, 绩效运行监控, 绩效自评) goes through these functions; a
report kind supplies only what is its own (its model, loader, labels and checks).
"""

from kpi.workflow.claim import bump, claim, lock
from kpi.workflow.states import (
    ACTION_LABELS,
    EDITABLE_STATUSES,
    MAX_REASON,
    STATUS_CHECK,
    STATUS_LABELS,
    STATUSES,
    TRANSITIONS,
    Conflict,
    Locked,
    ReportError,
    ReviewedReport,
    WorkflowError,
    apply_transition,
    check_transition,
    locked_message,
)
from kpi.workflow.steps import audit_created, transition

__all__ = [
    "ACTION_LABELS",
    "EDITABLE_STATUSES",
    "MAX_REASON",
    "STATUS_CHECK",
    "STATUS_LABELS",
    "STATUSES",
    "TRANSITIONS",
    "Conflict",
    "Locked",
    "ReportError",
    "ReviewedReport",
    "WorkflowError",
    "apply_transition",
    "audit_created",
    "bump",
    "check_transition",
    "claim",
    "lock",
    "locked_message",
    "transition",
]
