"""Attack: property-based fuzzing of every REST route (from /openapi.json) and of /graphql.

Schemathesis generates requests from the gateway's own documents, valid ones and ones
that break the document, against a real ``gateway serve`` process on SQLite and on
PostgreSQL. No answer may be a 5xx, and every answer must keep the document's promises:
a documented status, its content type and its schema (REST), or a GraphQL response.

Bounded: a fixed seed (``derandomize``) and ``GATEWAY_FUZZ_EXAMPLES`` examples per
operation and mode (default 8, about a minute for both databases); raise it for a long
run. The figures (requests sent, 5xx seen) are printed (``pytest -s``).
"""

import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from graphql import NameNode, ObjectFieldNode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from resolvers import tokens
from resolvers.clock import system_clock
from resolvers.database import Database
from tests.attacks.serve import Gateway
from tests.conftest import ADMIN, BACKENDS, run_blocking

EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "8"))
SDK_PREFIXES = ("/api/client/", "/bulk", "/diagnostic", "/mobile", "/events/")
REST_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# What a request valid by the document may still be refused for: the rules the document
# states in prose only (info.description), across fields or against the clock; anything
# else refused is the document being looser than the server.
PROSE_RULES = re.compile(
    "in the future|must not be after|is before|buckets; a series holds|at most 31 days"
    "|needs exactly one project|required when|empty or too long|sum|NUL character"
    "|lone surrogate"
)
pytestmark = pytest.mark.fuzz


def _object(fields: dict[str, Any]) -> Any:
    return nodes.Object(
        [ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in fields.items()]
    )


# The JSON scalar (statistics documents, variation values): any small JSON value, two
# levels deep (built by hand: st.recursive trips a check of hypothesis's under schemathesis).
_LEAVES = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    st.text(max_size=10).map(nodes.String),
    st.booleans().map(nodes.Boolean),
    st.just(nodes.Null),
)
_NAMES = st.from_regex("[a-z]{1,6}", fullmatch=True)


def _containers(items: Any) -> Any:
    return st.one_of(
        st.lists(items, max_size=3).map(nodes.List),
        st.dictionaries(_NAMES, items, max_size=3).map(_object),
    )


JSON_VALUES = st.one_of(_LEAVES, _containers(st.one_of(_LEAVES, _containers(_LEAVES))))
schemathesis.graphql.scalar("JSON", JSON_VALUES)


class Tally:
    """Requests sent and statuses seen, per run."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()

    def note(self, status: int) -> None:
        self.statuses[status] += 1

    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def report(self, what: str) -> str:
        sent = sum(self.statuses.values())
        statuses = dict(sorted(self.statuses.items()))
        return f"{what}: {sent} requests fuzzed, {self.errors()} 5xx; statuses {statuses}"


def _fuzz(strategy: Any, run: Callable[[Any], None], failures: list[str], label: str) -> None:
    """Run ``run`` on EXAMPLES cases of ``strategy`` (fixed seed); note what failed."""
    bounded = settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    try:
        bounded(given(case=strategy)(run))()
    except Unsatisfiable:
        pass  # negative mode on a route with nothing to break: no request to make
    # Every operation is fuzzed and every failure reported (schemathesis groups its own).
    except (Exception, FailureGroup) as failure:
        failures.append(f"{label}: {failure}")


class Fuzzed:
    """A ``gateway serve`` process on one database, and a scoped ingest token for SDKs."""

    def __init__(self, gateway: Gateway, sdk_secret: str) -> None:
        self.gateway = gateway
        self.sdk_secret = sdk_secret

    def secret_for(self, path: str) -> str:
        return self.sdk_secret if path.startswith(SDK_PREFIXES) else ADMIN


async def _sdk_secret(url: str) -> str:
    db = Database(url)
    try:
        _, secret = await tokens.create_token(
            db, kind="ingest", name="fuzz", now=system_clock(), project="web", environment="prod"
        )
    finally:
        await db.dispose()
    return secret


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[Fuzzed]:
    """A gateway process for this module's fuzzing, on SQLite or PostgreSQL."""
    folder = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        shutil.copy(sqlite_template, folder / "fuzz.db")
        url = f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    gateway = Gateway(url, folder / "gateway.log")
    try:
        run_blocking(gateway.start())
        yield Fuzzed(gateway, run_blocking(_sdk_secret(url)))
    finally:
        gateway.kill()


def _refusals(body: Any) -> list[str]:
    """Return every reason a 400 body gives (each record error, else the message)."""
    problems = body.get("errors") or body.get("details") or [body]
    return [str(p.get("message", "")) for p in problems if isinstance(p, dict)]


def _rest_call(
    base: str, session: requests.Session, secret: str, tally: Tally, *, positive: bool
) -> Callable[[Any], None]:
    headers = {"Authorization": secret}

    def run(case: Any) -> None:
        response = case.call(base_url=base, session=session, headers=headers)
        tally.note(response.status_code)
        case.validate_response(response, checks=REST_CHECKS, headers=headers)
        if positive and response.status_code == 400:
            for reason in _refusals(response.json()):
                assert PROSE_RULES.search(reason), f"valid by the document, refused: {reason}"

    return run


def test_rest_routes_keep_the_openapi_document(fuzzed: Fuzzed) -> None:
    """Valid requests are accepted (2xx, or 401/403/404 for credentials and keys that do
    not exist), invalid ones refused with a 4xx; every answer is one the document lists."""
    base = fuzzed.gateway.url
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    tallies, failures = {mode: Tally() for mode in modes}, list[str]()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            secret = fuzzed.secret_for(operation.path)
            for mode in modes:
                positive = mode is GenerationMode.POSITIVE
                run = _rest_call(base, session, secret, tallies[mode], positive=positive)
                label = f"{operation.label} ({mode.value})"
                _fuzz(operation.as_strategy(generation_mode=mode), run, failures, label)
    for mode in modes:
        print(tallies[mode].report(f"REST, {mode.value} data"))
    assert not failures, "\n\n".join(failures)
    assert sum(tally.errors() for tally in tallies.values()) == 0


def test_graphql_keeps_to_its_schema(fuzzed: Fuzzed) -> None:
    base = fuzzed.gateway.url
    headers = {"Authorization": ADMIN}
    schema = schemathesis.graphql.from_url(f"{base}/graphql", headers=headers)
    tally, failures = Tally(), list[str]()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()

            def run(case: Any) -> None:
                response = case.call(base_url=base, session=session, headers=headers)
                tally.note(response.status_code)
                # Refusals of bad arguments are GraphQL errors (invalid_request and the
                # like), which schemathesis's GraphQL check counts as failures: ours are
                # no 5xx, a GraphQL response, and every error coded but none internal.
                assert response.status_code < 500, response.text
                body = response.json()
                assert isinstance(body, dict) and ("data" in body or "errors" in body), body
                codes = {e["extensions"]["code"] for e in body.get("errors") or ()}
                assert "internal_error" not in codes, body

            _fuzz(operation.as_strategy(), run, failures, operation.label)
    print(tally.report("GraphQL"))
    assert not failures, "\n\n".join(failures)
    assert tally.errors() == 0
