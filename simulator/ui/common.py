"""Shared Streamlit helpers: settings, store, library, user (and sign-in in team mode), safe rendering."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import streamlit as st

from simulator.authoring.library import combined_library
from simulator.config import Settings, current_settings, offline
from simulator.domain.scenario import Mood, Scenario, default_scenarios_dir
from simulator.errors import ScenarioError, SimulatorError
from simulator.export import inert
from simulator.practice import Parts, PracticeService, SessionView, build_parts, local_user
from simulator.store.access import Access, Actor
from simulator.store.db import Store, open_store
from simulator.store.engine import MEMORY_URL

PAGES = {
    "library": "simulator/ui/pages/library.py",
    "practice": "simulator/ui/pages/practice.py",
    "debrief": "simulator/ui/pages/debrief.py",
    "history": "simulator/ui/pages/history.py",
    "settings": "simulator/ui/pages/settings.py",
    "team": "simulator/ui/pages/team.py",
    "authoring": "simulator/ui/pages/authoring.py",
}

PRIVATE = "dont_store"  # this tab's "don't store my sessions" switch
PRIVATE_SWITCH = "dont_store_switch"  # ...the sidebar toggle that sets it
PRIVATE_STORE = "memory_store"  # ...and the in-memory database its sessions live in


MOOD_BADGE = {
    Mood.guarded: ":orange-badge[:material/shield: guarded]",
    Mood.neutral: ":gray-badge[:material/radio_button_unchecked: neutral]",
    Mood.open: ":green-badge[:material/sentiment_satisfied: open]",
    Mood.shut_down: ":red-badge[:material/block: shut down]",
}


def settings() -> Settings:
    return current_settings()


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> Store:
    """The database, opened once per process."""
    return open_store(url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _purged(url: str, day: str, days: int) -> int:
    """Sessions past the retention period purged, once per process and calendar day (`day` is in the cache
    key, so a server that runs for weeks purges every day, at the first page someone opens that day)."""
    from simulator.store.retention import purge

    return purge(_store_for(url), days)


@st.cache_resource(show_spinner=False, max_entries=4)
def _teams_synced(url: str, path: str, _fingerprint: tuple) -> bool:
    """Load the team file into the database once per version of the file."""
    from simulator.store.teams import load_team_config, sync

    config = load_team_config(Path(path))
    if config is not None:
        sync(_store_for(url), config)
    return config is not None


def shared_store() -> Store:
    """The app's database (team roles in sync with the team file)."""
    s = settings()
    if s.teams_file is not None:
        _teams_synced(s.database_url, str(s.teams_file), _file_fingerprint(s.teams_file))
    return _store_for(s.database_url)


def store() -> Store:
    """Where this tab's practice goes: the app's database, or, with "don't store my sessions" on, a
    database in this tab's memory that is gone when the tab closes."""
    if st.session_state.get(PRIVATE):
        if PRIVATE_STORE not in st.session_state:
            st.session_state[PRIVATE_STORE] = open_store(MEMORY_URL)
        return st.session_state[PRIVATE_STORE]
    return shared_store()


