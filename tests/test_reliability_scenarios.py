"""Reliability: bad scenario files get a clear error naming the file (and the field), never a traceback or a hang.

A property-based fuzzer (hypothesis) writes files and loads them the way the library
and `simulator scenarios validate` do:
- any YAML document (nested mappings, lists, scalars of every type);
- a shipped scenario with one field deleted, retyped or misspelt (the error names the field);
- any text at all (including control characters and broken YAML).
Then the hand-made worst cases: alias bombs, a 10 MB file, wrong encodings, binary data.
Pass criterion: the loader returns a Scenario or raises ScenarioError whose message
names the file; nothing else escapes; each case ends within the test timeout.
Counts are in docs/reliability.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.domain.scenario import Scenario, default_scenarios_dir, load_library, load_scenario
from simulator.errors import ScenarioError

SHIPPED = default_scenarios_dir() / "performance-feedback.yaml"
EXAMPLES = 150  # per property; docs/reliability.md reports the totals
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.dates(min_value=dt.date(1, 1, 1)),
)
keys = st.one_of(st.sampled_from(["id", "version", "title", "persona", "lines", "goals", "facts", "state", "tuning", "brief", "kind", "extra"]),
                 st.text(string.ascii_letters + "_", min_size=1, max_size=12))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=30)


def outcome(path: Path) -> Scenario | ScenarioError:
    """Load a file; anything but a Scenario or a ScenarioError naming the file fails the test."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert str(path) in message, f"the error does not name the file: {message!r}"
        assert "Traceback" not in message and message.strip()
        return exc


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


@pytest.fixture
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(document=documents)
def test_any_yaml_document_loads_or_names_the_file(folder, document):
    assert isinstance(outcome(write(folder, "doc.yaml", yaml.safe_dump(document, allow_unicode=True))), (Scenario, ScenarioError))


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_loads_or_names_the_file(folder, text):
    outcome(write(folder, "text.yaml", text))


def _paths(node, prefix=()):
    """Every (path, key) to a mapping entry of the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _parent(document, path):
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


wrong_values = st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                         st.dictionaries(st.just("x"), st.integers(), max_size=1), st.text(max_size=3))


@FUZZ
@given(data=st.data())
def test_a_broken_field_of_a_real_scenario_is_named(folder, shipped, data):
    document = copy.deepcopy(shipped)
    path = data.draw(st.sampled_from(list(_paths(document))), label="field")
    action = data.draw(st.sampled_from(["delete", "retype", "misspell"]), label="action")
    parent, key = _parent(document, path), path[-1]
    if action == "delete":
        del parent[key]
    elif action == "retype":
        parent[key] = data.draw(wrong_values, label="value")
    else:
        parent[f"{key}x"] = parent.pop(key)
    result = outcome(write(folder, "mutant.yaml", yaml.safe_dump(document, allow_unicode=True, sort_keys=False)))
    if isinstance(result, ScenarioError):
        named = f"{key}x" if action == "misspell" else str(key)
        # the field is named, or its section; a rule across sections ("a goal names a concern that is not
        # defined") is reported at the top level and names the missing item instead
        cross_reference = "(top level): Value error" in str(result)
        assert cross_reference or any(str(p) in str(result) for p in (named, *map(str, path[:-1]))), str(result)


# ---- the worst cases, by hand -----------------------------------------------------------------

def _bomb(levels: int = 9) -> str:
    """A "billion laughs" file: each level is nine aliases of the one before (432 bytes expand to megabytes)."""
    names = "abcdefghij"
    lines = [f"a: &a [{', '.join(['lol'] * 9)}]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [{', '.join(['*' + names[i - 1]] * 9)}]")
    return "\n".join(lines) + "\n"


BOMB = _bomb()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name, content, says", [
    ("bomb.yaml", BOMB, "aliases"),
    ("anchor.yaml", SHIPPED.read_text(encoding="utf-8").replace("title:", "title: &t", 1), "aliases"),
    ("huge.yaml", "id: x\nsummary: " + "a" * (10 * 1024 * 1024) + "\n", "limit"),
    ("utf16.yaml", SHIPPED.read_text(encoding="utf-8").encode("utf-16"), "UTF-8"),
    ("latin1.yaml", SHIPPED.read_text(encoding="utf-8").replace("Priya", "Zoé").encode("latin-1"), "UTF-8"),
    ("binary.yaml", bytes(range(256)) * 64, "UTF-8"),
    ("control.yaml", "id: a\x07b\ntitle: bell\n", ""),
    ("deep.yaml", "[" * 5000 + "]" * 5000, "32 deep"),  # PyYAML's scanner is quadratic in this depth: it took over a minute
    ("deep-map.yaml", "{a: " * 3000 + "1" + "}" * 3000, "32 deep"),
    ("deep-block.yaml", "- " * 3000 + "x\n", "nested too deeply"),
    ("wide.yaml", "x: " + "[" * 30 + "]" * 30 + "\n" * 1 + ("- " + "[" * 30 + "]" * 30 + "\n") * 2000, ""),
    ("tag.yaml", "!!python/object/apply:os.system ['echo hacked']\n", ""),
    ("empty.yaml", "", "mapping"),
    ("list.yaml", "- id: a\n- id: b\n", "mapping"),
])
def test_hand_made_worst_cases_get_a_clear_error(tmp_path, name, content, says):
    result = outcome(write(tmp_path, name, content))
    assert isinstance(result, ScenarioError)
    assert says in str(result)


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path):
    path = write(tmp_path, "bom.yaml", "\ufeff".encode() + SHIPPED.read_bytes())
    assert load_scenario(path).id == "performance-feedback"


@pytest.mark.timeout(60)
def test_validate_and_the_library_report_bad_files_without_a_traceback(tmp_path, capsys):
    good = write(tmp_path, "good.yaml", SHIPPED.read_text(encoding="utf-8"))
    bad = [write(tmp_path, "bomb.yaml", BOMB), write(tmp_path, "latin1.yaml", "title: Zoé\n".encode("latin-1")),
           write(tmp_path, "huge.yaml", "x" * (10 * 1024 * 1024)), write(tmp_path, "control.yaml", "id: a\x07b\n")]
    assert main(["scenarios", "validate", *map(str, [good, *bad])]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for path in bad:
        assert str(path) in err
    scenarios, errors = load_library(tmp_path)
    assert list(scenarios) == ["performance-feedback"] and len(errors) == len(bad)
