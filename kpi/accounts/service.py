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
    """A user cannot be created or changed; the message is Chinese."""


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


def create_user(session: Session, data: dict, *, actor: str = "cli", check_password: bool = True) -> User:
    try:
        spec = UserCreate.model_validate(data)
    except ValidationError as error:
        fields = {str(item["loc"][0]) for item in error.errors()}
        labels = {
            "username": "用户名（2–100 位字母、数字或 _.@-）",
            "role": "角色（staff/reviewer/finance/admin）",
            "email": "邮箱格式",
        }
        raise AccountError("无效的" + "、".join(labels.get(f, f) for f in sorted(fields))) from None
    if session.exec(select(User).where(User.username == spec.username)).first():
        raise AccountError(f"用户名已存在：{spec.username}")
    if check_password and (problem := password_problem(spec.password, spec.username)):
        raise AccountError(problem)
    unit_id = None
    if spec.role in UNIT_ROLES:
        if not spec.unit:
            raise AccountError(f"{ROLE_LABELS[spec.role]}必须指定所属单位（--unit）")
        unit = budget.find_unit(session, spec.unit)
        if unit is None:
            raise AccountError(f"单位不存在：{spec.unit}")
        unit_id = unit.id
    elif spec.unit:
        raise AccountError(f"{ROLE_LABELS[spec.role]}不属于某个单位，请不要指定 --unit")
    user = User(
        username=spec.username,
        display_name=spec.display_name or spec.username,
        email=spec.email,
        password_hash=hash_password(spec.password),
        role=spec.role,
        unit_id=unit_id,
        password_changed_at=db.utcnow(),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
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


def set_password(session: Session, username: str, password: str, *, actor: str = "cli") -> User:
    """Replace a user's password (policy enforced) and lift every throttle on guessing it."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise AccountError(f"用户不存在：{username}")
    if problem := password_problem(password, user.username):
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = db.utcnow()
    session.add(user)
    session.flush()
    throttle.clear(session, throttle.login_subject(user.username))
    throttle.clear(session, throttle.password_subject(user.id))
    end_sessions(session, user.id)  # a reset password signs the account out everywhere
    record(session, actor=actor, entity="user", entity_id=user.id, action="set_password", unit_id=user.unit_id)
    return user
