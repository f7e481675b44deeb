"""The database schema, declared once. Alembic's revisions in ``migrations/versions`` build it,
and a test checks that a migrated database and these tables agree.

JSON columns use SQLAlchemy's JSON type (``json`` on PostgreSQL, text on SQLite) with
``none_as_null``, so Python ``None`` is SQL NULL rather than the JSON text ``null``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()

Json = JSON(none_as_null=True)


class Timestamp(TypeDecorator):
    """A moment in time, read back as an aware UTC datetime on every database (SQLite stores
    no time zone, PostgreSQL answers in the connection's): records compare alike on both."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"timestamp {value} has no time zone; pass an aware datetime (e.g. datetime.now(UTC))")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

# A content-addressed snapshot of a scenario as it was played: a session reads its
# scenario from here, so editing the YAML file never changes a conversation in progress.
scenario_versions = Table(
    "scenario_versions",
    metadata,
    Column("hash", String(64), primary_key=True),  # sha256 of the snapshot, hex
    Column("scenario_id", String(64), nullable=False, index=True),
    Column("data", Json, nullable=False),
    Column("created_at", Timestamp(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user", String(200), nullable=False, index=True),
    Column("scenario_id", String(64), nullable=False),
    Column("scenario_version", Integer, nullable=False),
    Column("scenario_title", String(300), nullable=False),
    Column("voice", String(100), nullable=False),
    Column("started_at", Timestamp(), nullable=False),
    Column("updated_at", Timestamp(), nullable=False),
    Column("ended_at", Timestamp()),
    Column("end_reason", String(40)),
    Column("state", Json, nullable=False),
    # Bumped by every write that extends the conversation, through a conditional UPDATE
    # (WHERE revision = the writer's expected one): the second-tab guard.
    Column("revision", Integer, nullable=False, default=0),
    # Seq of the newest message; the same UPDATE hands out the next one.
    Column("last_seq", Integer, nullable=False, server_default="0"),
    Column("tokens_in", Integer, nullable=False, server_default="0"),
    Column("tokens_out", Integer, nullable=False, server_default="0"),
    Column("cost_usd", Float),
    Column("scenario_hash", String(64), ForeignKey("scenario_versions.hash", name="fk_sessions_scenario_hash")),
    Column("seed", BigInteger),
    # A replay branch: the session it was branched from, and after which message.
    Column("parent_session_id", String(32), ForeignKey("sessions.id", ondelete="SET NULL", name="fk_sessions_parent_session_id")),
    Column("branched_from_seq", Integer),
    # Sharing with the author's teams, each an explicit choice of the author (simulator/store/access.py):
    # the team leads of the author's teams may then read the scores, or the transcript.
    Column("scores_shared", Boolean, nullable=False, server_default=false()),
    Column("transcript_shared", Boolean, nullable=False, server_default=false()),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),  # manager | persona
    Column("text", Text, nullable=False),
    Column("tagging", Json),  # manager messages: the tagging the turn used
    Column("rules_tagging", Json),  # the rule tagger's, kept when a model's tagging replaced it
    Column("tagger", String(100)),  # "rules" or "model:<name>"; NULL for rows older than this column
    Column("state", Json),  # persona messages: the state after this turn
    Column("interrupted", Boolean, nullable=False, default=False),
    Column("model", String(200)),  # persona messages: the model that wrote it, or "offline"
    Column("prompt_version", String(64)),
    Column("created_at", Timestamp(), nullable=False),
    UniqueConstraint("session_id", "seq", name="uq_message_seq"),
)

debriefs = Table(
    "debriefs",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("scorer", String(100), nullable=False),
    Column("data", Json, nullable=False),
    Column("created_at", Timestamp(), nullable=False),
)

# One row per language-model call (or a batch of retries of one call); the session's
# tokens_in / tokens_out / cost_usd are their sums, updated in the same transaction.
model_calls = Table(
    "model_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer),  # the message it produced or tagged, when there is one
    Column("purpose", String(16), nullable=False),  # persona | tagger | judge
    Column("model", String(200)),
    Column("tokens_in", Integer, nullable=False, server_default="0"),
    Column("tokens_out", Integer, nullable=False, server_default="0"),
    Column("requests", Integer, nullable=False, server_default="1"),
    Column("cost_usd", Float),  # NULL when the model's price is unknown
    Column("source", String(16), nullable=False),  # "api": the API's own report; "estimate": counted with tiktoken
    Column("created_at", Timestamp(), nullable=False),
)

# People, teams and roles (the team configuration file fills them; simulator/store/teams.py).
# users.id is what sessions.user holds: the login email in team mode, the OS login name locally.
users = Table(
    "users",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(200)),
    Column("email", String(320)),
    Column("created_at", Timestamp(), nullable=False),
    UniqueConstraint("email", name="uq_users_email"),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

# One role per person per team: manager | trainer | team_lead | admin (simulator/store/access.py).
memberships = Table(
    "memberships",
    metadata,
    Column("team_id", String(64), ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(200), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("role", String(16), nullable=False),
)

PURPOSES = ("persona", "tagger", "judge")
USAGE_SOURCES = ("api", "estimate")
