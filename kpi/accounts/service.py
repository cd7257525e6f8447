"""Use cases for accounts: create users, sign in (throttled, kpi.accounts.throttle), passwords, demo accounts."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
import yaml
from pydantic import ValidationError, field_validator
from sqlmodel import Field, Session, SQLModel, select

from kpi import db
from kpi.accounts import throttle
from kpi.accounts.models import User
from kpi.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_or_dummy,
    verify_password,
)
from kpi.accounts.roles import ROLE_LABELS, UNIT_ROLES
from kpi.audit.service import record
from kpi.budget import service as budget

DEMO_ACCOUNTS = Path(__file__).resolve().parents[1] / "data" / "demo_accounts.yaml"
USERNAME = re.compile(r"[A-Za-z0-9_.@-]+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # shape only: delivery proves the rest
# The same two answers whether or not the name exists (issue #13): only someone who typed
# the right password learns more (that the account is disabled).
WRONG = "用户名或密码错误。"
THROTTLED = f"登录失败次数过多，请 {throttle.QUIET_MINUTES} 分钟后再试；如忘记密码，请联系管理员重置。"


class AccountError(ValueError):
    """A user cannot be created or changed; the message is Chinese.

    `errors` holds the same problems by field (username, display_name, email, role, unit,
    password), so a form can show each beside its input; the CLI prints the message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class LoginFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PasswordRefused(AccountError):
    """A password change is refused; `field` is the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class UserCreate(SQLModel):
    """Validated input for a new user (CLI, admin pages and the demo accounts)."""

    username: str = Field(min_length=2, max_length=100)
    password: str
    role: str
    unit: str | None = None
    email: str | None = Field(default=None, max_length=254)
    display_name: str = Field(default="", max_length=100)

    @field_validator("username")
    @classmethod
    def _plain_username(cls, value: str) -> str:
        if not USERNAME.fullmatch(value):
            raise ValueError("username")
        return value

    @field_validator("display_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\t"):
            raise ValueError("display_name")
        return value.strip()

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            raise ValueError("email")
        return value or None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLE_LABELS:
            raise ValueError("role")
        return value


def end_sessions(session: Session, user_id: int) -> int:
    """Move the account's session version on: every sign-in made before, and every copy of its
    cookie, stops working. Returns the new version (for a session that is to go on)."""
    return session.execute(
        sa.update(User)
        .where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .returning(User.session_version)
    ).scalar_one()


FIELD_PROBLEMS = {
    "username": "无效的用户名（2–100 位字母、数字或 _.@-）",
    "role": "无效的角色（staff/reviewer/finance/admin）",
    "email": "无效的邮箱格式",
    "display_name": "无效的显示名称（最多 100 字，不能换行）",
    "password": "无效的密码",
    "unit": "无效的单位名称",
}


def _errors(errors: dict[str, str]) -> AccountError:
    return AccountError("；".join(errors.values()), errors)


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def unit_for_role(session: Session, role: str, unit_name: str | None) -> int | None:
    """The unit id a user of `role` belongs to: 填报人 and 审核人 need one that exists, the
    others none (the one rule for the CLI and the admin pages)."""
    if role in UNIT_ROLES:
        if not unit_name:
            raise _errors({"unit": f"{ROLE_LABELS[role]}必须指定所属单位"})
        unit = budget.find_unit(session, unit_name)
        if unit is None:
            raise _errors({"unit": f"单位不存在：{unit_name}"})
        return unit.id
    if unit_name:
        raise _errors({"unit": f"{ROLE_LABELS.get(role, role)}不属于某个单位，请不要指定所属单位"})
    return None


def create_user(
    session: Session,
    data: dict,
    *,
    actor: str = "cli",
    actor_id: int | None = None,
    check_password: bool = True,
    must_change: bool = False,
) -> User:
    """A new account. `must_change`: whoever set the password knows it, so the account must
    choose its own at the next sign-in (kpi.accounts.forced_change)."""
    try:
        spec = UserCreate.model_validate(data)
    except ValidationError as error:
        fields = sorted({str(item["loc"][0]) for item in error.errors()})
        raise _errors({f: FIELD_PROBLEMS.get(f, f"无效的{f}") for f in fields}) from None
    errors = {}
    if find_user(session, spec.username) is not None:
        errors["username"] = f"用户名已存在：{spec.username}"
    if check_password and (problem := password_problem(spec.password, spec.username)):
        errors["password"] = problem
    try:
        unit_id = unit_for_role(session, spec.role, spec.unit)
    except AccountError as error:
        errors.update(error.errors)
    if errors:
        raise _errors(errors)
    user = User(
        username=spec.username,
        display_name=spec.display_name or spec.username,
        email=spec.email,
        password_hash=hash_password(spec.password),
        role=spec.role,
        unit_id=unit_id,
        password_changed_at=db.utcnow(),
        must_change_password=must_change,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        user_id=actor_id,
        entity="user",
        entity_id=user.id,
        action="create",
        unit_id=unit_id,
        new_value=f"{user.username}（{ROLE_LABELS[user.role]}）",
    )
    return user


def authenticate(session: Session, username: str, password: str, address: str) -> User:
    """The user for these credentials, or LoginFailed.

    Every path does the same work: one counted attempt for (name, address), committed first,
    then one Argon2 verification (against a dummy hash for an unknown name), so neither the
    time nor the message tells whether the name exists, or whether it is throttled because
    it exists. Throttling is per address: guesses from one address never lock the owner out."""
    name = username.strip()
    subject = throttle.login_subject(name)
    attempts = throttle.count_attempt(session, subject, address)
    user = session.exec(select(User).where(User.username == name)).first()
    matches = verify_or_dummy(user.password_hash if user else None, password)
    if attempts > throttle.MAX_ATTEMPTS:
        if attempts == throttle.MAX_ATTEMPTS + 1:  # once per episode, known name or not
            record(
                session,
                actor=name[:100],
                user_id=user.id if user else None,
                entity="user",
                entity_id=user.id if user else None,
                action="throttle",
                reason=f"来自 {address} 的登录失败次数过多，暂停 {throttle.QUIET_MINUTES} 分钟",
            )
            session.commit()
        raise LoginFailed(THROTTLED)
    if not matches:
        raise LoginFailed(WRONG)
    if not user.is_active:
        raise LoginFailed("账号已停用，请联系管理员。")
    throttle.clear(session, subject, address)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    session.commit()
    return user


def change_password(session: Session, user_id: int, current: str, new: str) -> int:
    """Change one's own password; the session version the caller's session goes on at.

    The current-password check is throttled per account (a stolen session must not try
    thousands of guesses); the new password's policy is checked first, as it reveals nothing."""
    user = session.get(User, user_id)
    if problem := password_problem(new, user.username):
        raise PasswordRefused("new", problem)
    if new == current:  # a password someone else chose (an admin's reset) must really change
        raise PasswordRefused("new", "新密码不能与当前密码相同")
    subject = throttle.password_subject(user.id)
    attempts = throttle.count_attempt(session, subject)
    matches = verify_password(user.password_hash, current)
    if attempts > throttle.MAX_ATTEMPTS:
        raise PasswordRefused("current", f"当前密码错误次数过多，请 {throttle.QUIET_MINUTES} 分钟后再试。")
    if not matches:
        raise PasswordRefused("current", "当前密码不正确")
    throttle.clear(session, subject)
    user.password_hash = hash_password(new)
    user.password_changed_at = db.utcnow()
    user.must_change_password = False
    session.add(user)
    session.flush()
    version = end_sessions(session, user.id)  # every other copy of every session ends
    record(session, actor=user.username, user_id=user.id, entity="user", entity_id=user.id, action="change_password")
    return version


