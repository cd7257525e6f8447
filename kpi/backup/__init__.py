"""Backup and restore (备份与恢复): the whole database as a portable, signed dump.

`service.dump` / `service.restore` do the work (`format` is the file, `load` writes it into
the target); `commands` holds `kpi backup` and `kpi restore`. The dump is JSON lines, so
SQLite ↔ PostgreSQL round trips are exact.
"""
