"""Sign-ins that end: on logout, on a password change, and after an absolute lifetime.

Flask's session is a signed cookie, so deleting it from one browser leaves every copy of it
valid (docs/engineering.md §7). Each sign-in therefore records the account's session version and the time
it began; the user loader refuses a cookie whose version is behind the account's (logout and
password changes move it on) or whose sign-in is older than KPI_SESSION_HOURS (8 by default),
however busy the desk has been since.
"""

from __future__ import annotations

import time

from flask import current_app, session

VERSION_KEY, SINCE_KEY = "kpi_sv", "kpi_since"
# [version, flag]: whether this sign-in must change its password first (kpi.accounts.forced_change),
# as read from the account once per session version, so other requests run no query for it.
MUST_CHANGE_KEY = "kpi_mc"


def begin(version: int) -> None:
    """Mark the session as a sign-in at `version`, beginning now."""
    session[VERSION_KEY] = version
    session[SINCE_KEY] = int(time.time())


def carry_on(version: int) -> None:
    """Keep this session signed in at a new version (the password was changed here)."""
    session[VERSION_KEY] = version
    session.pop(MUST_CHANGE_KEY, None)


def version() -> int | None:
    """The version this session signed in at; None if it is not a valid sign-in (too old or unmarked)."""
    since, signed_at = session.get(SINCE_KEY), session.get(VERSION_KEY)
    if not isinstance(since, int) or not isinstance(signed_at, int):
        return None
    if time.time() - since > current_app.config.get("KPI_SESSION_HOURS", 8) * 3600:
        return None
    return signed_at


def must_change() -> bool | None:
    """Whether this sign-in must change its password, as last read at its version; None if unread."""
    known = session.get(MUST_CHANGE_KEY)
    if isinstance(known, list) and len(known) == 2 and known[0] == version() and isinstance(known[1], bool):
        return known[1]
    return None


def remember_must_change(flag: bool) -> None:
    """Keep what the account said (`must_change_password`) for this session version."""
    session[MUST_CHANGE_KEY] = [version(), flag]
