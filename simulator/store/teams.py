"""The team configuration: a TOML file (``SIMULATOR_TEAMS_FILE``) mapping people, by the email
they sign in with, to teams and roles. The file is the source of truth; ``sync`` makes the
database's teams and memberships match it (at app start, and with ``simulator team sync``).

    [teams]
    support = "Customer support"
    sales = "Sales"

    [[people]]
    email = "ana@example.com"
    name = "Ana Lima"
    roles = { support = "manager" }

    [[people]]
    email = "lea@example.com"
    roles = { support = "team_lead", sales = "admin" }

Roles: manager, trainer, team_lead, admin (see simulator/store/access.py for what each may do).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator.errors import SimulatorError
from simulator.store.access import ROLES
from simulator.store.db import MembershipRecord, Store, UserRecord


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    name: str | None = None
    roles: dict[str, str] = Field(default_factory=dict)  # team id -> role

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{value!r} is not an email address (people are matched by the email they sign in with)")
        return value.strip().lower()

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        for team, role in value.items():
            if role not in ROLES:
                raise ValueError(f"role {role!r} in team {team!r} is not one of {', '.join(ROLES)}")
        return value


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teams: dict[str, str] = Field(default_factory=dict)  # team id -> display name
    people: list[Person] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_teams(self) -> TeamConfig:
        for person in self.people:
            unknown = set(person.roles) - set(self.teams)
            if unknown:
                raise ValueError(f"{person.email} has a role in {', '.join(sorted(unknown))}, which is not under [teams]")
        emails = [p.email for p in self.people]
        twice = sorted({e for e in emails if emails.count(e) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} listed more than once: give each person one [[people]] entry")
        return self

    def names(self) -> list[str]:
        """The people's names (for redaction)."""
        return [p.name for p in self.people if p.name]


def load_team_config(path: Path) -> TeamConfig | None:
    """The team file, or None when there is none; a SimulatorError says what to fix."""
    if not path.is_file():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorError(f"{path} cannot be read ({exc}). Check the file and that you may read it.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SimulatorError(f"{path} is not valid TOML: {exc}. Fix the file (see docs/teams.md for an example).") from None
    try:
        return TeamConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise SimulatorError(f"{path}: {where}: {first['msg']}. Fix the file (see docs/teams.md for an example).") from None


def sync(store: Store, config: TeamConfig) -> None:
    """Make the database's teams and roles those of the file (people are added or updated, never removed)."""
    store.sync_teams(
        team_names=config.teams,
        people=[UserRecord(id=p.email, name=p.name, email=p.email) for p in config.people],
        roles=[MembershipRecord(team_id=team, user_id=p.email, role=role) for p in config.people for team, role in p.roles.items()],
    )
