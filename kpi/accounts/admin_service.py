"""The admin's use cases for accounts and units (账号与单位管理, issue #17).

Each change is one audited step in the caller's transaction, made by the same rules as the CLI
(kpi.accounts.service for accounts, kpi.budget.service for units). What is refused raises
AccountError or UnitRefused with the problems by field, for the form to show beside each input.
An admin cannot deactivate or demote themselves: the desk always keeps the admin who is using it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from kpi.accounts import service
from kpi.accounts.models import User
from kpi.accounts.roles import ADMIN, ROLE_LABELS
from kpi.accounts.service import AccountError
from kpi.audit.service import record
from kpi.budget import service as budget
from kpi.budget.models import Unit


@dataclass(frozen=True)
class Admin:
    """Who is acting: the signed-in admin, as the audit trail names them."""

    id: int
    username: str


@dataclass(frozen=True)
class UserRow:
    user: User
    unit_name: str | None


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    parent_name: str | None
    users: int  # accounts that belong to it
    children: int  # units whose 主管部门 it is


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_users(session: Session, text: str = "") -> list[UserRow]:
    """Every account whose username, name or unit contains `text` (all of them for ""), by username."""
    query = select(User, Unit.name).join(Unit, User.unit_id == Unit.id, isouter=True).order_by(User.username)
    text = text.strip()
    if text:
        pattern = _like(text)
        query = query.where(
            sa.or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
                Unit.name.ilike(pattern, escape="\\"),
            )
        )
    return [UserRow(user, unit_name) for user, unit_name in session.exec(query)]


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def all_units(session: Session) -> list[Unit]:
    return budget.all_units(session)


def unit_names(session: Session) -> list[str]:
    return [unit.name for unit in budget.all_units(session)]


def create_user(session: Session, admin: Admin, data: dict, *, must_change: bool = True) -> User:
    """A new account (the CLI's rules and password policy). By default its owner must change
    the password at the first sign-in, since the admin chose it."""
    return service.create_user(session, data, actor=admin.username, actor_id=admin.id, must_change=must_change)


def _record(session: Session, admin: Admin, user: User, action: str, **values) -> None:
    record(
        session,
        actor=admin.username,
        user_id=admin.id,
        entity="user",
        entity_id=user.id,
        unit_id=user.unit_id,
        action=action,
        **values,
    )


def update_user(
    session: Session, admin: Admin, user: User, *, display_name: str, email: str | None, role: str, unit: str | None
) -> list[str]:
    """Change an account's name, e-mail, role and unit; the labels of what changed."""
    errors = {}
    display_name = display_name.strip()
    email = (email or "").strip() or None
    if len(display_name) > 100 or any(ch in display_name for ch in "\r\n\t"):
        errors["display_name"] = service.FIELD_PROBLEMS["display_name"]
    if email is not None and (len(email) > 254 or not service.EMAIL.fullmatch(email)):
        errors["email"] = service.FIELD_PROBLEMS["email"]
    unit_id = user.unit_id
    if role not in ROLE_LABELS:
        errors["role"] = service.FIELD_PROBLEMS["role"]
    elif user.id == admin.id and role != ADMIN:
        errors["role"] = "不能取消自己的管理员角色"
    else:
        try:
            unit_id = service.unit_for_role(session, role, unit)
        except AccountError as error:
            errors.update(error.errors)
    if errors:
        raise AccountError("；".join(errors.values()), errors)
    names = _unit_names_of(session, {user.unit_id, unit_id})
    new = {
        "display_name": (display_name or user.username, "显示名称", None),
        "email": (email, "邮箱", None),
        "role": (role, "角色", ROLE_LABELS.get),
        "unit_id": (unit_id, "所属单位", names.get),
    }
    changed = []
    for field, (value, label, shown) in new.items():
        old = getattr(user, field)
        if old == value:
            continue
        setattr(user, field, value)
        show = shown or (lambda v: v)
        _record(session, admin, user, "update", field=field, old_value=show(old), new_value=show(value))
        changed.append(label)
    session.add(user)
    session.flush()
    return changed


def _unit_names_of(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


def set_active(session: Session, admin: Admin, user: User, active: bool) -> bool:
    """Deactivate (停用) or reactivate (启用) an account; whether anything changed.

    A deactivated account cannot sign in, and every session it has ends at once."""
    if user.id == admin.id and not active:
        raise AccountError("不能停用自己的账号", {"active": "不能停用自己的账号"})
    if user.is_active == active:
        return False
    user.is_active = active
    session.add(user)
    session.flush()
    service.end_sessions(session, user.id)
    _record(session, admin, user, "reactivate" if active else "deactivate")
    return True


def reset_password(session: Session, admin: Admin, user: User, password: str) -> User:
    """Set a temporary password (the password policy applies); every session of the account
    ends, and its owner must change the password at the next sign-in. One's own password is
    changed on the password page, which asks for the current one."""
    if user.id == admin.id:
        message = "请在“修改密码”页面修改自己的密码"
        raise AccountError(message, {"account": message})
    return service.set_password(
        session, user.username, password, actor=admin.username, actor_id=admin.id, must_change=True
    )


def list_units(session: Session) -> list[UnitRow]:
    """Every unit with its 主管部门 and how many accounts and units hang off it."""
    units = budget.all_units(session)
    names = {unit.id: unit.name for unit in units}
    counts = sa.select(User.unit_id, sa.func.count()).where(User.unit_id.is_not(None)).group_by(User.unit_id)
    users = {unit_id: count for unit_id, count in session.execute(counts)}
    children: dict[int, int] = {}
    for unit in units:
        if unit.parent_id is not None:
            children[unit.parent_id] = children.get(unit.parent_id, 0) + 1
    return [UnitRow(unit, names.get(unit.parent_id), users.get(unit.id, 0), children.get(unit.id, 0)) for unit in units]


def get_unit(session: Session, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


def create_unit(session: Session, admin: Admin, name: str, parent_id: int | None) -> Unit:
    unit = budget.create_unit(session, name, parent_id)
    parent = session.get(Unit, parent_id) if parent_id is not None else None
    record(
        session,
        actor=admin.username,
        user_id=admin.id,
        entity="unit",
        entity_id=unit.id,
        unit_id=unit.id,
        action="create",
        new_value=unit.name + (f"（主管部门：{parent.name}）" if parent else ""),
    )
    return unit


def change_unit(session: Session, admin: Admin, unit: Unit, name: str, parent_id: int | None) -> list[str]:
    """Rename a unit and set its 主管部门; the labels of what changed."""
    changes = budget.change_unit(session, unit, name, parent_id)
    labels = {"name": "单位名称", "parent_id": "主管部门"}
    if "parent_id" in changes:
        names = _unit_names_of(session, set(changes["parent_id"]))
        old, new = changes["parent_id"]
        changes["parent_id"] = (names.get(old), names.get(new))
    for field, (old, new) in changes.items():
        record(
            session,
            actor=admin.username,
            user_id=admin.id,
            entity="unit",
            entity_id=unit.id,
            unit_id=unit.id,
            action="update",
            field=field,
            old_value=old,
            new_value=new,
        )
    return [labels[field] for field in changes]
