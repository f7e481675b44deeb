"""The scenario's list fields as table rows, for the authoring form's table editors, and back.

Each list (goals, facts, topics, hidden concerns, a mood's lines...) is shown as rows of
plain cells: text, comma-separated ids, a tick box, or a short YAML value for what is
nested (a condition: `{min_trust: 60, any_move: [open_question]}`). Keys of an item that
have no column of their own are kept in its "more" cell, so nothing in the draft is lost by
editing it as a table. `to_rows` and `from_rows` are inverses for unedited rows; the page
calls `from_rows` only when the trainer changed something.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from simulator.domain.moves import Move
from simulator.domain.scenario import SPEAKING_MOODS, Act, read_yaml_mapping
from simulator.errors import ScenarioError

ColumnKind = Literal["text", "ids", "yaml", "bool", "choice"]
MORE = "more"


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    options: tuple[str, ...] = ()  # for "choice"
    default: Any = None  # a "bool" column's value when the item leaves it out
    help: str = ""


@dataclass(frozen=True)
class ListField:
    """One list of the draft. `shape`: strings (a list of text), records (a list of mappings, a plain string being
    {"text": ...}), mapping (id -> text) or grouped (key -> list of text, one row per text)."""

    path: tuple[str, ...]
    label: str
    shape: Literal["strings", "records", "mapping", "grouped"]
    columns: tuple[Column, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns] + ([MORE] if self.shape in ("records", "mapping") else [])


ID, TEXT = Column("id"), Column("text")
CONDITION_HELP = "YAML, e.g. {min_trust: 60, any_move: [open_question]}"
LINE_COLUMNS = (TEXT, Column("topics", "ids", help="topic ids, comma-separated"), Column("act", "choice", tuple(a.value for a in Act)),
                Column("after", "ids", help="topics, goals or concerns that must have happened first"),
                Column("before", "ids", help="never said once any of these has happened"), Column("own_account", "bool", default=False))

LIST_FIELDS: tuple[ListField, ...] = (
    ListField(("goals",), "Goals", "records", (ID, TEXT, Column("met_when", "yaml", help=CONDITION_HELP))),
    ListField(("facts",), "Facts on record", "records",
              (ID, TEXT, Column("date", "yaml", help="YYYY-MM-DD"), Column("known_to_persona", "bool", default=True))),
    ListField(("people",), "People the case names", "strings", (TEXT,)),
    ListField(("topics",), "Topics", "mapping", (ID, TEXT)),
    ListField(("asks",), "How a manager might ask about each topic", "grouped", (Column("topic", help="a topic id"), TEXT)),
    ListField(("persona", "hidden_concerns"), "Hidden concerns", "records",
              (ID, Column("summary"), Column("reveal_when", "yaml", help=CONDITION_HELP),
               Column("reveal_lines", "yaml", help='YAML list, e.g. ["My dad had a stroke.", "It has been hard."]'))),
    ListField(("persona", "will_contest"), "What the persona contests", "strings", (TEXT,)),
    ListField(("persona", "boundaries"), "Boundaries", "records",
              (Column("id"), TEXT, Column("ends_when", "yaml", help=CONDITION_HELP), Column("line"), Column("why"))),
    ListField(("persona", "principles"), "Principles (for the model persona)", "strings", (TEXT,)),
    ListField(("lines", "opening"), "Lines: opening", "strings", (TEXT,)),
    *(ListField(("lines", mood.value), f"Lines: {mood.value}", "records", LINE_COLUMNS) for mood in SPEAKING_MOODS),
    ListField(("lines", "closed_up"), "Lines: shut down", "records", LINE_COLUMNS),
    ListField(("lines", "reactions"), "Lines: reactions to a move", "grouped", (Column("move", "choice", tuple(m.value for m in Move)), TEXT)),
    ListField(("lines", "closing"), "Lines: closing, per mood", "grouped",
              (Column("mood", "choice", tuple(m.value for m in SPEAKING_MOODS)), TEXT)),
    ListField(("lines", "contest"), "Lines: contesting a claim not on record", "strings", (TEXT,)),
)


def to_rows(spec: ListField, value: Any) -> list[dict[str, Any]]:
    """The list at `spec.path` (as the draft holds it) as table rows; ValueError when it is not a list (or mapping) at all."""
    _check_shape(spec, value)
    if spec.shape == "strings":
        return [{"text": _cell(item)} for item in value or []]
    if spec.shape == "grouped":
        key = spec.columns[0].name
        return [{key: str(k), "text": _cell(text)} for k, texts in (value or {}).items() for text in texts or []]
    if spec.shape == "mapping":
        items = [{"id": k, **(v if isinstance(v, dict) else {"text": v})} for k, v in (value or {}).items()]
    else:
        items = [item if isinstance(item, dict) else {"text": item} for item in value or []]
    rows = []
    for item in items:
        row = {c.name: _show(c, item.get(c.name)) for c in spec.columns}
        rest = {k: v for k, v in item.items() if k not in row}
        row[MORE] = _flow(rest) if rest else ""
        rows.append(row)
    return rows


def _check_shape(spec: ListField, value: Any) -> None:
    expected: type = dict if spec.shape in ("mapping", "grouped") else list
    if value is not None and not isinstance(value, expected):
        raise ValueError(f"{'.'.join(spec.path)} is not a {'mapping' if expected is dict else 'list'}: fix it in the YAML view")


def from_rows(spec: ListField, rows: list[dict[str, Any]]) -> Any:
    """Table rows back as the draft's list; blank rows are dropped. ValueError names the row and cell to fix."""
    rows = [r for r in rows if any(_blank_to_none(v) not in (None, "", False) for k, v in r.items() if _is_typed(spec, k))]
    if spec.shape == "strings":
        return [_text(r.get("text")) for r in rows]
    if spec.shape == "grouped":
        key = spec.columns[0].name
        grouped: dict[str, list[str]] = {}
        for n, r in enumerate(rows, 1):
            k = _text(r.get(key))
            if not k:
                raise ValueError(f"row {n}: choose the {key} this line is for")
            grouped.setdefault(k, []).append(_text(r.get("text")))
        return grouped
    items = []
    for n, r in enumerate(rows, 1):
        item: dict[str, Any] = {}
        for c in spec.columns:
            value = _read(c, r.get(c.name), n)
            if value is not None:
                item[c.name] = value
        more = _text(r.get(MORE))
        if more:
            extra = _yaml_cell(more, n, MORE)
            if not isinstance(extra, dict):
                raise ValueError(f"row {n}, column {MORE}: write the other fields as a YAML mapping, e.g. {{act: deflects}}")
            item = {**extra, **item}
        items.append(item)
    if spec.shape == "mapping":
        mapping = {}
        for n, item in enumerate(items, 1):
            tid = item.pop("id", None)
            if not tid:
                raise ValueError(f"row {n}: give the topic an id (lower-case letters, digits, '-' and '_')")
            mapping[tid] = item["text"] if set(item) == {"text"} else item
        return mapping
    plain_allowed = spec.path[0] == "lines" or spec.path == ("persona", "boundaries")  # a plain string is a line, a boundary
    return [item["text"] if plain_allowed and set(item) == {"text"} else item for item in items]


