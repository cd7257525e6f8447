"""Sign in, sign out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from kpi.accounts import service, sessions
from kpi.accounts.access import access, session_user
from kpi.accounts.forms import ChangePasswordForm, LoginForm
from kpi.accounts.limits import client_address, login_limits
from kpi.audit.service import record
from kpi.db import get_session

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never redirect to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@login_limits
def login():
    """The login page (the only page open without signing in)."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db_session = get_session()
        try:
            user = service.authenticate(db_session, form.username.data, form.password.data, client_address())
        except service.LoginFailed as failure:
            form.password.errors = [failure.message]
        else:
            session.clear()  # a fresh session on login: no fixation
            session.permanent = True  # expires after KPI_IDLE_MINUTES without a request
            login_user(session_user(user.id))
            sessions.begin(user.session_version)
            record(
                db_session,
                actor=user.username,
                user_id=user.id,
                unit_id=user.unit_id,
                entity="user",
                entity_id=user.id,
                action="login",
            )
            db_session.commit()
            return redirect(safe_next(form.next.data) or url_for("reminders.todo"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@access("login")
def logout():
    """Sign out (POST, so that a link elsewhere cannot sign people out), here and everywhere:
    the account's session version moves on, so a copied cookie stops working too."""
    db_session = get_session()
    service.end_sessions(db_session, current_user.id)
    db_session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@access("login")
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db_session = get_session()
        try:
            version = service.change_password(db_session, current_user.id, form.current.data, form.new.data)
        except service.PasswordRefused as refusal:
            form[refusal.field].errors = [refusal.message]
        else:
            sessions.carry_on(version)
            db_session.commit()
            flash("密码已修改。", "success")
            return redirect(url_for("reminders.todo"))
    return render_template("accounts/password.html", form=form)
