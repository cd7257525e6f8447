"""Sign-ins that end: user.session_version.

Revision ID: 0011
Revises: 0010

Every sign-in records the account's session version; logging out and changing or resetting
the password move it on, so a copied session cookie stops working (kpi/accounts/sessions.py).
Existing sign-ins carry no version and end once, at the first request after the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("session_version")
