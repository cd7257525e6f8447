"""预算绩效指标跟踪系统 (budget performance-indicator tracking).

The package root stays empty on purpose: the app factory is kpi.application.create_app,
and kpi.domain, the pure core, imports nothing of Flask or the database.
"""
