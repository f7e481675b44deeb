"""Entry point: `streamlit run app.py`. Sign-in (team mode only), then navigation; the pages live in simulator/ui/pages."""

import streamlit as st

from simulator.ui.common import PAGES, require_sign_in, sidebar

st.set_page_config(page_title="Difficult conversations", page_icon="💬", layout="wide")
require_sign_in()

navigation = st.navigation(
    [
        st.Page(PAGES["library"], title="Scenarios", icon=":material/library_books:", default=True),
        st.Page(PAGES["practice"], title="Practice", icon=":material/forum:"),
        st.Page(PAGES["debrief"], title="Debrief", icon=":material/insights:"),
        st.Page(PAGES["history"], title="History", icon=":material/history:"),
        st.Page(PAGES["team"], title="Team", icon=":material/groups:"),
        st.Page(PAGES["authoring"], title="Authoring", icon=":material/edit_document:"),
        st.Page(PAGES["settings"], title="Settings", icon=":material/settings:"),
    ]
)
sidebar()
navigation.run()
