"""`gateway tokens create` for SDKs: the secret alone on stdout, the client-side ID on stderr."""

from pathlib import Path

from click.testing import CliRunner

from gateway.cli import main


def test_scoped_ingest_token_prints_its_client_side_id(tmp_path: Path) -> None:
    database = str(tmp_path / "cli.db")
    runner = CliRunner()
    args = ["tokens", "create", "--type", "ingest", "--project", "web", "--environment", "prod"]
    created = runner.invoke(main, [*args, "--database", database])
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("ug_ingest_")
    assert len(created.stdout.splitlines()) == 1
    assert "Client-side ID: ugc_" in created.stderr

    adopted = runner.invoke(
        main,
        [*args, "--database", database, "--secret-env", "LD_SDK_KEY", "--client-id", "abc123"],
        env={"LD_SDK_KEY": "sdk-1234567890abcdef"},
    )
    assert adopted.exit_code == 0, adopted.output
    assert adopted.stdout == "sdk-1234567890abcdef\n"
    assert "Client-side ID: abc123" in adopted.stderr
    listed = runner.invoke(main, ["tokens", "list", "--database", database])
    assert "abc123" in listed.stdout
    assert "sdk-1234567890abcdef" not in listed.stdout

    missing = runner.invoke(main, [*args, "--database", database, "--secret-env", "NOPE"])
    assert missing.exit_code == 1
    assert "NOPE is not set" in missing.stderr


def test_an_admin_or_read_token_takes_no_scope(tmp_path: Path) -> None:
    database = str(tmp_path / "cli.db")
    runner = CliRunner()
    scope = ["--project", "web", "--environment", "production", "--database", database]
    for kind in ("admin", "read"):
        refused = runner.invoke(main, ["tokens", "create", "--type", kind, *scope])
        assert refused.exit_code == 1, refused.output
        assert refused.stdout == ""
        assert "only ingest tokens take a project and environment" in refused.stderr
    listed = runner.invoke(main, ["tokens", "list", "--database", database])
    assert listed.exit_code == 0, listed.output
    assert "web" not in listed.stdout
