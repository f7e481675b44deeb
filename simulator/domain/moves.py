"""The conversational moves a manager's message can make.

The tagger finds them, the state engine reacts to them, the voice answers them
and the scorer counts them. One vocabulary for all four.
"""

from enum import StrEnum


class Move(StrEnum):
    # empathy (EPITOME mechanisms + validation + support)
    acknowledges_feelings = "acknowledges_feelings"
    validates = "validates"
    reflects = "reflects"
    open_question = "open_question"
    closed_question = "closed_question"
    offers_support = "offers_support"
    # evidence (Situation-Behaviour-Impact + data)
    situation = "situation"
    specific_behaviour = "specific_behaviour"
    impact = "impact"
    data = "data"
    clear_message = "clear_message"
    # penalties
    label_judgment = "label_judgment"
    absolute = "absolute"
    blame = "blame"
    hearsay = "hearsay"
    minimises = "minimises"
    pressures = "pressures"


MOVE_HELP: dict[Move, str] = {
    Move.acknowledges_feelings: "names or recognises the other person's feelings",
    Move.validates: "says their reaction makes sense",
    Move.reflects: "paraphrases what they said or takes their perspective",
    Move.open_question: "asks an open question (what / how / tell me)",
    Move.closed_question: "asks a yes/no question",
    Move.offers_support: "offers concrete help or resources",
    Move.situation: "names when or where something happened",
    Move.specific_behaviour: "describes observable behaviour, not character",
    Move.impact: "says what the behaviour caused",
    Move.data: "uses dates, numbers or records",
    Move.clear_message: "states the message or decision plainly",
    Move.label_judgment: "labels the person (lazy, unprofessional, attitude...)",
    Move.absolute: "generalises with always / never / every time",
    Move.blame: "blames or accuses",
    Move.hearsay: "relies on what unnamed others say",
    Move.minimises: "minimises or dismisses feelings (calm down, not a big deal)",
    Move.pressures: "pressures or threatens",
}

PENALTY_MOVES = frozenset(
    {Move.label_judgment, Move.absolute, Move.blame, Move.hearsay, Move.minimises, Move.pressures}
)
