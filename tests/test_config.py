from simulator.config import SETTINGS_HELP, load_settings

from .conftest import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in SETTINGS_HELP:
        assert f"`{name}`" in readme, f"{name} is not documented in README.md"


def test_defaults_and_overrides(tmp_path):
    s = load_settings({"SIMULATOR_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'simulator.db'}"
    assert s.max_message_chars == 2000
    s = load_settings({"SIMULATOR_DATABASE_URL": "sqlite:///x.db", "SIMULATOR_MAX_MESSAGE_CHARS": "50"})
    assert s.database_url == "sqlite:///x.db" and s.max_message_chars == 50


def test_bad_number_says_how_to_fix():
    import pytest

    from simulator.errors import SimulatorError

    with pytest.raises(SimulatorError, match="positive whole number"):
        load_settings({"SIMULATOR_MAX_MESSAGE_CHARS": "lots"})


def test_every_setting_has_help_text():
    assert len(SETTINGS_HELP) == 24  # 13 + the teams settings + SIMULATOR_LIBRARY_DIR
    assert all(len(text) > 20 for text in SETTINGS_HELP.values())


def test_the_environment_is_read_when_asked_not_at_import(monkeypatch):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import simulator.config, simulator.cli"],
        env={"SIMULATOR_MAX_MESSAGE_CHARS": "lots", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr  # a bad value is only an error when settings are loaded
    monkeypatch.setenv("SIMULATOR_HISTORY_TOKENS", "123")
    monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "  local-model  ")
    settings = load_settings()
    assert settings.history_tokens == 123 and settings.models.persona_model == "local-model"
    monkeypatch.setenv("SIMULATOR_HISTORY_TOKENS", "456")
    assert load_settings().history_tokens == 456


def test_a_given_mapping_is_read_alone_and_blank_means_default(monkeypatch):
    monkeypatch.setenv("SIMULATOR_MAX_MESSAGE_CHARS", "7")
    assert load_settings({}).max_message_chars == 2000  # the process environment does not leak in
    s = load_settings({"SIMULATOR_MAX_MESSAGE_CHARS": " ", "SIMULATOR_SESSION_TOKEN_CAP": " 900 ", "UNRELATED": "x"})
    assert s.max_message_chars == 2000 and s.session_token_cap == 900


def test_zero_and_negative_numbers_are_refused_with_the_name():
    import pytest

    from simulator.errors import SimulatorError

    for raw in ("0", "-5", "1.5"):
        with pytest.raises(SimulatorError, match=rf"SIMULATOR_SESSION_TOKEN_CAP='{raw}' is not a positive whole number. Set it to e.g. 200000"):
            load_settings({"SIMULATOR_SESSION_TOKEN_CAP": raw})


def test_offline_switch_and_default_persona(tmp_path):
    online = load_settings({"SIMULATOR_DATA_DIR": str(tmp_path), "OPENAI_API_KEY": "sk-test"})
    assert online.models.persona_model == "gpt-4o-mini" and online.models.judge_model == "gpt-4o-mini"
    off = load_settings({"SIMULATOR_DATA_DIR": str(tmp_path), "OPENAI_API_KEY": "sk-test", "SIMULATOR_OFFLINE": "1"})
    assert off.models.persona_model is None and off.models.judge_model is None and off.models.api_key == "sk-test"


def test_team_mode_needs_every_sign_in_setting_and_writes_streamlits_secrets(tmp_path):
    import tomllib

    import pytest

    from simulator.config import write_streamlit_secrets
    from simulator.errors import SimulatorError

    assert not load_settings({"SIMULATOR_DATA_DIR": str(tmp_path)}).team_mode
    with pytest.raises(SimulatorError, match="needs SIMULATOR_OIDC_CLIENT_SECRET, SIMULATOR_COOKIE_SECRET as well"):
        load_settings({"SIMULATOR_AUTH": "oidc", "SIMULATOR_OIDC_METADATA_URL": "http://127.0.0.1:1/x", "SIMULATOR_OIDC_CLIENT_ID": "c",
                       "SIMULATOR_OIDC_REDIRECT_URI": "http://127.0.0.1:2/oauth2callback"})
    with pytest.raises(SimulatorError, match="SIMULATOR_AUTH='saml' is not known"):
        load_settings({"SIMULATOR_AUTH": "saml"})
    s = load_settings({"SIMULATOR_DATA_DIR": str(tmp_path), "SIMULATOR_AUTH": "oidc", "SIMULATOR_OIDC_METADATA_URL": "http://127.0.0.1:1/x",
                       "SIMULATOR_OIDC_CLIENT_ID": "c", "SIMULATOR_OIDC_CLIENT_SECRET": 'se"cret', "SIMULATOR_COOKIE_SECRET": "k" * 32,
                       "SIMULATOR_OIDC_REDIRECT_URI": "http://127.0.0.1:2/oauth2callback", "SIMULATOR_RETENTION_DAYS": "30"})
    assert s.team_mode and s.retention_days == 30 and s.teams_file == tmp_path / "teams.toml"
    path = write_streamlit_secrets(s, tmp_path / ".streamlit" / "secrets.toml")
    assert tomllib.loads(path.read_text())["auth"] == {
        "redirect_uri": "http://127.0.0.1:2/oauth2callback", "cookie_secret": "k" * 32, "client_id": "c",
        "client_secret": 'se"cret', "server_metadata_url": "http://127.0.0.1:1/x",
    }
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(SimulatorError, match="RETENTION_DAYS='0' is not a positive whole number"):
        load_settings({"SIMULATOR_RETENTION_DAYS": "0"})


def test_the_apps_settings_are_read_again_when_the_environment_or_the_settings_file_changes(tmp_path, monkeypatch):
    from simulator.config import current_settings, save_page_settings

    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SIMULATOR_MAX_MESSAGE_CHARS", "300")
    first = current_settings()
    assert first.max_message_chars == 300 and current_settings() is first  # unchanged: the same object, not read again
    monkeypatch.setenv("SIMULATOR_MAX_MESSAGE_CHARS", "400")
    assert current_settings().max_message_chars == 400
    assert current_settings().models.persona_model is None
    save_page_settings(tmp_path, {"persona_model": "page-model"})
    assert current_settings().models.persona_model == "page-model"
