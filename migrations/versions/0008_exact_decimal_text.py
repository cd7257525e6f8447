"""Exact decimals on SQLite: Money/Quantity columns get TEXT affinity.

Revision ID: 0008
Revises: 0007

SQLite's NUMERIC affinity turns every well-formed number (even bound as text) into a
REAL, so 12345678901234.5678 came back as ...5680. On SQLite this migration rebuilds
each Money/Quantity column as VARCHAR and rewrites the stored values as canonical
decimal text; on PostgreSQL NUMERIC is already exact and nothing changes.
(Skeleton: filled in by the follow-up commit.)
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
