"""Authoring: trainers create a scenario in a form, test-play it with a trace, check it and publish it."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import streamlit as st

from simulator.authoring.check import check_scenario
from simulator.authoring.library import publish, to_yaml
from simulator.authoring.rehearse import Rehearsal
from simulator.authoring.tables import LIST_FIELDS, MORE, ListField, from_rows, to_rows
from simulator.domain.difficulty import Difficulty
from simulator.domain.rubric import Kind
from simulator.domain.scenario import SPEAKING_MOODS, Scenario, field_problems, load_library, read_yaml_mapping
from simulator.errors import ScenarioError, SimulatorError
from simulator.store.access import can_author
from simulator.ui.common import PAGES, current_actor, library, md_escape, settings, user_errors

DRAFT, YAML_KEY, RULE_KEY, PENDING = "author_draft", "author_yaml", "author_rule", "author_pending"
LINE_DRAFTS, CONCERN_DRAFTS = "author_line_drafts", "author_concern_drafts"  # suggestions on offer: {"path", "items"}
CATEGORIES = ["feedback", "exit", "one-on-one", "conflict", "career", "conduct"]
# (field path, label, widget, options): the trainer's single-value fields; lists have tables (simulator/authoring/tables.py)
FIELDS: list[tuple[tuple[str, ...], str, str, list[str] | None]] = [
    (("id",), "Id (lower-case, digits, '-')", "text", None),
    (("title",), "Title", "text", None),
    (("category",), "Category", "select", CATEGORIES),
    (("kind",), "Kind of conversation", "select", [k.value for k in Kind]),
    (("difficulty",), "Difficulty offered first", "select", [d.value for d in Difficulty]),
    (("summary",), "Summary (one or two sentences for the library)", "area", None),
    (("brief", "you_are"), "Brief: the manager is", "area", None),
    (("brief", "situation"), "Brief: the situation", "area", None),
    (("brief", "goal"), "Brief: the manager's goal", "area", None),
    (("persona", "name"), "Persona: name", "text", None),
    (("persona", "role"), "Persona: role", "text", None),
    (("persona", "background"), "Persona: background", "area", None),
    (("persona", "personality"), "Persona: personality", "area", None),
    (("persona", "speaking_style"), "Persona: speaking style", "area", None),
    (("persona", "starting_emotion"), "Persona: feeling walking in", "text", None),
    (("persona", "wants"), "Persona: what they want", "area", None),
]


def key_of(path: tuple[str, ...]) -> str:
    return "f:" + ".".join(path)


def get_in(data: dict, path: tuple[str, ...]) -> Any:
    value: Any = data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def set_in(data: dict, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def set_draft(data: dict) -> None:
    """Make `data` the draft: the form fields and the YAML view both show it."""
    st.session_state[DRAFT] = data
    st.session_state[YAML_KEY] = to_yaml(data)
    for path, *_ in FIELDS:
        st.session_state[key_of(path)] = str(get_in(data, path) or "")


def field_changed(path: tuple[str, ...]) -> None:
    data = st.session_state[DRAFT]
    set_in(data, path, st.session_state[key_of(path)])
    set_draft(data)


def yaml_changed() -> None:
    try:
        data, _ = read_yaml_mapping(st.session_state[YAML_KEY], source="YAML view")
    except ScenarioError as exc:
        st.session_state["author_yaml_error"] = str(exc)
        return
    st.session_state.pop("author_yaml_error", None)
    set_draft(data)


def starting_point(scenario: Scenario, *, copy: bool) -> dict:
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["difficulty"] = scenario.difficulty.value  # shown in the form even when it is the default
    data["id"] = f"{scenario.id}-copy" if copy else "my-scenario"
    if not copy:
        data["title"] = f"New scenario (from {scenario.title})"
    return data


def play_version(data: dict) -> str:
    """The draft's version for test-play: a new principle does not restart the conversation (the offline voice ignores principles)."""
    persona = {k: v for k, v in (data.get("persona") or {}).items() if k != "principles"}
    return hashlib.sha256(to_yaml({**data, "persona": persona}).encode("utf-8")).hexdigest()


