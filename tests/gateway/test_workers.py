"""``gateway serve --workers 2`` as a real process tree: one server shared by the module.

The tests run in file order; the last one stops the server with SIGTERM.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.processes import ADMIN, Served, Upstream, collector_env, start, upstream

RATE_LIMIT = 20
GATEWAY = str(Path(sys.executable).parent / "gateway")


@pytest.fixture(scope="module")
def fake() -> Iterator[Upstream]:
    with upstream() as served:
        yield served


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, fake: Upstream) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("workers")
    served = start(
        tmp,
        "--workers",
        "2",
        "--database",
        str(tmp / "g.db"),
        env={
            **collector_env(fake),
            "GATEWAY_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
            "GATEWAY_SHUTDOWN_GRACE_S": "10",
            "GATEWAY_CACHE_S": "600",
        },
    )
    yield served
    served.stop()


def _access(served: Served) -> list[dict[str, object]]:
    return [line for line in served.lines() if line["logger"] == "gateway.access"]


def _worker_pids(served: Served) -> list[int]:
    started = [line["message"] for line in served.lines() if "started worker" in line["message"]]
    return [int(str(message).split()[2]) for message in started]


def test_two_workers_share_the_port(gateway: Served) -> None:
    for _ in range(30):
        assert gateway.get("/health")[0] == 200  # a new connection each time
    pids = {line["pid"] for line in _access(gateway) if line["route"] == "/health"}
    assert len(pids) == 2
    assert pids == set(_worker_pids(gateway))


def test_json_logs_parse_and_carry_the_request_id(gateway: Served) -> None:
    status, _, headers = gateway.get("/health", {"X-Request-Id": "probe-42"})
    assert (status, headers["X-Request-Id"]) == (200, "probe-42")
    lines = gateway.lines()  # every line is JSON, or this fails
    assert len(lines) == len(gateway.log.read_text().splitlines())
    (line,) = [x for x in lines if x.get("request_id") == "probe-42"]
    assert {"time", "level", "logger", "message", "route", "status", "duration_ms"} <= set(line)
    assert ADMIN not in gateway.log.read_text()


def test_the_rate_limit_is_counted_once_across_workers(gateway: Served) -> None:
    headers = {"Authorization": ADMIN, "LD-API-Version": "beta"}
    statuses = [gateway.get("/api/v2/usage/streams/server", headers)[0] for _ in range(25)]
    assert statuses.count(200) == RATE_LIMIT and statuses.count(429) == 5
    served_by = {line["pid"] for line in _access(gateway) if line["route"].startswith("/api/v2/")}
    assert len(served_by) == 2


def _samples(gateway: Served) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, body, _ = gateway.get("/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def _ingest(gateway: Served, body: bytes) -> int:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as s:
        s.sendall(_post(body))
        return int(s.recv(4096).split()[1])


def _post(body: bytes) -> bytes:
    head = (
        "POST /api/gateway/ingest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Authorization: {ADMIN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


EVALUATIONS = json.dumps(
    {
        "records": [
            {"type": "evaluation", "time": "2026-11-21T10:00:00Z", "project": "p"}
            | {"environment": "e", "flag": "f", "variation": v}
            for v in (0, 1, 1)
        ]
    }
).encode()


def test_metrics_of_all_workers_move_with_requests_and_ingests(gateway: Served) -> None:
    route = ("route", "/api/gateway/ingest")
    records = (
        "gateway_ingested_records_total",
        frozenset({("kind", "evaluation"), ("door", "bulk")}),
    )
    rejected = (
        "gateway_ingest_rejected_batches_total",
        frozenset({("door", "bulk"), ("status", "400")}),
    )
    accepted = (
        "gateway_http_requests_total",
        frozenset({route, ("method", "POST"), ("status", "202")}),
    )
    before = _samples(gateway)
    assert _ingest(gateway, EVALUATIONS) == 202
    assert _ingest(gateway, EVALUATIONS) == 202
    assert _ingest(gateway, b'{"records": [{"type": "nope"}]}') == 400
    after = _samples(gateway)
    assert after[records] - before.get(records, 0) == 6
    assert after[rejected] - before.get(rejected, 0) == 1
    assert after[accepted] - before.get(accepted, 0) == 2
    assert after[("gateway_rate_limit_refusals_total", frozenset())] >= 5
    assert after[("gateway_duties_held", frozenset())] == 1  # one holder across workers


def test_the_collector_runs_once_across_workers(gateway: Served, fake: Upstream) -> None:
    # One puller at a 1 s interval pulls 4 or 5 times in 4.5 s; two would pull 8 or more.
    assert 3 <= fake.hits_within(4.5) <= 6


def test_a_killed_worker_is_replaced_and_the_duties_go_on(gateway: Served, fake: Upstream) -> None:
    victim = _worker_pids(gateway)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while len(_worker_pids(gateway)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    replacement = _worker_pids(gateway)[2]
    assert replacement != victim
    assert any("was killed by SIGKILL" in line["message"] for line in gateway.lines())
    # Whichever worker held the lease, pulls resume within its TTL (3 s).
    time.sleep(4)
    assert fake.hits_within(3) >= 2
    for _ in range(30):
        gateway.get("/health")
    assert replacement in {line["pid"] for line in _access(gateway)}


def _token(gateway: Served, kind: str) -> str:
    database = str(gateway.log.parent / "g.db")
    created = subprocess.run(
        [GATEWAY, "tokens", "create", "--type", kind, "--database", database],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return created.stdout.strip()


def _served_by(gateway: Served, status: int, token_id: int) -> set[int]:
    return {
        int(str(line["pid"]))
        for line in _access(gateway)
        if line["route"] == "/api/v2/usage/streams/{source}"
        and line["status"] == status
        and line.get("token_id") == token_id
    }


def test_a_token_revoked_through_one_worker_is_refused_by_every_worker(gateway: Served) -> None:
    # Each worker caches the token check (GATEWAY_CACHE_S: longer than this test); the
    # revocation raises a generation the workers share, so none may go on trusting it.
    admin, reader = _token(gateway, "admin"), _token(gateway, "read")
    headers = {"Authorization": reader, "LD-API-Version": "beta"}
    assert {gateway.get("/api/v2/usage/streams/server", headers)[0] for _ in range(12)} == {200}
    token_id = max(int(str(line["token_id"])) for line in _access(gateway) if line.get("token_id"))
    assert _served_by(gateway, 200, token_id) == set(_worker_pids(gateway)[-2:])

    mutation = {"query": f"mutation {{ revokeToken(id: {token_id}) {{ __typename }} }}"}
    request = urllib.request.Request(
        gateway.base + "/graphql",
        data=json.dumps(mutation).encode(),
        headers={"Authorization": admin, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response) == {"data": {"revokeToken": {"__typename": "RevokedToken"}}}
    assert {gateway.get("/api/v2/usage/streams/server", headers)[0] for _ in range(12)} == {401}


def test_sigterm_finishes_a_request_in_flight(gateway: Served) -> None:
    # A writer holding the SQLite file makes the ingest wait (busy timeout): a slow request.
    blocker = sqlite3.connect(gateway.log.parent / "g.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as s:
            s.sendall(_post(EVALUATIONS))
            time.sleep(0.5)
            gateway.process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            blocker.execute("ROLLBACK")
            answer = s.recv(4096)
    finally:
        blocker.close()
    assert answer.startswith(b"HTTP/1.1 202")
    assert gateway.process.wait(timeout=30) == 0
    messages = [str(line["message"]) for line in gateway.lines()]
    assert any("draining" in m for m in messages)
    assert any(m == "all workers stopped" for m in messages)
    # Nothing listens any more.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", gateway.port), timeout=2)


def test_serve_writes_nothing_in_the_working_folder(gateway: Served) -> None:
    folder = Path(gateway.log).parent
    assert not (folder / "gateway.db").exists()
