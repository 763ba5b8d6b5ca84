"""Columnar (`times`, `values`) vs object (`points { time value }`) series: cost of a response.

Run: .venv/bin/python benchmarks/columnar.py
Prints milliseconds to execute and JSON-encode the same series both ways, and the ratio.
"""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import strawberry

from schema.series import Granularity, Series, SeriesLabels, UsageSeries

SERIES, POINTS, ROUNDS = 5, 2_000, 5
START = datetime(2026, 1, 1, tzinfo=UTC)


def usage() -> UsageSeries:
    times = [START + timedelta(minutes=i) for i in range(POINTS)]
    return UsageSeries(
        granularity=Granularity.MINUTELY,
        from_=times[0],
        to=times[-1],
        series=[
            Series(
                labels=SeriesLabels(variation=v),
                total=sum(range(POINTS)),
                times=times,
                values=list(range(POINTS)),
            )
            for v in range(SERIES)
        ],
    )


@strawberry.type
class Query:
    @strawberry.field
    def usage(self) -> UsageSeries:
        return usage()


OBJECTS = "{ usage { series { labels { variation } points { time value } } } }"
COLUMNS = "{ usage { series { labels { variation } times values } } }"


async def cost_ms(schema: strawberry.Schema, query: str) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        result = await schema.execute(query)
        assert result.errors is None, result.errors
        json.dumps(result.data)
        best = min(best, time.perf_counter() - started)
    return best * 1000


async def main() -> None:
    schema = strawberry.Schema(query=Query)
    objects = await cost_ms(schema, OBJECTS)
    columns = await cost_ms(schema, COLUMNS)
    print(f"{SERIES} series x {POINTS} points, best of {ROUNDS}:")
    print(f"  points {{ time value }}  {objects:8.1f} ms")
    print(f"  times + values         {columns:8.1f} ms")
    print(f"  columnar is {objects / columns:.1f}x cheaper")


if __name__ == "__main__":
    asyncio.run(main())
