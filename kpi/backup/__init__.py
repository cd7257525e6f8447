"""Backup and restore (备份与恢复): the whole database as a portable, checksummed dump.

`service.dump` / `service.restore` do the work; `commands` holds `kpi backup` and
`kpi restore`. The dump is JSON lines, so SQLite ↔ PostgreSQL round trips are exact.
"""
