"""Token use and estimated cost per session: the hand-written migration m002_usage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("tokens_in", sa.Integer, nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("tokens_out", sa.Integer, nullable=False, server_default="0"))
    op.add_column("sessions", sa.Column("cost_usd", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("cost_usd")
        batch.drop_column("tokens_out")
        batch.drop_column("tokens_in")
