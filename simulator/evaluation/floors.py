"""Floors for `simulator eval`: the lowest figure of the offline scorer the project accepts.

The floors live in eval/floors.toml (figure name = minimum), committed with the
figures they protect. `simulator eval` exits non-zero when a figure falls under its
floor, so CI fails on a drop in agreement with the labelled data.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import SimulatorError


def default_floors_file() -> Path:
    return Path(__file__).resolve().parents[2] / "eval" / "floors.toml"


def load_floors(path: Path) -> dict[str, float]:
    """Figure name -> minimum, from a TOML file of `"name" = number` lines."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimulatorError(f"{path}: no such floors file. Pass --floors FILE, or restore eval/floors.toml.") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SimulatorError(f"{path} cannot be read as TOML ({exc}). Write one `\"figure.name\" = minimum` per line.") from None
    floors = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SimulatorError(f"{path}: the floor of {name!r} must be a number, not {value!r}.")
        floors[name] = float(value)
    return floors


@dataclass(frozen=True)
class FloorReport:
    under: list[str]  # one line per figure under its floor (or not a number)
    unchecked: list[str]  # floors whose figure was not computed (a data set is absent)
    checked: int

    @property
    def ok(self) -> bool:
        return not self.under


def check_floors(figures: dict[str, float], floors: dict[str, float]) -> FloorReport:
    under, unchecked = [], []
    for name, minimum in sorted(floors.items()):
        if name not in figures:
            unchecked.append(name)
            continue
        value = figures[name]
        if math.isnan(value) or value < minimum:
            under.append(f"{name} = {value:.3f} is under its floor {minimum:g}")
    return FloorReport(under=under, unchecked=unchecked, checked=len(floors) - len(unchecked))
