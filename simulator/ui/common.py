"""Shared Streamlit helpers: settings, store, library, user, safe rendering."""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from simulator.config import Settings, load_settings, offline
from simulator.domain.scenario import Mood, Scenario, default_scenarios_dir, load_library
from simulator.errors import ScenarioError, SimulatorError
from simulator.practice import Parts, PracticeService, SessionView, build_parts
from simulator.store.db import Store, open_store

PAGES = {
    "library": "simulator/ui/pages/library.py",
    "practice": "simulator/ui/pages/practice.py",
    "debrief": "simulator/ui/pages/debrief.py",
    "history": "simulator/ui/pages/history.py",
    "settings": "simulator/ui/pages/settings.py",
}

MOOD_BADGE = {
    Mood.guarded: ":orange-badge[:material/shield: guarded]",
    Mood.neutral: ":gray-badge[:material/radio_button_unchecked: neutral]",
    Mood.open: ":green-badge[:material/sentiment_satisfied: open]",
    Mood.shut_down: ":red-badge[:material/block: shut down]",
}


def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    return _store_for(settings().database_url)


def _fingerprint(directory: Path) -> tuple:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.y*ml")))
    except OSError:
        return ()


@st.cache_resource(show_spinner=False, max_entries=4)
def _library_for(directory: str, _fingerprint: tuple) -> tuple[dict[str, Scenario], list[ScenarioError]]:
    return load_library(directory)


def library() -> tuple[dict[str, Scenario], list[ScenarioError]]:
    """The scenario library; reloaded whenever a file in the folder changes."""
    directory = settings().scenarios_dir or default_scenarios_dir()
    return _library_for(str(directory), _fingerprint(Path(directory)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _parts_for(_settings: Settings, key: tuple) -> Parts:
    # Shared by every user of this process: safe, because the parts keep nothing per call
    # (each call returns its own response, usage included).
    try:
        return build_parts(_settings)
    except SimulatorError as exc:  # a half-configured model must not lock the user out: practise offline, say why
        parts = build_parts(offline(_settings))
        parts.mode = f"Offline, because the model settings are incomplete: {exc}"
        return parts


def engine_parts() -> Parts:
    """Voice, tagger and judge for the current settings (model clients are reused across reruns)."""
    s = settings()
    m = s.models
    return _parts_for(s, (m.base_url, m.api_key, m.persona_model, m.judge_model, m.tagger_model, s.history_tokens))


def service() -> PracticeService:
    """The practice service under the current settings (cheap: store, parts and library are cached)."""
    scenarios, _ = library()
    return PracticeService.from_settings(settings(), store(), scenarios, engine_parts())


def open_session(session_id: str) -> SessionView | None:
    """The practice session with this id, as the database has it; None after showing why it cannot be."""
    with user_errors():
        return service().resume(session_id)
    return None


def current_user() -> str:
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name"))
    except (AttributeError, KeyError):
        pass
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "local"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str) -> str:
    """Escape text so Streamlit markdown shows it literally: no links, images, HTML or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def highlighted(text: str, highlights: list[dict]) -> str:
    """Markdown of `text` with earned points on green and lost points on red.

    Overlapping spans merge into one highlight (red if any part of it cost points),
    so no highlight ever splits a word or a date.
    """
    merged: list[list[int]] = []  # [start, end, sign]
    for h in sorted(highlights, key=lambda h: (h["start"], h["end"])):
        if merged and h["start"] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], h["end"])
            merged[-1][2] = min(merged[-1][2], h["sign"])
        else:
            merged.append([h["start"], h["end"], h["sign"]])
    out, pos = [], 0
    for start, end, sign in merged:
        out.append(md_escape(text[pos:start]))
        colour = "green" if sign > 0 else "red"
        out.append(f":{colour}-background[{md_escape(text[start:end])}]")
        pos = end
    out.append(md_escape(text[pos:]))
    return "".join(out)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show SimulatorError messages (safe, with a fix) instead of a stack trace."""
    try:
        yield
    except SimulatorError as exc:
        st.error(str(exc), icon=":material/error:")
