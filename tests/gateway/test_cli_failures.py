"""Every start-up and CLI mistake is one line naming the problem and the fix, exit code 2."""

import os
import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from tests.conftest import PG_ADMIN_DSN
from tests.gateway.processes import GATEWAY

CASES = [
    (["serve", "--database", "garbage"], {}, "is neither a URL nor a SQLite file ending in .db"),
    (["migrate", "--database", "mysql://u@h/db"], {}, "unsupported database URL scheme 'mysql'"),
    (["tokens", "list", "--database", "http://example"], {}, "scheme 'http'"),
    (["seed", "--database", "postgresql://"], {}, "names no database: add it"),
    (["migrate", "--database", "postgresql://u:pw@h:port/db"], {}, "cannot parse database URL"),
    (["serve"], {"GATEWAY_LOG_LEVEL": "LOUD"}, "GATEWAY_LOG_LEVEL must be one of DEBUG"),
    (["serve"], {"GATEWAY_LOG_FORMAT": "xml"}, "GATEWAY_LOG_FORMAT must be text or json"),
    (["serve", "--workers", "0"], {}, "GATEWAY_WORKERS must be at least 1, not 0"),
    (["serve"], {"GATEWAY_PORT": "eighty"}, "GATEWAY_PORT must be a number, not 'eighty'"),
    (["serve", "--port", "eighty"], {}, "'eighty' is not a valid integer"),
    (["serve"], {"GATEWAY_QUARTER_RETENTION_DAYS": "1"}, "must be at least 2, not 1"),
]


@pytest.mark.parametrize(("args", "env", "message"), CASES)
def test_a_bad_setting_or_url_is_one_line_and_exit_code_2(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, args, env={"GATEWAY_DATABASE_URL": None, **env})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "pw" not in result.stderr  # a password never shows


def test_a_missing_sqlite_file_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    for args in (["tokens", "list"], ["prune"], ["backup", str(tmp_path / "b.db")]):
        result = CliRunner().invoke(main, [*args, "--database", str(missing)])
        assert result.exit_code == 2
        assert f"Error: no database at {missing}: pass --database" in result.stderr
    assert not missing.exists()


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_one_line() -> None:
    url = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/ug_no_such_database"
    result = CliRunner().invoke(main, ["tokens", "list", "--database", url])
    assert result.exit_code == 2, result.output
    assert 'database "ug_no_such_database" does not exist' in result.stderr
    assert "createdb" in result.stderr and result.stderr.count("\n") == 1


def test_a_port_in_use_is_one_line_and_no_banner(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [GATEWAY, "serve", "--port", str(port), "--database", str(tmp_path / "g.db")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"Error: port {port} on 127.0.0.1 is in use: stop what listens there or choose "
        "another port (--port or GATEWAY_PORT)\n"
    )
