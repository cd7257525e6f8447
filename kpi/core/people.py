"""How a person is named wherever the system says who did something (审批记录, 修改记录)."""

from __future__ import annotations


def person(display_name: str | None, login: str) -> str:
    """ "张敏（szcc_staff）": the name people know, and the login that is unique; the login alone
    for an account without a name (or for "system" and "cli")."""
    name = (display_name or "").strip()
    return f"{name}（{login}）" if name and name != login else login
