"""Scenario files: pydantic models and a YAML loader with file:line errors.

A scenario is authored by a trainer in YAML. Loading is strict: unknown fields
are rejected (``extra="forbid"``), YAML aliases are refused (they allow
"billion laughs" expansion), files over ``MAX_FILE_BYTES`` are refused, and
every problem is reported as ``file:line: field: what is wrong — how to fix``.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from simulator.domain.difficulty import DEFAULT_DIFFICULTY, KIND_DEFAULTS, KIND_EFFECTS, PRESETS, Difficulty, clamp, scaled_stress
from simulator.domain.moves import Move
from simulator.domain.rubric import KIND_PROFILES, Kind
from simulator.errors import ScenarioError, ScenarioNotFound

MAX_FILE_BYTES = 256 * 1024
LINES_PER_MOOD = 15  # enough for a 15-turn conversation without repeating a line

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Percent = Annotated[int, Field(ge=0, le=100)]
Principle = Annotated[str, Field(min_length=8, max_length=300)]  # one rule, one sentence ("When pressed on X, she ...")


class Mood(StrEnum):
    guarded = "guarded"
    neutral = "neutral"
    open = "open"
    shut_down = "shut_down"  # stress went over close_up_stress; only a sincere repair brings the persona back

    @property
    def words(self) -> str:
        """The mood as a person would say it ("shut down")."""
        return self.value.replace("_", " ")


SPEAKING_MOODS = (Mood.guarded, Mood.neutral, Mood.open)  # the moods with their own pools and closing lines


class Act(StrEnum):
    """What an authored line does in the conversation."""

    answers = "answers"
    deflects = "deflects"
    contests = "contests"
    discloses = "discloses"
    asks_back = "asks_back"
    closes = "closes"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(_Strict):
    """One entry of the verifiable record the manager can cite."""

    id: Slug
    text: Text
    date: dt.date | None = None
    known_to_persona: bool = True
    disproves: list[Annotated[str, Field(min_length=2, max_length=60)]] = Field(
        default_factory=list,
        description="words of a claim this fact shows to be wrong (e.g. 'left uncovered'): a manager who says them is "
        "flagged by the fact check, as a wrong date would be",
    )


class Condition(_Strict):
    """A test on the state after a turn. Every field given must hold."""

    min_trust: Percent | None = None
    max_trust: Percent | None = None
    min_stress: Percent | None = None
    max_stress: Percent | None = None
    any_move: list[Move] = Field(default_factory=list, description="at least one of these moves this turn")
    all_moves: list[Move] = Field(default_factory=list, description="all of these moves this turn")
    no_move: list[Move] = Field(default_factory=list, description="none of these moves this turn")
    min_turn: Annotated[int, Field(ge=1)] | None = None
    revealed: list[Slug] = Field(default_factory=list, description="hidden concerns already revealed")
    goals_met: list[Slug] = Field(default_factory=list, description="goals already met")
    answered: list[Slug] = Field(default_factory=list, description="topics the persona has already spoken to")
    mentions: list[Annotated[str, Field(min_length=2, max_length=60)]] = Field(
        default_factory=list,
        description="at least one of these words or phrases in the manager's message (case-insensitive, from a word start)",
    )


class Line(_Strict):
    """An authored line and what it answers. A plain string in YAML is a general line (no topic, act "answers").

    `after` and `before` name topics, goals or hidden concerns: the line is said only once all of
    `after` have happened (a topic raised by the manager, a goal met, a concern revealed), and never
    once any of `before` has (so "if this is about the promotion" is not said after the news).
    """

    text: Text
    topics: list[Slug] = Field(default_factory=list, description="the scenario topics this line speaks to")
    act: Act = Act.answers
    after: list[Slug] = Field(default_factory=list)
    before: list[Slug] = Field(default_factory=list)
    own_account: bool = Field(
        default=False,
        description="the persona's own account: it may name people and dates nobody has mentioned yet "
        "(otherwise only a disclosure may; e.g. her own delivery dates, not the date of an incident the manager has not raised)",
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    def __str__(self) -> str:
        return self.text


LineList = list[Line]


class HiddenConcern(_Strict):
    id: Slug
    summary: Text
    reveal_when: Condition
    reveal_lines: LineList = Field(min_length=1, description="the first is said on the reveal; the others are follow-ups")


class Goal(_Strict):
    id: Slug
    text: Text
    met_when: Condition


class Boundary(_Strict):
    """A limit of the persona. With `ends_when`, crossing it ends the meeting, with `line` said in character.

    A plain string in YAML is a boundary the model voice is told about and nothing enforces.
    """

    id: Slug | None = None
    text: Text
    ends_when: Condition | None = None
    line: Text | None = Field(None, description="what the persona says as they end the meeting")
    why: Text | None = Field(None, description="what crossed it, told to the manager when the meeting ends (\"you threatened her job\")")

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _enforced_needs_id_and_line(self) -> Boundary:
        if self.ends_when is not None and (not self.id or not self.line):
            raise ValueError("a boundary with ends_when needs an id and the line the persona ends the meeting with")
        return self

    def __str__(self) -> str:
        return self.text


class Persona(_Strict):
    name: Text
    role: Text
    background: Text
    personality: Text
    speaking_style: Text
    starting_emotion: Text
    wants: Text
    will_contest: list[Text] = Field(default_factory=list)
    boundaries: list[Boundary] = Field(default_factory=list)
    hidden_concerns: list[HiddenConcern] = Field(default_factory=list)
    principles: list[Principle] = Field(
        default_factory=list,
        description="short, checkable rules for how the persona behaves, written by the trainer (often from a flagged "
        "test-play reply): given to the model persona in its prompt; the offline voice speaks only its authored lines",
    )


class Delta(_Strict):
    trust: Annotated[int, Field(ge=-50, le=50)] = 0
    stress: Annotated[int, Field(ge=-50, le=50)] = 0


class Tuning(_Strict):
    """Per-scenario overrides of the engine tuning; unset, a value follows the scenario's kind.

    The difficulty preset applies on top of these (see simulator/domain/difficulty.py).
    """

    trust_start: Percent | None = None
    stress_start: Percent | None = None
    open_at_trust: Percent | None = None
    guarded_below_trust: Percent | None = None
    close_up_stress: Percent | None = None
    max_change_per_turn: Annotated[int, Field(ge=1, le=100)] | None = None
    turn_cap: Annotated[int, Field(ge=3, le=60)] | None = None
    deltas: dict[Move, Delta] = Field(default_factory=dict, description="move effects that differ from the kind's")

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Tuning:
        if self.guarded_below_trust is not None and self.open_at_trust is not None and self.guarded_below_trust > self.open_at_trust:
            raise ValueError("guarded_below_trust must not be above open_at_trust")
        return self


class StateTable(_Strict):
    """The numbers the state engine runs on: the kind's, the scenario's overrides, the difficulty preset."""

    trust_start: Percent
    stress_start: Percent
    deltas: dict[Move, Delta]
    open_at_trust: Percent
    guarded_below_trust: Percent
    close_up_stress: Percent
    max_change_per_turn: int
    turn_cap: int
    reveal_shift: int = 0  # added to every hidden concern's reveal_when min_trust
    end_when: Condition | None = None


class Lines(_Strict):
    """The offline voice's authored lines."""

    opening: list[Text] = Field(min_length=1)
    guarded: LineList = Field(min_length=LINES_PER_MOOD)
    neutral: LineList = Field(min_length=LINES_PER_MOOD)
    open: LineList = Field(min_length=LINES_PER_MOOD)
    closed_up: LineList = Field(min_length=3, description="the shut-down mood's lines (stress went over close_up_stress)")
    reactions: dict[Move, list[Text]] = Field(default_factory=dict)
    closing: dict[Mood, list[Text]]
    contest: list[Text] = Field(default_factory=list, description="said when the manager cites something not on record")

    @model_validator(mode="after")
    def _closing_for_every_mood(self) -> Lines:
        missing = [m.value for m in SPEAKING_MOODS if not self.closing.get(m)]
        if missing:
            raise ValueError(f"closing needs at least one line for each mood; missing: {', '.join(missing)}")
        return self

    def pool(self, mood: Mood) -> list[Line]:
        return {Mood.guarded: self.guarded, Mood.neutral: self.neutral, Mood.open: self.open, Mood.shut_down: self.closed_up}[mood]

    def all_lines(self) -> list[Line]:
        return [*self.guarded, *self.neutral, *self.open, *self.closed_up]


