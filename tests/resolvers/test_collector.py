"""Collector rules: what is a valid answer, what is recorded, when to try again.

The upstream is faked at the process edge (a StatisticsFetcher); real HTTP upstreams are
in tests/gateway/test_upstream.py.
"""

import json
import logging
from collections.abc import Iterator

import pytest

from resolvers import collector, statistics, upstreams
from resolvers.collector import Schedule, UpstreamFailure, parse_answer
from resolvers.database import Database
from resolvers.upstreams import Upstream
from tests.conftest import FakeClock
from tests.statistics_samples import fresh_document, rich_document

EU = Upstream("eu", "http://eu.example", "t")


class ScriptedUpstream:
    """Answers each fetch with the next scripted body, or raises the scripted failure."""

    def __init__(self, answers: list[str | Exception]) -> None:
        self.answers: Iterator[str | Exception] = iter(answers)
        self.calls = 0

    async def fetch(self, upstream: Upstream, *, timeout_s: float) -> str:
        self.calls += 1
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Stop(Exception):
    pass


def test_backoff_doubles_from_the_interval_up_to_the_maximum() -> None:
    schedule = Schedule(interval_s=10, timeout_s=1, backoff_max_s=100)
    assert [schedule.delay(n) for n in range(7)] == [10, 10, 20, 40, 80, 100, 100]
    assert schedule.delay(10_000) == 100
    assert Schedule(interval_s=10, backoff_max_s=5).delay(3) == 10


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<html>oops</html>", "not JSON"),
        ('{"instanceId": NaN}', "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"users": 1}', "instanceId"),
        (json.dumps(fresh_document() | {"users": 7}), "sum does not match"),
        (json.dumps({k: v for k, v in fresh_document().items() if k != "sum"}), "sum is required"),
    ],
)
def test_answers_that_are_not_valid_documents_are_rejected(body: str, reason: str) -> None:
    with pytest.raises(UpstreamFailure, match=reason):
        parse_answer(body)


def test_a_valid_answer_keeps_its_order() -> None:
    assert list(parse_answer(json.dumps(rich_document()))) == list(rich_document())


async def test_success_and_failures_are_recorded(db: Database, clock: FakeClock) -> None:
    fetcher = ScriptedUpstream(
        [
            json.dumps(rich_document()),
            UpstreamFailure("HTTP 500: boom"),
            "garbage",
            json.dumps(fresh_document()),
        ]
    )
    ok = await collector.collect_once(db, fetcher, EU, clock=clock, timeout_s=1)
    assert (ok.ok, ok.instance_id, ok.failures) == (True, rich_document()["instanceId"], 0)
    stored = await statistics.current_statistics(db)
    assert dict(stored.fields) == rich_document()
    assert list(stored.fields) == list(rich_document())
    assert stored.source == "collector:eu"

    first_success = clock()
    clock.advance(minutes=5)
    failed = await collector.collect_once(db, fetcher, EU, clock=clock, timeout_s=1)
    assert (failed.ok, failed.error, failed.failures) == (False, "HTTP 500: boom", 1)
    clock.advance(minutes=5)
    failed = await collector.collect_once(db, fetcher, EU, clock=clock, timeout_s=1)
    assert failed.failures == 2
    assert failed.error is not None
    assert failed.error.startswith("answer is not JSON")

    [state] = await upstreams.upstream_states(db, configured=[EU])
    assert (state.name, state.url, state.configured) == ("eu", EU.url, True)
    assert state.consecutive_failures == 2
    assert state.last_success_at == first_success
    assert state.last_error_at == clock() == state.last_attempt_at
    assert state.last_error == failed.error

    clock.advance(minutes=5)
    assert (await collector.collect_once(db, fetcher, EU, clock=clock, timeout_s=1)).ok
    [state] = await upstreams.upstream_states(db)
    assert (state.consecutive_failures, state.last_success_at) == (0, clock())
    assert state.last_error == failed.error  # the last error stays visible
    assert state.configured is False  # not passed as configured this time


async def test_configured_upstreams_show_before_their_first_pull(db: Database) -> None:
    [state] = await upstreams.upstream_states(db, configured=[EU])
    assert (state.name, state.last_attempt_at, state.consecutive_failures) == ("eu", None, 0)


async def test_poll_backs_off_while_failing_and_never_stops(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="resolvers.collector")
    good = json.dumps(fresh_document())
    fetcher = ScriptedUpstream(
        [UpstreamFailure("a"), UpstreamFailure("b"), UpstreamFailure("c"), good, "x", good]
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)
        if len(waits) == 6:
            raise Stop

    schedule = Schedule(interval_s=60, timeout_s=1, backoff_max_s=200)
    with pytest.raises(Stop):
        await collector.poll(db, fetcher, EU, clock=clock, schedule=schedule, sleep=sleep)
    assert waits == [60, 120, 200, 60, 60, 60]
    assert fetcher.calls == 6
    warnings = [r.getMessage() for r in caplog.records if r.name == "resolvers.collector"]
    assert warnings[2] == "statistics upstream eu failed (3 in a row, next try in 200 s): c"
    assert warnings[3] == "statistics upstream eu recovered"
    assert warnings[4].startswith("statistics upstream eu failed (1 in a row, next try in 60 s)")


async def test_a_database_outage_is_reported_not_raised(clock: FakeClock) -> None:
    down = Database("postgresql://nobody@127.0.0.1:9/none")
    try:
        fetcher = ScriptedUpstream([json.dumps(fresh_document())])
        outcome = await collector.collect_once(down, fetcher, EU, clock=clock, timeout_s=1)
    finally:
        await down.dispose()
    assert outcome.ok is False
    assert outcome.error is not None
    assert outcome.error.startswith("database unavailable")
    assert outcome.failures == -1
