"""Two ``gateway serve`` processes on one PostgreSQL database share the duties lease."""

from pathlib import Path

import pytest

from tests.gateway.processes import collector_env, start, upstream

pytestmark = pytest.mark.postgres


def test_the_collector_runs_once_across_two_serve_processes(
    postgres_url: str, tmp_path: Path
) -> None:
    with upstream() as fake:
        env = collector_env(fake)
        first = start(tmp_path, "--database", postgres_url, env=env)
        try:
            second = start(tmp_path, "--database", postgres_url, env=env)
            try:
                # One puller at a 1 s interval: 4 or 5 pulls in 4.5 s; two would make 8 or more.
                assert 3 <= fake.hits_within(4.5) <= 6
                held = [
                    line["message"]
                    for served in (first, second)
                    for line in served.lines()
                    if str(line["message"]).startswith("this process now runs")
                ]
                assert len(held) == 1
            finally:
                assert second.stop() == 0
            # The holder let go (or was the one stopped): pulls go on without a gap of a TTL.
            assert fake.hits_within(4.5) >= 3
        finally:
            assert first.stop() == 0
