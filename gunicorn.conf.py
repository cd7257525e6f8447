"""gunicorn settings for production: `gunicorn app:app -c gunicorn.conf.py` (README, "Deployment").

Everything a host may need to change comes from the environment, so the same file
serves a Procfile platform ($PORT, $WEB_CONCURRENCY) and a systemd unit.

The reminder scheduler never runs here. `kpi.reminders.scheduler.start_in_process` is
called only from `app.py`'s `if __name__ == "__main__":` block (`python app.py`, i.e.
`make run`); gunicorn imports `app:app`, so that block never executes in a worker, and N
workers do not make N schedulers. Production runs `flask --app app kpi scheduler` as its
own process, which takes a PostgreSQL advisory lock so only one acts.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Pages are short, mostly database-bound requests: the usual 2×cores+1, capped at 8
# because each worker holds its own connection pool (KPI_DB_POOL_SIZE +
# KPI_DB_MAX_OVERFLOW connections at most) and PostgreSQL's max_connections is finite.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
# Two threads per worker let a slow export share a worker with a quick page view.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

# A consolidated or self-evaluation workbook can take tens of seconds; 120 s keeps the
# worker from being killed mid-export (very large years run in the background or via
# `kpi export consolidated`).
timeout = 120
# On SIGTERM (deploy, systemd stop) give in-flight requests time to finish.
graceful_timeout = 30
keepalive = 5

# Access log to stdout, errors to stderr: journald or the platform collects both.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Each worker builds the app (and its engine) itself: a database pool created before
# fork would share sockets between processes.
preload_app = False

# The worker heartbeat file is touched every few seconds; on a disk-backed /tmp (or a
# container's overlay filesystem) that can block and get workers killed. /dev/shm is memory.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def on_starting(server):
    """Refuse production with several workers and per-process login counters (issue #13).

    The default KPI_RATELIMIT_STORAGE, memory://, keeps the per-address login limit inside
    each worker: 4 workers let 4 times the limit through. Checked here, in the master before
    any worker starts, because only here is the final worker count known (WEB_CONCURRENCY,
    -w or GUNICORN_CMD_ARGS). gunicorn prints a RuntimeError as "Error: ..." and exits 1."""
    storage = os.environ.get("KPI_RATELIMIT_STORAGE", "").strip() or "memory://"
    production = os.environ.get("KPI_ENV", "").strip().lower() == "production"
    if production and server.cfg.workers > 1 and storage.startswith("memory://"):
        raise RuntimeError(
            f"refusing to start {server.cfg.workers} workers with KPI_RATELIMIT_STORAGE={storage}: "
            "each worker would count login attempts on its own. Set KPI_RATELIMIT_STORAGE to a "
            "shared store (redis://127.0.0.1:6379/0), or run one worker (WEB_CONCURRENCY=1)."
        )


def post_worker_init(worker):
    """Move what the app built at start-up out of the garbage collector's sight.

    Importing Flask, SQLAlchemy, openpyxl and the app leaves about 150,000 long-lived objects,
    and every full collection walked them all (about 90 ms, every hundred requests or so: a
    tenth of each page's CPU on average, by profile). They live as long as the worker, so
    freezing them loses nothing; objects made by requests are collected as before."""
    import gc

    gc.collect()
    gc.freeze()
