"""The gateway command, run as a real process against a real database."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from storage import migrate

GATEWAY = str(Path(sys.executable).parent / "gateway")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GATEWAY, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_tokens_create_prints_only_the_secret_and_list_revoke_work(database_url: str) -> None:
    created = run(
        "tokens", "create", "--type", "read", "--name", "dash", "--database", database_url
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert created.stdout == secret + "\n" and secret.startswith("ug_read_")
    listed = run("tokens", "list", "--database", database_url)
    assert "dash" in listed.stdout and "read" in listed.stdout and secret not in listed.stdout
    token_id = listed.stdout.splitlines()[1].split()[0]
    assert run("tokens", "revoke", token_id, "--database", database_url).returncode == 0
    assert "revoked" in run("tokens", "list", "--database", database_url).stdout
    again = run("tokens", "revoke", token_id, "--database", database_url)
    assert again.returncode != 0 and f"no live token has id {token_id}" in again.stderr


def test_scoped_token_needs_both_project_and_environment(database_url: str) -> None:
    result = run(
        "tokens", "create", "--type", "ingest", "--project", "p", "--database", database_url
    )
    assert result.returncode != 0
    assert "Error: a token scope needs both a project and an environment" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_reports_the_revision(tmp_path: Path) -> None:
    result = run("migrate", "--database", str(tmp_path / "new.db"))
    assert result.returncode == 0, result.stderr
    assert f"schema revision {migrate.head_revision()}" in result.stdout


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    result = run("migrate", "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot reach the database")
    assert "Traceback" not in result.stderr


def test_seed_writes_demo_data_with_progress(tmp_path: Path) -> None:
    result = run("seed", "--days", "2", "--database", str(tmp_path / "demo.db"))
    assert result.returncode == 0, result.stderr
    assert "evaluations" in result.stderr  # progress labels go to stderr
    assert "evaluations" in result.stdout and "statistics" in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_creates_the_database_and_ensures_the_admin_token(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    process = subprocess.Popen(
        [GATEWAY, "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "GATEWAY_ADMIN_TOKEN": "cli-secret", "XDG_DATA_HOME": str(data)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gateway serve did not become ready")
                time.sleep(0.2)
        # Default: one per-user file, never one in whatever folder the command ran in.
        assert (data / "usage-gateway" / "gateway.db").exists()
        assert not (tmp_path / "gateway.db").exists()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/gateway/ingest",
            method="POST",
            data=b'{"records": []}',
            headers={"Authorization": "cli-secret", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)


def test_serve_start_up_failures_are_one_clear_line(tmp_path: Path) -> None:
    down = subprocess.run(
        [
            GATEWAY,
            "serve",
            "--port",
            str(_free_port()),
            "--database",
            "postgresql://nobody@127.0.0.1:1/none",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert down.returncode == 1
    assert "Error: cannot reach the database" in down.stderr
    assert "Traceback" not in down.stderr

    database = str(tmp_path / "g.db")
    created = run("tokens", "create", "--type", "admin", "--database", database)
    token_id = run("tokens", "list", "--database", database).stdout.splitlines()[1].split()[0]
    assert run("tokens", "revoke", token_id, "--database", database).returncode == 0
    revoked = subprocess.run(
        [GATEWAY, "serve", "--port", str(_free_port()), "--database", database],
        env={**os.environ, "GATEWAY_ADMIN_TOKEN": created.stdout.strip()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert revoked.returncode == 1
    assert "belongs to a revoked token" in revoked.stderr
    assert "Traceback" not in revoked.stderr
