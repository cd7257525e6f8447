"""Tools for developers and operators that run beside the app, never inside it.

The app package (kpi) never imports them (an import-linter contract in pyproject.toml): what
they need from kpi they import, and app.py, the entry point, adds their commands to `kpi`.
"""
