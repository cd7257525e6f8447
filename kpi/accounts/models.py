"""User accounts (用户) and the throttle on guessing their passwords."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kpi.db import utcnow

ROLES = ("staff", "reviewer", "finance", "admin")  # 填报人, 审核人, 财政局, 管理员


class User(SQLModel, table=True):
    __table_args__ = (sa.CheckConstraint("role IN ('staff', 'reviewer', 'finance', 'admin')", name="role"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    display_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=10)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    is_active: bool = True
    password_changed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Every sign-in carries the version it began at; logging out and changing the password move
    # it on, which ends every copy of every session of the account (kpi.accounts.sessions).
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set when an admin chose the password (kpi.accounts.admin_service): until the account picks
    # its own, every page but the password page sends it there (kpi.accounts.forced_change).
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class LoginThrottle(SQLModel, table=True):
    """Password guesses at one subject from one source (kpi.accounts.throttle).

    subject is "login:<typed name>" (whether or not that account exists) or
    "password:<user id>" (the current-password check); source is the client address, or ""."""

    __tablename__ = "login_throttle"
    subject: str = Field(primary_key=True, max_length=120)
    source: str = Field(primary_key=True, max_length=64)
    failures: int = 0  # every attempt counts until a correct password clears the row
    last_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
