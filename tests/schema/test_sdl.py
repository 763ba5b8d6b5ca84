"""The committed schema.graphql is what `gateway export-schema` writes."""

from pathlib import Path

from click.testing import CliRunner

from gateway.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


def test_committed_schema_equals_the_exported_sdl() -> None:
    result = CliRunner().invoke(main, ["export-schema"])
    assert result.exit_code == 0, result.output
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert result.output == committed, "run: gateway export-schema -o schema.graphql"


def test_export_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    result = CliRunner().invoke(main, ["export-schema", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "type Query {" in text
    assert "type Subscription {" in text
