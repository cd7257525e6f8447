"""A password the admin set must be changed: user.must_change_password.

Revision ID: 0018
Revises: 0017

An admin who resets a password (or creates an account) in the browser knows the password,
so the account must choose its own at the next sign-in before it may open any other page
(kpi/accounts/forced_change.py, issue #17). Existing accounts are not affected.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
