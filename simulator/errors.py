"""The error family of the simulator.

Every message is safe to show to a user and says how to fix the problem.
"""


class SimulatorError(Exception):
    """Base class: the message is user-facing and ends with a fix."""


class ScenarioError(SimulatorError):
    """A scenario file cannot be loaded; the message names file, line and field."""

    def __init__(self, message: str, *, path: str | None = None, problems: list[str] | None = None):
        self.path = path
        self.problems = problems or [message]
        super().__init__(message)


class ScenarioNotFound(SimulatorError):
    pass


class InputError(SimulatorError):
    """The manager's message cannot be accepted as it is (empty, too long...)."""


class StoreError(SimulatorError):
    """The database cannot be opened or written."""


class SessionConflict(SimulatorError):
    """Another tab or process changed the same practice session."""


class SessionClosed(SimulatorError):
    """The practice session has ended; no more messages are accepted."""


class SessionCapReached(SimulatorError):
    """The session used up its token budget."""


class AccessDenied(SimulatorError):
    """The user may not read or change this (someone else's session, another team, a role they lack)."""
