"""The workflow's signals: how another feature reacts to a report's step without being imported.

A feature that must react (the reminders: tell the reviewers, close the report's reminders)
connects a receiver to the signal once, from the app factory; the workflow sends it and knows
nothing of who listens. Features import the shared layers and never each other (Indico's
``indico/core/signals`` is the model).
"""

from __future__ import annotations

from blinker import Namespace

workflow_signals = Namespace()

# Sent by kpi.workflow.steps.transition once a report has moved on, inside the transaction of
# the step. Sender: the report's ReportKind. Keyword arguments: session, report, action
# (submit / approve / return / reopen), actor (the user), what (how messages name the report:
# “2023年一季度”). Receivers write through `session` and never commit: what they add is
# committed, or rolled back, together with the step.
report_transitioned = workflow_signals.signal("report-transitioned")