def _file_fingerprint(path: Path) -> tuple:
    try:
        stat = path.stat()
        return (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return ()


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


@st.cache_resource(show_spinner=False)
def settle_heap() -> bool:
    """Once per server process, while a manager reads a reply: collect, then freeze what is alive (the encoder,
    the tagger, Streamlit's and SQLAlchemy's modules) out of the collector's reach. A full collection then walks
    only what pages create, instead of 130-200 ms over everything, which could land between "End" and the debrief."""
    import gc

    gc.collect()
    gc.freeze()
    return True


def engine_parts() -> Parts:
    """Voice, tagger and judge for the current settings (model clients are reused across reruns)."""
    s = settings()
    m = s.models
    return _parts_for(s, (m.base_url, m.api_key, m.persona_model, m.judge_model, m.tagger_model, s.history_tokens))


def service() -> PracticeService:
    """The practice service under the current settings (cheap: store, parts and library are cached)."""
    scenarios, _ = library()
    return PracticeService.from_settings(settings(), store(), scenarios, engine_parts(), user=current_user())


def open_session(session_id: str, since: SessionView | None = None) -> SessionView | None:
    """The practice session with this id, as the database has it; None after showing why it cannot be.
    `since`: the view this page showed before (only the messages it lacks are read)."""
    with user_errors():
        return service().resume(session_id, since=since)
    return None


def current_user() -> str:
    """Who is practising: the signed-in email in team mode, else this machine's login name."""
    if settings().team_mode:
        email = signed_in_email()
        if email is None:  # `require_sign_in` stops every page before this; never fall back to a shared name
            raise SimulatorError("You are not signed in. Reload the page and sign in.")
        return email
    return local_user()


def signed_in_email() -> str | None:
    try:
        if st.user.is_logged_in:
            email = st.user.get("email")
            return str(email).strip().lower() if email else None
    except (AttributeError, KeyError):
        pass
    return None


def current_actor() -> Actor:
    """The current user with their team roles (local mode: the one user, who may do everything with their own data)."""
    return Access(shared_store()).actor(current_user(), team_mode=settings().team_mode)


def require_sign_in() -> None:
    """Team mode: nothing shows until the person signs in through the identity provider."""
    if not settings().team_mode or signed_in_email() is not None:
        return
    st.title("Difficult conversations")
    try:
        logged_in = bool(st.user.is_logged_in)
    except AttributeError:
        logged_in = False
    if logged_in:  # signed in, but the provider sent no email: nothing to match to a team
        st.error("Your identity provider did not send an email address, so your teams cannot be found. "
                 "Ask your administrator to add the 'email' scope for this app.", icon=":material/error:")
        st.button("Sign out", on_click=st.logout)
    else:
        st.info("Sign in with your organisation account to practise. Your sessions are private to you unless you share them.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
    st.stop()


def sidebar() -> None:
    """On every page: who is signed in, the "don't store" switch, the notice on where the data goes (and,
    with a retention period, the day's purge)."""
    s = settings()
    if s.retention_days:
        _purged(s.database_url, date.today().isoformat(), s.retention_days)
    with st.sidebar:
        if s.team_mode:
            st.caption(f"Signed in as {md_escape(current_user())}")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        # The choice lives in a plain session key: a widget's own state would be reset when the page changes.
        st.toggle("Don't store my sessions", value=bool(st.session_state.get(PRIVATE)), key=PRIVATE_SWITCH, on_change=_switch_private,
                  help="New conversations in this tab stay in memory only: nothing is written to the database, and they are gone when you close the tab.")
        st.caption(privacy_notice())


def _switch_private() -> None:
    st.session_state[PRIVATE] = bool(st.session_state.get(PRIVATE_SWITCH))


def privacy_notice() -> str:
    """Plain words: practice, not assessment; where the conversations go."""
    s = settings()
    where = "in this browser tab's memory only" if st.session_state.get(PRIVATE) else "in this app's database"
    parts = [
        "This is practice, not assessment: the scores are feedback for you, not a rating of you.",
        f"Your conversations are kept {where}, yours alone unless you share them from the Team page.",
    ]
    if s.retention_days:
        parts.append(f"Sessions untouched for {s.retention_days} days are deleted automatically.")
    if s.models.online:
        redacted = " after emails, phone numbers and known names are replaced" if s.redact else ""
        parts.append(f"Your messages are sent to the model at {md_escape(s.models.base_url or 'the OpenAI API')}{redacted}.")
    else:
        parts.append("No model is configured: nothing leaves this server.")
    parts.append("Settings has \"Export my data\" and \"Delete my data\".")
    return " ".join(parts)


def md_escape(text: str) -> str:
    """Model or scenario text, inert in Streamlit markdown (the one sanitising helper: `simulator.export.inert`)."""
    return inert(text)


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
