"""A password someone else chose is changed before anything else (issue #17).

When an admin resets a password (or creates an account) in the browser, the admin knows it, so
the account carries `must_change_password`. Until its owner picks a new one on the password
page, every other page, link or form of a signed-in request answers with a redirect there:
navigating elsewhere, typing a URL or posting a form does not get round it. Signing out and the
public pages stay open. The flag is read once per session version (kpi.accounts.sessions) and
cleared by the password change itself (kpi.accounts.service.change_password).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from kpi.accounts import service, sessions
from kpi.db import get_session

OPEN_ENDPOINTS = {"accounts.change_password", "accounts.logout", "static"}
MESSAGE = "管理员为您设置了临时密码：请先修改密码，再使用系统的其他功能。"


def enforce():
    """Send a signed-in account that must change its password to the password page (before_request)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return None
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "access_rule", None) == "public" or not current_user.is_authenticated:
        return None
    must = sessions.must_change()
    if must is None:
        must = service.must_change_password(get_session(), current_user.id)
        sessions.remember_must_change(must)
    if not must:
        return None
    flash(MESSAGE, "warning")
    return redirect(url_for("accounts.change_password"))
