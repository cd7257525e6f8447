"""Entry point: `app` for gunicorn (`gunicorn app:app`); `python app.py` serves for development.

`python app.py` (what `make run` starts, after `kpi init`) also runs the reminder
scheduler and the background job worker inside this one process; production runs
`flask --app app kpi scheduler` and `flask --app app kpi worker` as processes of their
own instead (see README, "Deployment").

`kpi demo-scale` is added here, not by kpi.cli: the synthetic-data generator (tools.scale)
stays outside the app package, which never imports it.
"""

import os

from kpi.application import create_app
from tools.scale.commands import demo_scale_command

app = create_app()
app.cli.commands["kpi"].add_command(demo_scale_command)

if __name__ == "__main__":
    from kpi.jobs.worker import start_in_process as start_worker
    from kpi.reminders.scheduler import start_in_process as start_scheduler

    start_scheduler(app)  # exactly once: not in the reloader's watcher, not when KPI_SCHEDULER=off
    start_worker(app)  # likewise; KPI_WORKER=off when `kpi worker` runs as its own service
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