def test_play_model_voice():
    from simulator.engine.voice import ModelVoice
    from simulator.practice import chat_model

    s = settings()
    return ModelVoice(chat_model(s, s.models.persona_model or ""), history_tokens=s.history_tokens)


def model_configured() -> bool:
    s = settings()
    return bool(s.models.online and s.models.persona_model)


def draft_rule(run: Rehearsal, scenario: Scenario) -> None:
    """The flag's note turned into a rule by the model, into the rule box for review (a button callback)."""
    from simulator.authoring.suggest import suggest_principle
    from simulator.practice import chat_model

    s = settings()
    step = run.trace[st.session_state["author_flag_turn"]]
    try:
        st.session_state[RULE_KEY] = suggest_principle(chat_model(s, s.models.persona_model or ""), scenario, manager=step.manager,
                                                       reply=step.reply, note=st.session_state.get("author_flag_note", ""))
        st.session_state.pop("author_rule_error", None)
    except SimulatorError as exc:
        st.session_state["author_rule_error"] = str(exc)


def add_rule() -> None:
    """The reviewed rule goes under persona.principles of the draft (a button callback)."""
    rule = " ".join(st.session_state.get(RULE_KEY, "").split())
    if len(rule) < 8:
        st.session_state["author_rule_error"] = "Write the rule first: one sentence saying when it applies and what the persona does."
        return
    data = st.session_state[DRAFT]
    principles = data.setdefault("persona", {}).setdefault("principles", [])
    if rule not in principles:
        principles.append(rule)
    set_draft(data)
    st.session_state[RULE_KEY] = ""
    st.session_state["author_flag_note"] = ""
    st.session_state.pop("author_rule_error", None)


def flag_a_reply(run: Rehearsal, scenario: Scenario) -> None:
    """Principle capture: flag a persona reply with a note; a rule for the persona comes out of it, reviewed, then saved."""
    with st.expander("Flag a reply: turn your note into a principle", icon=":material/flag:", expanded=bool(run.trace)):
        if not run.trace:
            st.caption("Say something first; then flag a reply that is out of character (\"too compliant here\", \"would deflect\").")
            return
        st.selectbox("Reply", range(len(run.trace)), index=len(run.trace) - 1, key="author_flag_turn",
                     format_func=lambda n: f"Turn {run.trace[n].turn}: {run.trace[n].reply[:80]}")
        st.text_input("Your note on it", key="author_flag_note", placeholder="too compliant here / would deflect")
        if model_configured():
            st.button("Turn the note into a rule", key="author_flag_suggest", on_click=draft_rule, args=(run, scenario),
                      icon=":material/auto_fix_high:")
            st.caption("The model drafts one checkable rule; edit it before you add it.")
        else:
            st.caption("No model is configured, so write the rule yourself: one sentence saying when it applies and what "
                       f"{md_escape(scenario.persona.name)} does (\"When pressed on the deadline, she defends her estimate "
                       "before conceding\").")
        st.text_area("Principle", key=RULE_KEY, height=68)
        if st.session_state.get("author_rule_error"):
            st.error(st.session_state["author_rule_error"])
        st.button("Add to the scenario's principles", key="author_rule_add", on_click=add_rule)
        st.caption("Principles go into the model persona's prompt from the next turn on (test-play with the model to see "
                   "the difference); the offline voice speaks only its authored lines.")
        if scenario.persona.principles:
            st.markdown("**Principles:**\n" + "\n".join(f"- {md_escape(rule)}" for rule in scenario.persona.principles))


