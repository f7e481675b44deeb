"""Drive the practice service the way the page and the CLI do: take a turn, read the stream, finish when it ends."""

from __future__ import annotations

from simulator.practice import PracticeService, SessionView, Turn
from simulator.scoring.debrief import Debrief


class Conversation:
    """One session, driven through a PracticeService; `view` is always what the database holds."""

    def __init__(self, service: PracticeService, view: SessionView):
        self.service = service
        self.view = view
        self.last_turn: Turn | None = None

    @classmethod
    def start(cls, service: PracticeService, scenario, user: str = "t", **kwargs) -> Conversation:
        return cls(service, service.start(scenario, user, **kwargs))

    @classmethod
    def played(cls, service: PracticeService, scenario, lines, seed: int = 1) -> tuple[Conversation, Debrief]:
        """A scripted session, as `simulator play` runs it: each line sent until the conversation ends, then finished."""
        conv = cls.start(service, scenario, seed=seed)
        for text in lines:
            if not conv.ended:
                conv.send(text)
        return conv, conv.finish()

    @property
    def id(self) -> str:
        return self.view.id

    def turn(self, text) -> Turn:
        """The persona's stream for `text` (the manager's message is stored already)."""
        self.last_turn = self.service.take_turn(self.id, text, expected_revision=self.view.revision, view=self.view)
        return self.last_turn

    def send(self, text) -> str:
        """Send, read the whole reply, finish if the conversation ended; returns the reply as streamed."""
        turn = self.turn(text)
        try:
            reply = "".join(turn)
        finally:
            turn.close()
            self.refresh()
        if turn.ended:
            self.service.finish(self.id)
            self.refresh()
        return reply

    def retry(self) -> str:
        turn = self.service.retry(self.id, expected_revision=self.view.revision)
        try:
            return "".join(turn) if turn is not None else ""
        finally:
            if turn is not None:
                turn.close()
            self.refresh()

    def finish(self, **kwargs) -> Debrief:
        debrief = self.service.finish(self.id, **kwargs)
        self.refresh()
        return debrief

    def refresh(self) -> SessionView:
        self.view = self.service.resume(self.id)
        return self.view

    # what the tests look at
    @property
    def state(self):
        return self.view.state

    @property
    def ended(self) -> bool:
        return self.view.ended

    @property
    def mood(self):
        return self.view.mood

    def transcript(self):
        return self.view.messages
