"""`flask --app tests.reminders.wired_app kpi …`: the real app (app.py) with the reminder commands attached.

Subprocess tests use it so that they run whether or not kpi/cli.py attaches the commands yet.
"""

from app import app
from tests.reminders.gen import attach_reminders

attach_reminders(app)
