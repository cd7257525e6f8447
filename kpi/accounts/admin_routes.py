"""The admin's pages for accounts and units (账号管理、单位管理, issue #17): 管理员 only.

The forced password change after a reset (kpi.accounts.forced_change) is enforced for every
request from here, with the pages that set it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from kpi.accounts import admin_service, forced_change
from kpi.accounts.access import access
from kpi.accounts.admin_forms import (
    ActiveForm,
    EditUserForm,
    NewUserForm,
    ResetPasswordForm,
    UnitForm,
    parent_choices,
    unit_choices,
)
from kpi.accounts.roles import ROLE_LABELS
from kpi.accounts.service import AccountError
from kpi.budget.service import UnitRefused
from kpi.core.ids import id_arg
from kpi.db import get_session
from kpi.paging import page_of

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")
bp.before_app_request(forced_change.enforce)

PAGE_SIZE = 50
CONCURRENT_UNIT = {"name": "该单位名称或主管部门刚被其他操作修改，未保存；请刷新页面后重试"}


def _admin() -> admin_service.Admin:
    return admin_service.Admin(current_user.id, current_user.username)


def _show_errors(form, errors: dict[str, str]) -> None:
    """Each service error beside its field (a field the form lacks: at the top)."""
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(message, "error")


def _user_or_404(user_id: int):
    user = admin_service.get_user(get_session(), user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@access("admin")
def users():
    """Every account, searched by username, name or unit, a page at a time."""
    text = request.args.get("q", "").strip()[:100]
    rows = admin_service.find_users(get_session(), text)
    page = page_of(rows, request.args.get("page"), PAGE_SIZE)
    return render_template("accounts/admin/users.html", page=page, q=text, roles=ROLE_LABELS, form=ActiveForm())


@bp.route("/users/new", methods=["GET", "POST"])
@access("admin")
def new_user():
    """Create an account, under the CLI's rules and password policy."""
    session = get_session()
    form = NewUserForm()
    form.unit.choices = unit_choices(admin_service.unit_names(session))
    if request.method == "POST":
        if form.validate_on_submit():
            data = {
                "username": form.username.data.strip(),
                "password": form.password.data,
                "role": form.role.data,
                "unit": form.unit.data or None,
                "email": (form.email.data or "").strip() or None,
                "display_name": (form.display_name.data or "").strip(),
            }
            try:
                user = admin_service.create_user(session, _admin(), data, must_change=form.must_change.data)
                session.commit()
            except AccountError as error:
                session.rollback()
                _show_errors(form, error.errors)
            except IntegrityError:  # the same name, created by someone else a moment ago
                session.rollback()
                _show_errors(form, {"username": f"用户名已存在：{data['username']}"})
            else:
                flash(f"已创建用户 {user.username}（{ROLE_LABELS[user.role]}）。", "success")
                return redirect(url_for("accounts_admin.user", user_id=user.id))
        return render_template("accounts/admin/user_new.html", form=form), 400
    return render_template("accounts/admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access("admin")
def user(user_id: int):
    """One account: its name, e-mail, role and unit; links to reset its password and to deactivate it."""
    session = get_session()
    account = _user_or_404(user_id)
    if request.method in ("GET", "HEAD"):
        return _user_page(account, _edit_form(session, account))
    form = EditUserForm()
    form.unit.choices = unit_choices(admin_service.unit_names(session))
    if form.validate_on_submit():
        try:
            changed = admin_service.update_user(
                session,
                _admin(),
                account,
                display_name=form.display_name.data or "",
                email=form.email.data,
                role=form.role.data,
                unit=form.unit.data or None,
            )
        except AccountError as error:
            session.rollback()
            _show_errors(form, error.errors)
        else:
            session.commit()
            flash("已修改：" + "、".join(changed) + "。" if changed else "没有修改。", "success")
            return redirect(url_for("accounts_admin.user", user_id=account.id))
    return _user_page(admin_service.get_user(session, user_id), form, 400)


def _edit_form(session, account) -> EditUserForm:
    """The account's values as they are (not the posted ones)."""
    form = EditUserForm(formdata=None, obj=account)
    form.unit.choices = unit_choices(admin_service.unit_names(session))
    form.unit.data = _unit_name(session, account)
    return form


def _unit_name(session, account) -> str:
    unit = admin_service.get_unit(session, account.unit_id) if account.unit_id is not None else None
    return unit.name if unit else ""


def _user_page(account, form, status: int = 200, reset_form=None):
    return render_template(
        "accounts/admin/user_edit.html",
        account=account,
        form=form,
        active_form=ActiveForm(formdata=None),
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        roles=ROLE_LABELS,
        unit_name=_unit_name(get_session(), account),
        is_self=account.id == current_user.id,
    ), status


@bp.post("/users/<int:user_id>/active")
@access("admin")
def set_active(user_id: int):
    """Deactivate (停用) or reactivate (启用) an account; a deactivated one's sessions end at once."""
    session = get_session()
    account = _user_or_404(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash("无效的操作，请刷新页面后重试。", "error")
        return redirect(url_for("accounts_admin.user", user_id=account.id)), 303
    active = form.active.data == "1"
    try:
        changed = admin_service.set_active(session, _admin(), account, active)
    except AccountError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        session.commit()
        if changed:
            flash(f"已{'启用' if active else '停用'}用户 {account.username}。", "success")
    return redirect(url_for("accounts_admin.user", user_id=account.id)), 303


@bp.post("/users/<int:user_id>/password")
@access("admin")
def reset_password(user_id: int):
    """Set a temporary password: the account signs out everywhere and must change it at the next sign-in."""
    session = get_session()
    account = _user_or_404(user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            admin_service.reset_password(session, _admin(), account, reset_form.password.data)
        except AccountError as error:
            session.rollback()
            _show_errors(reset_form, error.errors)
        else:
            session.commit()
            flash(f"已重置 {account.username} 的密码；该用户下次登录时须修改密码。", "success")
            return redirect(url_for("accounts_admin.user", user_id=account.id))
    account = admin_service.get_user(session, user_id)
    return _user_page(account, _edit_form(session, account), 400, reset_form)


@bp.get("/units")
@access("admin")
def units():
    """Every unit with its 主管部门, and how many accounts and units hang off it."""
    return render_template("accounts/admin/units.html", rows=admin_service.list_units(get_session()))


def _parent_id(form) -> tuple[int | None, bool]:
    """The chosen 主管部门's id (None for none), and whether the choice reads as one."""
    text = form.parent.data or ""
    if not text:
        return None, True
    try:
        return id_arg(text), True
    except ValueError:
        return None, False


@bp.route("/units/new", methods=["GET", "POST"])
@access("admin")
def new_unit():
    """Create a unit under an optional 主管部门."""
    session = get_session()
    form = UnitForm()
    form.parent.choices = parent_choices(_units(session))
    if request.method in ("GET", "HEAD"):
        return render_template("accounts/admin/unit_form.html", form=form, unit=None)
    if form.validate_on_submit():
        parent_id, readable = _parent_id(form)
        try:
            if not readable:
                raise UnitRefused({"parent": "主管部门不存在"})
            unit = admin_service.create_unit(session, _admin(), form.name.data, parent_id)
            session.commit()
        except UnitRefused as error:
            session.rollback()
            _show_errors(form, error.errors)
        except IntegrityError:  # the same name, or a 主管部门 deleted, a moment ago
            session.rollback()
            _show_errors(form, CONCURRENT_UNIT)
        else:
            flash(f"已创建单位 {unit.name}。", "success")
            return redirect(url_for("accounts_admin.units"))
    return render_template("accounts/admin/unit_form.html", form=form, unit=None), 400


def _units(session):
    return admin_service.all_units(session)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@access("admin")
def unit(unit_id: int):
    """Rename a unit and set its 主管部门."""
    session = get_session()
    found = admin_service.get_unit(session, unit_id)
    if found is None:
        abort(404)
    form = UnitForm(obj=None if request.method == "POST" else found)
    form.parent.choices = parent_choices([other for other in _units(session) if other.id != found.id])
    if request.method in ("GET", "HEAD"):
        form.parent.data = str(found.parent_id) if found.parent_id is not None else ""
        return render_template("accounts/admin/unit_form.html", form=form, unit=found)
    if form.validate_on_submit():
        parent_id, readable = _parent_id(form)
        try:
            if not readable:
                raise UnitRefused({"parent": "主管部门不存在"})
            changed = admin_service.change_unit(session, _admin(), found, form.name.data, parent_id)
            session.commit()
        except UnitRefused as error:
            session.rollback()
            _show_errors(form, error.errors)
        except IntegrityError:
            session.rollback()
            _show_errors(form, CONCURRENT_UNIT)
        else:
            flash("已修改：" + "、".join(changed) + "。" if changed else "没有修改。", "success")
            return redirect(url_for("accounts_admin.units"))
    return render_template(
        "accounts/admin/unit_form.html", form=form, unit=admin_service.get_unit(session, unit_id)
    ), 400
