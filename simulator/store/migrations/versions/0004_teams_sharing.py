"""Teams: users, teams, memberships with a role; a session's sharing flags.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

- New: ``users`` (id = what ``sessions.user`` holds, name, email), ``teams``, ``memberships``
  (one role per person per team: manager, trainer, team_lead, admin).
- ``sessions.scores_shared`` and ``sessions.transcript_shared``: false for every existing
  session (nothing was ever shared before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("email", sa.String(320)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "memberships",
        sa.Column("team_id", sa.String(64), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(200), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.add_column("sessions", sa.Column("scores_shared", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("sessions", sa.Column("transcript_shared", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("transcript_shared")
        batch.drop_column("scores_shared")
    op.drop_index("ix_memberships_user_id", "memberships")
    op.drop_table("memberships")
    op.drop_table("teams")
    op.drop_table("users")
