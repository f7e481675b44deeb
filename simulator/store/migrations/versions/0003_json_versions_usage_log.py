"""JSON columns, scenario versions, per-call usage, tagger and model provenance, replay fields.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

- ``*_json`` text columns become JSON columns (``state``, ``tagging``, ``data``); the text
  is copied as it is (SQLite) or cast (PostgreSQL), so no row is lost.
- ``sessions.last_seq`` (the newest message's seq) is filled from the messages.
- New: ``scenario_versions``, ``model_calls``; sessions' scenario_hash, seed,
  parent_session_id, branched_from_seq; messages' rules_tagging, tagger, model, prompt_version.
- The old hand-written migrations' ``_migrations`` table is dropped.

On SQLite the copy-and-swap of batch mode runs with foreign keys off (the runner sees to
it), else dropping the old ``sessions`` table would cascade to every message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Json = sa.JSON(none_as_null=True)


def _copy_text_to_json(table: str, pairs: dict[str, str]) -> None:
    """UPDATE table SET new = old for each (old text column -> new JSON column)."""
    cast = op.get_bind().dialect.name == "postgresql"
    assignments = ", ".join(f"{new} = " + (f"CAST({old} AS JSON)" if cast else old) for old, new in pairs.items())
    op.execute(f"UPDATE {table} SET {assignments}")


def upgrade() -> None:
    op.create_table(
        "scenario_versions",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scenario_versions_scenario_id", "scenario_versions", ["scenario_id"])

    # sessions
    op.add_column("sessions", sa.Column("state", Json))
    op.add_column("sessions", sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"))
    _copy_text_to_json("sessions", {"state_json": "state"})
    op.execute(
        "UPDATE sessions SET last_seq = "
        "(SELECT COALESCE(MAX(messages.seq), 0) FROM messages WHERE messages.session_id = sessions.id)"
    )
    with op.batch_alter_table("sessions") as batch:
        batch.alter_column("state", existing_type=Json, nullable=False)
        batch.drop_column("state_json")
        batch.add_column(sa.Column("scenario_hash", sa.String(64)))
        batch.add_column(sa.Column("seed", sa.BigInteger))
        batch.add_column(sa.Column("parent_session_id", sa.String(32)))
        batch.add_column(sa.Column("branched_from_seq", sa.Integer))
        batch.create_foreign_key("fk_sessions_scenario_hash", "scenario_versions", ["scenario_hash"], ["hash"])
        batch.create_foreign_key("fk_sessions_parent_session_id", "sessions", ["parent_session_id"], ["id"], ondelete="SET NULL")

    # messages
    op.add_column("messages", sa.Column("tagging", Json))
    op.add_column("messages", sa.Column("state", Json))
    _copy_text_to_json("messages", {"tagging_json": "tagging", "state_json": "state"})
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("tagging_json")
        batch.drop_column("state_json")
        batch.add_column(sa.Column("rules_tagging", Json))
        batch.add_column(sa.Column("tagger", sa.String(100)))
        batch.add_column(sa.Column("model", sa.String(200)))
        batch.add_column(sa.Column("prompt_version", sa.String(64)))

    # debriefs
    op.add_column("debriefs", sa.Column("data", Json))
    _copy_text_to_json("debriefs", {"data_json": "data"})
    with op.batch_alter_table("debriefs") as batch:
        batch.alter_column("data", existing_type=Json, nullable=False)
        batch.drop_column("data_json")

    op.create_table(
        "model_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("tokens_in", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tokens_out", sa.Integer, nullable=False, server_default="0"),
        sa.Column("requests", sa.Integer, nullable=False, server_default="1"),
        sa.Column("cost_usd", sa.Float),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_model_calls_session_id", "model_calls", ["session_id"])

    op.execute("DROP TABLE IF EXISTS _migrations")


def downgrade() -> None:
    raise NotImplementedError(
        "Revision 0003 converts text columns to JSON and cannot be undone in place; restore the database from a backup."
    )
