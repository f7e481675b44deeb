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
