"""The conversational moves a manager's message can make, and their definitions.

The tagger finds them, the state engine reacts to them, the voice answers them
and the scorer counts them. One vocabulary for all four, and one table of
definitions (`DEFINITIONS`, written from docs/codebook.md) that the model
tagger's prompt, the judge's prompt and the codebook itself are built from, so
the offline rules and a language model speak the same language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Move(StrEnum):
    # empathy (EPITOME mechanisms + validation + support)
    acknowledges_feelings = "acknowledges_feelings"
    validates = "validates"
    reflects = "reflects"
    open_question = "open_question"
    closed_question = "closed_question"
    offers_support = "offers_support"
    # evidence (Situation-Behaviour-Impact + data) and clarity
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
    contempt = "contempt"
    guilt_trip = "guilt_trip"

    # Every name is its value, so hashing the value (str's own hash, in C) gives the very hash Enum's
    # Python-level __hash__ gives (hash of the name): the same sets and dicts, found several times faster.
    __hash__ = str.__hash__


@dataclass(frozen=True)
class MoveDefinition:
    move: Move
    family: str  # "empathy" | "evidence" | "penalty"
    help: str  # one line, shown beside highlighted words in the debrief
    definition: str  # what counts, and the borderline cases that do not
    examples: tuple[str, ...]


_D = MoveDefinition
DEFINITIONS: tuple[MoveDefinition, ...] = (
    _D(Move.acknowledges_feelings, "empathy", "names or recognises the other person's feelings",
       "Names or recognises the other person's feelings or emotional state, with or without feeling words "
       "(\"Of course you hoped. Anyone would.\" recognises the hope). The manager's own feelings and a third party's do not count.",
       ("you sound exhausted", "I can see this is hard", "that must have stung")),
    _D(Move.validates, "empathy", "says their reaction makes sense",
       "Says their reaction or view makes sense or is legitimate.",
       ("it makes sense you'd be angry", "that's a fair point", "anyone would")),
    _D(Move.reflects, "empathy", "paraphrases what they said or takes their perspective",
       "Paraphrases what they said or takes their perspective.",
       ("so since the rota changed you've had no weekend off",)),
    _D(Move.open_question, "empathy", "asks an open question (what / how / tell me)",
       "A genuine open question inviting them to explain (what / how / tell me / walk me through). A question about "
       "barriers (\"Why didn't you feel you could tell me sooner?\") counts. Rhetorical or accusing questions do not: "
       "\"What's your excuse this time?\" is blame and contempt.",
       ("What has made the mornings hard since February?", "Tell me how you see it.")),
    _D(Move.closed_question, "empathy", "asks a yes/no question",
       "A genuine yes/no or either/or question.",
       ("Is Thursday OK?", "Did the handover doc reach you?")),
    _D(Move.offers_support, "empathy", "offers concrete help or resources",
       "A concrete, real offer of help, resources or change. Not a threat dressed as help (\"I'm helping you by "
       "telling you: shape up or you're out\" is pressures) and not a hollow \"let me know if you need anything\". "
       "A sentence that threatens never offers support.",
       ("I'll take you off the extra on-call week from March", "I'll ask Platform to lend someone")),
    _D(Move.situation, "evidence", "names when or where something happened",
       "Names when or where something happened (a dated occasion, a named meeting). A date in a plan is data, not a situation.",
       ("in Tuesday's sprint review", "on 14 April", "last week's stand-up")),
    _D(Move.specific_behaviour, "evidence", "describes observable behaviour, not character",
       "Observable actions, not character.",
       ("you arrived at 08:35", "you wrote 'This is wrong. Redo it.' on PR 482")),
    _D(Move.impact, "evidence", "says what the behaviour caused",
       "What the behaviour caused.",
       ("the queue hit 63 callers", "Finance had to delay the close")),
    _D(Move.data, "evidence", "uses dates, numbers or records",
       "Dates, numbers and records that carry evidence. Numbers that are not evidence are not data "
       "(\"one more thing\", \"two minutes of your time\", \"<script>alert(1)</script>\").",
       ("three times this month", "08:35", "ticket 4471")),
    _D(Move.clear_message, "evidence", "states the message or decision plainly",
       "States the message, decision or expectation plainly. A stated expectation (\"by 08:00 every day\") is "
       "clear_message, not absolute; a consequence stated as part of a decision already made (\"Today is your last day; "
       "this is final\") is clear_message, not pressures.",
       ("The committee did not approve your promotion this cycle", "Your role is being eliminated; your last day is 30 June",
        "I need the queue open at 08:00 every day")),
    _D(Move.label_judgment, "penalty", "labels the person (lazy, unprofessional, attitude...)",
       "Labels the person's character. Negated labels (\"I don't think you're lazy\") are not label_judgment.",
       ("lazy", "unprofessional", "attitude problem", "not a team player")),
    _D(Move.absolute, "penalty", "generalises with always / never / every time",
       "Over-generalises about the person with always / never / every time. Corrections (\"I wasn't saying you're "
       "late every day\") and expectations (\"every day at 08:00\") are not absolute.",
       ("you're always late", "you never listen")),
    _D(Move.blame, "penalty", "blames or accuses",
       "Fault-finding, accusing, \"you should have\", accusing questions (\"Why can't you just...?\", \"So what's your "
       "excuse this time?\"). Passing the blame for a decision to others (\"It's not my fault the committee didn't see it\", "
       "\"The committee made the call, not me\") is blame, not a clear message. A genuine question about barriers is not blame, "
       "and an apology (\"I'm sorry, that was out of line\", \"I was out of line\") blames no one.",
       ("This whole mess is your fault", "You should have told me")),
    _D(Move.hearsay, "penalty", "relies on what unnamed others say",
       "Relies on unnamed others.",
       ("people are saying", "I've heard", "the team feels")),
    _D(Move.minimises, "penalty", "minimises or dismisses feelings (calm down, not a big deal)",
       "Dismisses or shrinks their feelings.",
       ("calm down", "it's not a big deal", "don't take it personally", "you'll get over it")),
    _D(Move.pressures, "penalty", "pressures or threatens",
       "Threats, ultimatums and conditional threats (\"... or I'll find someone who can\", \"one more late morning and you "
       "lose the lead role\", \"sign today or you'll lose the severance\", \"as long as you understand what happens if...\"), "
       "\"final warning\", \"you'd better\". A threat never counts as support.",
       ("or you'll be looking for another job", "this is your final warning")),
    _D(Move.contempt, "penalty", "sarcasm, mockery or contempt",
       "Sarcasm, mockery, eye-rolling contempt, belittling.",
       ("Oh great, another excuse", "Wow, on time for once", "Must be nice to stroll in whenever", "Do you even read the tickets?")),
    _D(Move.guilt_trip, "penalty", "guilt-trips (after everything I've done for you...)",
       "Guilt-tripping and emotional leverage.",
       ("That would be really disloyal after everything I've done for you", "I stuck my neck out for you and this is how you repay me",
        "You're letting the whole team down, and me personally")),
)

DEFINITION: dict[Move, MoveDefinition] = {d.move: d for d in DEFINITIONS}
MOVE_HELP: dict[Move, str] = {d.move: d.help for d in DEFINITIONS}
PENALTY_MOVES: frozenset[Move] = frozenset(d.move for d in DEFINITIONS if d.family == "penalty")
# penalties that cap a reply's empathy at the neutral anchor: leverage is never care
EMPATHY_CAPPING_MOVES: frozenset[Move] = frozenset({Move.pressures, Move.guilt_trip})


def definitions_text(moves: tuple[Move, ...] | None = None) -> str:
    """The definitions as prompt lines: "- move: definition (e.g. "...")"."""
    chosen = [DEFINITION[m] for m in moves] if moves else DEFINITIONS
    return "\n".join(f"- {d.move.value}: {d.definition} E.g. " + "; ".join(f'"{e}"' for e in d.examples) for d in chosen)


def codebook_table() -> str:
    """The markdown table of moves in docs/codebook.md (a test keeps the doc equal to it)."""
    rows = ["| move | family | definition | examples |", "|---|---|---|---|"]
    for d in DEFINITIONS:
        examples = "; ".join(f'"{e}"' for e in d.examples)
        rows.append(f"| `{d.move.value}` | {d.family} | {d.definition.replace('|', '/')} | {examples} |")
    return "\n".join(rows)