def _is_typed(spec: ListField, name: str) -> bool:
    return name in spec.names


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _text(value: Any) -> str:
    value = _blank_to_none(value)
    return "" if value is None else str(value).strip()


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else _flow(value)


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False).strip().removesuffix("...").strip()


def _show(column: Column, value: Any) -> Any:
    if column.kind == "bool":
        return column.default if value is None else bool(value)
    if value is None:
        return ""
    if column.kind == "ids" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if column.kind == "yaml" or not isinstance(value, (str, int, float)):
        return _flow(value)
    return str(value)


def _read(column: Column, value: Any, row: int) -> Any:
    """A cell as the draft's value; None leaves the field out (its default)."""
    if column.kind == "bool":
        value = _blank_to_none(value)
        flag = column.default if value is None else bool(value)
        return None if flag == column.default else flag
    text = _text(value)
    if not text:
        return None
    if column.kind == "ids":
        return [part.strip() for part in text.split(",") if part.strip()]
    if column.kind == "yaml":
        return _yaml_cell(text, row, column.name)
    return text


def _yaml_cell(text: str, row: int, name: str) -> Any:
    try:  # read as the value of a one-key mapping, with the scenario loader's safety limits
        data, _ = read_yaml_mapping(f"value: {text}", source=f"row {row}, column {name}")
    except ScenarioError as exc:
        raise ValueError(f"row {row}, column {name}: this is not valid YAML ({str(exc).split(': ', 2)[-1]})") from None
    return data.get("value")
