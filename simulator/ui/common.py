"""Shared Streamlit helpers: settings, store, library, user, safe rendering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from simulator.authoring.library import combined_library
from simulator.config import Settings, load_settings, offline
from simulator.domain.scenario import Mood, Scenario, default_scenarios_dir
from simulator.errors import ScenarioError, SimulatorError
from simulator.export import inert, marked
from simulator.practice import Parts, PracticeService, SessionView, build_parts, local_user
from simulator.store.db import Store, open_store

PAGES = {
    "library": "simulator/ui/pages/library.py",
    "practice": "simulator/ui/pages/practice.py",
    "debrief": "simulator/ui/pages/debrief.py",
    "history": "simulator/ui/pages/history.py",
    "settings": "simulator/ui/pages/settings.py",
    "authoring": "simulator/ui/pages/authoring.py",
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
def _library_for(directory: str, published: str | None, fingerprint: tuple) -> tuple[dict[str, Scenario], list[ScenarioError]]:
    # `fingerprint` is part of the cache key (Streamlit leaves out only parameters named with a leading underscore)
    return combined_library(Path(directory), Path(published) if published else None)


def library() -> tuple[dict[str, Scenario], list[ScenarioError]]:
    """The shipped scenarios and the trainers' published ones; reloaded whenever a file in either folder changes."""
    s = settings()
    directory = s.scenarios_dir or default_scenarios_dir()
    published = s.library_dir
    fingerprint = (_fingerprint(Path(directory)), _fingerprint(published) if published else ())
    return _library_for(str(directory), str(published) if published else None, fingerprint)


def can_author(user: str) -> bool:
    """Who may open the authoring page. Local mode: everyone; the one place a role check will go."""
    return True


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
    return local_user()


def md_escape(text: str) -> str:
    """Model or scenario text, inert in Streamlit markdown (the one sanitising helper: `simulator.export.inert`)."""
    return inert(text)


def highlighted(text: str, highlights: list[dict]) -> str:
    """Markdown of `text` (inert) with earned points on green and lost points on red."""
    return marked(text, highlights, lambda span, sign: f":{'green' if sign > 0 else 'red'}-background[{span}]")


OPEN_SESSION = "open_session"  # the session this browser tab last opened


def current_session_id() -> str | None:
    """The session a page should show: the one in the URL, else the one this tab last opened.

    The sidebar's links drop the URL's query, so the Practice and Debrief links would lose the
    open conversation; the tab remembers it and puts it back in the URL.
    """
    session_id = st.query_params.get("session")
    if session_id:
        st.session_state[OPEN_SESSION] = session_id
        return session_id
    session_id = st.session_state.get(OPEN_SESSION)
    if session_id:
        st.query_params["session"] = session_id
    return session_id


@contextmanager
def user_errors() -> Iterator[None]:
    """Show SimulatorError messages (safe, with a fix) instead of a stack trace."""
    try:
        yield
    except SimulatorError as exc:
        st.error(str(exc), icon=":material/error:")
