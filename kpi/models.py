"""Every table, imported in one place so Alembic and tests see the whole schema."""

from kpi.accounts.models import User
from kpi.adjustments.models import IndicatorVersion, TargetAdjustment, TargetAdjustmentItem
from kpi.audit.models import AuditEvent
from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal, Unit
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.indicators.models import Indicator, TargetTable
from kpi.jobs.models import ExportJob
from kpi.monitoring.models import MonitoringBudgetItem, MonitoringItem, MonitoringReport
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from kpi.results.models import BudgetExecution, IndicatorResult, QuarterReport

__all__ = [
    "AuditEvent",
    "BudgetExecution",
    "BudgetLine",
    "ExportJob",
    "FiscalYear",
    "Indicator",
    "IndicatorResult",
    "IndicatorVersion",
    "MonitoringBudgetItem",
    "MonitoringItem",
    "MonitoringReport",
    "Notification",
    "OutboxEmail",
    "PerformanceGoal",
    "QuarterReport",
    "Reminder",
    "SelfEvaluation",
    "SelfEvaluationGoal",
    "SelfEvaluationItem",
    "TargetAdjustment",
    "TargetAdjustmentItem",
    "TargetTable",
    "Unit",
    "User",
]