class Brief(_Strict):
    you_are: Text
    situation: Text
    goal: Text


class Rubric(_Strict):
    """Weights of the overall score; unset, they follow the scenario's kind."""

    empathy_weight: Annotated[float, Field(ge=0, le=1)] | None = None
    evidence_weight: Annotated[float, Field(ge=0, le=1)] | None = None


class Scenario(_Strict):
    id: Slug
    version: Annotated[int, Field(ge=1)] = 1
    title: Text
    category: Literal["feedback", "exit", "one-on-one", "conflict", "career", "conduct"]
    difficulty: Difficulty = Field(
        DEFAULT_DIFFICULTY,
        description="the preset offered first: supportive, realistic or tough (the manager may choose another)",
    )
    kind: Kind = Field(
        Kind.feedback,
        description="what the conversation is for: feedback (SBI evidence), decision (bad news said plainly), "
        "relationship (a first 1:1: listening, evidence not expected) or mediation (both sides, facts not verdicts)",
    )
    summary: Text
    brief: Brief
    goals: list[Goal] = Field(min_length=1)
    facts: list[Fact] = Field(min_length=1)
    news: Text | None = Field(
        None,
        description="decision scenarios: the decision in one plain sentence, as a manager should say it; the debrief's "
        "better reply says it when the manager has not yet",
    )
    people: list[Text] = Field(
        default_factory=list,
        description="the people the facts and brief name, other than the persona (e.g. Tomás): the offline voice says a line "
        "naming one only once someone in the conversation has, unless the line is the persona's own disclosure (act: discloses)",
    )
    persona: Persona
    tuning: Tuning = Tuning()
    end_when: Condition | None = Field(None, description="the conversation ends early, well, when this holds after a turn")
    topics: dict[Slug, Text] = Field(
        default_factory=dict, description="what the conversation may be about: topic id -> a sentence describing it"
    )
    asks: dict[Slug, list[Text]] = Field(
        default_factory=dict,
        description="for trainers: topic id -> 3 to 6 short things a manager might ask or say about it, in a manager's own "
        "words; the offline voice recognises a topic by its description, these examples and its lines",
    )
    lines: Lines
    rubric: Rubric = Rubric()

    @model_validator(mode="after")
    def _references_exist(self) -> Scenario:
        concern_ids = [c.id for c in self.persona.hidden_concerns]
        goal_ids = [g.id for g in self.goals]
        for kind, ids in (("hidden concern", concern_ids), ("goal", goal_ids), ("fact", [f.id for f in self.facts])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{kind} ids must be unique; repeated: {', '.join(dupes)}")
        conditions = [c.reveal_when for c in self.persona.hidden_concerns] + [g.met_when for g in self.goals]
        conditions += [b.ends_when for b in self.persona.boundaries if b.ends_when is not None]
        if self.end_when:
            conditions.append(self.end_when)
        unknown_asks = sorted(set(self.asks) - set(self.topics))
        if unknown_asks:
            raise ValueError(f"asks: names {', '.join(unknown_asks)}, which is not under topics:; defined: {sorted(self.topics)}")
        for cond in conditions:
            for tid in cond.answered:
                if tid not in self.topics:
                    raise ValueError(f"condition names topic '{tid}', which is not under topics:; defined: {sorted(self.topics)}")
            for cid in cond.revealed:
                if cid not in concern_ids:
                    raise ValueError(f"condition names hidden concern '{cid}', which is not defined; defined: {concern_ids}")
            for gid in cond.goals_met:
                if gid not in goal_ids:
                    raise ValueError(f"condition names goal '{gid}', which is not defined; defined: {goal_ids}")
        return self

    def weights(self) -> tuple[float, float]:
        """(empathy, evidence) weights of the overall score: the rubric's, else the kind's."""
        profile = KIND_PROFILES[self.kind]
        empathy = profile.empathy_weight if self.rubric.empathy_weight is None else self.rubric.empathy_weight
        evidence = profile.evidence_weight if self.rubric.evidence_weight is None else self.rubric.evidence_weight
        return empathy, evidence

    @model_validator(mode="after")
    def _line_references_exist(self) -> Scenario:
        known = set(self.topics) | {c.id for c in self.persona.hidden_concerns} | {g.id for g in self.goals}
        lines = self.lines.all_lines() + [line for c in self.persona.hidden_concerns for line in c.reveal_lines]
        for line in lines:
            unknown = [t for t in line.topics if t not in self.topics]
            unknown += [x for x in line.after + line.before if x not in known]
            if unknown:
                raise ValueError(
                    f"line {line.text[:50]!r} names {', '.join(sorted(set(unknown)))}, which is not a topic, goal or hidden concern "
                    f"of this scenario; add it under topics: or fix the spelling"
                )
        return self

    @model_validator(mode="before")
    @classmethod
    def _old_format(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("state" in data or data.get("difficulty") in ("easy", "medium", "hard")):
            raise ValueError(
                "this file is in the old format (difficulty easy/medium/hard and a state: table of move effects). "
                "Run `simulator scenarios migrate FILE`: it keeps your numbers that differ from the kind's as tuning: "
                "overrides and sets difficulty: realistic"
            )
        return data

    @property
    def state(self) -> StateTable:
        """The engine table at this scenario's difficulty."""
        return self.table(self.difficulty)

    def table(self, difficulty: Difficulty | str) -> StateTable:
        """The engine table: the kind's realistic numbers, this scenario's tuning overrides, then the preset."""
        preset = PRESETS[Difficulty(difficulty)]
        base = KIND_DEFAULTS[self.kind]
        t = self.tuning
        effects = {m: Delta(trust=tr, stress=st) for m, (tr, st) in KIND_EFFECTS[self.kind].items()} | t.deltas
        deltas = {m: Delta(trust=d.trust, stress=scaled_stress(d.stress, preset)) for m, d in effects.items()}

        def pick(value: int | None, default: int) -> int:
            return default if value is None else value

        open_at = clamp(pick(t.open_at_trust, base.open_at_trust) + preset.reveal_shift, 0, 100)
        return StateTable(
            trust_start=clamp(pick(t.trust_start, base.trust_start) + preset.trust_shift, 0, 100),
            stress_start=clamp(pick(t.stress_start, base.stress_start) + preset.stress_shift, 0, 100),
            deltas=deltas,
            open_at_trust=open_at,
            guarded_below_trust=min(open_at, pick(t.guarded_below_trust, base.guarded_below_trust)),
            close_up_stress=pick(t.close_up_stress, base.close_up_stress),
            max_change_per_turn=pick(t.max_change_per_turn, base.max_change_per_turn),
            turn_cap=pick(t.turn_cap, base.turn_cap),
            reveal_shift=preset.reveal_shift,
            end_when=self.end_when,
        )

    def at_difficulty(self, difficulty: Difficulty | str) -> Scenario:
        """The same scenario played at another preset."""
        return self.model_copy(update={"difficulty": Difficulty(difficulty)})

    def reveal_condition(self, concern: HiddenConcern) -> Condition:
        """A hidden concern's reveal condition at this difficulty: its min_trust moved by the preset."""
        cond = concern.reveal_when
        shift = PRESETS[self.difficulty].reveal_shift
        if cond.min_trust is None or not shift:
            return cond
        return cond.model_copy(update={"min_trust": clamp(cond.min_trust + shift, 0, 100)})

    def concern(self, concern_id: str) -> HiddenConcern:
        return next(c for c in self.persona.hidden_concerns if c.id == concern_id)


# ---------------------------------------------------------------- loading


def default_scenarios_dir() -> Path:
    """The shipped library: simulator/scenarios/ in an installed wheel, else scenarios/ of the checkout (see setup.py)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def json_schema() -> str:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Difficult-conversation scenario"
    return json.dumps(schema, indent=2)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ScenarioNotFound(f"{path}: no such scenario file. Check the path, or list scenarios with `simulator scenarios validate`.") from None
    if path.is_dir():
        raise ScenarioError(f"{path} is a folder, not a scenario file. Pass its .yaml files ({path}/*.yaml).", path=str(path))
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{path}: file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit. Split it or trim the offline lines.",
            path=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded). Save the file as UTF-8.", path=str(path)) from None
    except OSError as exc:
        raise ScenarioError(f"{path} cannot be read ({exc.strerror}). Check that you may read the file.", path=str(path)) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    data, node = read_yaml_mapping(text, source=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, node, source) for err in exc.errors()]
        raise ScenarioError(
            f"{source}: {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems),
            path=source,
            problems=problems,
        ) from None


def from_snapshot(data: dict) -> Scenario:
    """A scenario as a session stored it. Snapshots taken before difficulty presets carry the whole old
    `state:` table and easy/medium/hard: they are read with those numbers as tuning overrides, so an old
    session replays exactly as it was played."""
    if "state" in data:
        data = dict(data)
        table = dict(data.pop("state") or {})
        if table.get("end_when") is not None:
            data["end_when"] = table["end_when"]
        table.pop("end_when", None)
        data["tuning"] = table
        data["difficulty"] = DEFAULT_DIFFICULTY.value
    return Scenario.model_validate(data)


def field_problems(data: Any) -> list[tuple[tuple, str]]:
    """Every problem of a scenario mapping as (field path, "field: what is wrong — fix: how"); empty when it is valid."""
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return [(tuple(err["loc"]), _describe(err, None, "").split(": ", 1)[1]) for err in exc.errors()]
    return []


def read_yaml_mapping(text: str, *, source: str = "<scenario>") -> tuple[dict, yaml.Node | None]:
    """The YAML mapping of a scenario text (not yet validated) and its node tree for line numbers.

    Refuses what is unsafe to read (size, aliases, runaway nesting) with a ScenarioError.
    """
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: over the {MAX_FILE_BYTES}-byte limit. Split it or trim the offline lines.", path=source)
    _refuse_deep_brackets(text, source)
    try:
        _refuse_aliases(text, source)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ScenarioError(
            f"{source}:{line}: YAML syntax error: {exc.problem}. Fix the indentation or quoting on that line "
            "(text with a colon needs quotes).",
            path=source,
        ) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ScenarioError(
            f"{source}: lists or mappings are nested too deeply to read. A scenario needs a few levels at most: "
            "check for runaway brackets ([[[...) and see `simulator scenarios schema`.",
            path=source,
        ) from None
    except yaml.reader.ReaderError as exc:  # a control character: PyYAML gives it no line mark
        line = text.count("\n", 0, max(0, exc.position)) + 1
        raise ScenarioError(
            f"{source}:{line}: character U+{exc.character:04X} is not allowed in a YAML file (a control character). "
            "Delete it; copying text from a PDF or a terminal sometimes brings one along.",
            path=source,
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}:1: a scenario must be a YAML mapping (id:, title:, ...). See `simulator scenarios schema`.", path=source)
    return data, node


def load_library(directory: str | Path | None = None) -> tuple[dict[str, Scenario], list[ScenarioError]]:
    """All scenarios of a folder, plus the errors of the files that failed to load.

    A broken file does not hide the good ones: the caller shows its error.
    """
    directory = Path(directory) if directory else default_scenarios_dir()
    scenarios: dict[str, Scenario] = {}
    errors: list[ScenarioError] = []
    if not directory.is_dir():
        errors.append(ScenarioError(f"{directory}: scenario folder not found. Set SIMULATOR_SCENARIOS_DIR to a folder of .yaml files.", path=str(directory)))
        return scenarios, errors
    for path in sorted(directory.glob("*.y*ml")):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        if scenario.id in scenarios:
            errors.append(ScenarioError(f"{path}: id '{scenario.id}' is already used by another file. Give each scenario its own id.", path=str(path)))
            continue
        scenarios[scenario.id] = scenario
    return scenarios, errors


def find_scenario(name: str, directory: str | Path | None = None) -> Scenario:
    """A scenario by id (from the library) or by file path."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        return load_scenario(candidate)
    scenarios, _ = load_library(directory)
    if name in scenarios:
        return scenarios[name]
    known = ", ".join(sorted(scenarios)) or "none"
    raise ScenarioNotFound(f"No scenario with id '{name}'. Known ids: {known}. Or pass a path to a .yaml file.")


MAX_BRACKET_DEPTH = 32


def _refuse_deep_brackets(text: str, source: str) -> None:
    """Refuse flow collections ([...] / {...}) nested deeper than MAX_BRACKET_DEPTH, before PyYAML reads them.

    PyYAML's scanner takes time quadratic in that depth (10 KB of '[' took over a minute),
    so a small file could hang the library page. Brackets are counted everywhere, even
    inside text, which only ever over-counts; no real scenario comes near the limit.
    """
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                line = text.count("\n", 0, index) + 1
                raise ScenarioError(
                    f"{source}:{line}: brackets ([ or {{) are nested more than {MAX_BRACKET_DEPTH} deep. A scenario needs a few "
                    "levels at most: close the brackets, or write the lists with '- ' lines (see `simulator scenarios schema`).",
                    path=source,
                )
        elif char in "]}" and depth:
            depth -= 1


def _refuse_aliases(text: str, source: str) -> None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            line = event.start_mark.line + 1
            raise ScenarioError(
                f"{source}:{line}: YAML anchors and aliases (&name / *name) are not allowed in scenario files. "
                "Write the text out in full.",
                path=source,
            )


_FIX_HINTS = {
    "missing": "add this field",
    "extra_forbidden": "remove it, or check its spelling against `simulator scenarios schema`",
    "too_short": "add more items",
    "string_too_short": "write some text here",
    "string_too_long": "shorten the text",
    "string_pattern_mismatch": "use lower-case letters, digits, '-' and '_' only",
    "enum": "use one of the allowed values",
    "literal_error": "use one of the allowed values",
    "less_than_equal": "use a smaller number",
    "greater_than_equal": "use a larger number",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "list_type": "write a list (lines starting with '- ')",
    "dict_type": "write a mapping (key: value lines)",
    "model_type": "write a mapping (key: value lines)",
    "value_error": "correct the value as the message says",
}


def _describe(err: ErrorDetails, root: yaml.Node | None, source: str) -> str:
    loc = tuple(err["loc"])
    line = _line_of(root, loc)
    field = ".".join(str(p) for p in loc) or "(top level)"
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required field is missing"
    hint = _FIX_HINTS.get(err["type"], "see `simulator scenarios schema` for the expected shape")
    return f"{source}:{line}: {field}: {msg} — fix: {hint}."


def _line_of(node: yaml.Node | None, loc: tuple) -> int:
    """1-based line of the deepest YAML node matching a pydantic error location."""
    best = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node = value
                    best = (value if isinstance(value, yaml.ScalarNode) else key).start_mark.line + 1
                    break
            else:
                return best
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            best = node.start_mark.line + 1
        else:
            return best
    return best