def draft_from_brief() -> None:
    """A whole scenario drafted by the model from a short brief, shown for review; it replaces the draft only when it validates."""
    if not model_configured():
        st.caption("Drafting a scenario from a brief needs a model: set one on the Settings page. Start from a template instead.")
        return
    st.text_area("Your brief", key="author_brief", height=100,
                 placeholder="A senior engineer has missed three deadlines since February; the manager must raise it and agree a plan.")
    if st.button("Draft a scenario", key="author_draft_scenario", icon=":material/auto_fix_high:"):
        from simulator.authoring.suggest import suggest_scenario
        from simulator.practice import chat_model

        s = settings()
        with st.spinner("The model is drafting the scenario (this can take a minute)…"):
            try:
                st.session_state["author_suggested"] = suggest_scenario(chat_model(s, s.models.persona_model or ""),
                                                                        st.session_state.get("author_brief", ""))
            except SimulatorError as exc:
                st.session_state.pop("author_suggested", None)
                st.error(str(exc))
    suggested = st.session_state.get("author_suggested")
    if not suggested:
        return
    data, found = suggested
    if found:
        st.error("The model's draft does not validate, so it was not used and your draft is unchanged. Draft again, or copy "
                 f"the parts you want from it below. {len(found)} problem(s):\n\n" + "\n".join(f"- {md_escape(p)}" for p in found))
    else:
        st.success("Review the drafted scenario below; it replaces your current draft only when you use it.")
    with st.expander("The drafted scenario (YAML)", expanded=not found):
        st.code(to_yaml(data), language="yaml")
    if not found and st.button("Use it as the draft", key="author_use_suggested", type="primary"):
        set_draft(data)
        st.session_state.pop("author_suggested")
        st.rerun()


def suggest_concerns_section(scenario: Scenario) -> None:
    """Hidden concerns drafted by the model, each validated in this scenario; the ticked ones go into the draft."""
    st.subheader("Hidden concerns")
    if st.button("Suggest hidden concerns", key="author_suggest_concerns"):
        from simulator.authoring.suggest import suggest_concerns
        from simulator.practice import chat_model

        s = settings()
        try:
            concerns, left_out = suggest_concerns(chat_model(s, s.models.persona_model or ""), scenario)
            offer(CONCERN_DRAFTS, ("persona", "hidden_concerns"), concerns)
            st.session_state["author_concerns_left_out"] = left_out
        except SimulatorError as exc:
            st.error(str(exc))
    for n, c in enumerate(st.session_state.get(CONCERN_DRAFTS, {}).get("items", [])):
        cond = c["reveal_when"]
        st.checkbox(f"**{md_escape(c['summary'])}** (told at trust {cond['min_trust']} or more, on {', '.join(cond['any_move'])}): "
                    f"“{md_escape(c['reveal_lines'][0])}”", key=f"{CONCERN_DRAFTS}:{n}")
    if st.session_state.get(CONCERN_DRAFTS):
        if st.session_state.get("author_concerns_left_out"):
            st.caption("Left out, because they do not fit the scenario: " + md_escape("; ".join(st.session_state["author_concerns_left_out"])))
        st.button("Add the ticked concerns to the draft", key="author_add_concerns", on_click=add_ticked, args=(CONCERN_DRAFTS,))


def offer(drafts_key: str, path: tuple[str, ...], items: list) -> None:
    """Suggestions shown with a tick box each; `path` is the list of the draft they join."""
    for key in [k for k in st.session_state if str(k).startswith(drafts_key + ":")]:
        del st.session_state[key]
    st.session_state[drafts_key] = {"path": path, "items": items}


def add_ticked(drafts_key: str) -> None:
    """The ticked suggestions join their list in the draft; the suggestions are cleared (a button callback)."""
    offered = st.session_state.pop(drafts_key)
    chosen = [item for n, item in enumerate(offered["items"]) if st.session_state.get(f"{drafts_key}:{n}")]
    data = st.session_state[DRAFT]
    target: dict = data
    *parents, name = offered["path"]
    for part in parents:
        target = target.setdefault(part, {})
    target.setdefault(name, []).extend(chosen)
    set_draft(data)


