"""Access control: one decorator to declare a route's rule, one hook to enforce it.

Every view declares its rule with `@access(...)`. A `before_request` hook enforces
it for every request; a view without a rule is refused (deny by default), so a
new route cannot be left unprotected by accident.

Rules:
  "public"       anyone (the login page, static files)
  "login"        any signed-in user
  "admin"        管理员 only
  "finance"      财政局 (and 管理员)
  "unit:view"    may read the unit named by the URL's <unit_id>
  "unit:enter"   may edit that unit's results (its 填报人)
  "unit:review"  may approve/return that unit's reports (its 审核人)
  "unit:approve" may approve (批复) or return that unit's 绩效目标调整 (财政局): the
                 finance bureau's only write
A unit the user may not even read answers 404, so its existence is not revealed;
a unit they may read but not change answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, abort, current_app, request
from flask_login import LoginManager, current_user

from kpi import db
from kpi.accounts import sessions
from kpi.accounts.models import User
from kpi.accounts.roles import ROLE_LABELS, can

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

RULES = {"public", "login", "admin", "finance", "unit:view", "unit:enter", "unit:review", "unit:approve"}


def access(rule: str):
    """Declare who may call this view (see the module docstring)."""
    if rule not in RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def decorator(view):
        view.access_rule = rule
        return view

    return decorator


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as Flask-Login sees it: a detached snapshot of the User row."""

    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    email: str | None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, permission: str, unit_id: int | None = None) -> bool:
        return can(self.role, self.unit_id, permission, unit_id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    app.before_request(enforce_access)


def _load_user(user_id: str) -> SessionUser | None:
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    signed_at = sessions.version()
    if signed_at is None:  # past its absolute lifetime, or from before session versions
        return None
    return session_user(int(user_id), signed_at)


def session_user(user_id: int, version: int | None = None) -> SessionUser | None:
    """The signed-in user for Flask-Login, or None if gone, disabled, or signed in at an older
    session version (logged out or password changed since: kpi.accounts.sessions)."""
    # Every request asks, so only the snapshot's columns, as a Core row: an ORM User costs
    # several times the query.
    row = db.get_session().connection().execute(_SESSION_USER, {"user_id": user_id}).first()
    if row is None or (version is not None and row.session_version != version):
        return None
    return SessionUser(*row[:-1])


_SESSION_USER = sa.select(
    User.id, User.username, User.display_name, User.role, User.unit_id, User.email, User.session_version
).where(User.id == sa.bindparam("user_id"), User.is_active.is_(True))


def enforce_access():
    """Apply the current view's declared rule (before_request)."""
    if request.endpoint is None:
        return None  # 404/405 is raised by routing itself
    view = current_app.view_functions.get(request.endpoint)
    rule = "public" if request.endpoint == "static" else getattr(view, "access_rule", None)
    if rule is None:
        abort(403)  # deny by default: the route forgot to declare who may use it
    if rule == "public":
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if rule == "login":
        return None
    if rule in ("admin", "finance"):
        if not current_user.can(rule):
            abort(403)
        return None
    unit_id = (request.view_args or {}).get("unit_id")
    if unit_id is None:
        abort(403)  # a unit rule on a route without <unit_id> is a programming error
    if not current_user.can("view", unit_id):
        abort(404)
    if not current_user.can(rule.split(":", 1)[1], unit_id):
        abort(403)
    return None
