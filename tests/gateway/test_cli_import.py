"""``gateway import statistics``: files in, verified documents stored, all or nothing."""

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gateway.cli import main
from resolvers import statistics
from resolvers.checksum import statistics_sum
from resolvers.database import Database
from tests.statistics_samples import FRESH_ID, RICH_ID, fresh_document, rich_document


async def run(*args: str) -> Result:
    # The command runs its own event loop, so it gets a thread of its own.
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


def earlier_fresh() -> dict[str, object]:
    document = fresh_document() | {"timestamp": "2026-11-20T23:28:31.481Z", "users": 4}
    document["sum"] = statistics_sum(document)
    return document


async def test_imports_json_and_ndjson_files(
    tmp_path: Path, database_url: str, db: Database
) -> None:
    single = tmp_path / "rich.json"
    single.write_text(json.dumps(rich_document(), indent=2, ensure_ascii=False))
    lines = tmp_path / "fresh.ndjson"
    lines.write_text(f"{json.dumps(earlier_fresh())}\n\n{json.dumps(fresh_document())}\n")
    result = await run("import", "statistics", str(single), str(lines), "--database", database_url)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Imported 3 document(s) from 2 file(s): 3 stored for 2 instance(s).\n")
    assert "Storing statistics" in result.stderr
    known = {i.instance_id: i.documents for i in await statistics.known_instances(db)}
    assert known == {RICH_ID: 1, FRESH_ID: 2}
    current = await statistics.current_statistics(db, instance_id=FRESH_ID)
    assert (dict(current.fields), current.source) == (fresh_document(), "import")


async def test_a_duplicate_instance_and_time_is_stored_once(
    tmp_path: Path, database_url: str, db: Database
) -> None:
    path = tmp_path / "twice.ndjson"
    path.write_text("\n".join(json.dumps(d) for d in (fresh_document(), fresh_document())))
    result = await run("import", "statistics", str(path), "--database", database_url)
    assert result.exit_code == 0, result.output
    assert "3" not in result.stdout
    assert result.stdout.startswith("Imported 2 document(s) from 1 file(s): 1 stored")


async def test_one_bad_document_imports_nothing(
    tmp_path: Path, database_url: str, db: Database
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(rich_document()))
    mixed = tmp_path / "mixed.ndjson"
    tampered = fresh_document() | {"users": 2}
    mixed.write_text(
        "\n".join([json.dumps(fresh_document()), json.dumps(tampered), "{oops", '"text"'])
    )
    array = tmp_path / "array.json"
    array.write_text("[]")
    result = await run(
        "import", "statistics", str(good), str(mixed), str(array), "--database", database_url
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{mixed}:2: sum does not match the document's fields (tampered or corrupt)",
        f"{mixed}:3: not JSON: Expecting property name enclosed in double quotes",
        f"{mixed}:4: a statistics document must be a JSON object",
        f"{array}:1: expected one JSON object, or NDJSON with one object per line",
        "Error: 4 invalid document(s); nothing was imported.",
    ]
    assert await statistics.known_instances(db) == []


async def test_a_broken_multi_line_document_is_reported_once(
    tmp_path: Path, database_url: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "instanceId": "x",\n  "users": ,\n}\n')
    result = await run("import", "statistics", str(path), "--database", database_url)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{path}:3: not JSON: Expecting value"


async def test_missing_files_are_refused_by_click(tmp_path: Path) -> None:
    result = await run("import", "statistics", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_serve_refuses_malformed_upstream_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_UNLEASH_UPSTREAMS", "eu=ftp://eu.example.com")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2  # a malformed setting is a usage error
    assert result.stderr == (
        "Error: GATEWAY_UNLEASH_UPSTREAMS: 'eu=ftp://eu.example.com' is not "
        "name=http(s)://host[/path]\n"
    )