def column_config(spec: ListField) -> dict:
    config: dict[str, Any] = {MORE: st.column_config.TextColumn(MORE, help="the item's other fields, as YAML: {act: deflects}")}
    for c in spec.columns:
        if c.kind == "bool":
            config[c.name] = st.column_config.CheckboxColumn(c.name, default=c.default, help=c.help or None)
        elif c.kind == "choice":
            config[c.name] = st.column_config.SelectboxColumn(c.name, options=list(c.options), help=c.help or None)
        else:
            config[c.name] = st.column_config.TextColumn(c.name, help=c.help or None, width="medium" if c.name in ("text", "summary") else None)
    return config


def list_editor(spec: ListField, draft: dict, problems: list[tuple[tuple, str]]) -> None:
    """One list of the draft as an editable table; an edit becomes the draft on the next run (then the YAML view shows it)."""
    import pandas as pd

    try:
        rows = to_rows(spec, get_in(draft, spec.path))
    except ValueError as exc:
        st.caption(f":red[:material/error: {md_escape(str(exc))}]")
        return
    frame = pd.DataFrame(rows, columns=spec.names)
    for c in spec.columns:
        if c.kind == "bool":
            frame[c.name] = frame[c.name].astype("boolean")  # nullable: an added row starts empty
    # the key follows the content: after an edit is taken into the draft, the table starts afresh from it
    digest = hashlib.sha256(frame.to_json().encode("utf-8")).hexdigest()[:12]
    edited = st.data_editor(frame, key=f"author_table:{'.'.join(spec.path)}:{digest}", num_rows="dynamic", hide_index=True,
                            width="stretch", column_config=column_config(spec))
    for loc, message in problems:
        if loc[: len(spec.path)] == spec.path:
            st.caption(f":red[:material/error: {md_escape(message)}]")
    if edited.equals(frame):
        return
    try:
        value = from_rows(spec, edited.astype(object).where(edited.notna(), None).to_dict("records"))
    except ValueError as exc:
        st.error(f"{md_escape(str(exc))}. Your edits stay in the table until it is fixed.")
        return
    data = copy.deepcopy(draft)
    set_in(data, spec.path, value)
    st.session_state[PENDING] = data
    st.rerun()


st.title("Author a scenario")
if not can_author(current_actor()):
    st.error("Authoring is for trainers. Ask an administrator for the trainer role.", icon=":material/lock:")
    st.stop()
if PENDING in st.session_state:  # a table edit, taken into the draft before any widget shows the draft
    set_draft(st.session_state.pop(PENDING))

scenarios, _errors = library()
with st.expander("Start from", expanded=DRAFT not in st.session_state, icon=":material/add:"):
    how = st.radio("Start from", ["a template", "a copy", "a YAML file", "a short brief"], horizontal=True, key="author_start",
                   label_visibility="collapsed")
    if how == "a short brief":
        draft_from_brief()
    elif how == "a YAML file":
        upload = st.file_uploader("Scenario YAML", type=["yaml", "yml"], key="author_upload")
        if upload is not None and st.button("Import", key="author_import"):
            with user_errors():
                data, _ = read_yaml_mapping(upload.getvalue().decode("utf-8", errors="replace"), source=upload.name)
                set_draft(data)
                st.rerun()
    else:
        pick = st.selectbox("Scenario", sorted(scenarios), key="author_pick", format_func=lambda i: scenarios[i].title)
        if st.button("Use it", key="author_use", type="primary") and pick:
            set_draft(starting_point(scenarios[pick], copy=how == "a copy"))
            st.rerun()

if DRAFT not in st.session_state:
    st.info("Start from a template (a shipped scenario with a new id), a copy of a library scenario, or a YAML file.")
    st.stop()

draft: dict = st.session_state[DRAFT]
problems = field_problems(draft)

