"""Every table, imported in one place so Alembic and tests see the whole schema."""
from kpi.accounts.models import User
from kpi.audit.models import AuditEvent
from kpi.budget.models import BudgetLine, FiscalYear, PerformanceGoal, Unit
from kpi.evaluation.models import SelfEvaluation, SelfEvaluationGoal, SelfEvaluationItem
from kpi.finance.models import ExportJob
from kpi.indicators.models import Indicator
from kpi.monitoring.models import MonitoringBudgetItem, MonitoringItem, MonitoringReport
from kpi.reminders.models import Notification, OutboxEmail, Reminder
from kpi.results.models import BudgetExecution, IndicatorResult, QuarterReport

__all__ = [
    "AuditEvent", "BudgetExecution", "BudgetLine", "ExportJob", "FiscalYear", "Indicator",
    "IndicatorResult", "MonitoringBudgetItem", "MonitoringItem", "MonitoringReport", "Notification",
    "OutboxEmail", "PerformanceGoal", "QuarterReport", "Reminder", "SelfEvaluation", "SelfEvaluationGoal",
    "SelfEvaluationItem", "Unit", "User",
]
