"""Parser and validation caches: time per operation with the rules built once vs per request.

Run: .venv/bin/python benchmarks/caches.py
Prints milliseconds per operation and the cache hit counts for three schemas:
  built once   - the gateway's schema (limiter rules made once, caches shared);
  rules/request - the trap: a factory that makes new limiter rules on every request,
                  so the validation cache never hits;
  no caches    - parse and validate on every request.
"""

import asyncio
import time
from typing import Any

from strawberry.extensions import ParserCache, ValidationCache

from resolvers.clock import system_clock
from resolvers.database import Database
from resolvers.tokens import Principal
from schema.access import OperationAccess
from schema.build import GatewaySchema, build_schema
from schema.context import Context
from schema.limits import DocumentLimits, Limits
from schema.roots import Mutation, Query, Subscription

QUERY = """
query Dashboard {
  viewer { name kind }
  a: viewer { name }
  b: viewer { kind }
  ...More
}
fragment More on Query { c: viewer { name kind } __typename }
"""
ROUNDS = 2000


class FreshLimits(DocumentLimits):
    """The trap: new rule classes every request (as a per-request factory would make)."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(Limits(**{f: getattr(limits, f) for f in limits.__dataclass_fields__}))


def trap_schema(limits: Limits) -> GatewaySchema:
    size = limits.cache_size
    extensions: list[Any] = [
        lambda: FreshLimits(limits),
        lambda: ParserCache(maxsize=size),
        lambda: ValidationCache(maxsize=size),
        OperationAccess,
    ]
    return GatewaySchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


def uncached_schema(limits: Limits) -> GatewaySchema:
    extensions: list[Any] = [lambda: DocumentLimits(limits), OperationAccess]
    return GatewaySchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


async def per_operation_ms(schema: GatewaySchema, context: Context) -> float:
    # The query never touches the database: parsing and validation dominate.
    started = time.perf_counter()
    for _ in range(ROUNDS):
        result = await schema.execute(QUERY, context_value=context)
        assert result.errors is None, result.errors
    return (time.perf_counter() - started) * 1000 / ROUNDS


def counts(limits: Limits) -> str:
    p = ParserCache(maxsize=limits.cache_size).cached_parse_document.cache_info()
    v = ValidationCache(maxsize=limits.cache_size).cached_validate_document.cache_info()
    return f"parse {p.hits} hits/{p.misses} misses, validate {v.hits} hits/{v.misses} misses"


async def main() -> None:
    limits = Limits()
    db = Database("sqlite+aiosqlite:///:memory:")
    context = Context(
        db=db, clock=system_clock, limits=limits, principal=Principal(1, "bench", "read")
    )
    results = {}
    for name, schema in (
        ("built once", build_schema(limits)),
        ("rules/request", trap_schema(limits)),
        ("no caches", uncached_schema(limits)),
    ):
        ParserCache(maxsize=limits.cache_size).cached_parse_document.cache_clear()
        ValidationCache(maxsize=limits.cache_size).cached_validate_document.cache_clear()
        result = await schema.execute(QUERY, context_value=context)
        assert result.errors is None, result.errors
        results[name] = await per_operation_ms(schema, context)
        print(f"{name:<14} {results[name]:.3f} ms/op   {counts(limits)}")
    base = results["built once"]
    print(
        f"ratio: rules/request is {results['rules/request'] / base:.1f}x, "
        f"no caches {results['no caches'] / base:.1f}x the time of rules built once"
    )
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