form, text_view = st.columns(2, gap="large")
with form:
    st.subheader("Trainer fields")
    for path, label, widget, options in FIELDS:
        k = key_of(path)
        if widget == "select" and options:
            current = st.session_state.get(k)
            st.selectbox(label, options, key=k, on_change=field_changed, args=(path,),
                         index=options.index(current) if current in options else None)
        elif widget == "area":
            st.text_area(label, key=k, on_change=field_changed, args=(path,), height=80)
        else:
            st.text_input(label, key=k, on_change=field_changed, args=(path,))
        for loc, message in problems:
            if loc[: len(path)] == path:
                st.caption(f":red[:material/error: {md_escape(message)}]")
lists = {spec.label: spec for spec in LIST_FIELDS}
shown = lists.get(st.session_state.get("author_list", ""), LIST_FIELDS[0])  # the list whose table is open (below)
with text_view:
    st.subheader("YAML")
    st.caption("The whole scenario; the form, its tables and this view stay in sync.")
    st.text_area("Scenario YAML", key=YAML_KEY, on_change=yaml_changed, height=520, label_visibility="collapsed")
    if st.session_state.get("author_yaml_error"):
        st.error(st.session_state["author_yaml_error"])
    form_paths = [path for path, *_ in FIELDS] + [shown.path]
    for loc, message in problems:
        if not any(loc[: len(p)] == p for p in form_paths):
            st.caption(f":red[:material/error: {md_escape(message)}]")
    text = st.session_state[YAML_KEY]
    st.download_button("Export YAML", text, file_name=f"{draft.get('id') or 'scenario'}.yaml", icon=":material/download:")
st.subheader("Lists")
st.selectbox("List", list(lists), key="author_list")
st.caption("Add a row at the bottom of the table; select rows to delete them. Nested values (conditions) are short YAML.")
list_editor(shown, draft, problems)

if problems:
    st.warning(f"{len(problems)} problem(s) to fix before test-play, checks and publishing: each is shown next to its field.")
    st.stop()

scenario = Scenario.model_validate(draft)
version = hashlib.sha256(text.encode("utf-8")).hexdigest()
st.success(f"Valid. Version {version[:12]}.", icon=":material/check_circle:")

play_tab, check_tab, suggest_tab = st.tabs(["Test-play", "Check and publish", "Suggest"])
with play_tab:
    use_model = model_configured() and st.radio(
        "The persona speaks with", ["the model", "the authored lines"], horizontal=True, key="author_voice",
        help="The model plays the persona as in a practice session, principles included; the authored lines are the offline voice.",
    ) == "the model"
    play_key = f"author_play:{play_version(draft)}:{'model' if use_model else 'lines'}"
    if play_key not in st.session_state or st.button("Restart", key="author_restart"):
        st.session_state[play_key] = Rehearsal(scenario, voice=test_play_model_voice() if use_model else None)
    run: Rehearsal = st.session_state[play_key]
    run.scenario = scenario  # the same but for its principles (play_version): a principle added mid-play applies from the next turn
    state = run.state
    left, right = st.columns([3, 2], gap="large")
    with right:
        a, b = st.columns(2)
        a.metric("Trust", state.trust)
        b.metric("Stress", state.stress)
        st.markdown(f"Mood: **{run.trace[-1].mood.value if run.trace else 'start'}** · turn {state.turn} of {scenario.state.turn_cap}")
        st.markdown("Revealed: " + (", ".join(state.revealed) or "nothing yet"))
        st.markdown("Goals met: " + (", ".join(state.goals_met) or "none yet"))
    with left:
        st.markdown(f"**{md_escape(scenario.persona.name)}:** {md_escape(run.opening)}")
        for step in run.trace:
            st.markdown(f"**You:** {md_escape(step.manager)}")
            st.markdown(f"**{md_escape(scenario.persona.name)}:** {md_escape(step.reply)}")
            with st.expander(f"Trace of turn {step.turn}: trust {step.trust[0]}→{step.trust[1]}, stress {step.stress[0]}→{step.stress[1]}"):
                moves = "; ".join(f"{m} in " + ", ".join(f'"{w}"' for w in words) for m, words in step.moves.items())
                st.markdown("**Moves detected:** " + md_escape(moves or "none"))
                st.markdown("**Why the state moved:** " + md_escape("; ".join(step.why_state)))
                st.markdown("**Why these lines:** " + md_escape("; ".join(step.why_line)))
        if run.ended:
            st.info(f"The conversation ended ({state.end_reason}). Restart to play again.")
        else:
            with st.form("author_say", clear_on_submit=True):
                said = st.text_input("You say", key="author_said")
                if st.form_submit_button("Say") and said.strip():
                    try:
                        with st.spinner(f"{scenario.persona.name} is answering…"):
                            run.say(said.strip())
                    except SimulatorError as exc:  # a model that failed: the test-play is as it was
                        st.error(str(exc))
                    else:
                        st.session_state.pop("author_flag_turn", None)  # the flag box offers the newest reply
                        st.rerun()
        flag_a_reply(run, scenario)

