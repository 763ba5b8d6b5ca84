"""Settings: environment parsing, secrets kept out of repr, every setting in the README."""

from pathlib import Path

import pytest

from gateway.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    for variable, default, _ in Settings().documented():
        assert f"| `{variable}` | {default} |" in README, variable


def test_environment_overrides_defaults_and_flags_override_environment() -> None:
    settings = Settings.from_env(
        {"GATEWAY_PORT": "9000", "GATEWAY_HOST": "0.0.0.0"}, host="127.0.0.2"
    )
    assert (settings.port, settings.host) == (9000, "127.0.0.2")


def test_secrets_stay_out_of_repr() -> None:
    assert "s3cret" not in repr(Settings(admin_token="s3cret"))


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="GATEWAY_PORT"):
        Settings.from_env({"GATEWAY_PORT": "eighty"})


def test_database_password_stays_out_of_repr() -> None:
    text = repr(Settings(database_url="postgresql://gw:hunter2@db.internal/usage"))
    assert "hunter2" not in text
    assert "postgresql://gw:***@db.internal/usage" in text


def test_minute_retention_must_cover_the_minutely_window() -> None:
    with pytest.raises(ValueError, match="GATEWAY_MINUTE_RETENTION_HOURS must be at least 3"):
        Settings.from_env({"GATEWAY_MINUTE_RETENTION_HOURS": "2"})


def test_database_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="GATEWAY_DATABASE_STATEMENT_TIMEOUT_S must be above 0"):
        Settings.from_env({"GATEWAY_DATABASE_STATEMENT_TIMEOUT_S": "0"})