def read_demo_accounts(path: Path = DEMO_ACCOUNTS) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["accounts"]


def create_demo_accounts(session: Session) -> list[User]:
    """The demo accounts of the default dataset (local use only; see README)."""
    return [create_user(session, account, actor="init", check_password=False) for account in read_demo_accounts()]


def demo_accounts_with_default_password(session: Session) -> list[str]:
    """Usernames of demo accounts that still accept their published password."""
    names = []
    for account in read_demo_accounts():
        user = session.exec(select(User).where(User.username == account["username"])).first()
        if user is not None and verify_password(user.password_hash, account["password"]):
            names.append(user.username)
    return names


def set_password(
    session: Session,
    username: str,
    password: str,
    *,
    actor: str = "cli",
    actor_id: int | None = None,
    must_change: bool = False,
) -> User:
    """Replace a user's password (policy enforced) and lift every throttle on guessing it.

    `must_change` (an admin's reset in the browser): the account must choose its own password
    at the next sign-in before it may open another page (kpi.accounts.forced_change)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError(f"用户不存在：{username}")
    if problem := password_problem(password, user.username):
        raise _errors({"password": problem})
    user.password_hash = hash_password(password)
    user.password_changed_at = db.utcnow()
    if must_change:
        user.must_change_password = True
    session.add(user)
    session.flush()
    throttle.clear(session, throttle.login_subject(user.username))
    throttle.clear(session, throttle.password_subject(user.id))
    end_sessions(session, user.id)  # a reset password signs the account out everywhere
    action = "reset_password" if must_change else "set_password"
    record(
        session, actor=actor, user_id=actor_id, entity="user", entity_id=user.id, action=action, unit_id=user.unit_id
    )
    return user


def must_change_password(session: Session, user_id: int) -> bool:
    """Whether the account must choose a new password before anything else."""
    return bool(session.scalar(sa.select(User.must_change_password).where(User.id == user_id)))
