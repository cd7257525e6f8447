"""Background work in its own process (后台任务): job rows in the database, claimed with a lease.

A shared layer: features register the kinds of job they run (``kpi.jobs.queue.register``) and
never import each other through it. See kpi/jobs/queue.py.
"""