with check_tab:
    report_key = f"author_report:{version}"
    if st.button("Run the checks", key="author_check", icon=":material/fact_check:"):
        with st.spinner("Scripted managers are playing the scenario…"):
            st.session_state[report_key] = check_scenario(scenario, source=scenario.id)
    report = st.session_state.get(report_key)
    if report is not None:
        if report.ok:
            st.success("All checks passed. " + md_escape("; ".join(report.notes)), icon=":material/verified:")
        else:
            for failure in report.failures:
                st.error(md_escape(str(failure)))
    library_dir = settings().library_dir
    if st.button("Publish", key="author_publish", type="primary", disabled=not (report and report.ok) or library_dir is None,
                 help="Run the checks first: only a scenario that passes them is published."):
        with user_errors():
            assert library_dir is not None
            shipped, _ = load_library(settings().scenarios_dir)
            saved, published = publish(text, library_dir, shipped_ids=set(shipped), report=report)
            st.session_state["author_published"] = (scenario.id, published, str(saved))
    if st.session_state.get("author_published"):
        sid, published, where = st.session_state["author_published"]
        st.success(f"Published {sid}, version {published[:12]}, to {where}. Managers can play it now.", icon=":material/publish:")
        st.page_link(PAGES["library"], label="Open the scenario library", icon=":material/library_books:")

with suggest_tab:
    s = settings()
    if not model_configured():
        st.caption("Suggestions need a model: set one on the Settings page. Everything else here works offline.")
        st.stop()
    st.caption("Every suggestion is a draft: it reaches your scenario only when you tick it and add it.")
    st.subheader("Lines")
    if not scenario.topics:
        st.caption("Add topics first: suggestions are lines about a topic.")
    else:
        topic = st.selectbox("Topic", list(scenario.topics), key="author_topic")
        mood = st.selectbox("Mood", [m.value for m in SPEAKING_MOODS], key="author_mood")
        if st.button("Suggest lines", key="author_suggest"):
            from simulator.authoring.suggest import suggest_lines
            from simulator.domain.scenario import Mood
            from simulator.practice import chat_model

            try:
                lines = suggest_lines(chat_model(s, s.models.persona_model or ""), scenario, topic=topic, mood=Mood(mood))
                offer(LINE_DRAFTS, ("lines", mood), [{"text": line, "topics": [topic]} for line in lines])
            except SimulatorError as exc:
                st.error(str(exc))
        for n, line in enumerate(st.session_state.get(LINE_DRAFTS, {}).get("items", [])):
            st.checkbox(md_escape(line["text"]), key=f"{LINE_DRAFTS}:{n}")
        if st.session_state.get(LINE_DRAFTS):
            st.button("Add the ticked lines to the draft", key="author_add", on_click=add_ticked, args=(LINE_DRAFTS,))
    suggest_concerns_section(scenario)
