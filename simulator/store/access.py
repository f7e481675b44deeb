"""Who may read and change what: the one authorization module, used by every read and write of
practice data made on a person's behalf (the practice service, the pages, the team report).

The rules:
- A session, its transcript and its debrief belong to its author. Only the author writes to
  it (messages, replays, ending it, sharing it, deleting it).
- The author may share a session's scores, and separately its transcript, with their teams.
  Shared means: the team leads of a team the author belongs to may read it. Nobody else,
  not the author's fellow managers, not another team's lead, not an admin.
- Admins manage teams (create, rename, delete, give and take roles); that gives them no
  reading rights over anyone's practice.
- Trainers (and admins) edit scenarios: `can_author`.
- The operator (`Actor.operator()`, for `simulator data ...` run on the database host) may
  export or delete a person's data; it reads through the same functions.

A refusal is an `AccessDenied` that does not tell whether the session exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from simulator.errors import AccessDenied, InputError
from simulator.store.db import MessageRecord, SessionRecord, Store


class Role(StrEnum):
    manager = "manager"
    trainer = "trainer"
    team_lead = "team_lead"
    admin = "admin"


ROLES = tuple(r.value for r in Role)
Need = Literal["scores", "transcript", "write"]


@dataclass(frozen=True)
class Actor:
    """A person acting, with their role in each of their teams."""

    user: str
    roles: Mapping[str, Role] = field(default_factory=dict)  # team id -> role
    is_operator: bool = False
    single_user: bool = False  # local mode: no teams, one person, who also writes scenarios

    @classmethod
    def operator(cls) -> Actor:
        """Whoever runs admin commands on the database host (already able to read the database itself)."""
        return cls(user="", is_operator=True)

    def teams_as(self, *roles: Role) -> set[str]:
        return {team for team, role in self.roles.items() if role in roles}

    @property
    def is_admin(self) -> bool:
        return self.is_operator or Role.admin in self.roles.values()


def can_author(actor: Actor) -> bool:
    """May edit scenarios: trainers and admins (in local, single-user mode: the one user)."""
    return actor.single_user or actor.is_admin or Role.trainer in actor.roles.values()


def can_manage_teams(actor: Actor) -> bool:
    return actor.is_admin


def _refused(session_id: str) -> AccessDenied:
    return AccessDenied(
        f"No practice session {session_id} that you may see. Open your own sessions from History; "
        "a colleague's appear only once they share them with your team."
    )


class Access:
    """Practice data read and written on a person's behalf; every method checks first."""

    def __init__(self, store: Store):
        self.store = store

    def actor(self, user: str, *, team_mode: bool = True) -> Actor:
        """The person `user` with their roles as the database has them (none: a plain manager of their own
        practice). Outside team mode, the one local user, who may also write scenarios."""
        if not team_mode:
            return Actor(user=user, single_user=True)
        return Actor(user=user, roles={m.team_id: Role(m.role) for m in self.store.memberships(user=user) if m.role in ROLES})

    # ------------------------------------------------------------------ checks
    def _lead_of(self, actor: Actor, author: str) -> bool:
        """`actor` leads a team `author` belongs to."""
        led = actor.teams_as(Role.team_lead)
        return bool(led) and any(m.team_id in led for m in self.store.memberships(user=author))

    def allowed(self, actor: Actor, record: SessionRecord, need: Need) -> bool:
        if actor.is_operator or record.user == actor.user:
            return True
        if need == "write":
            return False
        shared = record.scores_shared if need == "scores" else record.transcript_shared
        return shared and self._lead_of(actor, record.user)

    def session(self, actor: Actor, session_id: str, need: Need) -> SessionRecord:
        """The session if `actor` may do `need` with it, else AccessDenied (missing or not theirs alike)."""
        record = self.store.get_session(session_id)
        if record is None or not self.allowed(actor, record, need):
            raise _refused(session_id)
        return record

    # ------------------------------------------------------------------- reads
    def sessions(self, actor: Actor, limit: int | None = 200) -> list[SessionRecord]:
        """The actor's own sessions."""
        return self.store.list_sessions(actor.user, limit)

    def messages(self, actor: Actor, session_id: str) -> list[MessageRecord]:
        self.session(actor, session_id, "transcript")
        return self.store.messages(session_id)

    def debrief(self, actor: Actor, session_id: str) -> dict | None:
        """The stored debrief (its data), for the author, or a lead it is shared with."""
        self.session(actor, session_id, "scores")
        stored = self.store.get_debrief(session_id)
        return stored[1] if stored else None

    def shared_with_team(self, actor: Actor, team_id: str, need: Need = "scores") -> list[SessionRecord]:
        """Sessions of a team's members shared with it (scores, or transcripts): for the team's leads only."""
        if team_id not in actor.teams_as(Role.team_lead) and not actor.is_operator:
            raise AccessDenied(f"You do not lead team {team_id!r}: only its team leads see its shared scores.")
        members = [m.user_id for m in self.store.memberships(team=team_id)]
        records = self.store.list_sessions(None, None, authors=members) if members else []
        return [r for r in records if (r.scores_shared if need == "scores" else r.transcript_shared)]

    # ------------------------------------------------------------------ writes
    def share(self, actor: Actor, session_id: str, *, scores: bool, transcript: bool) -> None:
        """The author shares (or stops sharing) a session's scores and, separately, its transcript."""
        record = self.session(actor, session_id, "write")
        if record.user != actor.user:
            raise _refused(session_id)
        self.store.set_sharing(session_id, scores=scores, transcript=transcript)

    def set_role(self, actor: Actor, team_id: str, user: str, role: str | None) -> None:
        if not can_manage_teams(actor):
            raise AccessDenied("Only an admin manages teams. Ask one to change the team configuration.")
        if role is not None and role not in ROLES:
            raise InputError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
        self.store.set_role(team_id, user, role)

    def save_team(self, actor: Actor, team_id: str, name: str) -> None:
        if not can_manage_teams(actor):
            raise AccessDenied("Only an admin creates or renames teams. Ask one to change the team configuration.")
        self.store.save_team(team_id, name)

    def delete_team(self, actor: Actor, team_id: str) -> None:
        if not can_manage_teams(actor):
            raise AccessDenied("Only an admin deletes teams. Ask one to change the team configuration.")
        self.store.delete_team(team_id)

    # ------------------------------------------------------------- data rights
    def export_user(self, actor: Actor, user: str) -> dict[str, Any]:
        """Everything stored about `user`: for themselves, or the operator."""
        if not (actor.is_operator or actor.user == user):
            raise AccessDenied("You may export only your own data. An administrator runs `simulator data export --user U` for others.")
        return self.store.user_data(user)

    def delete_user(self, actor: Actor, user: str) -> int:
        """Delete everything stored about `user` (and nobody else): for themselves, or the operator."""
        if not (actor.is_operator or actor.user == user):
            raise AccessDenied("You may delete only your own data. An administrator runs `simulator data delete --user U --yes` for others.")
        return self.store.delete_user_data(user)
