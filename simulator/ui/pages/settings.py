"""Settings: the model endpoint, the models, and a connection test."""

import json
from typing import Any

import streamlit as st

from simulator.config import read_page_settings, save_page_settings
from simulator.models.tokens import ModelPrice, PriceTable, load_prices, save_prices
from simulator.practice import chat_model
from simulator.store.access import Access
from simulator.ui.common import (
    PRIVATE,
    current_actor,
    current_user,
    engine_parts,
    md_escape,
    privacy_notice,
    settings,
    shared_store,
    user_errors,
)

st.title("Settings")
with user_errors():
    current = settings()
    st.info(md_escape(engine_parts().mode), icon=":material/info:")
    saved = read_page_settings(current.data_dir)
    m = current.models
    st.caption(
        "Any OpenAI-compatible endpoint works: OpenAI, Azure OpenAI, Ollama, vLLM, a llama.cpp server. "
        "Leave the persona model empty to practise offline. Values saved here win over environment variables."
    )
    with st.form("models"):
        base_url = st.text_input("Endpoint (base URL)", value=saved.get("base_url", m.base_url or ""), placeholder="empty: the OpenAI API; e.g. http://localhost:11434/v1")
        api_key = st.text_input(
            "API key", value=saved.get("api_key", ""), type="password", help="Local servers need none. Stored in your data folder, readable only by you."
        )
        persona = st.text_input("Persona model", value=saved.get("persona_model", m.persona_model or ""), placeholder="e.g. gpt-4o-mini, llama3.1")
        judge = st.text_input(
            "Judge model", value=saved.get("judge_model", m.judge_model or ""), placeholder="empty: same as persona; 'offline': the offline scorer"
        )
        tagger = st.text_input("Tagger model", value=saved.get("tagger_model", m.tagger_model or ""), placeholder="empty: the offline rules")
        save = st.form_submit_button("Save", type="primary")
    if save:
        chosen = {"base_url": base_url, "api_key": api_key, "persona_model": persona, "judge_model": judge, "tagger_model": tagger}
        path = save_page_settings(current.data_dir, chosen)
        st.success(f"Saved to {path}. New conversations use these settings.")
        st.rerun()

    if st.button("Test connection", icon=":material/network_check:", disabled=not m.online) and m.persona_model:
        with st.spinner("Asking the model for one word…"):
            try:
                st.success(chat_model(current, m.persona_model).check_connection(), icon=":material/check_circle:")
            except Exception as exc:  # every model error says what to fix; anything else is shown as is
                st.error(str(exc), icon=":material/error:")
    if not m.online:
        st.caption("No model configured: the app runs fully offline.")

st.subheader("Prices for cost estimates")
st.caption("US dollars per million tokens. Local models have no price: their cost shows as unknown. Edit and save to override the built-in list.")
with user_errors():
    table = load_prices(current.prices_file)
    st.caption(f"Built-in prices as of {table.as_of}; your file: {current.prices_file}")
    rows: list[dict[str, Any]] = [
        {"model": name, "input per 1M": p.input_per_million, "output per 1M": p.output_per_million} for name, p in sorted(table.models.items())
    ]
    edited = st.data_editor(rows, num_rows="dynamic", key="prices", width="stretch")
    if st.button("Save prices", icon=":material/save:"):
        assert current.prices_file is not None  # load_settings always sets it
        models = {}
        for row in edited:
            name = str(row.get("model") or "").strip()
            if name:
                models[name] = ModelPrice(input_per_million=float(row.get("input per 1M") or 0), output_per_million=float(row.get("output per 1M") or 0))
        path = save_prices(PriceTable(as_of=table.as_of, models=models), current.prices_file)
        st.success(f"Saved {len(models)} prices to {path}.")

st.subheader("Your data")
with user_errors():
    st.caption(privacy_notice())
    actor = current_actor()
    access = Access(shared_store())
    if st.session_state.get(PRIVATE):
        st.caption("\"Don't store my sessions\" is on in this tab: its sessions are not in the database, so they are not exported or deleted here.")
    export = json.dumps(access.export_user(actor, current_user()), ensure_ascii=False, indent=2, default=str)
    st.download_button("Export my data", export, file_name="my-practice-data.json", mime="application/json", icon=":material/download:",
                       help="All your sessions, messages, debriefs and model usage, as JSON")
    sure = st.checkbox("I understand: delete all my sessions, debriefs and team roles for good")
    if st.button("Delete my data", icon=":material/delete_forever:", disabled=not sure):
        removed = access.delete_user(actor, current_user())
        st.success(f"Deleted {removed} session(s) and your profile. Nobody else's data was touched.")
