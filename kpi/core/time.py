"""Beijing time for people, UTC for storage: the one path every shown time goes through.

Timestamps are stored in UTC. SQLite hands them back naive, PostgreSQL aware; both mean
the same instant, so a naive value is read as UTC here, never as the server's local time.
Pages (the ``bj_datetime``/``bj_date`` filters), workbooks, e-mails, notifications, the
audit trail and the CLI all format with these functions, so they agree whatever TZ the
server runs in. "Today" for a user is the Beijing date, not the server's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES, SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"


def to_beijing(moment: datetime | None) -> datetime | None:
    """The instant in Asia/Shanghai; a naive value is UTC (as SQLite returns stored times)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def format_datetime(moment: datetime | None, *, seconds: bool = False) -> str:
    """'2023-04-11 01:30' (Beijing) for 2023-04-10 17:30 UTC; '' for None."""
    local = to_beijing(moment)
    return local.strftime(SECONDS if seconds else MINUTES) if local else ""


def beijing_date(value: datetime | date | None) -> date | None:
    """The Beijing calendar day of an instant; a plain date is already a day and stays as it is."""
    if isinstance(value, datetime):
        return to_beijing(value).date()
    return value


def format_date(value: datetime | date | None) -> str:
    """'2023-04-11' for 2023-04-10 17:30 UTC (its Beijing day), or for that date itself; '' for None."""
    day = beijing_date(value)
    return day.isoformat() if day else ""


def beijing_now() -> datetime:
    """Now, aware, in Asia/Shanghai (for display and for day boundaries; store utcnow())."""
    return datetime.now(SHANGHAI)


def beijing_today() -> date:
    """Today's date in Beijing: the day deadlines, reminders and progress are judged on."""
    return beijing_now().date()
