"""Entry point: `app` for gunicorn (`gunicorn app:app`); `python app.py` serves for development.

`python app.py` (what `make run` starts, after `kpi init`) also runs the reminder
scheduler inside this one process; production runs `flask --app app kpi scheduler`
as its own process instead (see README, "Reminders").
"""

import os

from kpi.application import create_app

app = create_app()

if __name__ == "__main__":
    from kpi.reminders.scheduler import start_in_process

    start_in_process(app)  # exactly once: not in the reloader's watcher, not when KPI_SCHEDULER=off
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
