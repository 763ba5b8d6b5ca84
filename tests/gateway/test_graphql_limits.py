"""Hostile documents are refused fast with a coded error; caches hit on repeated documents."""

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from strawberry.extensions import ParserCache, ValidationCache

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN, ClientFactory, FakeClock
from tests.graphql_client import codes, gql

# Not a speed target: a refusal takes milliseconds, while working through any of these
# documents (2^25 fields, 3,000 levels, 900 kB) takes minutes; the guard tells the two
# apart even on a loaded 2-core machine.
HANG_GUARD_S = 20.0


async def refused(client: TestClient[Any, Any], query: str) -> list[str]:
    started = time.perf_counter()
    status, body = await gql(client, query)
    elapsed = time.perf_counter() - started
    assert status == 200
    assert body["data"] is None
    assert elapsed < HANG_GUARD_S, elapsed
    return codes(body)


async def test_deep_nesting_is_refused_before_parsing(client: TestClient[Any, Any]) -> None:
    query = "{" + "a {" * 3000 + "b" + "}" * 3000 + "}"
    assert await refused(client, query) == ["query_too_deep"]


async def test_nesting_past_the_depth_limit_is_refused(client: TestClient[Any, Any]) -> None:
    query = "{ viewer " + "{ a " * 11 + "{ b }" + " }" * 11 + " }"
    assert (await refused(client, query))[0] == "query_too_deep"


async def test_a_thousand_aliases_are_refused(client: TestClient[Any, Any]) -> None:
    query = "{" + " ".join(f"a{i}: __typename" for i in range(1000)) + "}"
    assert await refused(client, query) == ["too_many_aliases"]


async def test_a_huge_document_is_refused_before_parsing(client: TestClient[Any, Any]) -> None:
    query = (
        "{ viewer { name } }" + " " * 900_000
    )  # under aiohttp's 1 MB warning, far over the limit
    assert await refused(client, query) == ["document_too_large"]


async def test_too_many_tokens_are_refused(client: TestClient[Any, Any]) -> None:
    query = "{ viewer { " + "name " * 10_000 + "} }"  # under the character limit
    assert await refused(client, query) == ["document_too_large"]


async def test_a_fragment_bomb_is_refused(client: TestClient[Any, Any]) -> None:
    # Each fragment spreads the next twice: 2^25 fields from a few hundred characters.
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(25))
    query = "{ ...F0 } " + fragments + " fragment F25 on Query { viewer { name } }"
    assert await refused(client, query) == ["document_too_large"]


async def test_introspection_is_not_counted_as_depth(client: TestClient[Any, Any]) -> None:
    deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType {"
    deep += " ofType { ofType { name } } } } } } } } } } } }"
    status, body = await gql(client, deep)
    assert (status, body.get("errors")) == (200, None)


async def test_the_time_limit_stops_a_query(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    settings = Settings(database_url=database_url, admin_token=ADMIN, graphql_timeout_s=1e-9)
    client = await aiohttp_client(create_app(settings, clock=clock))
    status, body = await gql(client, "{ tokens { id } }")
    assert status == 200
    assert codes(body) == ["query_timeout"]


def _cache_counts(settings: Settings) -> tuple[int, int, int, int]:
    parse = ParserCache(maxsize=settings.graphql_cache_size).cached_parse_document.cache_info()
    validate = ValidationCache(
        maxsize=settings.graphql_cache_size
    ).cached_validate_document.cache_info()
    return parse.hits, parse.misses, validate.hits, validate.misses


async def test_parser_and_validation_caches_hit(
    client: TestClient[Any, Any], settings: Settings
) -> None:
    query = "query CacheProbe { viewer { name kind } }"
    await gql(client, query)
    before = _cache_counts(settings)
    for _ in range(20):
        _, body = await gql(client, query)
        assert body["data"]["viewer"]["kind"] == "ADMIN"
    after = _cache_counts(settings)
    parse_hits, parse_misses, validate_hits, validate_misses = (
        a - b for a, b in zip(after, before, strict=True)
    )
    assert (parse_hits, parse_misses) == (20, 0)
    assert (validate_hits, validate_misses) == (20, 0)


@pytest.mark.parametrize("query", ["{ viewer { name } }", "{ tokens { id name } }"])
async def test_limits_leave_ordinary_queries_alone(
    client: TestClient[Any, Any], query: str
) -> None:
    status, body = await gql(client, query)
    assert (status, body.get("errors")) == (200, None)
